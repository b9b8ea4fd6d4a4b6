import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, type Payload, type PayloadCodec } from '@temporalio/common';
import { isEncrypted } from '../../src/temporal/codec/aes-gcm-codec.js';
import { testDataConverter } from './test-encryption.js';

/** A payload object of a fetched history (protobuf: metadata values and data are bytes) that the codec encrypted. */
const isEncryptedPayload = (v: unknown): v is Payload => !!v && typeof v === 'object' && 'metadata' in v && isEncrypted(v as Payload);

/**
 * Every string and payload of a history, as one text to search, with encrypted payloads
 * decrypted first (by the test key's codecs, in reverse order as the SDK decodes): a check that
 * a secret is absent, or that a bundle is there once, must look at what the payloads hold, not at
 * ciphertext that could never match.
 */
export async function historyText(history: unknown, codecs: readonly PayloadCodec[] = testDataConverter.payloadCodecs ?? []): Promise<string> {
  const parts: string[] = [];
  const walk = async (v: unknown): Promise<void> => {
    if (isEncryptedPayload(v)) {
      let decoded = [v];
      for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
      for (const p of decoded) await walk(p);
    } else if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') parts.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) await walk(x);
  };
  await walk(history);
  return parts.join('\n');
}

/** A long, unique line from the middle of a PEM block. */
export const pemBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'))[1] ?? pem;

/** The innermost ApplicationFailure of a workflow failure: where the error was classified. */
export function failureOf(e: unknown): ApplicationFailure | undefined {
  let err: unknown = e instanceof WorkflowFailedError ? e.cause : e;
  let found: ApplicationFailure | undefined;
  while (err) {
    if (err instanceof ApplicationFailure) found = err;
    err = (err as { cause?: unknown }).cause;
  }
  return found;
}
