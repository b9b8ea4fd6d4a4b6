import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { CommandError, exitCodeOf, UsageError } from '../../src/cli/errors.js';

/** A failed operation as the client reports it: workflow failure, activity failure, root cause. */
function failedOperation(type: string): CommandError {
  const root = ApplicationFailure.nonRetryable(`cluster web-1: ${type}`, type);
  const activity = new ActivityFailure('activity failed', 'claimOperation', '1', RetryState.NON_RETRYABLE_FAILURE, undefined, root);
  const workflow = ApplicationFailure.create({ message: `decommission failed: ${root.message}`, type, nonRetryable: true, cause: activity });
  const e = new WorkflowFailedError('Workflow execution failed', workflow, RetryState.NON_RETRYABLE_FAILURE);
  return new CommandError(`decommissionCluster web-1 failed: ${root.message}`, { cause: e });
}

describe('the CLI exit code', () => {
  it.each([
    // The user's request is wrong: change the command or the file.
    ['a bad flag', new UsageError('unknown flag --x'), 2],
    ['a protected cluster decommissioned without --force', failedOperation('ClusterProtected'), 2],
    ['a cluster that does not exist', failedOperation('ClusterNotFound'), 2],
    // The operation failed, or the world said "not now".
    ['a busy cluster', failedOperation('ClusterBusy'), 1],
    ['a provider that failed the cluster', failedOperation('ProviderFailed'), 1],
    ['a failure type the table does not know', failedOperation('SomethingNew'), 1],
    ['a command error with no failure behind it', new CommandError('is the dev server running?'), 1],
    ['any other error', new Error('boom'), 1],
  ])('%s exits %i', (_what, err, code) => {
    expect(exitCodeOf(err)).toBe(code);
  });
});
