import { loadConfig } from '../config.js';
import { temporalConnectConfig } from './connection.js';

/**
 * Links into the Temporal UI. Every operation Fleetflow starts or shows is printed (CLI) or
 * returned (API) with its page there, where its summary, details, queries and updates are.
 */

/** The Temporal UI: FLEETFLOW_UI_URL, else the dev server's (its gRPC port + 1000, or FLEETFLOW_UI_PORT). */
export function temporalUiUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLEETFLOW_UI_URL) return env.FLEETFLOW_UI_URL.replace(/\/+$/, '');
  const config = loadConfig(env);
  const address = temporalConnectConfig(config, env).connectionOptions.address;
  const [host = '127.0.0.1', port = '7233'] = address.split(/:(?=\d+$)/);
  return `http://${host}:${config.uiPort ?? Number(port) + 1000}`;
}

/**
 * A workflow's page: one run's history when `runId` is given, else the latest run.
 *
 * @example workflowUiLink('http://127.0.0.1:8233', 'fleetflow', 'upgrade-wave/w1') // http://127.0.0.1:8233/namespaces/fleetflow/workflows/upgrade-wave%2Fw1
 */
export function workflowUiLink(uiBaseUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** A schedule's page. */
export function scheduleUiLink(uiBaseUrl: string, namespace: string, scheduleId: string): string {
  return `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}
