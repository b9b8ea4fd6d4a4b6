import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config.js';
import { AccessPolicySchema, DEFAULT_ACCESS_POLICY } from '../../src/domain/auth/policy.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';
import { readmeAccessExample, readmeAccessSection } from '../helpers/access-example.js';

const HASH = `sha256:${'0123456789abcdef'.repeat(4)}`;
const HASH2 = `sha256:${'f'.repeat(64)}`;

/** The one-line refusal of an `access` section, as `loadConfigFile` words it after the file name. */
function refusal(access: unknown): string {
  const parsed = parseWith(AccessPolicySchema, access, 'access');
  if (parsed.ok) throw new Error('expected the policy to be refused');
  return describeProblems(parsed.problems);
}

describe('the access policy section', () => {
  it('accepts the README example as written', () => {
    const p = AccessPolicySchema.parse(readmeAccessSection());
    expect(p.bindings.map((b) => b.role)).toEqual(['viewer', 'operator', 'prod-operator', 'approver', 'admin', 'operator', 'web-deployer']);
    expect(p.tokens.map((t) => t.name)).toEqual(['ci-deploy', 'servicenow']);
  });

  // Deny by default: no bindings, so nobody has a role; prod is prod and production.
  it('defaults to built-in roles, nobody bound, prod and production as prod', () => {
    expect(DEFAULT_ACCESS_POLICY).toEqual({ prodEnvironments: ['prod', 'production'], roles: [], bindings: [], tokens: [], delegatedApprovers: [] });
  });

  it('is read from the config file beside the accounts, and defaults when absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetflow-access-'));
    const withAccess = join(dir, 'with.yaml');
    writeFileSync(withAccess, `accounts: []\n${readmeAccessExample()}`);
    expect(loadConfigFile(withAccess).access.bindings).toHaveLength(7);
    const without = join(dir, 'without.yaml');
    writeFileSync(without, 'accounts: []\n');
    expect(loadConfigFile(without).access).toEqual(DEFAULT_ACCESS_POLICY);
  });

  it('names the file and the bad field when loaded from the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetflow-access-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'access:\n  bindings:\n    - { role: operater, groups: [platform] }\n');
    expect(() => loadConfigFile(file)).toThrow(
      `configuration file ${file}: access.bindings[0].role: unknown role "operater" (roles: viewer, operator, prod-operator, approver, admin)`,
    );
  });
});

describe('access policy validation: every bad field named', () => {
  it.each([
    // A typo in a role must not silently bind nothing: the list of roles helps fix it.
    {
      why: 'a binding names an unknown role',
      access: { roles: [{ name: 'deployer', permissions: [{ operations: ['rollout'], environments: ['dev'] }] }], bindings: [{ role: 'deployr', subjects: ['u1'] }] },
      want: 'access.bindings[0].role: unknown role "deployr" (roles: viewer, operator, prod-operator, approver, admin, deployer)',
    },
    {
      why: 'a permission names an unknown operation type',
      access: { roles: [{ name: 'deployer', permissions: [{ operations: ['rollout', 'delete'], environments: ['dev'] }] }] },
      want: 'access.roles[0].permissions[0].operations[1]: must be an operation: provision, decommission, upgradeCluster, upgradeWave, rollout, fleetDecommission, view, approve, pause, resume, abort, retry, skip, codec or *',
    },
    // The two ways to paste a token in clear: in `hash`, or under its own key.
    {
      why: 'a token given in clear in hash',
      access: { tokens: [{ name: 'ci', hash: 'fft_s3cr3t-token-value' }] },
      want: 'access.tokens[0].hash: must be "sha256:" and 64 lowercase hex digits, the SHA-256 of the token (never the token itself)',
    },
    {
      why: 'a token given in clear under token',
      access: { tokens: [{ name: 'ci', hash: HASH, token: 'fft_s3cr3t-token-value' }] },
      want: 'access.tokens[0].token: tokens are stored only as hashes: give hash: "sha256:<hex>", never the token itself',
    },
    {
      why: 'an uppercase or unprefixed hash (one format only, so comparisons are exact)',
      access: { tokens: [{ name: 'ci', hash: HASH.toUpperCase() }, { name: 'cd', hash: '0123456789abcdef'.repeat(4) }] },
      want:
        'access.tokens[0].hash: must be "sha256:" and 64 lowercase hex digits, the SHA-256 of the token (never the token itself); ' +
        'access.tokens[1].hash: must be "sha256:" and 64 lowercase hex digits, the SHA-256 of the token (never the token itself)',
    },
    {
      why: 'a binding names a token the policy does not have',
      access: { tokens: [{ name: 'ci', hash: HASH }], bindings: [{ role: 'operator', tokens: ['ci', 'cd'] }] },
      want: 'access.bindings[0].tokens[1]: unknown token "cd": not in access.tokens',
    },
    // Two tokens with one hash would make the presented token's name ambiguous.
    {
      why: 'duplicate token names and hashes',
      access: { tokens: [{ name: 'ci', hash: HASH }, { name: 'ci', hash: HASH2 }, { name: 'cd', hash: HASH }] },
      want: 'access.tokens[1].name: duplicate token name "ci"; access.tokens[2].hash: same hash as an earlier token: each token must be distinct',
    },
    {
      why: 'a binding that binds nobody',
      access: { bindings: [{ role: 'viewer' }, { role: 'viewer', groups: [] }] },
      want: 'access.bindings[0]: must name at least one of subjects, groups or tokens; access.bindings[1].groups: must not be empty when given',
    },
    // Built-in roles have a fixed meaning: a custom role may not redefine one.
    {
      why: 'a custom role reusing a built-in name, and a duplicate custom role',
      access: {
        roles: [
          { name: 'admin', permissions: [{ operations: ['view'], environments: ['*'] }] },
          { name: 'web', permissions: [{ operations: ['view'], environments: ['*'] }] },
          { name: 'web', permissions: [{ operations: ['rollout'], environments: ['*'] }] },
        ],
      },
      want: 'access.roles[0].name: role admin is built in: give a custom role another name; access.roles[2].name: duplicate role name "web"',
    },
    {
      why: 'bad environment patterns and empty lists',
      access: { roles: [{ name: 'r', permissions: [{ operations: [], environments: ['@prodd', 'eu west'] }] }] },
      want:
        'access.roles[0].permissions[0].operations: must name at least one operation; ' +
        'access.roles[0].permissions[0].environments[0]: must be an environment name, "*", "@prod" or "@non-prod"; ' +
        'access.roles[0].permissions[0].environments[1]: must be an environment name, "*", "@prod" or "@non-prod"',
    },
    {
      why: 'a bad fleet selector, named by its path inside the permission',
      access: { roles: [{ name: 'r', permissions: [{ operations: ['rollout'], environments: ['*'], fleet: { matchExpressions: [{ key: 'team', operator: 'In' }] } }] }] },
      want: 'access.roles[0].permissions[0].fleet.matchExpressions[0].values: operator In needs at least one value',
    },
    // No prod environment would switch four eyes and the prod gate off: refuse it.
    {
      why: 'empty prodEnvironments',
      access: { prodEnvironments: [] },
      want: 'access.prodEnvironments: must name at least one environment',
    },
    {
      why: 'a role without permissions and an unknown key',
      access: { roles: [{ name: 'r', permissions: [] }], users: ['alice'] },
      want: 'access.roles[0].permissions: must grant at least one permission; access: Unrecognized key: "users"',
    },
    // Cross-field checks run even when a field is bad on its own, so one pass lists everything.
    {
      why: 'a bad hash and an unknown role at once',
      access: { tokens: [{ name: 'ci', hash: 'plain' }], bindings: [{ role: 'root', tokens: ['ci', 'cd'] }] },
      want:
        'access.tokens[0].hash: must be "sha256:" and 64 lowercase hex digits, the SHA-256 of the token (never the token itself); ' +
        'access.bindings[0].role: unknown role "root" (roles: viewer, operator, prod-operator, approver, admin); ' +
        'access.bindings[0].tokens[1]: unknown token "cd": not in access.tokens',
    },
    {
      why: 'a section that is not a mapping',
      access: 'admin',
      want: 'access: Invalid input: expected object, received string',
    },
  ])('$why', ({ access, want }) => {
    expect(refusal(access)).toBe(want);
  });

  it('never repeats a token given in clear', () => {
    const message = refusal({ tokens: [{ name: 'ci', hash: 'fft_s3cr3t-token-value', token: 'fft_s3cr3t-token-value' }] });
    expect(message).not.toContain('s3cr3t');
  });
});
