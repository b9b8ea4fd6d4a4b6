import { z } from 'zod';
import { CHANGE_TYPES, type ChangeType } from '../auth/policy.js';
import { ProvisionInputSchema, DecommissionInputSchema } from '../cluster/operation-inputs.js';
import { UpgradeClusterInputSchema } from '../upgrade/preflight.js';
import { UpgradeWaveInputSchema } from '../upgrade/wave.js';
import { FleetRolloutInputSchema } from '../rollout/fleet-rollout.js';
import { FleetDecommissionInputSchema } from '../decommission/fleet-decommission.js';
import { DurationSchema } from '../time/durations.js';

/**
 * A change: one fleet operation opened by a change-management system (or anyone holding a
 * ticket or an idempotency key) through the API. It runs as a `fleetChange` workflow whose id
 * is derived from the ticket, so the ticket names it everywhere; the operation itself is its
 * child (see operationWorkflowIdOf).
 */

/** The workflow type each change type runs. */
export const OPERATION_WORKFLOW: Readonly<Record<ChangeType, string>> = {
  provision: 'provisionCluster',
  decommission: 'decommissionCluster',
  upgradeCluster: 'upgradeCluster',
  upgradeWave: 'upgradeWave',
  rollout: 'fleetRollout',
  fleetDecommission: 'fleetDecommission',
};

/** The input schema of each change type: the same schema its workflow validates with. */
export const OPERATION_INPUT = {
  provision: ProvisionInputSchema,
  decommission: DecommissionInputSchema,
  upgradeCluster: UpgradeClusterInputSchema,
  upgradeWave: UpgradeWaveInputSchema,
  rollout: FleetRolloutInputSchema,
  fleetDecommission: FleetDecommissionInputSchema,
} as const;

/** Types whose operation is staged (gates, pause, retry, skip) rather than one cluster's. */
export const STAGED_CHANGE_TYPES: readonly ChangeType[] = ['upgradeWave', 'rollout', 'fleetDecommission'];
export const isStaged = (t: ChangeType): boolean => STAGED_CHANGE_TYPES.includes(t);

const TicketPart = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-", starting with a letter or digit');

/** The change ticket in the change system: `servicenow` / `CHG0031337`. */
export const TicketSchema = z
  .object({
    system: TicketPart,
    id: TicketPart,
    url: z.url({ error: 'must be an absolute URL' }).max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict();
export type Ticket = z.output<typeof TicketSchema>;

/** The workflow id of a ticket's change: `change/servicenow/CHG0031337`. */
export const changeIdOf = (t: Pick<Ticket, 'system' | 'id'>): string => `change/${t.system}/${t.id}`;

/** Callers without a ticket send an Idempotency-Key; it names the change the same way. */
export const IDEMPOTENCY_SYSTEM = 'idempotency-key';

/** Who asked, as the API authenticated them: `oidc:<sub>` or `token:<name>` is the audit name. */
export const PrincipalRefSchema = z
  .object({
    kind: z.enum(['oidc', 'token']),
    subject: z.string().min(1).max(200),
    displayName: z.string().max(200).optional(),
  })
  .strict();
export type PrincipalRef = z.output<typeof PrincipalRefSchema>;

/** The name a principal has in audit entries and `requestedBy`: "oidc:alice" or "token:ci". */
export const auditNameOf = (p: Pick<PrincipalRef, 'kind' | 'subject'>): string => `${p.kind}:${p.subject}`;

/** The gate of a one-cluster change (staged changes name theirs "<stage>:before|after"). */
export const CHANGE_GATE = 'change:before';

/** Kinds of callback event, in the order a change can emit them. */
export const CHANGE_EVENT_TYPES = ['accepted', 'waiting', 'stageFinished', 'succeeded', 'failed', 'rolledBack', 'aborted'] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];
export const TERMINAL_EVENTS: readonly ChangeEventType[] = ['succeeded', 'failed', 'rolledBack', 'aborted'];

/**
 * Where callbacks go: a URL, the name of the secret (in the config) that signs them, and for a
 * subscriber the event types it wants (absent: every type).
 */
export const CallbackTargetSchema = z
  .object({
    url: z.url(),
    secret: z.string().min(1).max(100),
    events: z.array(z.enum(CHANGE_EVENT_TYPES)).min(1).optional(),
  })
  .strict();
export type CallbackTarget = z.output<typeof CallbackTargetSchema>;

/**
 * The input of the fleetChange workflow, built by the API (never by the caller): the
 * principal, the ticket, the operation's own input (already validated, `requestedBy` set to
 * the principal), and what the policy decided about gates.
 */
export const ChangeRequestSchema = z
  .object({
    type: z.enum(CHANGE_TYPES),
    ticket: TicketSchema,
    requestedBy: PrincipalRefSchema,
    input: z.record(z.string(), z.unknown()),
    /** sha256 hex of the canonical JSON of {type, input} as the caller sent them: same ticket, other input = conflict. */
    inputHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** Callbacks of this change (its callbackUrl and the configured subscribers); empty: none. */
    callbacks: z.array(CallbackTargetSchema).max(20).default([]),
    /** Environments the policy counts as production: every stage touching one gets a gate. */
    prodEnvironments: z.array(z.string().min(1)).default([]),
    /** A one-cluster change that must wait for approval first (policy: it touches production). */
    approval: z
      .object({
        reason: z.string().max(500),
        timeout: DurationSchema.prefault('7d'),
      })
      .strict()
      .optional(),
    /**
     * The change's gates are approved by the change system (the principal that opened it, after
     * its own approval process) rather than by a second person through Fleetflow.
     */
    delegated: z.boolean().default(false),
  })
  .strict();
export type ChangeRequest = z.input<typeof ChangeRequestSchema>;
export type ChangeRequestParsed = z.output<typeof ChangeRequestSchema>;

/** The state of a change as the API and the UI report it. */
export const CHANGE_STATES = ['Accepted', 'WaitingForApproval', 'Running', 'Succeeded', 'Failed', 'Aborted', 'RolledBack'] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];
export const isTerminal = (s: ChangeState): boolean => s === 'Succeeded' || s === 'Failed' || s === 'Aborted' || s === 'RolledBack';

/** One event of a change, as signalled to its callbacks workflow (its sequence is assigned there). */
export interface ChangeEvent {
  type: ChangeEventType;
  at: string;
  /** e.g. { gate: "prod:before" } for waiting, { stage: "canary" } for stageFinished, { message } at the end. */
  data: Record<string, unknown>;
}

/** What the fleetChange workflow's getChange query answers. */
export interface ChangeView {
  id: string;
  type: ChangeType;
  ticket: Ticket;
  requestedBy: string;
  requestedAt: string;
  state: ChangeState;
  /** The workflow that runs the operation; the staged actions go there. */
  operationWorkflowId: string;
  /** The gate the change waits at: a one-cluster change's own, or the one its staged operation waits at (told by operationGate). */
  waitingAt?: { gate: string; since: string; reason?: string };
  /** Gates are approved by the change system that opened the change (see ChangeRequest.delegated). */
  delegated: boolean;
  /** Approvals and other operator actions on the change's own gate. */
  audit: { at: string; action: string; by: string; reason?: string; detail?: string }[];
  /** The operation's result message once it ended. */
  outcome?: { state: ChangeState; message: string; at: string; type?: string };
  /** The callbacks workflow's id, when the change has callbacks. */
  callbacksWorkflowId?: string;
}

/** The callbacks workflow of a change. */
export const callbacksWorkflowIdOf = (changeId: string): string => `${changeId}/callbacks`;
