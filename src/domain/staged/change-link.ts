import { z } from 'zod';

/**
 * Fields a staged operation takes when it runs for a change (the fleetChange workflow sets them;
 * a caller of the API cannot, the API overwrites them). Both are optional and mean nothing
 * outside a change, so inputs without them behave as before.
 */
export const ChangeLinkFields = {
  /** Stages that touch these environments get an approval gate before they start when they have none. */
  gatedEnvironments: z.array(z.string().min(1).max(63)).max(50, 'must have at most 50 environments').default([]),
  /** The fleetChange workflow this operation runs for: it is told when a gate waits and a stage ends. */
  changeId: z.string().min(1).max(400).optional(),
};
