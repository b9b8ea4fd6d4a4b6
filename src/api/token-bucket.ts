/**
 * Per-key token buckets: each key (a principal) may make `burst` requests at once and
 * `ratePerSecond` on average. Pure apart from the clock, which is injected, so tests are exact.
 */

/** How fast a key may go. */
export interface RateLimits {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
}

/** The answer for one request: go on, or wait this many seconds (rounded up) for a token. */
export type Take = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** @example const b = new TokenBuckets({ ratePerSecond: 5, burst: 10 }); b.take('token:ci') // { ok: true, remaining: 9 } */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
    /** Keys kept at most; full buckets are forgotten first (a full bucket is the same as none). */
    private readonly maxKeys = 10_000,
  ) {
    if (!(limits.ratePerSecond > 0) || !(limits.burst >= 1)) throw new Error(`rate limits need ratePerSecond > 0 and burst >= 1, got ${JSON.stringify(limits)}`);
  }

  /** Takes one token for `key`. */
  take(key: string): Take {
    const now = this.now();
    const b = this.refill(this.buckets.get(key), now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.put(key, b, now);
      return { ok: true, remaining: Math.floor(b.tokens) };
    }
    this.put(key, b, now);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.limits.ratePerSecond)) };
  }

  private refill(b: Bucket | undefined, now: number): Bucket {
    if (!b) return { tokens: this.limits.burst, at: now };
    const elapsed = Math.max(0, now - b.at) / 1000;
    return { tokens: Math.min(this.limits.burst, b.tokens + elapsed * this.limits.ratePerSecond), at: now };
  }

  private put(key: string, b: Bucket, now: number): void {
    this.buckets.delete(key); // re-inserted last: the map's order is least recently used first
    this.buckets.set(key, b);
    if (this.buckets.size <= this.maxKeys) return;
    for (const [k, old] of this.buckets) {
      if (this.buckets.size <= this.maxKeys) break;
      if (this.refill(old, now).tokens >= this.limits.burst) this.buckets.delete(k);
    }
    // Still too many: forget the least recently used (they get a full bucket back, a small gift).
    for (const k of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(k);
    }
  }
}
