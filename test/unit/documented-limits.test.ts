import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.js';
import { DEFAULT_ACCESS_POLICY } from '../../src/domain/auth/policy.js';
import { MAX_ENCODED_PAYLOAD_BYTES, payloadSizeRefusal } from '../../src/domain/encryption/payload-limit.js';
import { FleetRolloutInputSchema } from '../../src/domain/rollout/fleet-rollout.js';
import { checkInput } from '../../src/domain/validation.js';
import { PayloadSizeLimitCodec } from '../../src/temporal/codec/size-limit-codec.js';
import { MAX_FLOW_DEPTH, MAX_YAML_BYTES, yamlTextProblem } from '../../src/yaml-text.js';
import { silentApiLogger } from '../helpers/api-logger.js';

// Each documented limit of a bundle, a plan and a selector, at the limit (accepted) and one
// past it (refused, with the documented words), checked the way every entry point checks a
// rollout: FleetRolloutInputSchema (the CLI, the API and the workflow share it).
const manifest = (name: string, kind = 'ConfigMap') => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop' }, data: {} });
const bundle = { name: 'shop', revision: 'v2', manifests: [manifest('c')] };
const rollout = { selector: { environments: ['dev'] }, plan: { stages: [{ name: 'all' }] }, bundle };
const s = (n: number, c = 'a') => c.repeat(n);
const refusal = (input: unknown) => {
  const checked = checkInput(FleetRolloutInputSchema, input, 'fleet rollout');
  return checked.ok ? undefined : checked.message;
};

describe('documented limits of a rollout: at the limit accepted, past it refused with the documented words', () => {
  it.each([
    // bundle
    ['bundle name of 52 characters (applyset-<name> is a 63-character label)', { ...rollout, bundle: { ...bundle, name: s(52) } }, undefined],
    ['bundle name of 53 characters', { ...rollout, bundle: { ...bundle, name: s(53) } }, 'bundle.name: must be at most 52 characters'],
    ['bundle revision of 253 characters', { ...rollout, bundle: { ...bundle, revision: s(253) } }, undefined],
    ['bundle revision of 254 characters', { ...rollout, bundle: { ...bundle, revision: s(254) } }, 'bundle.revision: must be at most 253 characters'],
    ['apply concurrency 64', { ...rollout, bundle: { ...bundle, options: { concurrency: 64 } } }, undefined],
    ['apply concurrency 65', { ...rollout, bundle: { ...bundle, options: { concurrency: 65 } } }, 'bundle.options.concurrency: must be at most 64'],
    ['apply concurrency 0', { ...rollout, bundle: { ...bundle, options: { concurrency: 0 } } }, 'bundle.options.concurrency: must be at least 1'],
    ['a Secret in a bundle (bundles land in history)', { ...rollout, bundle: { ...bundle, manifests: [manifest('s', 'Secret')] } }, 'bundle.manifests[0]: is a Secret (s): bundles are stored in workflow history'],
    ['the same object twice', { ...rollout, bundle: { ...bundle, manifests: [manifest('c'), manifest('c')] } }, 'bundle.manifests[1]: duplicates manifests[0]'],
    ['100 overrides', { ...rollout, overrides: Array.from({ length: 100 }, () => ({ selector: {}, merge: {} })) }, undefined],
    ['101 overrides', { ...rollout, overrides: Array.from({ length: 101 }, () => ({ selector: {}, merge: {} })) }, 'overrides: must have at most 100 overrides'],
    // plan
    ['no stage', { ...rollout, plan: { stages: [] } }, 'plan.stages: must have at least one stage'],
    ['a stage name of 40 characters', { ...rollout, plan: { stages: [{ name: s(40) }] } }, undefined],
    ['a stage name of 41 characters', { ...rollout, plan: { stages: [{ name: s(41) }] } }, 'plan.stages[0].name: must be 1-40 letters'],
    ['a stage name used twice', { ...rollout, plan: { stages: [{ name: 'a', selector: { environments: ['dev'] } }, { name: 'a' }] } }, 'stage name a is used twice'],
    ['generated steps up to 100%', { ...rollout, plan: { generate: { steps: ['10%', '100%'] } } }, undefined],
    ['a step over 100%', { ...rollout, plan: { generate: { steps: ['101%'] } } }, 'plan.generate.steps[0]: must be from 1% to 100%'],
    ['a step of 0%', { ...rollout, plan: { generate: { steps: ['0%', '100%'] } } }, 'plan.generate.steps[0]: must be from 1% to 100%'],
    ['steps that do not end at 100%', { ...rollout, plan: { generate: { steps: ['10%', '50%'] } } }, 'plan.generate.steps: the last step must be 100%'],
    ['steps that do not increase', { ...rollout, plan: { generate: { steps: ['50%', '50%', '100%'] } } }, 'plan.generate.steps[1]: steps must increase'],
    ['maxConcurrency 0', { ...rollout, plan: { stages: [{ name: 'all', maxConcurrency: 0 }] } }, 'plan.stages[0].maxConcurrency:'],
    ['maxHistoryEvents 300', { ...rollout, maxHistoryEvents: 300 }, undefined],
    ['maxHistoryEvents 299', { ...rollout, maxHistoryEvents: 299 }, 'maxHistoryEvents: must be at least 300'],
    ['maxHistoryEvents 40,000', { ...rollout, maxHistoryEvents: 40_000 }, undefined],
    ['maxHistoryEvents 40,001', { ...rollout, maxHistoryEvents: 40_001 }, 'maxHistoryEvents: must be at most 40000'],
    // selector
    ['a cluster name of 40 characters', { ...rollout, selector: { include: [s(40)] } }, undefined],
    ['a cluster name of 41 characters', { ...rollout, selector: { include: [s(41)] } }, 'selector.include[0]: must be at most 40 characters'],
    ['a label name of 63 characters', { ...rollout, selector: { matchLabels: { [s(63)]: 'x' } } }, undefined],
    ['a label name of 64 characters', { ...rollout, selector: { matchLabels: { [s(64)]: 'x' } } }, 'label key must be [prefix/]name, name at most 63'],
    ['a label prefix of 253 characters', { ...rollout, selector: { matchLabels: { [`${s(63)}.${s(63)}.${s(63)}.${s(61)}/team`]: 'x' } } }, undefined],
    ['a label prefix of 254 characters', { ...rollout, selector: { matchLabels: { [`${s(63)}.${s(63)}.${s(63)}.${s(62)}/team`]: 'x' } } }, 'label key must be [prefix/]name, name at most 63'],
    ['a label value of 63 characters', { ...rollout, selector: { matchLabels: { team: s(63) } } }, undefined],
    ['a label value of 64 characters', { ...rollout, selector: { matchLabels: { team: s(64) } } }, 'selector.matchLabels.team: must be'],
    ['an empty list of environments', { ...rollout, selector: { environments: [] } }, 'selector.environments: must not be empty when given'],
  ])('%s', (_why, input, expected) => {
    const got = refusal(input);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(expected);
  });
});

describe('size limits', () => {
  const payload = (bytes: number) => ({ metadata: { encoding: new Uint8Array(0) }, data: new Uint8Array(bytes - 'encoding'.length) });
  it.each([
    ['a payload of exactly 1.94 MiB after encoding is sent', MAX_ENCODED_PAYLOAD_BYTES, undefined],
    ['one byte more is PayloadTooLarge, refused before it is sent', MAX_ENCODED_PAYLOAD_BYTES + 1, "Fleetflow sends at most 1.94 MiB (2,031,616 bytes), a margin under Temporal's 2 MiB blob limit"],
  ])('%s', async (_why, bytes, expected) => {
    expect(payloadSizeRefusal(bytes) === undefined).toBe(expected === undefined);
    const sent = await new PayloadSizeLimitCodec().encode([payload(bytes)]).then(() => undefined, (e: Error) => e);
    if (expected === undefined) expect(sent).toBeUndefined();
    else expect(sent).toMatchObject({ type: 'PayloadTooLarge', message: expect.stringContaining(expected) });
  });

  it.each([
    ['a file of 8 MiB is read', `a: "${s(MAX_YAML_BYTES - 6)}"\n`, undefined],
    ['a file one byte over 8 MiB is refused', `a: "${s(MAX_YAML_BYTES - 5)}"\n`, 'is larger than 8 MiB (8,388,609 bytes)'],
    [`lists nested ${MAX_FLOW_DEPTH} deep are read`, `${'['.repeat(MAX_FLOW_DEPTH)}${']'.repeat(MAX_FLOW_DEPTH)}`, undefined],
    [`lists nested ${MAX_FLOW_DEPTH + 1} deep are refused`, `${'['.repeat(MAX_FLOW_DEPTH + 1)}${']'.repeat(MAX_FLOW_DEPTH + 1)}`, 'nests lists or maps more than 100 levels deep'],
    ['brackets inside quotes and comments do not count', `a: "${'['.repeat(500)}"\nb: '${'{'.repeat(500)}'\n# ${'['.repeat(500)}\n`, undefined],
  ])('YAML files: %s', (_why, text, expected) => {
    expect(yamlTextProblem(text)).toBe(expected);
  });

  const api = createApi({
    client: {} as Client,
    namespace: 'fleetflow',
    taskQueue: 'fleetflow',
    access: DEFAULT_ACCESS_POLICY,
    authenticate: async () => ({ ok: true, principal: { kind: 'token', subject: 'ci', groups: [] } }),
    uiBaseUrl: 'http://127.0.0.1:8233',
    logger: silentApiLogger,
  });
  it.each([
    ['an API body of 1 MiB is read (and then refused for what it says)', 1024 * 1024, 400],
    ['an API body one byte over 1 MiB is a 413', 1024 * 1024 + 1, 413],
  ])('%s', async (_why, bytes, status) => {
    const body = JSON.stringify({ type: 'upgrade', pad: '' });
    const padded = body.replace('"pad":""', `"pad":"${s(bytes - body.length)}"`);
    expect(padded.length).toBe(bytes);
    const res = await api.request('/v1/changes', { method: 'POST', body: padded, headers: { authorization: 'Bearer x', 'content-type': 'application/json' } });
    expect(res.status).toBe(status);
  });
});
