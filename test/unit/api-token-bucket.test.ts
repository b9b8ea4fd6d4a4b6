import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/api/token-bucket.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('token buckets per principal', () => {
  it('lets a burst through at once, then refuses with the seconds until the next token', () => {
    const t = clock();
    const b = new TokenBuckets({ ratePerSecond: 2, burst: 3 }, t.now);
    expect([b.take('token:ci'), b.take('token:ci'), b.take('token:ci')].map((r) => r.ok)).toEqual([true, true, true]);
    // Empty: one token comes back in half a second, announced as 1 s (Retry-After is whole seconds).
    expect(b.take('token:ci')).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('refills at the rate, never above the burst', () => {
    const t = clock();
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 2 }, t.now);
    b.take('a');
    b.take('a');
    t.advance(1_000); // one token back
    expect(b.take('a')).toEqual({ ok: true, remaining: 0 });
    t.advance(60_000); // a long quiet spell fills the bucket, no more
    expect(b.take('a')).toEqual({ ok: true, remaining: 1 });
    expect(b.take('a')).toEqual({ ok: true, remaining: 0 });
    expect(b.take('a').ok).toBe(false);
  });

  it('keeps principals apart: one that spends its bucket does not slow another', () => {
    const t = clock();
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 1 }, t.now);
    expect(b.take('oidc:alice').ok).toBe(true);
    expect(b.take('oidc:alice').ok).toBe(false);
    expect(b.take('oidc:bob').ok).toBe(true);
  });

  it('says how long to wait when the rate is slow (Retry-After rounds up)', () => {
    const t = clock();
    const b = new TokenBuckets({ ratePerSecond: 0.1, burst: 1 }, t.now);
    b.take('a');
    expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
    t.advance(9_500);
    expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('forgets principals beyond maxKeys, full buckets first, so memory stays bounded', () => {
    const t = clock();
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 1 }, t.now, 2);
    b.take('spent'); // empty bucket: must be kept
    t.advance(5_000);
    b.take('x'); // spent refilled by now: forgettable
    b.take('y');
    // 'spent' was full again, so it was forgotten first; x and y (just spent) are remembered.
    expect(b.take('x').ok).toBe(false);
    expect(b.take('y').ok).toBe(false);
    expect(b.take('spent').ok).toBe(true);
  });

  it('refuses limits that would let nothing through', () => {
    expect(() => new TokenBuckets({ ratePerSecond: 0, burst: 1 })).toThrow('ratePerSecond > 0 and burst >= 1');
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 0 })).toThrow('ratePerSecond > 0 and burst >= 1');
  });
});
