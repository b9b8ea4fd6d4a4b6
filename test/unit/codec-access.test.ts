import { describe, expect, it } from 'vitest';
import { CodecServerConfigSchema, corsOriginsOf, devCodecAllows, isLoopbackAddress, parseDevCodecOrigin } from '../../src/domain/api/codec-access.js';
import { authorizeCodec, type Principal } from '../../src/domain/auth/authorize.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';

const UI = 'http://127.0.0.1:8233';

describe('the dev UI exception', () => {
  it.each([
    // Let in: the exact origin dev up named, from this machine.
    { why: 'the dev UI from IPv4 loopback', dev: UI, origin: UI, peer: '127.0.0.1', allow: true },
    { why: 'the dev UI from IPv4-mapped loopback', dev: UI, origin: UI, peer: '::ffff:127.0.0.1', allow: true },
    // Refused: anything else.
    { why: 'no dev setting (production)', dev: undefined, origin: UI, peer: '127.0.0.1', allow: false },
    { why: 'another origin on loopback', dev: UI, origin: 'http://127.0.0.1:9999', peer: '127.0.0.1', allow: false },
    { why: 'localhost instead of 127.0.0.1 (not the exact origin)', dev: UI, origin: 'http://localhost:8233', peer: '127.0.0.1', allow: false },
    { why: 'no Origin header (curl, the temporal CLI)', dev: UI, origin: undefined, peer: '127.0.0.1', allow: false },
    { why: 'the right Origin from another machine', dev: UI, origin: UI, peer: '10.0.0.7', allow: false },
    { why: 'no peer address (an in-process call)', dev: UI, origin: UI, peer: undefined, allow: false },
  ])('$why -> $allow', ({ dev, origin, peer, allow }) => {
    expect(devCodecAllows(dev, origin, peer)).toBe(allow);
  });

  it.each([
    { address: '127.0.0.1', loopback: true },
    { address: '127.8.9.10', loopback: true },
    { address: '::1', loopback: true },
    { address: '::ffff:10.0.0.1', loopback: false },
    { address: '192.168.1.2', loopback: false },
  ])('$address is loopback: $loopback', ({ address, loopback }) => expect(isLoopbackAddress(address)).toBe(loopback));

  it('takes only a loopback origin as the dev setting', () => {
    expect(parseDevCodecOrigin(undefined)).toEqual({ ok: true });
    expect(parseDevCodecOrigin(UI)).toEqual({ ok: true, origin: UI });
    expect(parseDevCodecOrigin('https://temporal.example.com')).toMatchObject({ ok: false, error: expect.stringContaining('FLEETFLOW_DEV_CODEC_ORIGIN must be an origin') });
    expect(parseDevCodecOrigin('http://127.0.0.1:8233/')).toMatchObject({ ok: false });
  });
});

describe('the api.codec section', () => {
  it('lists the UI origins CORS lets in, the dev one added', () => {
    const cfg = CodecServerConfigSchema.parse({ corsOrigins: ['https://temporal.example.com'] });
    expect(corsOriginsOf(cfg, UI)).toEqual(['https://temporal.example.com', UI]);
    expect(corsOriginsOf(CodecServerConfigSchema.parse({}), undefined)).toEqual([]);
  });

  it.each([
    { why: 'a path', origin: 'https://temporal.example.com/ui' },
    { why: 'plain http off this machine', origin: 'http://temporal.example.com' },
    { why: 'a wildcard', origin: '*' },
  ])('refuses an origin with $why, naming the field', ({ origin }) => {
    const parsed = parseWith(CodecServerConfigSchema, { corsOrigins: [origin] }, 'api.codec');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(describeProblems(parsed.problems)).toMatch(/^api\.codec\.corsOrigins\[0\]: must be an origin/);
  });
});

describe('authorizeCodec', () => {
  const policy = AccessPolicySchema.parse({
    roles: [
      { name: 'dev-deployer', permissions: [{ operations: ['*'], environments: ['dev'] }] },
      { name: 'fleet-decoder', permissions: [{ operations: ['codec'], environments: ['*'], fleet: { matchLabels: { team: 'a' } } }] },
      { name: 'decoder', permissions: [{ operations: ['codec'], environments: ['*'] }] },
    ],
    bindings: [
      { role: 'viewer', groups: ['viewers'] },
      { role: 'approver', groups: ['approvers'] },
      { role: 'operator', groups: ['ops'] },
      { role: 'dev-deployer', groups: ['dev'] },
      { role: 'fleet-decoder', groups: ['team-a'] },
      { role: 'decoder', groups: ['decoders'] },
    ],
  });
  const user = (group: string): Principal => ({ kind: 'oidc', subject: `u-${group}`, groups: [group] });

  it.each([
    // Every built-in role views every environment, so it may decode.
    { group: 'viewers', allow: true },
    { group: 'approvers', allow: true },
    { group: 'ops', allow: true },
    { group: 'decoders', allow: true },
    // `*` on one environment is not every environment; a fleet-narrowed grant is not either.
    { group: 'dev', allow: false },
    { group: 'team-a', allow: false },
    { group: 'nobody', allow: false },
  ])('$group -> $allow', ({ group, allow }) => {
    expect(authorizeCodec(policy, user(group)).allow).toBe(allow);
  });

  it('says why it refuses', () => {
    expect(authorizeCodec(policy, user('dev'))).toEqual({
      allow: false,
      roles: ['dev-deployer'],
      reason: 'oidc:u-dev (roles: dev-deployer) may not use the codec server: no permission grants codec on every environment ("*")',
    });
  });
});
