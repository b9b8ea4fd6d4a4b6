import { loadConfig } from '../../src/config.js';
import { runAgent } from '../../workers/agent.js';
import { fileGate } from './gates.js';

// `fleetflow agent` with one difference: its applyBundle applies, then holds at the file gate in
// FLEETFLOW_TEST_GATE before answering, so a test can SIGKILL the agent in the middle of an
// apply (objects written, activity not completed). Already joined: no token.
//   FLEETFLOW_TEST_GATE=DIR node --import tsx test/helpers/gated-agent.ts CLUSTER KUBECONFIG IDENTITY
const [cluster, kubeconfig, identity] = process.argv.slice(2) as [string, string, string];
const gate = fileGate(process.env.FLEETFLOW_TEST_GATE!);
await runAgent({
  cluster,
  identity,
  config: loadConfig(),
  credentials: { kind: 'kubeconfig', file: kubeconfig },
  heartbeatEveryMs: 1000,
  wrapActivities: (activities) => {
    const a = activities as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const apply = a.applyBundle!;
    return { ...activities, applyBundle: async (...args: unknown[]) => {
      const result = await apply(...args);
      await gate.pass();
      return result;
    } };
  },
});
