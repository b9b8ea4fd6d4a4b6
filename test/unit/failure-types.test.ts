import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAILURE_TYPES, isFailureType, NON_RETRYABLE_TYPES, type FailureType } from '../../src/domain/failure-types.js';
import { ACTIVITY_PROFILES } from '../../workflows/activity-profiles.js';
import { scanFailureSites } from '../helpers/failure-type-scan.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DIRS = ['src', 'activities', 'workflows', 'workers'];
const sites = scanFailureSites(root, DIRS, ['src/domain', 'workflows']);
const retryable = (t: string) => FAILURE_TYPES[t as FailureType].retryable;

/**
 * Types the scan cannot read as literals, each passed along from a value the type checker
 * already holds to FailureType (or from a failure that was classified where it happened).
 */
const PASSED_THROUGH: Record<string, string> = {
  type: 'a FailureType parameter (the error classes, parseInput)',
  'lead.type': "a FleetflowError's type (combineFailures)",
  'err.type': "a FleetflowError's type (toFailure)",
  'PERMANENT_BY_STATUS[code]': 'a Record<number, NonRetryableFailureType>',
  'RETRY_LATER[code]': 'a Record<string, RetryableFailureType>',
  'err.cause.type': "the cluster entity's refusal, rethrown by the claim",
  'refusal.type': 'a Refusal, whose type is a FailureType',
  'end.type': "a FinalOutcome's type, a FailureType",
  'root.type': 'the root failure of an operation, rethrown by the workflow',
  'verdict.type': "an upgrade's failure verdict: PostUpgradeFailure or the root failure's own type",
  '...NON_RETRYABLE_TYPES': 'the non-retryable types of the table',
};

describe('the failure table', () => {
  it('finds the failure sites of the whole tree (the scan itself works)', () => {
    expect(sites.length).toBeGreaterThan(100);
    expect(sites.filter((s) => s.how === 'new TransientError').length).toBeGreaterThan(20);
    expect(sites.filter((s) => s.how.startsWith('ApplicationFailure')).length).toBeGreaterThan(15);
    expect(sites.some((s) => s.how === 'a { type, message } object' && s.types.includes('ClusterBusy'))).toBe(true);
  });

  it('holds every failure type thrown or returned in src/, activities/ and workflows/', () => {
    const unknown = sites.flatMap((s) => s.types.filter((t) => !isFailureType(t)).map((t) => `${s.where} ${s.how} '${t}'`));
    expect(unknown).toEqual([]);
  });

  it('says each type is exactly as retryable as the place that throws it', () => {
    // A type thrown as transient but listed as non-retryable is never retried (ClusterNotReady).
    const mismatched = sites
      .filter((s) => s.retryable !== undefined)
      .flatMap((s) => s.types.filter((t) => isFailureType(t) && retryable(t) !== s.retryable).map((t) => `${s.where} ${s.how} '${t}'`));
    expect(mismatched).toEqual([]);
  });

  it('knows where every type it cannot read as a literal comes from', () => {
    const unexplained = sites.flatMap((s) => s.dynamic.filter((d) => !(d in PASSED_THROUGH)).map((d) => `${s.where} ${s.how} ${d}`));
    expect(unexplained).toEqual([]);
  });

  it('lists no type that nothing in the tree uses', () => {
    const text = DIRS.flatMap((d) => files(join(root, d)))
      .filter((f) => !f.endsWith('failure-types.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(Object.keys(FAILURE_TYPES).filter((t) => !text.includes(`'${t}'`))).toEqual([]);
  });

  it('never blames the user for a passing fault, and keeps exit codes and statuses in their ranges', () => {
    for (const [type, info] of Object.entries(FAILURE_TYPES)) {
      expect([1, 2], type).toContain(info.exitCode);
      expect(info.httpStatus >= 400 && info.httpStatus <= 599, type).toBe(true);
      expect(info.meaning, type).toMatch(/^[^\n]{10,120}$/);
      if (info.retryable) {
        expect(info.exitCode, type).toBe(1);
        expect(info.httpStatus === 409 || info.httpStatus >= 500, type).toBe(true);
      }
      if (info.exitCode === 2) expect(info.httpStatus < 500, type).toBe(true);
    }
  });
});

describe('activity retry policies', () => {
  it('stop at once on every non-retryable type and on no retryable one', () => {
    expect(Object.keys(ACTIVITY_PROFILES).length).toBeGreaterThanOrEqual(5);
    for (const [name, profile] of Object.entries(ACTIVITY_PROFILES)) {
      const list = profile.retry?.nonRetryableErrorTypes ?? [];
      expect(list.filter((t) => !isFailureType(t) || retryable(t)), name).toEqual([]);
      expect([...list].sort(), name).toEqual([...NON_RETRYABLE_TYPES].sort());
    }
  });

  it('retry the types that mean "not yet": a cluster still starting, busy providers, throttling', () => {
    for (const type of ['ClusterStarting', 'OperationInProgress', 'Throttled', 'Transient'] as const) {
      expect(FAILURE_TYPES[type].retryable, type).toBe(true);
      expect(NON_RETRYABLE_TYPES as readonly string[]).not.toContain(type);
    }
    // The entity's refusal of an operation on a cluster that is not Active is final.
    expect(NON_RETRYABLE_TYPES).toContain('ClusterNotActive');
  });
});

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
