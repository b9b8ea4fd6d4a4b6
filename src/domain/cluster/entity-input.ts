import { z } from 'zod';
import { PROVIDERS } from './spec.js';
import { CLUSTER_PHASES } from './state.js';

// What a cluster entity may be started with. A spec is checked with the spec's own schema; a
// state carried over by continue-as-new (or typed into the UI) only for the shape the entity
// relies on: the rules a spec obeys may tighten later, and a running cluster must not then fail
// to carry itself over. Unknown fields are kept.

const Text = z.string();
const AnyObject = z.looseObject({});

const CarriedSpecSchema = z.looseObject({
  name: Text.min(1, 'must not be empty'),
  provider: z.enum(PROVIDERS, { error: `must be one of: ${PROVIDERS.join(', ')}` }),
  region: Text,
  environment: Text,
  labels: z.record(Text, Text),
  account: Text.optional(),
  healthCheckInterval: Text.optional(),
});

const OperationRecordShape = z.looseObject({ id: Text, type: Text, status: Text, startedAt: Text, message: Text.optional() });

/** The fields an operation may report (ClusterPatch), in the shapes the entity relies on. */
const PatchShape = {
  providerId: Text.optional(),
  endpoint: Text.optional(),
  version: Text.optional(),
  health: z.looseObject({ status: Text, reasons: z.array(Text), checkedAt: Text.optional() }),
  phase: z.enum(CLUSTER_PHASES, { error: `must be one of: ${CLUSTER_PHASES.join(', ')}` }),
  bundles: z.array(z.looseObject({ name: Text, revision: Text, previous: z.array(Text).optional() })).optional(),
};

/** The state a cluster entity carries across continue-as-new, as far as the entity relies on it. */
export const CarriedClusterStateSchema = z.looseObject({
  spec: CarriedSpecSchema,
  ...PatchShape,
  healthLog: z.array(AnyObject).optional(),
  current: OperationRecordShape.optional(),
  history: z.array(AnyObject),
  checkProblem: z.looseObject({ check: Text, message: Text, since: Text, failures: z.number() }).optional(),
  registeredAt: Text,
  updatedAt: Text,
});

/**
 * The raw input of the cluster entity: `{spec}` to register, `{spec, state}` when carried over.
 * The spec is left to ClusterSpecSchema (its own wording and failure type).
 */
export const ClusterEntityInputSchema = z.strictObject({
  spec: z.unknown(),
  state: CarriedClusterStateSchema.nullish(),
});

const PatchSchema = z.looseObject({ ...PatchShape, health: PatchShape.health.optional(), phase: PatchShape.phase.optional() }).optional();

/** The operationProgress signal, as far as the entity relies on it. */
export const OperationProgressSchema = z.looseObject({ operationId: Text, step: Text.optional(), patch: PatchSchema });

/** The operationFinished signal, as far as the entity relies on it. */
export const OperationFinishedSchema = z.looseObject({ operationId: Text, succeeded: z.boolean(), message: Text, patch: PatchSchema });
