import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowBundleOptions, workflowsPath } from '../../workers/bundle.js';
import { testDataConverter } from '../helpers/test-encryption.js';

const dir = new URL('../histories/', import.meta.url);
/** The files in test/histories/ that record histories rather than being one. */
const RECORDING_TOOLS = new Set(['record', 'record-large-stages.ts', 'large-stage-workflows.ts', 'record-change-callbacks.ts', 'record-fleet-change.ts', 'record-fleet-policy.ts', 'record-entity-check.ts', 'record-agent-entity.ts', 'record-agent-decommission.ts', 'record-agent-policy.ts', 'record-agent-upgrade.ts', 'record-carried-state.ts']);
const files = readdirSync(dir).filter((f) => !RECORDING_TOOLS.has(f));
const histories = files.filter((f) => f.endsWith('.json'));
let workflowBundle: WorkflowBundle;
type History = ReturnType<typeof historyFromJSON>;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  workflowBundle = await bundleWorkflowCode({ workflowsPath, ...workflowBundleOptions, logger: new DefaultLogger('ERROR') });
});

/** The history in `file`, or an error naming the file and what is wrong with it. */
function load(file: string): History {
  let history: History;
  try {
    history = historyFromJSON(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
  } catch (err) {
    throw new Error(`test/histories/${file} is not a history exported with \`temporal workflow show --output json\`: ${(err as Error).message}`);
  }
  if (!history.events?.[0]?.workflowExecutionStartedEventAttributes) {
    throw new Error(`test/histories/${file} does not begin with WorkflowExecutionStarted: record the whole history with test/histories/record`);
  }
  return history;
}

// A change to workflow code that would break an execution already running in production
// fails here: each recorded history must replay against today's code without a determinism error.
describe('recorded histories replay against the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(histories.length).toBeGreaterThanOrEqual(4);
  });

  // Histories recorded since payloads are encrypted hold ciphertext under the test key: replaying
  // them proves the worker's data converter decrypts what a recorded execution stored.
  it('has a history whose payloads are encrypted under the test key', () => {
    const encrypted = histories.filter((f) => readFileSync(new URL(f, dir), 'utf8').includes(Buffer.from('binary/encrypted').toString('base64')));
    expect(encrypted).toContain('change__servicenow__CHGENC1__callbacks.json');
  });

  it('replays every file in test/histories/: none is left out for its name', () => {
    const notReplayed = files.filter((f) => !histories.includes(f));
    expect(notReplayed, `test/histories/ holds files that are neither histories (*.json) nor recording tools: ${notReplayed.join(', ')}`).toEqual([]);
  });

  it.each(histories)('%s', async (file) => {
    const history = load(file);
    const type = history.events![0]!.workflowExecutionStartedEventAttributes!.workflowType?.name;
    // The original workflow id (the file name, "/" written "__", without an "@label" naming
    // another run of the same id): child ids are derived from it.
    const workflowId = file.replace(/\.json$/, '').replace(/@[^/]*$/, '').replaceAll('__', '/');
    try {
      // Decoded with the test key, like production's worker: clear payloads (histories from before
      // encryption) pass through, and payloads encrypted under the test key are decrypted.
      await Worker.runReplayHistory({ workflowBundle, replayName: file, dataConverter: testDataConverter }, history, workflowId);
    } catch (err) {
      throw new Error(
        `test/histories/${file} (${type} ${workflowId}) does not replay against today's workflow code: ${(err as Error).message}\n` +
          'An execution like it that is running now would fail. Guard the change with patched() (README: "Changing workflow code safely").',
        { cause: err },
      );
    }
  });
});
