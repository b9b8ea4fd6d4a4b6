import type { ConnectionLike } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { ALL_SEARCH_ATTRIBUTES } from './search-attributes.js';

/** What `setupTemporal` found and did, for `fleetflow setup` to print. */
export interface SetupReport {
  namespace: string;
  /** "created", or "exists" when it was already registered. */
  namespaceState: 'created' | 'exists';
  /** Retention in days after setup, and the days before when setup changed it. */
  retentionDays: number;
  retentionWasDays?: number;
  /** Search attributes this run added, and the ones already registered with the right type. */
  added: string[];
  present: string[];
  /**
   * Temporal Cloud only: attributes missing from the namespace that setup cannot add (Cloud
   * manages them through its own UI or `tcld`); empty elsewhere.
   */
  manual: string[];
  cloud: boolean;
}

export interface SetupOptions {
  namespace: string;
  /** Retention to set; when absent a new namespace gets DEFAULT_RETENTION_DAYS and an existing one keeps its own. */
  retentionDays?: number;
  /** The server's address, to tell Temporal Cloud apart (it refuses the operator service's writes). */
  address: string;
  /** Longest wait for a new namespace to be served by the frontend. */
  readyTimeoutMs?: number;
}

/** Waves and rollouts run for days; a month of closed histories keeps their audit trail readable. */
export const DEFAULT_RETENTION_DAYS = 30;
const DAY_S = 86_400;

/** Temporal Cloud endpoints: namespace endpoints (`ns.acct.tmprl.cloud`) and regional API-key endpoints. */
export function isTemporalCloud(address: string): boolean {
  const host = address.replace(/:\d+$/, '').toLowerCase();
  return host.endsWith('.tmprl.cloud') || host.endsWith('.api.temporal.io');
}

/** gRPC status codes setup tells apart (numbers from the gRPC spec). */
const grpcStatus = { NOT_FOUND: 5, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12 } as const;
const grpcCode = (e: unknown): number | undefined => (e as { code?: unknown })?.code as number | undefined;
const seconds = (d: { seconds?: unknown; nanos?: unknown } | null | undefined) => Number(d?.seconds ?? 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Makes a Temporal namespace ready for Fleetflow: registered (with a retention), and every custom
 * search attribute the workflows set registered with its type. Idempotent: a second run changes
 * nothing and reports everything as present. Works on the dev server, a self-hosted cluster (SQL
 * or Elasticsearch visibility) and Temporal Cloud, where namespaces and search attributes are
 * Cloud's to manage: there it only reports what is missing.
 */
export async function setupTemporal(connection: ConnectionLike, opts: SetupOptions): Promise<SetupReport> {
  const cloud = isTemporalCloud(opts.address);
  const { namespace } = opts;
  const report: SetupReport = { namespace, namespaceState: 'exists', retentionDays: 0, added: [], present: [], manual: [], cloud };

  const existing = await describe(connection, namespace);
  if (!existing) {
    if (cloud) {
      throw new Error(`namespace ${namespace} does not exist on Temporal Cloud (${opts.address}); create it in Cloud's UI or with \`tcld namespace create\`, then run setup again`);
    }
    const days = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
    await connection.workflowService.registerNamespace({
      namespace,
      description: 'Fleetflow fleet operations',
      workflowExecutionRetentionPeriod: msToTs(days * DAY_S * 1000),
    });
    report.namespaceState = 'created';
    report.retentionDays = days;
    // A cluster's frontends learn of a new namespace from their namespace cache, a few seconds later.
    await waitServed(connection, namespace, opts.readyTimeoutMs ?? 60_000);
  } else {
    const current = Math.round(seconds(existing.config?.workflowExecutionRetentionTtl) / DAY_S);
    report.retentionDays = current;
    if (opts.retentionDays !== undefined && opts.retentionDays !== current) {
      if (cloud) throw new Error(`retention of ${namespace} is set in Temporal Cloud's UI or with \`tcld namespace update\` (it is ${current} days)`);
      await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: msToTs(opts.retentionDays * DAY_S * 1000) } });
      report.retentionWasDays = current;
      report.retentionDays = opts.retentionDays;
    }
  }

  const registered = await listCustomAttributes(connection, namespace, cloud);
  const missing: Record<string, number> = {};
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    const want = encodeSearchAttributeIndexedValueType(key.type)!;
    const have = registered?.[key.name];
    if (have === undefined) missing[key.name] = want;
    else if (have !== want) {
      throw new Error(`search attribute ${key.name} is registered on ${namespace} as ${typeName(have)}, Fleetflow needs ${key.type}: remove it or use another namespace`);
    } else report.present.push(key.name);
  }
  const names = Object.keys(missing);
  if (names.length === 0) return report;
  if (cloud) {
    report.manual = names;
    return report;
  }
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (e) {
    const code = grpcCode(e);
    if (code === grpcStatus.PERMISSION_DENIED || code === grpcStatus.UNIMPLEMENTED) {
      throw new Error(`the server at ${opts.address} refused to add search attributes (${(e as Error).message}); an operator must add ${names.map((n) => `${n}=${typeName(missing[n]!)}`).join(', ')}`);
    }
    throw e;
  }
  report.added = names;
  return report;
}

/** The namespace's description, or undefined when it is not registered. */
async function describe(connection: ConnectionLike, namespace: string) {
  try {
    return await connection.workflowService.describeNamespace({ namespace });
  } catch (e) {
    if (grpcCode(e) === grpcStatus.NOT_FOUND) return undefined;
    throw e;
  }
}

/**
 * Custom search attributes registered on the namespace (name to IndexedValueType). Temporal
 * Cloud may refuse the operator service: then undefined, and every attribute is reported as
 * one to add by hand.
 */
async function listCustomAttributes(connection: ConnectionLike, namespace: string, cloud: boolean): Promise<Record<string, number> | undefined> {
  try {
    const res = await connection.operatorService.listSearchAttributes({ namespace });
    return res.customAttributes as Record<string, number>;
  } catch (e) {
    const code = grpcCode(e);
    if (cloud && (code === grpcStatus.PERMISSION_DENIED || code === grpcStatus.UNIMPLEMENTED)) return undefined;
    throw e;
  }
}

/** Polls a namespace-scoped read until the frontend serves the namespace (a fresh one is unknown to its cache). */
async function waitServed(connection: ConnectionLike, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query: '' });
      return;
    } catch (e) {
      if (grpcCode(e) !== grpcStatus.NOT_FOUND || Date.now() > deadline) throw e;
    }
    await sleep(250);
  }
}

const TYPE_NAMES: Record<number, string> = { 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' };
const typeName = (t: number) => TYPE_NAMES[t] ?? String(t);

/** Lines for a terminal: what setup found and changed. */
export function describeSetup(r: SetupReport): string[] {
  const retention = r.retentionWasDays !== undefined ? `retention ${r.retentionWasDays} -> ${r.retentionDays} days` : `retention ${r.retentionDays} days`;
  const lines = [`namespace          ${r.namespace}: ${r.namespaceState === 'created' ? 'created' : 'exists'}, ${retention}`];
  if (r.added.length > 0) lines.push(`search attributes  added ${r.added.join(', ')}${r.present.length ? `; ${r.present.length} already present` : ''}`);
  else if (r.manual.length === 0) lines.push(`search attributes  all ${r.present.length} present`);
  if (r.manual.length > 0) {
    lines.push(`search attributes  ${r.manual.length} missing; Temporal Cloud adds them only through its UI or tcld, e.g.:`);
    for (const name of r.manual) {
      const key = ALL_SEARCH_ATTRIBUTES.find((k) => k.name === name)!;
      lines.push(`  tcld namespace search-attributes add --namespace ${r.namespace} --search-attribute "${name}=${typeName(encodeSearchAttributeIndexedValueType(key.type)!)}"`);
    }
  }
  if (r.namespaceState === 'exists' && r.retentionWasDays === undefined && r.added.length === 0 && r.manual.length === 0) lines.push('nothing changed');
  return lines;
}
