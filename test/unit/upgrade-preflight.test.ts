import { describe, expect, it } from 'vitest';
import { agentUpgradeRefusal, behind, postUpgradeVerdict, preflight, type PreflightInput } from '../../src/domain/upgrade/preflight.js';

const healthy = { status: 'Healthy' as const, reasons: ['API server ready'] };
const base: PreflightInput = { name: 'web', target: '1.36', current: '1.35.4', nodePools: [], health: healthy, requireHealthy: false, removedApis: [] };
const finding = (name: string) => ({ apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kind: 'FlowSchema', name, removedIn: '1.32', source: 'managedFields' as const });

describe('preflight', () => {
  // the plain case: one minor up, healthy, nothing removed
  it('upgrades the control plane and the node pools behind the target, pools in name order', () => {
    const r = preflight({ ...base, nodePools: [{ name: 'b', version: '1.35.4' }, { name: 'a', version: '1.35.1' }] });
    expect(r).toEqual({ ok: true, from: '1.35.4', to: '1.36', upgradeControlPlane: true, pools: [{ name: 'a', version: '1.35.1' }, { name: 'b', version: '1.35.4' }], noop: false, warnings: [] });
  });

  // a retry after the node pools failed: the control plane is there already
  it('resumes with the node pools when the control plane is at the target', () => {
    const r = preflight({ ...base, current: '1.36.3', nodePools: [{ name: 'a', version: '1.35.4' }] });
    expect(r).toMatchObject({ ok: true, upgradeControlPlane: false, pools: [{ name: 'a', version: '1.35.4' }], noop: false });
  });

  it('is a no-op when the control plane and every pool are at the target', () => {
    expect(preflight({ ...base, current: '1.36.3', nodePools: [{ name: 'a', version: '1.36.1' }] })).toMatchObject({ ok: true, noop: true, pools: [] });
  });

  // every refusal at once: skew, unreachable, removed APIs
  it('lists every refusal', () => {
    const r = preflight({
      ...base,
      current: '1.34.2',
      nodePools: [{ name: 'big', version: '1.35.0' }],
      health: { status: 'Unreachable', reasons: ['API server unreachable: ECONNREFUSED'] },
      removedApis: [finding('a'), finding('b'), finding('c'), finding('d'), finding('e'), finding('f')],
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.refusals).toEqual([
      'cannot upgrade from 1.34.2 to 1.36 in one step: upgrade one minor version at a time (next: 1.35)',
      'node pool big runs 1.35.0, newer than the control plane at 1.34.2: node pools must never be newer than the control plane',
      'the API server is unreachable: API server unreachable: ECONNREFUSED',
      expect.stringMatching(/^6 objects use API versions removed in or before 1.36: FlowSchema a uses .*; FlowSchema e uses .* and 1 more; migrate them first$/),
    ]);
  });

  it('refuses a cluster that has not reported its version', () => {
    const { current: _none, ...unknown } = base;
    expect(preflight(unknown)).toEqual({ ok: false, refusals: ['cluster web has not reported its version'] });
  });

  // Degraded: an upgrade is often the fix, unless the caller asks for a healthy cluster
  it('warns about a Degraded cluster, and refuses it only when requireHealthy', () => {
    const health = { status: 'Degraded' as const, reasons: ['1 of 3 nodes NotReady: n1'] };
    expect(preflight({ ...base, health })).toMatchObject({ ok: true, warnings: ['the cluster is Degraded: 1 of 3 nodes NotReady: n1'] });
    expect(preflight({ ...base, health, requireHealthy: true })).toEqual({ ok: false, refusals: ['the cluster is Degraded: 1 of 3 nodes NotReady: n1'] });
  });

  it('warns when the removed-API scan was skipped', () => {
    const { removedApis: _skipped, ...unscanned } = base;
    expect(preflight(unscanned)).toMatchObject({ ok: true, warnings: ['the removed-API scan was skipped'] });
  });
});

describe('behind', () => {
  it.each([
    ['1.35.4', '1.36', true], // older minor
    ['1.36.0', '1.36', false], // a minor-only target is met by any patch
    ['1.36.0', '1.36.3', true], // a patch target is exact
    ['1.36.3', '1.36.3', false],
    ['garbage', '1.36', false],
  ])('%s behind %s: %s', (version, target, want) => {
    expect(behind(version, target)).toBe(want);
  });
});

describe('postUpgradeVerdict', () => {
  const degraded = (...reasons: string[]) => ({ status: 'Degraded' as const, reasons });
  it('is Active when healthy afterwards', () => {
    expect(postUpgradeVerdict(healthy, healthy)).toEqual({ ok: true, phase: 'Active' });
  });
  it('fails when unreachable afterwards', () => {
    expect(postUpgradeVerdict(healthy, { status: 'Unreachable', reasons: ['API server unreachable: timeout'] })).toEqual({ ok: false, problems: ['API server unreachable: timeout'] });
  });
  // a cluster Degraded for a known reason that is no worse passes and stays Degraded
  it('fails only on problems that were not there before', () => {
    expect(postUpgradeVerdict(degraded('node n1 NotReady'), degraded('node n1 NotReady'))).toEqual({ ok: true, phase: 'Degraded' });
    expect(postUpgradeVerdict(degraded('node n1 NotReady'), degraded('node n1 NotReady', 'API server runs 1.35.4, expected 1.36'))).toEqual({
      ok: false,
      problems: ['API server runs 1.35.4, expected 1.36'],
    });
    expect(postUpgradeVerdict(healthy, degraded('coredns 0/2 available'))).toEqual({ ok: false, problems: ['coredns 0/2 available'] });
  });
});

describe('agentUpgradeRefusal', () => {
  it('says who upgrades an agent cluster, where it is, and how to record the version once it moved', () => {
    expect(agentUpgradeRefusal('plant-7', '1.37', '1.36.3')).toBe(
      'cluster plant-7 is reached through its agent: its control plane and node pools are upgraded on the site by its owners, not by Fleetflow ' +
        '(it runs 1.36.3; the checks for 1.37 passed). Once it is upgraded, upgrading it to 1.37 again checks it and records the version',
    );
  });
  // A cluster whose version was never reported still gets a sentence, not "runs ;".
  it('names an unreported version plainly', () => {
    expect(agentUpgradeRefusal('plant-7', '1.37', '')).toContain('(it runs an unreported version;');
  });
});
