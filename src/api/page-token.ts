import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/change/canonical-json.js';

/**
 * Page tokens of GET /v1/changes: Temporal's own visibility token, prefixed with a checksum of
 * the list's filters. A token that was not made by this API for the same filters is refused as
 * bad input at once; Temporal would answer it only after retries, with an unknown error.
 */

const CHECK_BYTES = 8;

const checksum = (filters: object, token: Uint8Array) =>
  createHash('sha256').update(canonicalJson(filters)).update(token).digest().subarray(0, CHECK_BYTES);

/** The token to hand out for the next page of a list with these filters. */
export function encodePageToken(filters: object, token: Uint8Array): string {
  return Buffer.concat([checksum(filters, token), token]).toString('base64url');
}

/** Temporal's token inside `text`, or undefined when `text` is not a token of a list with these filters. */
export function decodePageToken(filters: object, text: string): Uint8Array | undefined {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length <= CHECK_BYTES) return undefined;
  const token = bytes.subarray(CHECK_BYTES);
  return checksum(filters, token).equals(bytes.subarray(0, CHECK_BYTES)) ? new Uint8Array(token) : undefined;
}
