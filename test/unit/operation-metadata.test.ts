import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { changeMetadata, childMetadata, clusterOperationSummary, operationMetadata, selectorText, stageOf } from '../../src/domain/operation-metadata.js';

describe('what the Temporal UI shows for an operation', () => {
  // Provisions from the CLI: the spec, readable without opening the input.
  it('summarises a provision on one line and lists its spec in the details', () => {
    const input = { spec: { name: 'web-1', provider: 'local', environment: 'dev', labels: { team: 'web' }, protected: true }, requestedBy: 'alice' };
    const m = operationMetadata('provisionCluster', input, clusterOperationSummary('provisionCluster', input));
    expect(m.staticSummary).toBe('provision cluster web-1 (local/local, dev)');
    expect(m.staticDetails).toBe(
      [
        '**provisionCluster**: provision cluster web-1 (local/local, dev)',
        '',
        'Cluster **web-1**',
        '',
        '- provider: local, region: local, environment: dev',
        '- Kubernetes: the newest installed release',
        '- labels: team=web',
        '- protected: decommission needs force and a reason',
        '- requested by: alice',
      ].join('\n'),
    );
  });

  // Waves as typed in the plan file (durations as written), so the details read like the file.
  it('lists a wave\'s targets, stages, gates and soak', () => {
    const wave = { targets: [{ selector: { environments: ['staging'], matchLabels: { team: 'shop' } }, version: '1.36' }], sequence: [{ name: 'staging', environments: ['staging'] }], soak: '0s', approval: 'before' };
    expect(operationMetadata('upgradeWave', wave, 'upgrade wave to 1.36 (staging)').staticDetails).toBe(
      [
        '**upgradeWave**: upgrade wave to 1.36 (staging)',
        '',
        'Targets:',
        '',
        '- environments: [staging], team=shop -> **1.36**',
        '',
        '- stages: staging',
        '- approval: before each stage (gates `<stage>:before`)',
        '- soak: 0s',
      ].join('\n'),
    );
  });

  it('says "the whole fleet" for an empty selector', () => {
    expect(selectorText({})).toBe('the whole fleet');
  });

  // Children: the parent's tree reads as the plan.
  it('names a child by what it does and its stage, and links its parent', () => {
    const stages = [{ name: 'canary', clusters: ['prod-eu-1'] }, { name: 'rest', clusters: ['prod-us-1'] }];
    const m = childMetadata('apply bundle web@v3 to prod-eu-1', {
      workflowType: 'applyBundleToCluster',
      input: { cluster: 'prod-eu-1', bundleFrom: { name: 'web', revision: 'v3' } },
      stage: stageOf(stages, 'prod-eu-1'),
      attempt: 2,
      parentId: 'rollout/CHG-1',
      parentNoun: 'rollout',
    });
    expect(m.staticSummary).toBe('apply bundle web@v3 to prod-eu-1 (stage canary, attempt 2)');
    expect(m.staticDetails).toContain('Bundle **web@v3** on cluster **prod-eu-1**');
    expect(m.staticDetails).toContain('Part of rollout [rollout/CHG-1](/namespaces/{namespace}/workflows/rollout%2FCHG-1), stage **canary**.');
  });

  it('keeps summaries to one line of at most 200 characters', () => {
    const m = operationMetadata('decommissionCluster', { name: 'a' }, `decommission\n${'x'.repeat(300)}`);
    expect(m.staticSummary).toMatch(/^decommission x+\.\.\.$/);
    expect(m.staticSummary).toHaveLength(200);
  });

  it('shows an unknown workflow\'s input as JSON', () => {
    expect(operationMetadata('rollbackBundle', { cluster: 'a' }, 'roll back').staticDetails).toContain('```json\n{\n  "cluster": "a"\n}\n```');
  });

  // Changes from the API: the ticket, the gate, and the operation it runs.
  it('describes a change with its ticket, gate and operation', () => {
    const m = changeMetadata(
      { type: 'upgradeCluster', ticket: { system: 'jira', id: 'OPS-1' }, input: { name: 'web-1', version: '1.36' }, approval: { reason: 'touches prod' } },
      'upgradeCluster',
      'upgrade/web-1',
      'token:alice',
    );
    expect(m.staticSummary).toBe('upgradeCluster for jira/OPS-1, requested by token:alice');
    expect(m.staticDetails).toContain('- runs upgradeCluster [upgrade/web-1](/namespaces/{namespace}/workflows/upgrade%2Fweb-1)');
    expect(m.staticDetails).toContain('- waits for approval first (gate `change:before`): touches prod');
    expect(m.staticDetails).toContain('Cluster **web-1** to Kubernetes 1.36');
  });
});

describe('every workflow message handler has a description the UI shows', () => {
  const dir = new URL('../../workflows/', import.meta.url);
  /** The text of each `setHandler(...)` call: from its name to the matching closing parenthesis. */
  const calls = (source: string) => {
    const found: string[] = [];
    for (let at = source.indexOf('setHandler('); at >= 0; at = source.indexOf('setHandler(', at + 1)) {
      let depth = 0;
      let end = at + 'setHandler'.length;
      for (; end < source.length; end++) {
        if (source[end] === '(') depth++;
        else if (source[end] === ')' && --depth === 0) break;
      }
      found.push(source.slice(at, end + 1));
    }
    return found;
  };
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s', (file) => {
    const undescribed = calls(readFileSync(new URL(file, dir), 'utf8')).filter((c) => !/description[:,\s]/.test(c) && !c.includes('{ description'));
    expect(undescribed.map((c) => c.split('\n')[0])).toEqual([]);
  });
});
