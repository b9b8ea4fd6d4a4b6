import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { FleetDecommissionInputSchema, planFleetDecommission, type FleetDecommissionInput } from '../../src/domain/decommission/fleet-decommission.js';
import { parseWith } from '../../src/domain/validation.js';
import { cluster } from '../helpers/cluster-summaries.js';

const INVENTORY = [
  cluster('dev-1', { labels: { team: 'retired' } }),
  cluster('dev-2', { labels: { team: 'retired' }, phase: 'Registered' }), // never provisioned: may be retired too
  cluster('prod-1', { environment: 'prod', labels: { team: 'retired' } }),
  cluster('prod-vault', { environment: 'prod', labels: { team: 'retired' }, protected: true }),
  cluster('gone', { labels: { team: 'retired' }, phase: 'Deleted' }),
  cluster('keep', { labels: { team: 'web' } }),
];

const input = (over: Partial<z.input<typeof FleetDecommissionInputSchema>> = {}): FleetDecommissionInput =>
  FleetDecommissionInputSchema.parse({ selector: { matchLabels: { team: 'retired' } }, reason: 'team dissolved', ...over });

describe('planFleetDecommission', () => {
  it('refuses protected clusters, reports deleted ones and asks for approval because of a prod cluster', () => {
    expect(planFleetDecommission(input(), INVENTORY)).toEqual({
      selected: ['dev-1', 'dev-2', 'prod-1'],
      refused: [
        {
          name: 'prod-vault',
          reason: 'ClusterProtected',
          message: 'prod-vault is protected: a fleet decommission never retires it; decommission it alone with force and a reason',
        },
      ],
      excluded: [{ name: 'gone', reason: 'Deleted', message: 'gone has been decommissioned' }],
      approvalRequired: true,
      approvalReasons: ['prod-1 is in environment prod'],
    });
  });

  it.each<[string, Partial<z.input<typeof FleetDecommissionInputSchema>>, boolean]>([
    ['no prod cluster selected: no approval', { selector: { environments: ['dev'], matchLabels: { team: 'retired' } } }, false],
    // the only prod cluster is protected and so is not decommissioned: nothing to approve
    ['a refused prod cluster needs no approval', { selector: { include: ['prod-vault', 'dev-1'] } }, false],
    ['the prod set is configurable', { selector: { include: ['dev-1'] }, prodEnvironments: ['dev'] }, true],
  ])('%s', (_why, over, approvalRequired) => {
    expect(planFleetDecommission(input(over), INVENTORY).approvalRequired).toBe(approvalRequired);
  });

  it('refuses an empty selector and a missing reason', () => {
    expect(parseWith(FleetDecommissionInputSchema, { selector: {}, reason: ' ' }, 'input')).toEqual({
      ok: false,
      problems: [
        { path: 'input.reason', message: 'must say why the clusters are retired' },
        { path: 'input.selector', message: 'must select something: an empty selector would decommission the whole fleet' },
      ],
    });
  });
});
