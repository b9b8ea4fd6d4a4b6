import { parseVersion, type KubeVersion } from '../upgrade/version-skew.js';

// Version constraints of fleet selectors: "1.35" (any 1.35.x), ">=1.34 <1.36" (all must hold), "!=1.33".

type Comparator = { op: '=' | '!=' | '<' | '<=' | '>' | '>='; version: KubeVersion };

/** The message every malformed version constraint gets. */
export const VERSION_CONSTRAINT_ERROR = 'must be a version constraint such as "1.35", ">=1.34 <1.36" or "!=1.33.2"';

/** Parses one constraint string into comparators that must all hold; undefined when malformed. */
export function parseVersionConstraint(text: string): Comparator[] | undefined {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return undefined;
  const out: Comparator[] = [];
  for (const part of parts) {
    const m = /^(>=|<=|!=|==|=|>|<)?(.+)$/.exec(part);
    const version = m && parseVersion(m[2]!);
    if (!m || !version) return undefined;
    const op = (m[1] === '==' || !m[1] ? '=' : m[1]) as Comparator['op'];
    out.push({ op, version });
  }
  return out;
}

/**
 * Compares on the precision the constraint names: against "1.35" a cluster at 1.35.4 is equal,
 * so "1.35" means any 1.35 patch, ">1.35" means 1.36 or later and "<=1.35" includes 1.35.9.
 */
function comparatorHolds(c: Comparator, v: KubeVersion): boolean {
  let d = v.major - c.version.major || v.minor - c.version.minor;
  if (d === 0 && c.version.patch !== undefined) d = (v.patch ?? 0) - c.version.patch;
  switch (c.op) {
    case '=': return d === 0;
    case '!=': return d !== 0;
    case '<': return d < 0;
    case '<=': return d <= 0;
    case '>': return d > 0;
    case '>=': return d >= 0;
  }
}

/** Whether a version satisfies a constraint string; false for an unknown version. */
export function versionMatches(constraint: string, version: string | undefined): boolean {
  const comparators = parseVersionConstraint(constraint);
  const v = version ? parseVersion(version) : undefined;
  return !!comparators && !!v && comparators.every((c) => comparatorHolds(c, v));
}
