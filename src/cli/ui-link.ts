import { temporalConnectConfig } from '../temporal/connection.js';
import { scheduleUiLink, temporalUiUrl, workflowUiLink } from '../temporal/ui-link.js';
import type { CliContext } from './context.js';

/** `ui: http://...`: the Temporal UI page of a workflow the command started or shows. */
export function uiLinkLine(ctx: CliContext, workflowId: string, runId?: string): string {
  return `ui: ${workflowUiLink(temporalUiUrl(), namespaceOf(ctx), workflowId, runId)}`;
}

/** `ui: http://...`: the Temporal UI page of a schedule. */
export function scheduleLinkLine(ctx: CliContext, scheduleId: string): string {
  return `ui: ${scheduleUiLink(temporalUiUrl(), namespaceOf(ctx), scheduleId)}`;
}

/** The namespace the CLI's client uses (TEMPORAL_NAMESPACE, the envconfig profile's, else Fleetflow's). */
function namespaceOf(ctx: CliContext): string {
  return temporalConnectConfig(ctx.config).namespace;
}
