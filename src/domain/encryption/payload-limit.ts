/**
 * The largest payload Fleetflow sends, counted after encoding (encryption adds 28 bytes and a
 * few metadata fields). Temporal refuses a blob over 2 MiB (`limit.blobSize.error`, the
 * self-hosted default and Temporal Cloud's); the 64 KiB margin leaves room for the request's
 * other fields (headers, memo, search attributes), so Fleetflow refuses first, with a message,
 * instead of the server failing the call (or a workflow task) with a gRPC error.
 */
export const TEMPORAL_BLOB_LIMIT_BYTES = 2 * 1024 * 1024;
export const PAYLOAD_MARGIN_BYTES = 64 * 1024;
export const MAX_ENCODED_PAYLOAD_BYTES = TEMPORAL_BLOB_LIMIT_BYTES - PAYLOAD_MARGIN_BYTES;

/** "1.95 MiB (2,044,211 bytes)": a size as a person reads it, with the exact count. */
export function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${mib >= 0.1 ? `${mib.toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`} (${bytes.toLocaleString('en-US')} bytes)`;
}

/** Why payloads of `bytes` (together, after encoding) are refused, or undefined when they fit. */
export function payloadSizeRefusal(bytes: number, limit = MAX_ENCODED_PAYLOAD_BYTES): string | undefined {
  if (bytes <= limit) return undefined;
  return (
    `the payload is ${describeBytes(bytes)} after encoding; Fleetflow sends at most ${describeBytes(limit)}, a margin under ` +
    `Temporal's 2 MiB blob limit: make it smaller (split a bundle into several)`
  );
}
