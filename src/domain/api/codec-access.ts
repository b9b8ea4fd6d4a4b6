import { z } from 'zod';

/**
 * Who may reach the codec server (POST /codec/decode, /codec/encode) besides a bearer token's
 * principal: the browser origins CORS lets in, and, in `fleetflow dev up` only, the local
 * Temporal UI, which has no login and so no token to forward.
 */

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** "https://temporal.example.com" or "http://127.0.0.1:8233": scheme, host and port, nothing else. */
export function isOrigin(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
}

/** An http(s) origin on this machine. */
export function isLoopbackOrigin(text: string): boolean {
  return isOrigin(text) && LOOPBACK_HOSTS.includes(new URL(text).hostname);
}

// A page on a plain-http origin elsewhere could be anyone's on the path: http only on loopback.
const ORIGIN_ERROR = 'must be an origin (scheme://host[:port], no path or trailing "/"): https, or http on 127.0.0.1, localhost or [::1]';
const CorsOriginSchema = z.string().refine((s) => isOrigin(s) && (s.startsWith('https:') || isLoopbackOrigin(s)), ORIGIN_ERROR);

/** The `api.codec` section: the Temporal UI origins whose browsers may call the codec server. */
export const CodecServerConfigSchema = z
  .object({
    corsOrigins: z.array(CorsOriginSchema).max(20, 'must list at most 20 origins').default([]),
  })
  .strict();
export type CodecServerConfig = z.output<typeof CodecServerConfigSchema>;

/** Checks FLEETFLOW_DEV_CODEC_ORIGIN (set by `fleetflow dev up`): a loopback http(s) origin. */
export function parseDevCodecOrigin(text: string | undefined): { ok: true; origin?: string } | { ok: false; error: string } {
  if (text === undefined || text === '') return { ok: true };
  return isLoopbackOrigin(text) ? { ok: true, origin: text } : { ok: false, error: `FLEETFLOW_DEV_CODEC_ORIGIN ${ORIGIN_ERROR.replace('https, or http on', 'and only on')}` };
}

/** True for a peer address on this machine: 127.0.0.0/8, ::1, or IPv4-mapped 127.x. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.replace(/^::ffff:/i, '');
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Whether a codec request without a token is let in: only when the dev setting names an
 * origin, the request's Origin header is exactly it, and the request comes from this machine.
 * Nothing else ever gets in without a token.
 */
export function devCodecAllows(devOrigin: string | undefined, requestOrigin: string | undefined, peerAddress: string | undefined): boolean {
  return devOrigin !== undefined && requestOrigin === devOrigin && isLoopbackAddress(peerAddress);
}

/** The origins CORS answers for: the configured ones and the dev UI's. */
export function corsOriginsOf(cfg: CodecServerConfig, devOrigin: string | undefined): string[] {
  return [...new Set([...cfg.corsOrigins, ...(devOrigin ? [devOrigin] : [])])];
}
