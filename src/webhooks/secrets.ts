import { readFileSync } from 'node:fs';
import type { WebhooksConfig } from '../domain/change/webhooks-config.js';
import { PermanentError } from '../errors.js';
import { secretKey } from './sign.js';

/** Where secret values come from; tests give their own. */
export interface SecretSources {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
}

export const processSecretSources: SecretSources = { env: process.env, readFile: (p) => readFileSync(p, 'utf8') };

/**
 * The signing keys of the secret `name`, read now from the worker's environment or files, so
 * a rotated file is picked up at the next delivery. Every source of the secret must give a
 * valid `whsec_` secret: a rotation that lost one of them is a configuration error to fix, not
 * a reason to sign with fewer keys. Errors name the secret, the variable or the file, never a
 * value; they are non-retryable (a configuration error does not heal by retrying).
 */
export function resolveSecretKeys(secrets: WebhooksConfig['secrets'], name: string, sources: SecretSources = processSecretSources): Buffer[] {
  if (!Object.hasOwn(secrets, name)) {
    throw new PermanentError(`callback secret "${name}" is not in the worker's configuration (webhooks.secrets)`, 'CallbackSecretMissing');
  }
  return secrets[name]!.map((source) => {
    const where = source.env !== undefined ? `environment variable ${source.env}` : `file ${source.file}`;
    let text: string | undefined;
    if (source.env !== undefined) {
      text = sources.env[source.env];
      if (text === undefined || text.trim() === '') throw new PermanentError(`callback secret "${name}": ${where} is not set`, 'CallbackSecretMissing');
    } else {
      try {
        text = sources.readFile(source.file!);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new PermanentError(`callback secret "${name}": cannot read ${where}${typeof code === 'string' ? ` (${code})` : ''}`, 'CallbackSecretMissing');
      }
    }
    const key = secretKey(text);
    if (!key.ok) throw new PermanentError(`callback secret "${name}" (${where}): ${key.error}`, 'CallbackSecretInvalid');
    return key.key;
  });
}
