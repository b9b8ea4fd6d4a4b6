/**
 * The key ring of payload encryption: which key encrypts, which key decrypts a payload, and how
 * key material is written. Pure: the codec (src/temporal/codec) does the cryptography and
 * loading the material is src/temporal/codec/load-keys.ts's business. Messages name key ids and
 * where a key came from, never a byte of the key.
 */

/** AES-256: every key is exactly this many bytes. */
export const KEY_BYTES = 32;

/** One key: its id (in clear in each payload's metadata) and its material. */
export interface RingKey {
  id: string;
  key: Uint8Array;
}

/** The keys in order of preference; `encryptWith` is the id of the one that encrypts, if any. */
export interface KeyRing {
  keys: readonly RingKey[];
  encryptWith?: string;
}

/**
 * Reads key material as written in a key file or variable: the base64 (standard or url-safe,
 * padding optional) of exactly 32 bytes, surrounding whitespace ignored. The error never
 * repeats the text.
 *
 * @example parseKeyMaterial('q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=') // { ok: true, key }
 */
export function parseKeyMaterial(text: string): { ok: true; key: Uint8Array } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: 'is empty' };
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return { ok: false, error: `is not base64 (make one with: openssl rand -base64 ${KEY_BYTES})` };
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== KEY_BYTES) return { ok: false, error: `decodes to ${bytes.length} bytes, not the ${KEY_BYTES} of an AES-256 key (make one with: openssl rand -base64 ${KEY_BYTES})` };
  return { ok: true, key: new Uint8Array(bytes) };
}

/** A ring of keys, newest first; the first encrypts when `encrypt` is true. */
export function keyRing(keys: readonly RingKey[], encrypt = true): KeyRing {
  const ids = new Set<string>();
  for (const k of keys) {
    if (ids.has(k.id)) throw new Error(`encryption: duplicate key id "${k.id}"`);
    if (k.key.length !== KEY_BYTES) throw new Error(`encryption: key "${k.id}" has ${k.key.length} bytes, not ${KEY_BYTES}`);
    ids.add(k.id);
  }
  if (encrypt && keys.length === 0) throw new Error('encryption: no key to encrypt with');
  return encrypt ? { keys, encryptWith: keys[0]!.id } : { keys };
}

/** The key that encrypts new payloads, or undefined when the ring only decrypts. */
export function encryptionKey(ring: KeyRing): RingKey | undefined {
  return ring.encryptWith === undefined ? undefined : ring.keys.find((k) => k.id === ring.encryptWith);
}

/**
 * The key a payload encrypted under `id` needs, or the sentence saying it is not configured
 * (naming the ids that are, so a missed rotation step is plain).
 */
export function decryptionKey(ring: KeyRing, id: string | undefined): { ok: true; key: RingKey } | { ok: false; error: string } {
  if (id === undefined || id === '') return { ok: false, error: 'the encrypted payload names no key id (encryption-key-id metadata missing)' };
  const key = ring.keys.find((k) => k.id === id);
  if (key) return { ok: true, key };
  const known = ring.keys.map((k) => k.id).join(', ') || 'none';
  return { ok: false, error: `the payload is encrypted under key id "${id}", which is not configured here (configured: ${known}); add that key to encryption.keys` };
}

/**
 * The id of a generated key: "local-" and 12 hex digits of a hash of the key (given here as
 * that hash), so two data folders' keys never share an id.
 */
export function generatedKeyId(keyHashHex: string): string {
  return `local-${keyHashHex.slice(0, 12)}`;
}
