import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowsPath } from '../../workers/bundle.js';

const dir = new URL('../histories/', import.meta.url);
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
});

// A change to workflow code that would break an execution already running in production
// fails here: each recorded history must replay against today's code without a determinism error.
describe('recorded histories replay against the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(histories.length).toBeGreaterThanOrEqual(4);
  });

  it.each(histories)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
    // The original workflow id (the file name, "/" written "__"): child ids are derived from it.
    const workflowId = file.replace(/\.json$/, '').replaceAll('__', '/');
    await Worker.runReplayHistory({ workflowBundle, replayName: file }, history, workflowId);
  });
});
