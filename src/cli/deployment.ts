import { describeDeployment, DeploymentNotFound, drainage, setCurrentBuild } from '../temporal/worker-deployment.js';
import { onePositional, outputFormat, printData, requester } from './args.js';
import { OUTPUT_FLAG, type Args, type CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { table } from './table.js';

/**
 * `fleetflow deployment ...`: upgrading Fleetflow itself with Worker Versioning. Workers of the
 * new build start beside the old ones (FLEETFLOW_WORKER_VERSIONING=on, their own
 * FLEETFLOW_BUILD_ID); `set-current` sends new runs and the entities to it; the old build is
 * stopped once `drain-status` says drained (its pinned waves and rollouts have finished).
 */
export const deploymentCommand: CommandSpec = {
  name: 'deployment',
  summary: "the worker deployment (Worker Versioning): its builds, the current one, an old build's drainage",
  details: 'The deployment is FLEETFLOW_DEPLOYMENT_NAME (default fleetflow). See README, "Upgrading Fleetflow itself".',
  subcommands: [
    { name: 'status', summary: 'the current build, the ramping one, and every build with its status', flags: [OUTPUT_FLAG], run: status },
    { name: 'set-current', args: 'BUILD_ID', summary: 'make BUILD_ID current: new runs and cluster entities move to it, pinned operations stay', run: setCurrent },
    { name: 'drain-status', args: 'BUILD_ID', summary: 'whether runs pinned to BUILD_ID remain (draining) or not (drained: its workers can stop)', flags: [OUTPUT_FLAG], run: drainStatus },
  ],
};

async function notFoundIsCommandError<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof DeploymentNotFound) throw new CommandError(e.message);
    throw e;
  }
}

async function status(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const view = await notFoundIsCommandError(async () => describeDeployment(await ctx.temporal(), ctx.config.deploymentName));
  if (printData(ctx, format, view)) return;
  ctx.out(`deployment ${view.name}: current ${view.currentBuildId ?? '(none: unversioned workers)'}${view.rampingBuildId ? `, ramping ${view.rampingBuildId} at ${view.rampingPercentage}%` : ''}`);
  ctx.out(table(['build', 'status', 'created'], view.versions.map((v) => [v.buildId, v.status, v.createdAt ?? ''])));
}

async function setCurrent(ctx: CliContext, args: Args) {
  const buildId = onePositional(args, 'BUILD_ID');
  const r = await notFoundIsCommandError(async () => setCurrentBuild(await ctx.temporal(), ctx.config.deploymentName, buildId, requester()));
  ctx.out(`deployment ${ctx.config.deploymentName}: current build ${buildId}${r.previousBuildId && r.previousBuildId !== buildId ? ` (was ${r.previousBuildId}: its pinned runs finish on it; stop its workers once \`fleetflow deployment drain-status ${r.previousBuildId}\` says drained)` : ''}`);
}

async function drainStatus(ctx: CliContext, args: Args) {
  const buildId = onePositional(args, 'BUILD_ID');
  const format = outputFormat(args);
  const view = await notFoundIsCommandError(async () => drainage(await ctx.temporal(), ctx.config.deploymentName, buildId));
  if (printData(ctx, format, view)) return;
  const advice = view.drainage === 'drained' ? 'no run is pinned to it: its workers can stop' : view.drainage === 'draining' ? 'runs pinned to it are still open: keep its workers' : 'it has not been replaced as current';
  ctx.out(`build ${buildId}: ${view.drainage === 'not draining' ? view.status : view.drainage} (${advice})${view.checkedAt ? `; checked ${view.checkedAt}` : ''}`);
}
