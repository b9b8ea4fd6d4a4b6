/**
 * Which fault to inject into the next request: a pure, seeded decision, shared by the HTTP
 * fault proxy (EKS, moto) and any fake that injects faults itself (the GKE gRPC fake). The
 * same seed gives the same sequence, so a failing run can be replayed.
 */

/** What happens to one request. */
export type Fault =
  | { kind: 'none' }
  /** 429 with an AWS ThrottlingException body. */
  | { kind: 'throttle' }
  /** 500 or 503 with a server-error body. */
  | { kind: 'error'; status: 500 | 503 }
  /** Held for `ms` before it is forwarded. */
  | { kind: 'delay'; ms: number }
  /** The response is held for `ms` after the upstream answered (it did the work). */
  | { kind: 'slowResponse'; ms: number }
  /** The connection is destroyed: before forwarding (nothing happened) or after (the work was done, the answer lost). */
  | { kind: 'drop'; when: 'before' | 'after' };

export type FaultKind = Exclude<Fault['kind'], 'none' | 'slowResponse'>;

export interface FaultPlanOptions {
  /** Share of requests that get a fault, 0..1. */
  rate: number;
  seed?: number;
  /** Relative weights of the fault kinds; equal when absent. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Delay of a `delay` fault (default 300 ms: slow, but inside any sane timeout). */
  delayMs?: number;
}

/** Mulberry32: a tiny seeded PRNG with good enough spread for test decisions. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: FaultKind[] = ['throttle', 'error', 'delay', 'drop'];

/** A stream of fault decisions at a configurable rate; `rate` may change while it runs. */
export class FaultPlan {
  rate: number;
  private readonly random: () => number;
  private readonly weights: [FaultKind, number][];
  private readonly delayMs: number;
  /** How many of each fault were decided (`none` included). */
  readonly counts: Record<Fault['kind'], number> = { none: 0, throttle: 0, error: 0, delay: 0, slowResponse: 0, drop: 0 };

  constructor(opts: FaultPlanOptions) {
    if (opts.rate < 0 || opts.rate > 1) throw new Error(`fault rate must be within 0..1, not ${opts.rate}`);
    this.rate = opts.rate;
    this.random = seededRandom(opts.seed ?? 1);
    this.weights = KINDS.map((k) => [k, opts.weights?.[k] ?? 1] as [FaultKind, number]).filter(([, w]) => w > 0);
    this.delayMs = opts.delayMs ?? 300;
  }

  /** The fault for the next request. */
  next(): Fault {
    const fault = this.decide();
    this.counts[fault.kind]++;
    return fault;
  }

  /** Faults injected so far (everything but `none`). */
  get injected(): number {
    return Object.entries(this.counts).reduce((n, [k, v]) => (k === 'none' ? n : n + v), 0);
  }

  private decide(): Fault {
    if (this.random() >= this.rate) return { kind: 'none' };
    const total = this.weights.reduce((n, [, w]) => n + w, 0);
    let pick = this.random() * total;
    const kind = this.weights.find(([, w]) => (pick -= w) < 0)?.[0] ?? this.weights[this.weights.length - 1]![0];
    switch (kind) {
      case 'throttle':
        return { kind };
      case 'error':
        return { kind, status: this.random() < 0.5 ? 500 : 503 };
      case 'delay':
        return { kind, ms: this.delayMs };
      case 'drop':
        return { kind, when: this.random() < 0.5 ? 'before' : 'after' };
    }
  }
}
