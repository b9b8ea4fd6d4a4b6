import { z } from 'zod';

/**
 * The `encryption` section of the Fleetflow config file: the keys that encrypt every payload
 * Fleetflow sends to Temporal (workflow inputs, results, signals, updates, queries, memos,
 * schedule actions). Keys are named by reference, an environment variable or a file, never by
 * value. The FIRST key encrypts; every key decrypts, so a rotation adds the new key at the top
 * and keeps the old ones below it until nothing encrypted under them is still needed.
 *
 * @example
 *   encryption:
 *     keys:
 *       - { id: k2026-11, file: /etc/fleetflow/keys/k2026-11 }   # encrypts
 *       - { id: k2026-05, env: FLEETFLOW_KEY_2026_05 }           # still decrypts
 */

/** A key id goes into every payload's metadata in clear: a short name, no secret. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY_ID_ERROR = 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Where one key's material is read from: an environment variable or a file (base64 of 32 bytes). */
export const KeySourceSchema = z
  .object({
    id: z.string().regex(KEY_ID_PATTERN, KEY_ID_ERROR),
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    file: z.string().min(1, 'must not be empty').optional(),
    // Named so that a key pasted in clear gets a message saying why, not "unrecognized key".
    key: z.never({ error: 'key material is never written in the config: give env: VAR or file: PATH' }).optional(),
    value: z.never({ error: 'key material is never written in the config: give env: VAR or file: PATH' }).optional(),
  })
  .strict()
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'must name one of env or file');
export type KeySource = z.output<typeof KeySourceSchema>;

/** The section; `{}` (or no section) means: encrypt with the data folder's generated key. */
export const EncryptionConfigSchema = z
  .object({
    /**
     * false: new payloads are sent in clear. Configured keys still decrypt what was encrypted
     * before, so turning encryption off never makes history unreadable.
     */
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
    /** Newest first: keys[0] encrypts, all decrypt. Absent: the data folder's key (see keySourcesOf). */
    keys: z.array(KeySourceSchema).min(1, 'must list at least one key when given (omit it for the data folder key)').max(16, 'must list at most 16 keys').optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    (cfg.keys ?? []).forEach((k, i) => {
      if (seen.has(k.id)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'id'], message: `duplicate key id "${k.id}"` });
      seen.add(k.id);
    });
  });
export type EncryptionConfig = z.output<typeof EncryptionConfigSchema>;

/** What a config file without `encryption` means: on, with the data folder's key. */
export const DEFAULT_ENCRYPTION_CONFIG: EncryptionConfig = EncryptionConfigSchema.parse({});

/** Where the key generated for a data folder lives, relative to it (mode 0600, made once). */
export const DATA_FOLDER_KEY_FILE = 'encryption/data-folder.key';

/** The keys to load, in order; `dataFolderKey` when the section names none. */
export type KeyPlan = { kind: 'off' } | { kind: 'configured'; encrypt: boolean; keys: KeySource[] } | { kind: 'data-folder' };

/**
 * What the section asks for: no encryption at all (off, no keys), the configured keys (the
 * first encrypting unless `enabled: false`), or the data folder's generated key.
 */
export function keyPlanOf(cfg: EncryptionConfig): KeyPlan {
  if (cfg.keys) return { kind: 'configured', encrypt: cfg.enabled, keys: cfg.keys };
  return cfg.enabled ? { kind: 'data-folder' } : { kind: 'off' };
}
