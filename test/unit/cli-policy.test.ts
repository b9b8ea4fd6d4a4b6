import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PolicyStatusView } from '../../src/domain/policy/policy-state.js';
import { runCli } from '../helpers/fake-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetflow-cli-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const view: PolicyStatusView = {
  name: 'guardrails',
  generation: 2,
  selector: {},
  policies: [
    { name: 'admission', mode: 'enforce', revision: 'p-1', bundle: 'policy-guardrails-admission', rollout: { id: 'r', status: 'Succeeded', revision: 'p-1', clusters: ['a', 'b'], generation: 2 } },
    { name: 'auditors', mode: 'inform', revision: 'p-2', bundle: 'policy-guardrails-auditors' },
  ],
  clusters: ['a', 'b'],
  matrix: {
    a: { admission: { state: 'Compliant', reasons: [] }, auditors: { state: 'NonCompliant', reasons: ['RoleBinding payments/auditors: missing'] } },
    b: { admission: { state: 'Unknown', reasons: ['connect ECONNREFUSED'] }, auditors: { state: 'Unknown', reasons: ['connect ECONNREFUSED'] } },
  },
  counts: { Compliant: 1, NonCompliant: 1, Pending: 0, Unknown: 2 },
  changes: [],
  evaluatedAt: '2026-11-30T10:00:00.000Z',
};

describe('fleetflow policy', () => {
  it('prints the fleet x policy matrix: cluster rows, policy columns, then the reason of every cell not Compliant', async () => {
    const r = await runCli(['policy', 'status', 'guardrails'], { 'policy/guardrails': { query: view } });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      [
        'fleet policy guardrails (generation 2): 1 Compliant, 1 NonCompliant, 0 Pending, 2 Unknown; evaluated 2026-11-30T10:00:00.000Z',
        'policies: admission enforce p-1 (rollout Succeeded), auditors inform p-2',
        '',
        'CLUSTER   ADMISSION   AUDITORS',
        'a         Compliant   NonCompliant',
        'b         Unknown     Unknown',
        '',
        'reasons:',
        '  a auditors: RoleBinding payments/auditors: missing',
        '  b admission: connect ECONNREFUSED',
        '  b auditors: connect ECONNREFUSED',
      ].join('\n'),
    );
    expect(JSON.parse((await runCli(['policy', 'status', 'guardrails', '-o', 'json'], { 'policy/guardrails': { query: view } })).stdout)).toEqual(view);
  });

  it('says so when the policy is not running, and refuses a bad file before asking Temporal anything', async () => {
    expect(await runCli(['policy', 'status', 'nope'])).toMatchObject({ code: 1, stderr: 'error: fleet policy nope is not running\n' });
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: guardrails\nselector: {}\npolicies:\n  - name: x\n    mode: enforce\n    objects: [{ apiVersion: apps/v1, kind: Deployment, metadata: { name: web } }]\n');
    const r = await runCli(['policy', 'apply', '-f', file]);
    expect(r).toMatchObject({ code: 2, calls: [] });
    expect(r.stderr).toContain(`${file}: invalid fleet policy: policies[0].objects[0].kind: Deployment of apps/v1 is not a policy kind`);
  });

  it('asks the workflow to delete, as the user', async () => {
    const r = await runCli(['policy', 'delete', 'guardrails', '--reason', 'retired'], { 'policy/guardrails': { query: view } });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([{ op: 'update', id: 'policy/guardrails', name: 'deleteFleetPolicy', args: [{ by: expect.stringMatching(/^cli:/), reason: 'retired' }] }]);
  });
});
