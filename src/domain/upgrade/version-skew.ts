/**
 * Kubernetes version arithmetic and the upgrade preflight rules, after the upstream version
 * skew policy (kubernetes.io/releases/version-skew-policy): the control plane moves one minor
 * at a time, a kubelet is never newer than kube-apiserver, and it may be up to three minors
 * older (two when the kubelet is older than 1.25).
 */

/** A parsed Kubernetes version; `patch` is absent for a minor such as "1.35". */
export interface KubeVersion {
  major: number;
  minor: number;
  patch?: number;
}

const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/;

/** "1.35", "v1.35.4" -> its parts; undefined when the text is not a version. */
export function parseVersion(text: string): KubeVersion | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const v: KubeVersion = { major: Number(m[1]), minor: Number(m[2]) };
  if (m[3] !== undefined) v.patch = Number(m[3]);
  return v;
}

/** "1.35" or "1.35.4", without a leading v. */
export function formatVersion(v: KubeVersion): string {
  return v.patch === undefined ? `${v.major}.${v.minor}` : `${v.major}.${v.minor}.${v.patch}`;
}

/** The minor release a version belongs to, e.g. "1.35.4" -> "1.35". */
export const minorOf = (v: KubeVersion): string => `${v.major}.${v.minor}`;

/**
 * Orders two versions: negative, zero or positive. A missing patch compares as 0, so "1.35"
 * sorts before "1.35.1"; sorting is total and stable across calls.
 */
export function compareVersions(a: KubeVersion | string, b: KubeVersion | string): number {
  const x = typeof a === 'string' ? mustParse(a) : a;
  const y = typeof b === 'string' ? mustParse(b) : b;
  return x.major - y.major || x.minor - y.minor || (x.patch ?? 0) - (y.patch ?? 0);
}

function mustParse(text: string): KubeVersion {
  const v = parseVersion(text);
  if (!v) throw new Error(`"${text}" is not a Kubernetes version`);
  return v;
}

/** The next minor release: "1.35.4" -> "1.36". */
export function nextMinor(version: KubeVersion | string): string {
  const v = typeof version === 'string' ? mustParse(version) : version;
  return `${v.major}.${v.minor + 1}`;
}

/** Minor versions the control plane steps through to reach `target`: 1.33 -> 1.35 is [1.34, 1.35]. */
export function upgradePath(current: string, target: string): string[] {
  const from = mustParse(current);
  const to = mustParse(target);
  if (from.major !== to.major || to.minor <= from.minor) return [];
  const path: string[] = [];
  for (let minor = from.minor + 1; minor < to.minor; minor++) path.push(`${from.major}.${minor}`);
  path.push(formatVersion(to));
  return path;
}

/** How many minors a kubelet at `node` may trail kube-apiserver (three since 1.25, two before). */
export function maxKubeletLag(node: KubeVersion): number {
  return node.major === 1 && node.minor < 25 ? 2 : 3;
}

/** A node pool as the preflight sees it. */
export interface NodePoolVersion {
  name: string;
  version: string;
}

/** Why the preflight refuses, as a stable code callers can match on. */
export type SkewRefusalCode =
  | 'InvalidVersion'
  | 'Downgrade'
  | 'MajorChange'
  | 'SkipsMinor'
  | 'NodePoolNewer'
  | 'NodePoolTooOld';

/** One reason an upgrade may not run, with a sentence for the user. */
export interface SkewRefusal {
  code: SkewRefusalCode;
  message: string;
}

/** The preflight verdict: an upgrade, a no-op, or every refusal. */
export type UpgradeCheck =
  | { ok: true; noop: false; from: string; to: string }
  | { ok: true; noop: true; from: string; to: string; message: string }
  | { ok: false; refusals: SkewRefusal[] };

/** What the preflight needs to know about one cluster. */
export interface UpgradeCheckInput {
  /** The control plane's version now, as the cluster reports it ("1.35.4"). */
  current: string;
  /** "1.36" (the provider picks the newest patch) or "1.36.2". */
  target: string;
  nodePools?: readonly NodePoolVersion[];
}

/**
 * The upgradeCluster preflight for the control plane: every refusal is listed, not just the
 * first, so one look tells the operator everything to fix. Rules: no downgrade and no major
 * change; one minor at a time; the same version (or a minor-only target equal to the current
 * minor) is a no-op; node pools never newer than the control plane, and not more minors behind
 * the target than the skew policy allows, since they would be out of support the moment the
 * control plane moves.
 */
export function checkUpgrade(input: UpgradeCheckInput): UpgradeCheck {
  const refusals: SkewRefusal[] = [];
  const current = parseVersion(input.current);
  const target = parseVersion(input.target);
  if (!current) refusals.push({ code: 'InvalidVersion', message: `current version "${input.current}" is not a Kubernetes version` });
  if (!target) refusals.push({ code: 'InvalidVersion', message: `target version "${input.target}" is not a Kubernetes version` });
  const pools: { name: string; version: KubeVersion }[] = [];
  for (const pool of input.nodePools ?? []) {
    const v = parseVersion(pool.version);
    if (v) pools.push({ name: pool.name, version: v });
    else refusals.push({ code: 'InvalidVersion', message: `node pool ${pool.name}: version "${pool.version}" is not a Kubernetes version` });
  }
  if (!current || !target) return { ok: false, refusals };

  const from = formatVersion(current);
  const to = formatVersion(target);
  const sameMinor = current.major === target.major && current.minor === target.minor;
  // A minor-only target names the minor; the provider resolves it, so we are already there.
  const noop = sameMinor && (target.patch === undefined || target.patch === current.patch);

  if (current.major !== target.major) {
    refusals.push({ code: 'MajorChange', message: `cannot change major version from ${from} to ${to}` });
  } else if (!noop && compareVersions(target, current) < 0) {
    refusals.push({ code: 'Downgrade', message: `cannot downgrade from ${from} to ${to}` });
  } else if (target.minor > current.minor + 1) {
    refusals.push({
      code: 'SkipsMinor',
      message: `cannot upgrade from ${from} to ${to} in one step: upgrade one minor version at a time (next: ${nextMinor(current)})`,
    });
  }

  for (const pool of pools) {
    const v = formatVersion(pool.version);
    if (pool.version.major !== current.major || compareMinor(pool.version, current) > 0) {
      refusals.push({
        code: 'NodePoolNewer',
        message: `node pool ${pool.name} runs ${v}, newer than the control plane at ${from}: node pools must never be newer than the control plane`,
      });
      continue;
    }
    const lag = target.minor - pool.version.minor;
    const allowed = maxKubeletLag(pool.version);
    if (target.major === pool.version.major && lag > allowed) {
      refusals.push({
        code: 'NodePoolTooOld',
        message:
          `node pool ${pool.name} runs ${v}, which would be ${lag} minor versions behind the control plane at ` +
          `${minorOf(target)} (at most ${allowed} allowed): upgrade node pool ${pool.name} first`,
      });
    }
  }

  if (refusals.length) return { ok: false, refusals };
  if (noop) return { ok: true, noop: true, from, to, message: `already at ${from}: nothing to upgrade` };
  return { ok: true, noop: false, from, to };
}

/** Node pools compare by minor only: a kubelet a patch ahead of the apiserver is within policy. */
function compareMinor(a: KubeVersion, b: KubeVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/**
 * The preflight for upgrading one node pool: never newer (by minor) than the control plane and
 * never a downgrade.
 */
export function checkNodePoolUpgrade(input: { controlPlane: string; pool: NodePoolVersion; target: string }): SkewRefusal[] {
  const cp = parseVersion(input.controlPlane);
  const from = parseVersion(input.pool.version);
  const to = parseVersion(input.target);
  const refusals: SkewRefusal[] = [];
  if (!cp) refusals.push({ code: 'InvalidVersion', message: `control plane version "${input.controlPlane}" is not a Kubernetes version` });
  if (!from) refusals.push({ code: 'InvalidVersion', message: `node pool ${input.pool.name}: version "${input.pool.version}" is not a Kubernetes version` });
  if (!to) refusals.push({ code: 'InvalidVersion', message: `target version "${input.target}" is not a Kubernetes version` });
  if (!cp || !from || !to) return refusals;
  if (to.major !== cp.major || compareMinor(to, cp) > 0) {
    refusals.push({
      code: 'NodePoolNewer',
      message: `node pool ${input.pool.name} cannot move to ${formatVersion(to)}: newer than the control plane at ${formatVersion(cp)}`,
    });
  }
  if (compareVersions(to, from) < 0) {
    refusals.push({ code: 'Downgrade', message: `node pool ${input.pool.name} cannot downgrade from ${formatVersion(from)} to ${formatVersion(to)}` });
  }
  return refusals;
}
