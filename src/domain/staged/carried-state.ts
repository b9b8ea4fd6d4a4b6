import { z } from 'zod';

// What a staged operation (upgradeWave, fleetRollout, fleetDecommission) carries across
// continue-as-new, as far as its code relies on it. A run started with a second argument typed
// into the UI, or with a state no longer readable, fails at once with the fields by path
// instead of failing its first workflow task again and again. Unknown fields are kept, and the
// values are not checked against today's rules: a long operation must be able to carry itself over.

const Text = z.string();
const Names = z.array(Text);
const AnyObject = z.looseObject({});

/** The parts every staged operation carries: stages, runs, the operator's state and the audit log. */
const StagedShape = {
  stages: z.array(z.looseObject({ name: Text, clusters: Names })),
  runs: z.record(Text, z.looseObject({ status: Text })),
  operator: z.looseObject({ approvals: Names }),
  audit: z.array(AnyObject),
  startedAt: Text,
  generation: z.number(),
};

const LeftOutShape = z.looseObject({ upToDate: z.array(AnyObject), refused: z.array(AnyObject), excluded: z.array(AnyObject), unassigned: z.array(AnyObject) });

/** upgradeWave's carried state. */
export const CarriedWaveStateSchema = z.looseObject({
  ...StagedShape,
  upgrades: z.record(Text, z.looseObject({ name: Text, from: Text, to: Text })),
  leftOut: LeftOutShape,
});

/** fleetRollout's carried state. */
export const CarriedRolloutStateSchema = z.looseObject({
  ...StagedShape,
  bundle: z.looseObject({ name: Text, revision: Text }),
  environments: z.record(Text, Text),
  leftOut: LeftOutShape,
});

/** fleetDecommission's carried state. */
export const CarriedDecommissionStateSchema = z.looseObject({
  ...StagedShape,
  environments: z.record(Text, Text),
  refused: z.array(AnyObject),
  excluded: z.array(AnyObject),
  approvalReasons: Names,
  reason: Text,
});
