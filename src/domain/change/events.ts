import { z } from 'zod';
import type { Decision } from '../staged/engine.js';
import type { ChangeEvent } from './request.js';

/**
 * Which callback events a staged operation's progress gives, once each: "waiting" the first
 * time a gate waits, "stageFinished" the first time a stage is done. `seen` holds the keys of
 * events already given and is updated. The first look of a run that continued as new only
 * fills `seen` (pass `quiet`), so nothing the previous run reported is reported twice.
 */
export function stagedEvents(d: Pick<Decision, 'stages' | 'waitingFor' | 'gate'>, seen: Set<string>, at: string, quiet = false): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  const give = (key: string, e: ChangeEvent) => {
    if (seen.has(key)) return;
    seen.add(key);
    if (!quiet) events.push(e);
  };
  for (const s of d.stages) {
    if (s.status === 'Succeeded' || s.status === 'Failed') {
      give(`stage:${s.name}`, { type: 'stageFinished', at, data: { stage: s.name, status: s.status, succeeded: s.succeeded, failed: s.failed, skipped: s.skipped, total: s.total } });
    }
  }
  if (d.waitingFor === 'approval' && d.gate) give(`gate:${d.gate}`, { type: 'waiting', at, data: { gate: d.gate } });
  return events;
}

/**
 * What a staged operation tells its change about gates, for the change's state: the gate it
 * waits at now (`gate` undefined: it waits at none, it runs), when that differs from `told`,
 * the last one it told (undefined: none); undefined when there is nothing new to tell.
 */
export function gateToTell(d: Pick<Decision, 'waitingFor' | 'gate'>, told: string | undefined): { gate: string | undefined } | undefined {
  const now = d.waitingFor === 'approval' && d.gate ? d.gate : undefined;
  return now === told ? undefined : { gate: now };
}

/**
 * The operationGate signal as a change checks it on receipt: the gate its operation waits at
 * now (none: it runs again) and since when. A malformed one is dropped, not fatal.
 */
export const OperationGateSchema = z.object({
  gate: z.string().max(100, 'must be at most 100 characters').optional(),
  at: z.iso.datetime({ offset: true, error: 'must be an ISO date-time' }),
});
