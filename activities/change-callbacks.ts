import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { callbackTargetRefusal } from '../src/domain/change/callback-targets.js';
import type { WebhooksConfig } from '../src/domain/change/webhooks-config.js';
import { FleetflowError, messageOf, PermanentError } from '../src/errors.js';
import { postSigned } from '../src/webhooks/post.js';
import { processSecretSources, resolveSecretKeys, type SecretSources } from '../src/webhooks/secrets.js';

/** One delivery of a change event to one target. Carries a secret's name, never its value. */
export interface DeliverChangeEventInput {
  url: string;
  /** Name of the secret in the worker's `webhooks.secrets`. */
  secret: string;
  webhookId: string;
  /** The exact JSON text to send (the same at every attempt). */
  body: string;
  /** Of one POST; 10 s when absent. */
  timeoutMs?: number;
}

export interface DeliveredChangeEvent {
  status: number;
  /** The attempt that succeeded (1 for the first). */
  attempts: number;
}

/** What a failed attempt carries in its details, so the workflow can tell how many were made. */
export interface DeliveryAttemptDetails {
  attempt: number;
}

/**
 * Signs and POSTs a change event, if the worker's config allows that URL with that secret
 * (callbackTargetRefusal). The secret is resolved here, at each attempt, from the
 * worker's environment or files, and each attempt gets a fresh timestamp (a receiver refuses
 * one older than its tolerance, 5 minutes by default, and a retry can come hours later).
 */
export function changeCallbackActivities(webhooks: WebhooksConfig, sources: SecretSources = processSecretSources) {
  return {
    async deliverChangeEvent(req: DeliverChangeEventInput): Promise<DeliveredChangeEvent> {
      const { attempt } = Context.current().info;
      try {
        const refusal = callbackTargetRefusal(webhooks, req);
        if (refusal) throw new PermanentError(refusal.message, refusal.type);
        const keys = resolveSecretKeys(webhooks.secrets, req.secret, sources);
        const { status } = await postSigned({ url: req.url, webhookId: req.webhookId, body: req.body, keys, timeoutMs: req.timeoutMs ?? 10_000 });
        return { status, attempts: attempt };
      } catch (err) {
        throw deliveryFailure(err, attempt);
      }
    },
  };
}

/** A typed error keeps its type and retryability; anything else is taken for a network fault. */
function deliveryFailure(err: unknown, attempt: number): ApplicationFailure {
  const details: DeliveryAttemptDetails[] = [{ attempt }];
  if (err instanceof FleetflowError) return ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: !err.retryable, details });
  return ApplicationFailure.create({ message: messageOf(err), type: 'CallbackUnreachable', nonRetryable: false, details });
}
