import type { DataConverter } from '@temporalio/common';
import type { ClientPlugin } from '@temporalio/client';
import type { NativeConnectionPlugin, WorkerPlugin } from '@temporalio/worker';
import type { EncryptionConfig } from '../../domain/encryption/encryption-config.js';
import type { KeyRing } from '../../domain/encryption/key-ring.js';
import { AesGcmCodec } from './aes-gcm-codec.js';
import { loadKeyRing, type KeySources } from './load-keys.js';
import { PayloadSizeLimitCodec } from './size-limit-codec.js';

/**
 * The data converter of every client and worker Fleetflow makes (CLI, API, worker, the
 * activities' client, schedules, tests): encryption, then the size limit, which so counts what
 * is sent. Search attributes do not go through codecs: they stay in clear by design.
 */
export function dataConverterFromRing(ring: KeyRing): DataConverter {
  return { payloadCodecs: [new AesGcmCodec(ring), new PayloadSizeLimitCodec()] };
}

/** The data converter for Fleetflow's config (its `encryption` section and data folder). */
export function fleetflowDataConverter(config: { dataDir: string; encryption: EncryptionConfig }, sources?: KeySources): DataConverter {
  return dataConverterFromRing(loadKeyRing(config.encryption, config.dataDir, sources));
}

/**
 * The data converter as a plugin, for the test environments: given to
 * TestWorkflowEnvironment, it reaches the environment's client and, through its connection,
 * every Worker (and Client) made on that connection.
 */
export function dataConverterPlugin(dataConverter: DataConverter): ClientPlugin & WorkerPlugin & NativeConnectionPlugin {
  return {
    name: 'fleetflow-data-converter',
    configureClient: (options) => ({ ...options, dataConverter }),
    configureWorker: (options) => ({ ...options, dataConverter }),
    configureReplayWorker: (options) => ({ ...options, dataConverter }),
  };
}
