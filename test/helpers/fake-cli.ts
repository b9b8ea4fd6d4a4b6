import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { vi } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { run } from '../../src/cli/main.js';

/** What a fake Temporal answers for one workflow id. */
export interface FakeWorkflow {
  status?: string;
  /** The answer to any query. */
  query?: unknown;
  result?: unknown;
}

/** A call the CLI made on the fake Temporal client. */
export type FakeCall = { op: 'start'; type: string; id: string; args: unknown[] } | { op: 'update'; id: string; name: string; args: unknown[] };

/**
 * Runs the fleetflow CLI in-process against a fake Temporal client that answers describe, query
 * and result from `workflows` and records every start and update, so a test sees what the CLI
 * printed, its exit code, and what it asked Temporal to do (or that it asked nothing).
 */
export async function runCli(argv: string[], workflows: Record<string, FakeWorkflow> = {}, config: Partial<CliContext['config']> = {}) {
  const out: string[] = [];
  const calls: FakeCall[] = [];
  const handle = (id: string) => {
    const wf = workflows[id];
    return {
      workflowId: id,
      firstExecutionRunId: 'run-1',
      async describe() {
        if (!wf) throw new WorkflowNotFoundError(`workflow ${id} not found`, id, undefined);
        return { status: { name: wf.status ?? 'RUNNING' } };
      },
      async query() {
        if (!wf) throw new WorkflowNotFoundError(`workflow ${id} not found`, id, undefined);
        return wf.query;
      },
      async result() {
        return wf?.result;
      },
      async executeUpdate(def: { name: string }, opts: { args: unknown[] }) {
        calls.push({ op: 'update', id, name: def.name, args: opts.args });
      },
    };
  };
  const client = {
    workflow: {
      getHandle: handle,
      async start(type: string, opts: { workflowId: string; args: unknown[] }) {
        calls.push({ op: 'start', type, id: opts.workflowId, args: opts.args });
        return handle(opts.workflowId);
      },
    },
  } as unknown as Client;
  const ctx = new CliContext((line) => out.push(line));
  // The config is read only when a test overrides part of it, as the CLI reads it only on use.
  Object.assign(ctx, { temporal: async () => client, ...(Object.keys(config).length ? { config: { ...ctx.config, ...config } } : {}) });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await run(argv, ctx);
    const err = stderr.mock.calls.map((c) => String(c[0])).join('');
    return { code, stdout: out.join('\n'), stderr: err, calls };
  } finally {
    stderr.mockRestore();
  }
}
