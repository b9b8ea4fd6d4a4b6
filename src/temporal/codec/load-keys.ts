import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATA_FOLDER_KEY_FILE, keyPlanOf, type EncryptionConfig } from '../../domain/encryption/encryption-config.js';
import { generatedKeyId, KEY_BYTES, keyRing, parseKeyMaterial, type KeyRing } from '../../domain/encryption/key-ring.js';

/** Where key material comes from; tests give their own. */
export interface KeySources {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
}

export const processKeySources: KeySources = { env: process.env, readFile: (p) => readFileSync(p, 'utf8') };

/**
 * The key ring the config asks for, read now: the configured keys (each must be readable and
 * valid: a rotation that lost a key is a configuration error, not a reason to run with fewer),
 * the data folder's generated key, or an empty ring that encrypts nothing and decrypts nothing.
 * Errors name the key id and the variable or file, never the material.
 */
export function loadKeyRing(cfg: EncryptionConfig, dataDir: string, sources: KeySources = processKeySources): KeyRing {
  const plan = keyPlanOf(cfg);
  if (plan.kind === 'off') return keyRing([], false);
  if (plan.kind === 'data-folder') return keyRing([ensureDataFolderKey(dataDir, sources)]);
  const keys = plan.keys.map((source, i) => {
    const where = source.env !== undefined ? `environment variable ${source.env}` : `file ${source.file}`;
    const field = `encryption.keys[${i}] (id ${source.id})`;
    let material: string | undefined;
    if (source.env !== undefined) {
      material = sources.env[source.env];
      if (material === undefined || material.trim() === '') throw new Error(`configuration: ${field}: ${where} is not set`);
    } else {
      try {
        material = sources.readFile(source.file!);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new Error(`configuration: ${field}: cannot read ${where}${typeof code === 'string' ? ` (${code})` : ''}`);
      }
    }
    const parsed = parseKeyMaterial(material);
    if (!parsed.ok) throw new Error(`configuration: ${field}: the key in ${where} ${parsed.error}`);
    return { id: source.id, key: parsed.key };
  });
  return keyRing(keys, plan.encrypt);
}

/** The path of a data folder's generated key. */
export function dataFolderKeyFile(dataDir: string): string {
  return join(dataDir, DATA_FOLDER_KEY_FILE);
}

/**
 * The data folder's key, made on first use (32 random bytes, base64, mode 0600 in a 0700
 * folder) and read ever after. Two processes starting at once both end up with the one key:
 * each writes its own candidate to a private file and links it into place, and the link of the
 * second fails because the first's is there.
 */
export function ensureDataFolderKey(dataDir: string, sources: KeySources = processKeySources): { id: string; key: Uint8Array } {
  const file = dataFolderKeyFile(dataDir);
  const read = (): { id: string; key: Uint8Array } => {
    const parsed = parseKeyMaterial(sources.readFile(file));
    if (!parsed.ok) throw new Error(`encryption: the data folder's key ${file} ${parsed.error}; restore it (payloads encrypted under it need it)`);
    return { id: generatedKeyId(createHash('sha256').update(parsed.key).digest('hex')), key: parsed.key };
  };
  try {
    return read();
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const candidate = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(candidate, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(candidate, file);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
  } finally {
    rmSync(candidate, { force: true });
  }
  return read();
}
