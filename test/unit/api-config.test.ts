import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { apiListenAddress, DEFAULT_API_CONFIG, loadConfigFile } from '../../src/config.js';
import { ApiConfigSchema } from '../../src/domain/api/api-config.js';
import { FleetConfigFileSchema } from '../../src/domain/cluster/accounts.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';
import { repoDir } from '../../src/host/toolchain.js';

const refusal = (api: unknown) => {
  const parsed = parseWith(FleetConfigFileSchema, { api }, '');
  return parsed.ok ? 'accepted' : describeProblems(parsed.problems);
};

describe('the api section of the config file', () => {
  it('defaults to 127.0.0.1:8080 with API tokens only', () => {
    expect(DEFAULT_API_CONFIG).toEqual({ address: '127.0.0.1:8080' });
    expect(FleetConfigFileSchema.parse({}).api).toEqual({ address: '127.0.0.1:8080' });
  });

  it('fills the OIDC defaults: groups claim "groups", 60 s of clock skew (in ms)', () => {
    expect(ApiConfigSchema.parse({ oidc: { issuer: 'https://login.example.com/', audience: 'fleetflow' } }).oidc).toEqual({
      issuer: 'https://login.example.com/',
      audience: 'fleetflow',
      groupsClaim: 'groups',
      clockSkew: 60_000,
    });
  });

  it.each([
    { why: 'IPv6 in brackets', address: '[::1]:9000' },
    { why: 'every interface', address: '0.0.0.0:8080' },
    { why: 'a host name', address: 'api.internal:443' },
  ])('accepts the address $address ($why)', ({ address }) => {
    expect(refusal({ address })).toBe('accepted');
  });

  it.each([
    // Addresses.
    { why: 'a port alone', api: { address: '8080' }, want: 'api.address: must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080, with a port from 1 to 65535' },
    { why: 'port 0', api: { address: '127.0.0.1:0' }, want: 'api.address: must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080, with a port from 1 to 65535' },
    { why: 'a URL instead of host:port', api: { address: 'http://127.0.0.1:8080' }, want: 'api.address: must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080, with a port from 1 to 65535' },
    // The issuer: its keys are fetched from it, so it must not be reachable by anyone on the path.
    {
      why: 'an http issuer off this machine',
      api: { oidc: { issuer: 'http://login.example.com', audience: 'a' } },
      want: 'api.oidc.issuer: must be an https URL (http only on 127.0.0.1, localhost or [::1])',
    },
    { why: 'an issuer that is no URL', api: { oidc: { issuer: 'login.example.com', audience: 'a' } }, want: 'api.oidc.issuer: must be an https URL (http only on 127.0.0.1, localhost or [::1])' },
    { why: 'an issuer with a query', api: { oidc: { issuer: 'https://login.example.com/?tenant=1', audience: 'a' } }, want: 'api.oidc.issuer: must have no query or fragment (OpenID Connect Discovery)' },
    {
      why: 'an http jwksUri off this machine',
      api: { oidc: { issuer: 'https://login.example.com', audience: 'a', jwksUri: 'http://keys.example.com/jwks' } },
      want: 'api.oidc.jwksUri: must be an https URL (http only on 127.0.0.1, localhost or [::1])',
    },
    // Audience, claim, skew.
    { why: 'no audience', api: { oidc: { issuer: 'https://login.example.com' } }, want: 'api.oidc.audience: must be a string or a list of strings' },
    { why: 'an empty audience list', api: { oidc: { issuer: 'https://login.example.com', audience: [] } }, want: 'api.oidc.audience: must name at least one audience' },
    { why: 'an empty groups claim', api: { oidc: { issuer: 'https://login.example.com', audience: 'a', groupsClaim: '' } }, want: 'api.oidc.groupsClaim: must not be empty' },
    {
      why: 'a skew without unit',
      api: { oidc: { issuer: 'https://login.example.com', audience: 'a', clockSkew: '60' } },
      want: 'api.oidc.clockSkew: must be a duration such as "30s", "10m", "2h", "1d" or "1h30m"',
    },
    { why: 'a skew of an hour', api: { oidc: { issuer: 'https://login.example.com', audience: 'a', clockSkew: '1h' } }, want: 'api.oidc.clockSkew: must be at most 10m' },
    // Unknown keys are named, not dropped: a typo must not silently disable a check.
    { why: 'a misspelt key', api: { oidc: { issuer: 'https://login.example.com', audience: 'a', audiance: 'b' } }, want: 'api.oidc: Unrecognized key: "audiance"' },
    // Every problem at once.
    {
      why: 'several bad fields',
      api: { address: 'x', oidc: { issuer: 'ftp://x', audience: 3, clockSkew: 'soon' } },
      want:
        'api.address: must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080, with a port from 1 to 65535; ' +
        'api.oidc.issuer: must be an https URL (http only on 127.0.0.1, localhost or [::1]); ' +
        'api.oidc.audience: must be a string or a list of strings; ' +
        'api.oidc.clockSkew: must be a duration such as "30s", "10m", "2h", "1d" or "1h30m"',
    },
  ])('refuses $why', ({ api, want }) => {
    expect(refusal(api)).toBe(want);
  });

  it("accepts the README's example as written", () => {
    const readme = readFileSync(join(repoDir, 'README.md'), 'utf8');
    const yaml = readme.split('### API authentication')[1]?.match(/```yaml\n([\s\S]*?)```/)?.[1];
    const parsed = FleetConfigFileSchema.parse(parseYaml(yaml ?? ''));
    expect(parsed.api.oidc).toMatchObject({ issuer: 'https://login.example.com/oauth2/default', audience: 'api://fleetflow', clockSkew: 60_000 });
    expect(parsed.access.tokens.map((t) => t.name)).toEqual(['ci']);
  });

  it('is returned by loadConfigFile beside the access policy', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fleetflow-api-config-')), 'c.yaml');
    writeFileSync(file, 'api:\n  address: 127.0.0.1:9090\n  oidc: { issuer: "http://127.0.0.1:5556/dex", audience: fleetflow, clockSkew: 30s }\n');
    expect(loadConfigFile(file).api).toEqual({
      address: '127.0.0.1:9090',
      oidc: { issuer: 'http://127.0.0.1:5556/dex', audience: 'fleetflow', groupsClaim: 'groups', clockSkew: 30_000 },
    });
  });
});

describe('apiListenAddress', () => {
  it('takes FLEETFLOW_API_ADDRESS over the file, and the file over the default', () => {
    expect(apiListenAddress(DEFAULT_API_CONFIG, {})).toEqual({ address: '127.0.0.1:8080', host: '127.0.0.1', port: 8080 });
    expect(apiListenAddress({ address: '127.0.0.1:9090' }, {})).toMatchObject({ port: 9090 });
    expect(apiListenAddress({ address: '127.0.0.1:9090' }, { FLEETFLOW_API_ADDRESS: '[::1]:7000' })).toEqual({ address: '[::1]:7000', host: '::1', port: 7000 });
  });

  it('names FLEETFLOW_API_ADDRESS when it is what is wrong', () => {
    expect(() => apiListenAddress(DEFAULT_API_CONFIG, { FLEETFLOW_API_ADDRESS: 'localhost' })).toThrow(
      'configuration: FLEETFLOW_API_ADDRESS: must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080, with a port from 1 to 65535',
    );
  });
});
