import type { FailureType } from '../failure-types.js';
import { callbackUrlAllowed } from './callback-hosts.js';
import type { CallbackTarget } from './request.js';
import type { WebhooksConfig } from './webhooks-config.js';

/** Why a change's callbacks cannot be set up: the field at fault, a failure type and the reason. */
export interface CallbackRefusal {
  type: Extract<FailureType, 'InvalidInput' | 'CallbackNotAllowed' | 'CallbackSecretMissing'>;
  /** "callbackUrl", or the config field (webhooks.subscribers[0].secret) when the config is at fault. */
  field: string;
  message: string;
}

export type CallbackTargets = { ok: true; targets: CallbackTarget[] } | { ok: false; refusal: CallbackRefusal };

const refuse = (type: CallbackRefusal['type'], field: string, message: string): CallbackTargets => ({
  ok: false,
  refusal: { type, field, message: `${field}: ${message}` },
});

/**
 * Where a change's events go: its callbackUrl (signed with its ticket system's callback secret,
 * or the default one) first, then every configured subscriber. Secrets are named, never
 * resolved: the worker reads their values when it delivers.
 *
 * @example
 *   callbackTargetsFor(config, 'servicenow', 'https://acme.service-now.com/api/fleetflow')
 *   // { ok: true, targets: [{ url: 'https://acme.service-now.com/api/fleetflow', secret: 'servicenow' }, ...subscribers] }
 */
export function callbackTargetsFor(config: WebhooksConfig, ticketSystem: string, callbackUrl?: string): CallbackTargets {
  const targets: CallbackTarget[] = [];
  if (callbackUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(callbackUrl);
    } catch {
      return refuse('InvalidInput', 'callbackUrl', 'must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('InvalidInput', 'callbackUrl', 'must be an http or https URL');
    if (callbackUrl.length > 2000) return refuse('InvalidInput', 'callbackUrl', 'must be at most 2000 characters');
    // The URL is kept in the change's history and shown in its status.
    if (url.username || url.password) return refuse('InvalidInput', 'callbackUrl', 'must not carry a user name or password');
    if (!callbackUrlAllowed(callbackUrl, config.allowedCallbackHosts)) {
      const why = config.allowedCallbackHosts.length ? 'matches no pattern of' : 'cannot be allowed: the server lists no host in';
      return refuse('CallbackNotAllowed', 'callbackUrl', `${url.protocol}//${url.host} ${why} webhooks.allowedCallbackHosts`);
    }
    const own = Object.hasOwn(config.systems, ticketSystem) ? config.systems[ticketSystem]!.callbackSecret : undefined;
    const secret = own ?? config.callbackSecret;
    if (secret === undefined) {
      return refuse('CallbackNotAllowed', 'callbackUrl', `no callback secret is configured for change system "${ticketSystem}" (webhooks.systems.${ticketSystem}.callbackSecret or webhooks.callbackSecret)`);
    }
    const field = own !== undefined ? `webhooks.systems.${ticketSystem}.callbackSecret` : 'webhooks.callbackSecret';
    if (!Object.hasOwn(config.secrets, secret)) return refuse('CallbackSecretMissing', field, `unknown secret "${secret}"`);
    targets.push({ url: url.href, secret });
  }
  for (const [i, s] of config.subscribers.entries()) {
    if (!Object.hasOwn(config.secrets, s.secret)) return refuse('CallbackSecretMissing', `webhooks.subscribers[${i}].secret`, `unknown secret "${s.secret}"`);
    targets.push({ url: s.url, secret: s.secret, ...(s.events ? { events: [...s.events] } : {}) });
  }
  return { ok: true, targets };
}

/**
 * Why the worker must not sign a POST to `target`, or undefined when its config allows it: the
 * target is a subscriber with that very secret, or a callbackUrl the config allows signed with
 * a callback secret. The API checked this when the change was opened; the worker checks again
 * because anyone who can start a workflow could otherwise have it sign bodies of their choosing
 * with a change system's secret and send them anywhere.
 */
export function callbackTargetRefusal(config: WebhooksConfig, target: Pick<CallbackTarget, 'url' | 'secret'>): CallbackRefusal | undefined {
  if (config.subscribers.some((s) => s.url === target.url && s.secret === target.secret)) return undefined;
  const callbackSecrets = new Set([config.callbackSecret, ...Object.values(config.systems).map((s) => s.callbackSecret)]);
  if (callbackSecrets.has(target.secret) && callbackUrlAllowed(target.url, config.allowedCallbackHosts)) return undefined;
  let origin = target.url;
  try {
    origin = new URL(target.url).origin;
  } catch {
    // An unparsable URL is named as given.
  }
  return {
    type: 'CallbackNotAllowed',
    field: 'url',
    message: `the worker's webhooks config allows no callback to ${origin} signed with secret "${target.secret}" (not a subscriber, or not a callback secret and an allowed host)`,
  };
}
