import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/cli/access-file.js';
import { UsageError } from '../../src/cli/errors.js';
import { readInputFile } from '../../src/cli/input-file.js';
import { readSpecFile } from '../../src/cli/spec-file.js';
import { loadConfigFile } from '../../src/config.js';
import { FleetPolicySchema } from '../../src/domain/policy/fleet-policy.js';
import { FleetRolloutInputSchema } from '../../src/domain/rollout/fleet-rollout.js';
import { fuzzParams, nearlyValid } from '../helpers/fuzz.js';

// The files the CLI reads (-f FILE for specs, rollouts, policies; the config file), fuzzed:
// whatever the bytes, the CLI either reads the file or refuses it with one line that names
// the file (a UsageError: exit 2, no stack), never a crash, a hang or a stack overflow.
const dir = mkdtempSync(join(tmpdir(), 'fleetflow-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fileWith = (text: string) => {
  const file = join(dir, `f${++n}.yaml`);
  writeFileSync(file, text);
  return file;
};

const bundle = { name: 'shop', revision: 'v2', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: {} }] };
const rollout = { selector: { environments: ['dev'] }, plan: { stages: [{ name: 'all' }] }, bundle };
const spec = { name: 'web-1', provider: 'local', labels: { team: 'web' } };

/** Pieces of YAML that trip parsers: anchors, aliases, merge keys, tags, flow and block mixes, duplicates. */
const FRAGMENTS = [
  'a: 1', 'a: 2', 'name: web-1', 'provider: local', '  b: &x [1, 2]', 'c: *x', '<<: *x', 'd: *missing', '- a', '- &y {k: v}', '- *y',
  '? complex', ': value', '!!binary aGVsbG8=', '!!js/function "f"', '!!set {a, b}', '!!omap [a: 1]', '{', '}', '[', ']', '"', "'", '|', '>-',
  '---', '...', '%YAML 1.1', '%TAG ! tag:x,2000:', '#', '\t', '  ', 'x: .inf', 'x: .nan', 'x: 0x1F', 'x: 1e400', 'x: ~', '__proto__: {polluted: 1}',
  'constructor: {prototype: {x: 1}}', 'spec:', '  name: web-1', '  name: web-2', 'selector: {environments: [dev]}', 'plan: {stages: [{name: all}]}',
];
const yamlish = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((lines) => lines.join('\n'));
const nearly = (valid: unknown) =>
  fc.tuple(nearlyValid(valid), fc.boolean(), fc.nat()).map(([v, duplicate, at]) => {
    const text = stringify(v);
    if (!duplicate) return text;
    const lines = text.split('\n');
    const i = at % lines.length;
    return [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)].join('\n'); // a key written twice
  });
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), yamlish, nearly(rollout), nearly(spec));

/** Reads `text` with `read`; a refusal must be a one-line UsageError naming the file. */
async function readOrRefuse(read: (file: string) => unknown, text: string): Promise<void> {
  const file = fileWith(text);
  try {
    await read(file);
  } catch (e) {
    expect(e, String((e as Error)?.stack)).toBeInstanceOf(UsageError);
    expect((e as Error).message).toContain(file);
    expect((e as Error).message).not.toContain('\n');
  }
}

describe('the files the CLI reads, fuzzed', () => {
  it.each([
    ['a rollout file (-f)', (f: string) => readInputFile('rollout start', f, FleetRolloutInputSchema, 'fleet rollout')],
    ['a policy file (-f)', (f: string) => readInputFile('policy apply', f, FleetPolicySchema, 'fleet policy')],
    ['a cluster spec (-f)', (f: string) => readSpecFile('clusters create', f)],
    ['the config file the CLI edits', (f: string) => readConfig(f)],
  ])('%s is read or refused in one line naming the file', async (name, read) => {
    await fc.assert(fc.asyncProperty(anyText, (text) => readOrRefuse(read, text)), fuzzParams(`cli file: ${name}`, 200));
  }, 600_000);
});

// Cases fuzzing found or that a fuzzer reaches too rarely, kept as tests.
describe('hostile files, each refused quickly in one line', () => {
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
  it.each([
    ['an alias bomb (a billion laughs)', laughs, /Excessive alias count/],
    ['a key written twice', 'name: web-1\nprovider: local\nname: web-2\n', /Map keys must be unique/],
    ['a document 100,000 lists deep (10,000 exhaust the process)', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /./],
    ['a file over the size limit (9 MiB of one string)', `name: "${'x'.repeat(9 * 1024 * 1024)}"\n`, /is larger than 8 MiB/],
  ])('%s', async (_why, text, reason) => {
    for (const read of [(f: string) => readSpecFile('clusters create', f), (f: string) => readConfig(f)]) {
      const file = fileWith(text);
      const started = Date.now();
      const err = await (async () => read(file))().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(reason);
      expect((err as Error).message).not.toContain('\n');
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('a wrong type is refused by path, the same way the workflow refuses it', async () => {
    const err = await readSpecFile('clusters create', fileWith('name: web-1\nprovider: local\nlabels: [team, web]\n')).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/invalid cluster spec: spec\.labels: /);
  });

  it('the worker config file refuses the same hostile files with the file named, in one line', () => {
    for (const text of [laughs, 'a: 1\na: 2\n', `${'['.repeat(100_000)}`]) {
      const file = fileWith(text);
      expect(() => loadConfigFile(file)).toThrow(new RegExp(`^configuration file ${file}: [^\\n]+$`));
    }
  });
});
