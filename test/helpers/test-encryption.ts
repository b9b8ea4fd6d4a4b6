import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generatedKeyId, keyRing } from '../../src/domain/encryption/key-ring.js';
import { dataConverterFromRing, dataConverterPlugin } from '../../src/temporal/codec/data-converter.js';
import { dataFolderKeyFile } from '../../src/temporal/codec/load-keys.js';

/**
 * Tests run encrypted like production: one fixed test key (not a secret: it protects nothing
 * but test data), so recorded histories encrypted under it replay in the replay test. Its id is
 * the one a data folder holding it gives it, so in-process clients and the worker and CLI
 * processes a test starts (see seedDataFolderKey) name it alike.
 */
const TEST_KEY = Buffer.from('fleetflow test key, not a secret');
export const TEST_KEY_BASE64 = TEST_KEY.toString('base64');
export const TEST_KEY_ID = generatedKeyId(createHash('sha256').update(TEST_KEY).digest('hex'));

/** The test key's data converter (encryption + size limit), as every test client and worker uses it. */
export const testDataConverter = dataConverterFromRing(keyRing([{ id: TEST_KEY_ID, key: new Uint8Array(TEST_KEY) }]));

/** testDataConverter as a plugin for TestWorkflowEnvironment: every Worker on its connection gets it. */
export const testEncryptionPlugin = dataConverterPlugin(testDataConverter);

/**
 * Puts the test key in `dataDir` as its generated key, so worker and CLI processes a test
 * starts with FLEETFLOW_DATA=dataDir (and no encryption section) encrypt with it too.
 */
export function seedDataFolderKey(dataDir: string): void {
  const file = dataFolderKeyFile(dataDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${TEST_KEY_BASE64}\n`, { mode: 0o600 });
}
