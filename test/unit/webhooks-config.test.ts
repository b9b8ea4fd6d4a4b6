import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config.js';
import { callbackUrlAllowed } from '../../src/domain/change/callback-hosts.js';
import { callbackTargetRefusal, callbackTargetsFor } from '../../src/domain/change/callback-targets.js';
import { DEFAULT_WEBHOOKS_CONFIG, WebhooksConfigSchema } from '../../src/domain/change/webhooks-config.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';
import { readmeCallbacksSection } from '../helpers/callbacks-example.js';

/** The one-line refusal of a `webhooks` section, as loadConfigFile words it after the file name. */
function refusal(webhooks: unknown): string {
  const parsed = parseWith(WebhooksConfigSchema, webhooks, 'webhooks');
  if (parsed.ok) throw new Error('expected the section to be refused');
  return describeProblems(parsed.problems);
}

const secrets = { sn: { env: 'SN_SECRET' }, audit: [{ file: '/etc/a-new' }, { file: '/etc/a-old' }], ci: { file: '/etc/ci' } };

describe('the webhooks section', () => {
  it('defaults to no secrets, no subscribers and no callbackUrl allowed', () => {
    expect(DEFAULT_WEBHOOKS_CONFIG).toEqual({ secrets: {}, systems: {}, subscribers: [], allowedCallbackHosts: [] });
  });

  it('reads a single source and a rotation list alike, as lists', () => {
    const cfg = WebhooksConfigSchema.parse({ secrets });
    expect(cfg.secrets).toEqual({ sn: [{ env: 'SN_SECRET' }], audit: [{ file: '/etc/a-new' }, { file: '/etc/a-old' }], ci: [{ file: '/etc/ci' }] });
  });

  it('accepts the README example as written', () => {
    const cfg = WebhooksConfigSchema.parse(readmeCallbacksSection());
    expect(cfg.subscribers.map((s) => s.name)).toEqual(['audit-log']);
    expect(Object.keys(cfg.secrets).sort()).toEqual(['audit', 'default', 'servicenow']);
  });

  it('is read from the config file beside the accounts, and names the file and the field when bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetflow-webhooks-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'accounts: []\nwebhooks:\n  secrets: { sn: { env: SN_SECRET } }\n  callbackSecret: sn\n');
    expect(loadConfigFile(good).webhooks).toMatchObject({ callbackSecret: 'sn', secrets: { sn: [{ env: 'SN_SECRET' }] } });
    const none = join(dir, 'none.yaml');
    writeFileSync(none, 'accounts: []\n');
    expect(loadConfigFile(none).webhooks).toEqual(DEFAULT_WEBHOOKS_CONFIG);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'webhooks:\n  callbackSecret: sn\n');
    expect(() => loadConfigFile(bad)).toThrow(`configuration file ${bad}: webhooks.callbackSecret: unknown secret "sn" (webhooks.secrets has none)`);
  });
});

describe('webhooks validation: every bad field named', () => {
  it.each([
    // Secrets: by reference only, one source each.
    { why: 'a secret value written inline', webhooks: { secrets: { sn: 'whsec_abc' } }, want: 'webhooks.secrets.sn: must be { env: VAR }, { file: PATH } or a list of them' },
    { why: 'a source naming both env and file', webhooks: { secrets: { sn: { env: 'A', file: '/x' } } }, want: 'webhooks.secrets.sn: must name one of env or file' },
    { why: 'a source naming neither', webhooks: { secrets: { sn: {} } }, want: 'webhooks.secrets.sn: must name one of env or file' },
    { why: 'an environment variable name with a dash', webhooks: { secrets: { sn: { env: 'SN-SECRET' } } }, want: 'webhooks.secrets.sn.env: must be an environment variable name' },
    { why: 'a rotation list entry that is bad', webhooks: { secrets: { sn: [{ env: 'A' }, { file: '' }] } }, want: 'webhooks.secrets.sn[1].file: must not be empty' },
    { why: 'an empty rotation list', webhooks: { secrets: { sn: [] } }, want: 'webhooks.secrets.sn: must list at least one source' },
    { why: 'an unknown key in a source', webhooks: { secrets: { sn: { value: 'whsec_x' } } }, want: 'webhooks.secrets.sn: Unrecognized key: "value"; webhooks.secrets.sn: must name one of env or file' },
    { why: 'a change system name with a slash', webhooks: { systems: { 'a/b': { callbackSecret: 'x' } } }, want: 'webhooks.systems["a/b"]: must be letters, digits, ".", "_" or "-", starting with a letter or digit' },
    { why: 'a secret name with a space', webhooks: { secrets: { 'service now': { env: 'A' } } }, want: 'webhooks.secrets["service now"]: must be letters, digits, ".", "_" or "-", starting with a letter or digit' },
    // Every name of a secret must be defined, wherever it is used.
    { why: 'an unknown default callback secret', webhooks: { secrets, callbackSecret: 'servicenow' }, want: 'webhooks.callbackSecret: unknown secret "servicenow" (webhooks.secrets has sn, audit, ci)' },
    { why: "an unknown change system's secret", webhooks: { secrets, systems: { jira: { callbackSecret: 'jira' } } }, want: 'webhooks.systems.jira.callbackSecret: unknown secret "jira" (webhooks.secrets has sn, audit, ci)' },
    { why: 'a change system with an unknown key', webhooks: { secrets, systems: { jira: { secret: 'sn' } } }, want: 'webhooks.systems.jira.callbackSecret: Invalid input: expected string, received undefined; webhooks.systems.jira: Unrecognized key: "secret"' },
    // Subscribers.
    { why: "an unknown subscriber's secret", webhooks: { secrets, subscribers: [{ name: 'a', url: 'https://a.example.com/', secret: 'nope' }] }, want: 'webhooks.subscribers[0].secret: unknown secret "nope" (webhooks.secrets has sn, audit, ci)' },
    { why: 'a subscriber URL that is not http', webhooks: { secrets, subscribers: [{ name: 'a', url: 'ftp://a.example.com/', secret: 'sn' }] }, want: 'webhooks.subscribers[0].url: must be an http or https URL' },
    { why: 'an unknown event type', webhooks: { secrets, subscribers: [{ name: 'a', url: 'https://a.example.com/', secret: 'sn', events: ['finished'] }] }, want: 'webhooks.subscribers[0].events[0]: must be one of accepted, waiting, stageFinished, succeeded, failed, rolledBack, aborted' },
    { why: 'an empty event filter (would deliver nothing)', webhooks: { secrets, subscribers: [{ name: 'a', url: 'https://a.example.com/', secret: 'sn', events: [] }] }, want: 'webhooks.subscribers[0].events: must name at least one event type' },
    {
      why: 'two subscribers of one name',
      webhooks: { secrets, subscribers: [{ name: 'a', url: 'https://a.example.com/', secret: 'sn' }, { name: 'a', url: 'https://b.example.com/', secret: 'sn' }] },
      want: 'webhooks.subscribers[1].name: duplicate subscriber name "a"',
    },
    // Allowed hosts.
    { why: 'a host pattern with a path', webhooks: { allowedCallbackHosts: ['hooks.example.com/api'] }, want: 'webhooks.allowedCallbackHosts[0]: must be a host pattern such as hooks.example.com, *.example.com, hooks.example.com:8443 or http://127.0.0.1:*' },
    { why: 'a bare wildcard (would allow any host)', webhooks: { allowedCallbackHosts: ['*'] }, want: 'webhooks.allowedCallbackHosts[0]: must be a host pattern such as hooks.example.com, *.example.com, hooks.example.com:8443 or http://127.0.0.1:*' },
    { why: 'a port out of range', webhooks: { allowedCallbackHosts: ['hooks.example.com:70000'] }, want: 'webhooks.allowedCallbackHosts[0]: must be a host pattern such as hooks.example.com, *.example.com, hooks.example.com:8443 or http://127.0.0.1:*' },
    { why: 'an unknown key', webhooks: { callbackUrl: 'https://x' }, want: 'webhooks: Unrecognized key: "callbackUrl"' },
  ])('$why', ({ webhooks, want }) => {
    expect(refusal(webhooks)).toBe(want);
  });
});

describe('allowed callback hosts (CSP-like host patterns)', () => {
  it.each([
    // why each case
    ['an exact host on https', 'https://hooks.example.com/x', ['hooks.example.com'], true],
    ['the exact host on plain http is not allowed by a pattern without http://', 'http://hooks.example.com/x', ['hooks.example.com'], false],
    ['another port than 443 needs the port in the pattern', 'https://hooks.example.com:8443/x', ['hooks.example.com'], false],
    ['the port written in the pattern', 'https://hooks.example.com:8443/x', ['hooks.example.com:8443'], true],
    ['any subdomain of a wildcard', 'https://a.b.service-now.com/x', ['*.service-now.com'], true],
    ['the wildcard does not cover the domain itself', 'https://service-now.com/x', ['*.service-now.com'], false],
    ['a look-alike domain is not a subdomain', 'https://evilservice-now.com/x', ['*.service-now.com'], false],
    ['hosts compare without case', 'https://HOOKS.Example.COM/x', ['hooks.example.com'], true],
    ['plain http to loopback on any port (tests)', 'http://127.0.0.1:41234/hook', ['http://127.0.0.1:*'], true],
    ['an IPv4 address in another spelling is the same address', 'http://0x7f.1:41234/hook', ['http://127.0.0.1:*'], true],
    ['localhost is not 127.0.0.1', 'http://localhost:41234/hook', ['http://127.0.0.1:*'], false],
    ['IPv6 loopback in brackets', 'http://[::1]:8080/hook', ['http://[::1]:8080'], true],
    ['no patterns, nothing allowed', 'https://hooks.example.com/x', [], false],
    ['not a URL', 'hooks.example.com', ['hooks.example.com'], false],
  ])('%s', (_why, url, patterns, allowed) => {
    expect(callbackUrlAllowed(url, patterns)).toBe(allowed);
  });
});

describe('callbackTargetsFor', () => {
  const config = WebhooksConfigSchema.parse({
    secrets,
    callbackSecret: 'ci',
    systems: { servicenow: { callbackSecret: 'sn' } },
    allowedCallbackHosts: ['*.service-now.com', 'http://127.0.0.1:*'],
    subscribers: [{ name: 'audit-log', url: 'https://audit.example.com/fleetflow', secret: 'audit', events: ['succeeded', 'failed'] }],
  });
  const audit = { url: 'https://audit.example.com/fleetflow', secret: 'audit', events: ['succeeded', 'failed'] };

  it.each([
    // why each case
    ['the ticket system has its own secret', 'servicenow', 'https://acme.service-now.com/api/fleetflow', [{ url: 'https://acme.service-now.com/api/fleetflow', secret: 'sn' }, audit]],
    ['another system gets the default secret', 'jira', 'http://127.0.0.1:9000/hook', [{ url: 'http://127.0.0.1:9000/hook', secret: 'ci' }, audit]],
    ['no callbackUrl: the subscribers only', 'servicenow', undefined, [audit]],
  ])('%s', (_why, system, url, targets) => {
    expect(callbackTargetsFor(config, system, url)).toEqual({ ok: true, targets });
  });

  it.each([
    // why each case
    ['a host not allowed', config, 'https://169.254.169.254/latest/meta-data', 'CallbackNotAllowed', 'callbackUrl: https://169.254.169.254 matches no pattern of webhooks.allowedCallbackHosts'],
    ['plain http to an allowed https host', config, 'http://acme.service-now.com/x', 'CallbackNotAllowed', 'callbackUrl: http://acme.service-now.com matches no pattern of webhooks.allowedCallbackHosts'],
    ['the default config allows no callbackUrl', DEFAULT_WEBHOOKS_CONFIG, 'https://acme.service-now.com/x', 'CallbackNotAllowed', 'callbackUrl: https://acme.service-now.com cannot be allowed: the server lists no host in webhooks.allowedCallbackHosts'],
    ['credentials in the URL would be kept in history', config, 'https://user:pw@acme.service-now.com/x', 'InvalidInput', 'callbackUrl: must not carry a user name or password'],
    ['not a URL', config, 'acme.service-now.com/x', 'InvalidInput', 'callbackUrl: must be an absolute URL'],
    ['not http', config, 'file:///etc/passwd', 'InvalidInput', 'callbackUrl: must be an http or https URL'],
    [
      'no secret for the system and no default',
      WebhooksConfigSchema.parse({ secrets, allowedCallbackHosts: ['*.service-now.com'] }),
      'https://acme.service-now.com/x',
      'CallbackNotAllowed',
      'callbackUrl: no callback secret is configured for change system "servicenow" (webhooks.systems.servicenow.callbackSecret or webhooks.callbackSecret)',
    ],
    [
      'a config built without the schema names an unknown secret',
      { ...config, secrets: {} },
      'https://acme.service-now.com/x',
      'CallbackSecretMissing',
      'webhooks.systems.servicenow.callbackSecret: unknown secret "sn"',
    ],
  ])('refuses %s', (_why, cfg, url, type, message) => {
    const result = callbackTargetsFor(cfg, 'servicenow', url);
    expect(result).toMatchObject({ ok: false, refusal: { type, message } });
  });
});

describe("the worker's own check of a target before it signs", () => {
  const config = WebhooksConfigSchema.parse({
    secrets,
    callbackSecret: 'ci',
    systems: { servicenow: { callbackSecret: 'sn' } },
    allowedCallbackHosts: ['*.service-now.com'],
    subscribers: [{ name: 'audit-log', url: 'https://audit.example.com/fleetflow', secret: 'audit' }],
  });

  it.each([
    // why each case
    ['a subscriber with its own secret', { url: 'https://audit.example.com/fleetflow', secret: 'audit' }, undefined],
    ["an allowed callbackUrl with a change system's secret", { url: 'https://acme.service-now.com/x', secret: 'sn' }, undefined],
    ['an allowed callbackUrl with the default callback secret', { url: 'https://acme.service-now.com/x', secret: 'ci' }, undefined],
    [
      "a subscriber's secret sent elsewhere (it would sign bodies a workflow starter chose)",
      { url: 'https://acme.service-now.com/x', secret: 'audit' },
      'the worker\'s webhooks config allows no callback to https://acme.service-now.com signed with secret "audit" (not a subscriber, or not a callback secret and an allowed host)',
    ],
    [
      'a callback secret sent to a host the config does not allow',
      { url: 'https://evil.example.com/x', secret: 'sn' },
      'the worker\'s webhooks config allows no callback to https://evil.example.com signed with secret "sn" (not a subscriber, or not a callback secret and an allowed host)',
    ],
  ])('%s', (_why, target, message) => {
    const refusal = callbackTargetRefusal(config, target);
    expect(refusal?.message).toBe(message);
    if (refusal) expect(refusal.type).toBe('CallbackNotAllowed');
  });
});
