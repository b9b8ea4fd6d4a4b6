import { keyPlanOf, type EncryptionConfig } from '../../domain/encryption/encryption-config.js';
import { dataFolderKeyFile, loadKeyRing } from './load-keys.js';

/**
 * One line on what encrypts payloads, for `fleetflow dev up`: loads the keys (making the data
 * folder's on first use), so a bad key config fails here, before anything starts. Names key ids
 * and files, never material.
 */
export function describeEncryption(config: { dataDir: string; encryption: EncryptionConfig }): string {
  const ring = loadKeyRing(config.encryption, config.dataDir);
  const plan = keyPlanOf(config.encryption);
  if (plan.kind === 'off') return 'off (encryption.enabled: false): payloads are stored in clear';
  const decryptOnly = ring.keys.map((k) => k.id).filter((id) => id !== ring.encryptWith);
  const others = decryptOnly.length ? `; also decrypts ${decryptOnly.join(', ')}` : '';
  if (!ring.encryptWith) return `off for new payloads (encryption.enabled: false)${others}`;
  const where = plan.kind === 'data-folder' ? `, ${dataFolderKeyFile(config.dataDir)}` : '';
  return `on: AES-256-GCM with key ${ring.encryptWith}${where}${others}`;
}
