import { status } from '@grpc/grpc-js';

/**
 * Faults the GKE fake injects in front of its RPCs, the way a real API misbehaves:
 * - `unavailable`, `throttled`, `internal`: an error status before the request is processed;
 * - `slow`: the request IS processed, but the answer comes after `slowMs` (beyond the client's
 *   deadline), so the caller sees DEADLINE_EXCEEDED for a change that happened;
 * - `drop`: the request is not processed and never answered (a call lost on the way).
 * Connection resets are drawn separately (`resetRate`, applied by the ConnectionDropper).
 */
export type FaultKind = 'unavailable' | 'throttled' | 'internal' | 'slow' | 'drop';
export const FAULT_KINDS: readonly FaultKind[] = ['unavailable', 'throttled', 'internal', 'slow', 'drop'];

export interface FaultPlan {
  /** Share of calls that get a fault, 0..1. */
  rate: number;
  /** Which faults to draw from (uniformly); all of them by default. */
  kinds?: readonly FaultKind[];
  /** Delay of a `slow` answer; set it beyond the client's call timeout. Default 3 s. */
  slowMs?: number;
  /** Only these RPCs (e.g. "CreateCluster") get random faults; all when absent. */
  methods?: readonly string[];
  /** Seed of the random draws, so a failing run can be repeated. */
  seed?: number;
  /**
   * Share of the chunks a client sends that reset its TCP connection (ConnectionDropper):
   * every call in flight on it fails with UNAVAILABLE. Default 0.
   */
  resetRate?: number;
}

/** The error a status fault answers with, in GKE's words. */
export const FAULT_ERRORS: Record<'unavailable' | 'throttled' | 'internal', { code: status; details: string }> = {
  unavailable: { code: status.UNAVAILABLE, details: 'The service is currently unavailable.' },
  throttled: {
    code: status.RESOURCE_EXHAUSTED,
    details: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'container.googleapis.com'.",
  },
  internal: { code: status.INTERNAL, details: 'Internal error encountered.' },
};

/** mulberry32: a small seeded generator, so fault sequences are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, call by call, whether and how to misbehave; counts what it did. */
export class FaultInjector {
  private plan: FaultPlan = { rate: 0 };
  private random: () => number = Math.random;
  private readonly scripted: { method: string; kind: FaultKind }[] = [];
  /** Faults injected so far, by kind. */
  readonly injected: Record<FaultKind, number> = { unavailable: 0, throttled: 0, internal: 0, slow: 0, drop: 0 };

  /** Replaces the random plan (rate 0 turns random faults off). */
  set(plan: FaultPlan): void {
    this.plan = plan;
    this.random = plan.seed === undefined ? Math.random : seeded(plan.seed);
  }

  /** Forces `kind` on the next call of `method`, whatever the plan says. */
  once(method: string, kind: FaultKind): void {
    this.scripted.push({ method, kind });
  }

  get resetRate(): number {
    return this.plan.resetRate ?? 0;
  }

  get slowMs(): number {
    return this.plan.slowMs ?? 3_000;
  }

  /** The fault for this call of `method`, if any. */
  next(method: string): FaultKind | undefined {
    const i = this.scripted.findIndex((s) => s.method === method);
    let kind: FaultKind | undefined;
    if (i >= 0) kind = this.scripted.splice(i, 1)[0]!.kind;
    else if (this.plan.rate > 0 && (!this.plan.methods || this.plan.methods.includes(method)) && this.random() < this.plan.rate) {
      const kinds = this.plan.kinds ?? FAULT_KINDS;
      kind = kinds[Math.floor(this.random() * kinds.length)];
    }
    if (kind) this.injected[kind]++;
    return kind;
  }

  /** Total faults injected. */
  get total(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }
}
