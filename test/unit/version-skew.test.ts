import { describe, expect, it } from 'vitest';
import {
  checkNodePoolUpgrade,
  checkUpgrade,
  compareVersions,
  nextMinor,
  parseVersion,
  upgradePath,
} from '../../src/domain/upgrade/version-skew.js';

describe('parseVersion and compareVersions', () => {
  it.each([
    ['1.35', { major: 1, minor: 35 }],
    ['v1.35.4', { major: 1, minor: 35, patch: 4 }],
    ['1.35.x', undefined],
    ['latest', undefined],
  ])('parses %j', (text, v) => {
    expect(parseVersion(text)).toEqual(v);
  });

  it('orders numerically, not as text, with a missing patch as 0', () => {
    const sorted = ['1.9.0', '1.35.10', '1.35.9', '1.35', '1.34.12'].sort(compareVersions);
    expect(sorted).toEqual(['1.9.0', '1.34.12', '1.35', '1.35.9', '1.35.10']);
  });

  it('names the next minor and the minors on the way to a target', () => {
    expect(nextMinor('1.35.4')).toBe('1.36');
    expect(upgradePath('1.33.2', '1.35')).toEqual(['1.34', '1.35']);
    expect(upgradePath('1.35', '1.35')).toEqual([]);
  });
});

describe('checkUpgrade', () => {
  it.each([
    // the everyday case: the next minor, the provider picks the patch
    [{ current: '1.35.4', target: '1.36' }, { ok: true, noop: false, from: '1.35.4', to: '1.36' }],
    // a patch upgrade within the minor
    [{ current: '1.35.4', target: '1.35.6' }, { ok: true, noop: false, from: '1.35.4', to: '1.35.6' }],
    // node pools one and three minors behind the target are within the skew policy
    [{ current: '1.35.4', target: '1.36', nodePools: [{ name: 'a', version: '1.35.4' }, { name: 'b', version: '1.33.1' }] }, { ok: true, noop: false, from: '1.35.4', to: '1.36' }],
  ])('allows %j', (input, verdict) => {
    expect(checkUpgrade(input)).toEqual(verdict);
  });

  it.each([
    // the minor is already there: the provider owns the patch choice
    [{ current: '1.35.4', target: '1.35' }, 'already at 1.35.4: nothing to upgrade'],
    [{ current: 'v1.35.4', target: '1.35.4' }, 'already at 1.35.4: nothing to upgrade'],
  ])('calls %j a no-op', (input, message) => {
    expect(checkUpgrade(input)).toEqual({ ok: true, noop: true, from: '1.35.4', to: input.target, message });
  });

  it.each([
    [{ current: '1.34.2', target: '1.36' }, [{ code: 'SkipsMinor', message: 'cannot upgrade from 1.34.2 to 1.36 in one step: upgrade one minor version at a time (next: 1.35)' }]],
    [{ current: '1.35.4', target: '1.34' }, [{ code: 'Downgrade', message: 'cannot downgrade from 1.35.4 to 1.34' }]],
    [{ current: '1.35.4', target: '1.35.3' }, [{ code: 'Downgrade', message: 'cannot downgrade from 1.35.4 to 1.35.3' }]],
    [{ current: '1.35.4', target: '2.0' }, [{ code: 'MajorChange', message: 'cannot change major version from 1.35.4 to 2.0' }]],
    [{ current: '', target: 'latest' }, [
      { code: 'InvalidVersion', message: 'current version "" is not a Kubernetes version' },
      { code: 'InvalidVersion', message: 'target version "latest" is not a Kubernetes version' },
    ]],
    // a node pool newer than the control plane is already outside the policy
    [{ current: '1.35.4', target: '1.36', nodePools: [{ name: 'gpu', version: '1.36.0' }] }, [
      { code: 'NodePoolNewer', message: 'node pool gpu runs 1.36.0, newer than the control plane at 1.35.4: node pools must never be newer than the control plane' },
    ]],
    // 1.32 kubelets would trail a 1.36 apiserver by four minors; three is the limit since 1.25
    [{ current: '1.35.4', target: '1.36', nodePools: [{ name: 'old', version: '1.32.9' }] }, [
      { code: 'NodePoolTooOld', message: 'node pool old runs 1.32.9, which would be 4 minor versions behind the control plane at 1.36 (at most 3 allowed): upgrade node pool old first' },
    ]],
    // kubelets older than 1.25 may trail by two minors only
    [{ current: '1.26.0', target: '1.27', nodePools: [{ name: 'legacy', version: '1.24.3' }] }, [
      { code: 'NodePoolTooOld', message: 'node pool legacy runs 1.24.3, which would be 3 minor versions behind the control plane at 1.27 (at most 2 allowed): upgrade node pool legacy first' },
    ]],
    // every problem at once, not just the first
    [{ current: '1.34.0', target: '1.36', nodePools: [{ name: 'x', version: 'nope' }, { name: 'y', version: '1.35.0' }] }, [
      { code: 'InvalidVersion', message: 'node pool x: version "nope" is not a Kubernetes version' },
      { code: 'SkipsMinor', message: 'cannot upgrade from 1.34.0 to 1.36 in one step: upgrade one minor version at a time (next: 1.35)' },
      { code: 'NodePoolNewer', message: 'node pool y runs 1.35.0, newer than the control plane at 1.34.0: node pools must never be newer than the control plane' },
    ]],
  ])('refuses %j', (input, refusals) => {
    expect(checkUpgrade(input)).toEqual({ ok: false, refusals });
  });
});

describe('checkNodePoolUpgrade', () => {
  it('allows a pool up to the control plane minor and refuses one past it or backwards', () => {
    expect(checkNodePoolUpgrade({ controlPlane: '1.36.1', pool: { name: 'a', version: '1.35.4' }, target: '1.36' })).toEqual([]);
    expect(checkNodePoolUpgrade({ controlPlane: '1.35.4', pool: { name: 'a', version: '1.35.4' }, target: '1.36' })).toEqual([
      { code: 'NodePoolNewer', message: 'node pool a cannot move to 1.36: newer than the control plane at 1.35.4' },
    ]);
    expect(checkNodePoolUpgrade({ controlPlane: '1.35.4', pool: { name: 'a', version: '1.35.4' }, target: '1.34' })).toEqual([
      { code: 'Downgrade', message: 'node pool a cannot downgrade from 1.35.4 to 1.34' },
    ]);
  });
});
