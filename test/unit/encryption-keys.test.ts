import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config.js';
import { DEFAULT_ENCRYPTION_CONFIG, EncryptionConfigSchema, keyPlanOf } from '../../src/domain/encryption/encryption-config.js';
import { decryptionKey, encryptionKey, generatedKeyId, keyRing, parseKeyMaterial } from '../../src/domain/encryption/key-ring.js';
import { payloadSizeRefusal } from '../../src/domain/encryption/payload-limit.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';
import { describeEncryption } from '../../src/temporal/codec/describe.js';
import { dataFolderKeyFile, ensureDataFolderKey, loadKeyRing } from '../../src/temporal/codec/load-keys.js';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64');
const bytes = (n: number) => new Uint8Array(32).fill(n);

function refusal(section: unknown): string {
  const parsed = parseWith(EncryptionConfigSchema, section, 'encryption');
  if (parsed.ok) throw new Error('expected the section to be refused');
  return describeProblems(parsed.problems);
}

describe('key material', () => {
  it.each([
    // Accepted: what `openssl rand -base64 32` prints, with or without its newline, and base64url.
    { why: 'standard base64 with padding', text: K1, ok: true },
    { why: 'a trailing newline, as a key file has', text: `${K1}\n`, ok: true },
    { why: 'base64url without padding', text: Buffer.alloc(32, 0xfb).toString('base64url'), ok: true },
    // Refused, and the message never repeats the text.
    { why: 'empty file', text: '  \n', ok: false, error: 'is empty' },
    { why: 'not base64 at all', text: 'correct horse battery staple', ok: false, error: 'is not base64 (make one with: openssl rand -base64 32)' },
    { why: 'an AES-128 key (16 bytes)', text: Buffer.alloc(16, 3).toString('base64'), ok: false, error: 'decodes to 16 bytes, not the 32 of an AES-256 key (make one with: openssl rand -base64 32)' },
  ])('$why', ({ text, ok, error }) => {
    const parsed = parseKeyMaterial(text);
    expect(parsed.ok).toBe(ok);
    if (!parsed.ok) expect(parsed.error).toBe(error);
  });
});

describe('the key ring', () => {
  const ring = keyRing([{ id: 'new', key: bytes(2) }, { id: 'old', key: bytes(1) }]);

  it('encrypts with the first key and decrypts with any', () => {
    expect(encryptionKey(ring)?.id).toBe('new');
    expect(decryptionKey(ring, 'old')).toMatchObject({ ok: true, key: { id: 'old' } });
    expect(decryptionKey(ring, 'new')).toMatchObject({ ok: true, key: { id: 'new' } });
  });

  it.each([
    { why: 'a key id no longer (or not yet) configured', id: 'gone', error: 'the payload is encrypted under key id "gone", which is not configured here (configured: new, old); add that key to encryption.keys' },
    { why: 'a payload without a key id', id: undefined, error: 'the encrypted payload names no key id (encryption-key-id metadata missing)' },
  ])('refuses $why with a sentence naming the ids', ({ id, error }) => {
    expect(decryptionKey(ring, id)).toEqual({ ok: false, error });
  });

  it('can be decrypt-only (encryption turned off, old keys kept)', () => {
    const off = keyRing([{ id: 'old', key: bytes(1) }], false);
    expect(encryptionKey(off)).toBeUndefined();
    expect(decryptionKey(off, 'old').ok).toBe(true);
  });

  it('refuses duplicate ids and keys of the wrong size without showing them', () => {
    expect(() => keyRing([{ id: 'a', key: bytes(1) }, { id: 'a', key: bytes(2) }])).toThrow('encryption: duplicate key id "a"');
    expect(() => keyRing([{ id: 'a', key: new Uint8Array(16) }])).toThrow('encryption: key "a" has 16 bytes, not 32');
  });

  it('names generated keys after a hash prefix', () => {
    expect(generatedKeyId('0123456789abcdef0123')).toBe('local-0123456789ab');
  });
});

describe('the encryption section', () => {
  it('defaults to on with the data folder key', () => {
    expect(DEFAULT_ENCRYPTION_CONFIG).toEqual({ enabled: true });
    expect(keyPlanOf(DEFAULT_ENCRYPTION_CONFIG)).toEqual({ kind: 'data-folder' });
  });

  it.each([
    { why: 'off, no keys: nothing encrypted or decrypted', section: { enabled: false }, plan: { kind: 'off' } },
    { why: 'keys, newest first', section: { keys: [{ id: 'b', file: '/k/b' }, { id: 'a', env: 'KEY_A' }] }, plan: { kind: 'configured', encrypt: true, keys: [{ id: 'b', file: '/k/b' }, { id: 'a', env: 'KEY_A' }] } },
    { why: 'off with keys: old payloads still decrypt', section: { enabled: false, keys: [{ id: 'a', env: 'KEY_A' }] }, plan: { kind: 'configured', encrypt: false, keys: [{ id: 'a', env: 'KEY_A' }] } },
  ])('plans $why', ({ section, plan }) => {
    expect(keyPlanOf(EncryptionConfigSchema.parse(section))).toEqual(plan);
  });

  it.each([
    { why: 'a key pasted in clear', section: { keys: [{ id: 'a', key: K1 }] }, error: 'encryption.keys[0].key: key material is never written in the config: give env: VAR or file: PATH' },
    { why: 'both env and file', section: { keys: [{ id: 'a', env: 'A', file: '/a' }] }, error: 'encryption.keys[0]: must name one of env or file' },
    { why: 'a duplicate id', section: { keys: [{ id: 'a', env: 'A' }, { id: 'a', env: 'B' }] }, error: 'encryption.keys[1].id: duplicate key id "a"' },
    { why: 'an id with a space', section: { keys: [{ id: 'my key', env: 'A' }] }, error: 'encryption.keys[0].id: must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit' },
    { why: 'an empty key list', section: { keys: [] }, error: 'encryption.keys: must list at least one key when given (omit it for the data folder key)' },
    { why: 'enabled as a string', section: { enabled: 'no' }, error: 'encryption.enabled: must be true or false' },
  ])('refuses $why, naming the field', ({ section, error }) => {
    expect(refusal(section)).toBe(error);
    expect(refusal(section)).not.toContain(K1);
  });

  it('is read from the config file, errors naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetflow-enc-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'encryption:\n  keys:\n    - { id: k2, env: FF_K2 }\n');
    expect(loadConfigFile(good).encryption).toEqual({ enabled: true, keys: [{ id: 'k2', env: 'FF_K2' }] });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'encryption:\n  keys:\n    - { id: k2 }\n');
    expect(() => loadConfigFile(bad)).toThrow(`configuration file ${bad}: encryption.keys[0]: must name one of env or file`);
  });
});

describe('loading keys', () => {
  const files: Record<string, string> = { '/keys/b': `${K2}\n`, '/keys/bad': 'not a key!' };
  const sources = {
    env: { FF_A: K1 } as NodeJS.ProcessEnv,
    readFile: (p: string) => {
      if (p in files) return files[p]!;
      throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
    },
  };
  const load = (keys: unknown) => loadKeyRing(EncryptionConfigSchema.parse({ keys }), '/nowhere', sources);

  it('reads files and variables in order, the first encrypting', () => {
    const ring = load([{ id: 'b', file: '/keys/b' }, { id: 'a', env: 'FF_A' }]);
    expect(ring.encryptWith).toBe('b');
    expect(ring.keys.map((k) => [k.id, k.key[0]])).toEqual([['b', 2], ['a', 1]]);
  });

  it.each([
    { why: 'an unset variable', keys: [{ id: 'x', env: 'FF_UNSET' }], error: 'configuration: encryption.keys[0] (id x): environment variable FF_UNSET is not set' },
    { why: 'a missing file', keys: [{ id: 'x', file: '/keys/none' }], error: 'configuration: encryption.keys[0] (id x): cannot read file /keys/none (ENOENT)' },
    { why: 'a file that holds no key', keys: [{ id: 'x', file: '/keys/bad' }], error: 'configuration: encryption.keys[0] (id x): the key in file /keys/bad is not base64 (make one with: openssl rand -base64 32)' },
  ])('fails fast on $why, never showing material', ({ keys, error }) => {
    expect(() => load(keys)).toThrow(error);
  });

  it('generates the data folder key once, mode 0600, and reuses it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-key-'));
    const first = ensureDataFolderKey(dataDir);
    expect(statSync(dataFolderKeyFile(dataDir)).mode & 0o777).toBe(0o600);
    const again = loadKeyRing(DEFAULT_ENCRYPTION_CONFIG, dataDir);
    expect(again.encryptWith).toBe(first.id);
    expect(Buffer.from(again.keys[0]!.key).equals(Buffer.from(first.key))).toBe(true);
    expect(first.id).toMatch(/^local-[0-9a-f]{12}$/);
  });
});

describe('the payload size limit', () => {
  it.each([
    { why: 'just under the limit', bytes: 2_031_616, refused: undefined },
    {
      why: 'one byte over',
      bytes: 2_031_617,
      refused: "the payload is 1.94 MiB (2,031,617 bytes) after encoding; Fleetflow sends at most 1.94 MiB (2,031,616 bytes), a margin under Temporal's 2 MiB blob limit: make it smaller (split a bundle into several)",
    },
  ])('$why', ({ bytes, refused }) => {
    expect(payloadSizeRefusal(bytes)).toBe(refused);
  });
});

describe('what dev up prints about encryption', () => {
  it.each([
    { why: 'the default: the data folder key', section: {}, line: /^on: AES-256-GCM with key local-[0-9a-f]{12}, .*encryption\/data-folder\.key$/ },
    { why: 'turned off', section: { enabled: false }, line: /^off \(encryption\.enabled: false\): payloads are stored in clear$/ },
    { why: 'configured keys, the first encrypting', section: { keys: [{ id: 'b', env: 'FF_B' }, { id: 'a', env: 'FF_A' }] }, line: /^on: AES-256-GCM with key b; also decrypts a$/ },
    { why: 'off with keys kept to decrypt', section: { enabled: false, keys: [{ id: 'a', env: 'FF_A' }] }, line: /^off for new payloads \(encryption\.enabled: false\); also decrypts a$/ },
  ])('$why', ({ section, line }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-describe-'));
    process.env.FF_A = K1;
    process.env.FF_B = K2;
    try {
      expect(describeEncryption({ dataDir, encryption: EncryptionConfigSchema.parse(section) })).toMatch(line);
    } finally {
      delete process.env.FF_A;
      delete process.env.FF_B;
    }
  });
});
