import type { Payload, PayloadCodec } from '@temporalio/common';
import { MAX_ENCODED_PAYLOAD_BYTES, payloadSizeRefusal } from '../../domain/encryption/payload-limit.js';
import { PayloadTooLargeError } from './payload-errors.js';

/** Bytes a payload takes on the wire: its data and its metadata keys and values. */
export function encodedSize(payload: Payload): number {
  let bytes = payload.data?.length ?? 0;
  for (const [k, v] of Object.entries(payload.metadata ?? {})) bytes += k.length + (v?.length ?? 0);
  return bytes;
}

/**
 * Refuses, on encode, payloads that together (one call's arguments, one result) exceed the
 * limit. It runs last, after encryption, so it counts what would be sent. Decode is a no-op.
 */
export class PayloadSizeLimitCodec implements PayloadCodec {
  constructor(private readonly limit = MAX_ENCODED_PAYLOAD_BYTES) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const refusal = payloadSizeRefusal(payloads.reduce((sum, p) => sum + encodedSize(p), 0), this.limit);
    if (refusal) throw new PayloadTooLargeError(refusal);
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }
}
