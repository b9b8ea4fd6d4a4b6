import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiConfigSchema, ListenAddressSchema, parseListenAddress, type ApiConfig } from './domain/api/api-config.js';
import type { AccessPolicy } from './domain/auth/policy.js';
import { DEFAULT_WEBHOOKS_CONFIG, type WebhooksConfig } from './domain/change/webhooks-config.js';
import { DEFAULT_ENCRYPTION_CONFIG, type EncryptionConfig } from './domain/encryption/encryption-config.js';
import { FleetConfigFileSchema, type ProviderAccount } from './domain/cluster/accounts.js';
import { describeProblems, parseWith } from './domain/validation.js';
import { buildIdProblem } from './domain/versioning/build-id.js';
import { repoDir } from './host/toolchain.js';
import { parseYamlText } from './yaml-text.js';

/** Where the worker serves Prometheus metrics unless FLEETFLOW_METRICS_ADDRESS says otherwise: loopback only. */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';

/** Worker and CLI settings from the environment; Temporal's own come from TEMPORAL_* (envconfig). */
const ConfigSchema = z.object({
  FLEETFLOW_DATA: z.string().min(1).default(join(repoDir, '.fleetflow')),
  FLEETFLOW_TASK_QUEUE: z.string().min(1).default('fleetflow'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('fleetflow'),
  FLEETFLOW_UI_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** YAML or JSON file with provider accounts (see README, "Provider accounts"). */
  FLEETFLOW_CONFIG: z.string().min(1).optional(),
  /** The worker's Prometheus endpoint (host:port), or "off". */
  FLEETFLOW_METRICS_ADDRESS: z.union([z.literal('off'), ListenAddressSchema]).default(DEFAULT_METRICS_ADDRESS),
  /** Worker Versioning (Worker Deployments): "on" makes the worker a version of FLEETFLOW_DEPLOYMENT_NAME. */
  FLEETFLOW_WORKER_VERSIONING: z.enum(['on', 'off']).default('off'),
  FLEETFLOW_DEPLOYMENT_NAME: z.string().min(1).max(255).regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, _ and -').default('fleetflow'),
  /** The worker's build id; default: package version + git commit (see src/host/build-id.ts). */
  FLEETFLOW_BUILD_ID: z.string().superRefine((id, ctx) => {
    const problem = buildIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }).optional(),
});

export interface FleetflowConfig {
  /** Local state: dev server database, logs, local clusters. */
  dataDir: string;
  taskQueue: string;
  namespace: string;
  /** Web UI port of the dev server `fleetflow dev up` starts (default: gRPC port + 1000). */
  uiPort?: number;
  /** Provider accounts from FLEETFLOW_CONFIG; empty without one. */
  accounts: ProviderAccount[];
  /** The `webhooks` section of FLEETFLOW_CONFIG: callback secrets by reference, subscribers. */
  webhooks: WebhooksConfig;
  /** host:port of the worker's Prometheus endpoint (GET /metrics); undefined when "off". */
  metricsAddress?: string;
  /** The `encryption` section of FLEETFLOW_CONFIG: payload keys by reference (default: the data folder's key). */
  encryption: EncryptionConfig;
  /** The worker deployment (name, and build id when FLEETFLOW_BUILD_ID sets it); undefined when versioning is off. */
  versioning?: { deploymentName: string; buildId?: string };
  /** FLEETFLOW_DEPLOYMENT_NAME even with versioning off: the `deployment` commands read it. */
  deploymentName: string;
}

/** Reads and validates the config file; the error names the file and every bad field. */
export function loadConfigFile(file: string): { accounts: ProviderAccount[]; access: AccessPolicy; api: ApiConfig; webhooks: WebhooksConfig; encryption: EncryptionConfig } {
  let raw: unknown;
  try {
    raw = parseYamlText(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`configuration file ${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const parsed = parseWith(FleetConfigFileSchema, raw ?? {}, '');
  if (!parsed.ok) throw new Error(`configuration file ${file}: ${describeProblems(parsed.problems)}`);
  return { accounts: parsed.value.accounts, access: parsed.value.access, api: parsed.value.api, webhooks: parsed.value.webhooks, encryption: parsed.value.encryption };
}

/** The API's config when there is no config file: 127.0.0.1:8080, API tokens only. */
export const DEFAULT_API_CONFIG: ApiConfig = ApiConfigSchema.parse({});

/**
 * Where the API listens: FLEETFLOW_API_ADDRESS when set (checked like the file's), else the
 * config file's `api.address`, else 127.0.0.1:8080.
 */
export function apiListenAddress(api: ApiConfig, env: NodeJS.ProcessEnv = process.env): { address: string; host: string; port: number } {
  const fromEnv = env.FLEETFLOW_API_ADDRESS;
  const address = fromEnv ?? api.address;
  const parsed = parseListenAddress(address);
  if (!parsed.ok) throw new Error(`configuration: ${fromEnv !== undefined ? 'FLEETFLOW_API_ADDRESS' : 'api.address'}: ${parsed.error}`);
  return { address, host: parsed.host, port: parsed.port };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): FleetflowConfig {
  const parsed = parseWith(ConfigSchema, env, '');
  if (!parsed.ok) throw new Error(`configuration: ${describeProblems(parsed.problems)}`);
  const file = parsed.value.FLEETFLOW_CONFIG ? loadConfigFile(parsed.value.FLEETFLOW_CONFIG) : undefined;
  return {
    dataDir: parsed.value.FLEETFLOW_DATA,
    taskQueue: parsed.value.FLEETFLOW_TASK_QUEUE,
    namespace: parsed.value.TEMPORAL_NAMESPACE,
    ...(parsed.value.FLEETFLOW_UI_PORT ? { uiPort: parsed.value.FLEETFLOW_UI_PORT } : {}),
    accounts: file?.accounts ?? [],
    webhooks: file?.webhooks ?? DEFAULT_WEBHOOKS_CONFIG,
    ...(parsed.value.FLEETFLOW_METRICS_ADDRESS !== 'off' ? { metricsAddress: parsed.value.FLEETFLOW_METRICS_ADDRESS } : {}),
    encryption: file?.encryption ?? DEFAULT_ENCRYPTION_CONFIG,
    deploymentName: parsed.value.FLEETFLOW_DEPLOYMENT_NAME,
    ...(parsed.value.FLEETFLOW_WORKER_VERSIONING === 'on'
      ? { versioning: { deploymentName: parsed.value.FLEETFLOW_DEPLOYMENT_NAME, ...(parsed.value.FLEETFLOW_BUILD_ID ? { buildId: parsed.value.FLEETFLOW_BUILD_ID } : {}) } }
      : {}),
  };
}
