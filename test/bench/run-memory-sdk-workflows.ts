// The SDK's own cost of a cached run, for run-memory.ts: a held run that imports nothing else.
import { proxyActivities } from '@temporalio/workflow';

const { hold } = proxyActivities<{ hold(): Promise<void> }>({ startToCloseTimeout: '1 hour', retry: { maximumAttempts: 1 } });

export async function heldChild(): Promise<void> {
  await hold();
}
