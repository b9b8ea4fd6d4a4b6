import { describe, expect, it } from 'vitest';
import { scheduleUiLink, temporalUiUrl, workflowUiLink } from '../../src/temporal/ui-link.js';

describe('links into the Temporal UI', () => {
  // Where the UI is: the dev server's unless FLEETFLOW_UI_URL says otherwise.
  it('is the dev server\'s UI by default: the gRPC port + 1000', () => {
    expect(temporalUiUrl({ TEMPORAL_ADDRESS: '127.0.0.1:17433' })).toBe('http://127.0.0.1:18433');
  });

  it('follows FLEETFLOW_UI_PORT, as `dev up` does', () => {
    expect(temporalUiUrl({ TEMPORAL_ADDRESS: '127.0.0.1:17433', FLEETFLOW_UI_PORT: '9000' })).toBe('http://127.0.0.1:9000');
  });

  it('takes FLEETFLOW_UI_URL as given, without a trailing slash', () => {
    expect(temporalUiUrl({ FLEETFLOW_UI_URL: 'https://temporal.example.com/' })).toBe('https://temporal.example.com');
  });

  // Workflow ids hold slashes: they are one path segment in the UI's routes.
  it('links a workflow\'s latest run, or one run\'s history', () => {
    expect(workflowUiLink('http://ui', 'fleetflow', 'upgrade-wave/w1')).toBe('http://ui/namespaces/fleetflow/workflows/upgrade-wave%2Fw1');
    expect(workflowUiLink('http://ui/', 'fleetflow', 'provision/web-1', 'r-1')).toBe('http://ui/namespaces/fleetflow/workflows/provision%2Fweb-1/r-1/history');
  });

  it('links a schedule', () => {
    expect(scheduleUiLink('http://ui', 'fleetflow', 'weekly dev')).toBe('http://ui/namespaces/fleetflow/schedules/weekly%20dev');
  });
});
