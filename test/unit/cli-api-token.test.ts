import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiToken } from '../../src/api/auth/api-tokens.js';
import { createAuthenticator } from '../../src/api/auth/authenticator.js';
import { loadConfigFile } from '../../src/config.js';
import { authorize } from '../../src/domain/auth/authorize.js';
import { runCli } from '../helpers/fake-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetflow-api-token-'));
let n = 0;
const fileWith = (text: string | undefined, ext = 'yaml') => {
  const file = join(dir, `config-${++n}.${ext}`);
  if (text !== undefined) writeFileSync(file, text);
  return file;
};

const EXISTING = `# Fleetflow config of the platform team
accounts:
  - { name: edge, provider: external, kubeconfig: { env: EDGE_KUBECONFIG } } # the lab

access:
  roles:
    - name: web-deployer
      permissions:
        - { operations: [rollout, view], environments: ["*"] }
  bindings:
    - { role: viewer, groups: [fleet-viewers] } # everyone
  tokens:
    - { name: ci, hash: "sha256:${'1'.repeat(64)}" }
`;

const savedConfig = process.env.FLEETFLOW_CONFIG;
afterEach(() => {
  if (savedConfig === undefined) delete process.env.FLEETFLOW_CONFIG;
  else process.env.FLEETFLOW_CONFIG = savedConfig;
});

describe('fleetflow api token create', () => {
  it('adds the hash and a binding, keeps the rest of the file and its comments, and prints the token once', async () => {
    const file = fileWith(EXISTING);
    const r = await runCli(['api', 'token', 'create', 'servicenow', '--role', 'web-deployer', '--config', file]);
    expect(r.code).toBe(0);
    // stdout is the token and nothing else, so TOKEN=$(...) works; the warning goes to stderr.
    expect(r.stdout).toMatch(/^ffat_[A-Za-z0-9_-]{43}$/);
    const token = r.stdout;
    expect(r.stderr).toBe(`token servicenow (role web-deployer) added to ${file}. It is shown only now: Fleetflow keeps its hash, not the token, and cannot show it again.\n`);

    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain(hashApiToken(token));
    for (const kept of ['# Fleetflow config of the platform team', '# the lab', '# everyone', 'name: web-deployer']) expect(text).toContain(kept);
    expect(text).toContain(`    - {name: servicenow, hash: "${hashApiToken(token)}"}`);
    expect(text).toContain('    - {role: web-deployer, tokens: [servicenow]}');

    // The token works: the authenticator knows it, and the policy gives it the role.
    const { access } = loadConfigFile(file);
    const auth = await createAuthenticator({ policy: access })(`Bearer ${token}`);
    expect(auth).toEqual({ ok: true, principal: { kind: 'token', subject: 'servicenow', groups: [] } });
    if (!auth.ok) return;
    expect(authorize(access, auth.principal, { kind: 'start', type: 'rollout', scope: { environments: ['prod'] } })).toEqual({ allow: true, roles: ['web-deployer'] });
  });

  it('creates the file FLEETFLOW_CONFIG names when it is missing, readable by its owner only', async () => {
    const file = fileWith(undefined);
    process.env.FLEETFLOW_CONFIG = file;
    const r = await runCli(['api', 'token', 'create', 'ci-deploy', '--role', 'operator']);
    expect(r).toMatchObject({ code: 0, stderr: expect.stringContaining(`added to the new file ${file}`) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { access } = loadConfigFile(file);
    expect(access.tokens).toEqual([{ name: 'ci-deploy', hash: hashApiToken(r.stdout) }]);
    expect(access.bindings).toEqual([{ role: 'operator', tokens: ['ci-deploy'] }]);
  });

  it('keeps a JSON file JSON', async () => {
    const file = fileWith('{ "accounts": [] }\n', 'json');
    const r = await runCli(['api', 'token', 'create', 'ci', '--role', 'viewer', '--config', file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ accounts: [], access: { tokens: [{ name: 'ci', hash: hashApiToken(r.stdout) }], bindings: [{ role: 'viewer', tokens: ['ci'] }] } });
  });

  // Each refusal: exit 2, one line naming the problem, no token printed, the file unchanged.
  it.each([
    { why: 'a name that exists', argv: ['ci', '--role', 'operator'], text: EXISTING, err: 'token ci already exists in FILE: choose another name, or remove it from access.tokens (and its bindings) first' },
    { why: 'an unknown role', argv: ['deploy', '--role', 'root'], text: EXISTING, err: 'unknown role "root" (roles: viewer, operator, prod-operator, approver, admin, web-deployer)' },
    { why: 'a name the policy cannot hold', argv: ['CI_Deploy', '--role', 'operator'], text: EXISTING, err: 'token name "CI_Deploy" must be lowercase letters, digits and "-", starting and ending alphanumeric' },
    { why: 'no role', argv: ['deploy'], text: EXISTING, err: 'api token create: --role ROLE is required (viewer, operator, prod-operator, approver, admin or a custom role)' },
    { why: 'no name', argv: ['--role', 'operator'], text: EXISTING, err: 'api token create: expected exactly one token NAME' },
    {
      why: 'a file that is already invalid',
      argv: ['deploy', '--role', 'operator'],
      text: 'access:\n  bindings:\n    - { role: root, groups: [x] }\n',
      err: 'FILE is not a valid config file, fix it first: access.bindings[0].role: unknown role "root" (roles: viewer, operator, prod-operator, approver, admin)',
    },
    { why: 'a file that is not YAML', argv: ['deploy', '--role', 'operator'], text: 'access: [unclosed\n', err: /^FILE: not valid YAML or JSON: / },
  ])('refuses $why and changes nothing', async ({ argv, text, err }) => {
    const file = fileWith(text);
    const r = await runCli(['api', 'token', 'create', ...argv, '--config', file]);
    const expected = typeof err === 'string' ? `error: ${err.replace('FILE', file)}\n` : expect.stringMatching(new RegExp(`^error: ${err.source.slice(1).replace('FILE', file)}`));
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: expected });
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('needs a file: --config or FLEETFLOW_CONFIG', async () => {
    delete process.env.FLEETFLOW_CONFIG;
    expect(await runCli(['api', 'token', 'create', 'ci', '--role', 'operator'])).toMatchObject({ code: 2, stderr: 'error: api token create: give --config FILE or set FLEETFLOW_CONFIG\n' });
  });

  it('creates no file when it refuses', async () => {
    const file = fileWith(undefined);
    expect(await runCli(['api', 'token', 'create', 'ci', '--role', 'root', '--config', file])).toMatchObject({ code: 2 });
    expect(existsSync(file)).toBe(false);
  });
});

describe('fleetflow api token list', () => {
  it('shows names and roles, never hashes', async () => {
    const file = fileWith(EXISTING);
    await runCli(['api', 'token', 'create', 'servicenow', '--role', 'web-deployer', '--config', file]);
    const table = await runCli(['api', 'token', 'list', '--config', file]);
    expect(table.stdout).toBe(['NAME         ROLES                       DESCRIPTION', 'ci           (none: it can do nothing)', 'servicenow   web-deployer'].join('\n'));
    const json = await runCli(['api', 'token', 'list', '--config', file, '-o', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { name: 'ci', roles: [] },
      { name: 'servicenow', roles: ['web-deployer'] },
    ]);
    expect(table.stdout + json.stdout).not.toContain('sha256');
  });

  it('says when the file does not exist', async () => {
    expect(await runCli(['api', 'token', 'list', '--config', join(dir, 'nope.yaml')])).toMatchObject({ code: 1, stderr: `error: no config file ${join(dir, 'nope.yaml')}\n` });
  });
});
