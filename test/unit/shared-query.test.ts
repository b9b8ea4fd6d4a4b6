import type { Client } from '@temporalio/client';
import { defineQuery } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { sharedQuery } from '../../src/temporal/shared-query.js';

const getView = defineQuery<string>('getView');
const getOther = defineQuery<string>('getOther');

/** A client whose queries wait until the test settles them; it records each query that reached "the server". */
function fakeClient() {
  const asked: { id: string; name: string; settle: (v: string) => void; fail: (e: Error) => void }[] = [];
  const client = {
    workflow: {
      getHandle: (id: string) => ({
        query: (def: { name: string }) => new Promise<string>((settle, fail) => asked.push({ id, name: def.name, settle, fail })),
      }),
    },
  } as unknown as Client;
  return { client, asked };
}

describe('sharedQuery', () => {
  it('sends one query for concurrent callers of the same query on the same workflow, and gives each the answer', async () => {
    const { client, asked } = fakeClient();
    const answers = Promise.all(Array.from({ length: 20 }, () => sharedQuery(client, 'change/a/1', getView)));
    expect(asked).toHaveLength(1);
    asked[0]!.settle('view');
    expect(await answers).toEqual(Array(20).fill('view'));
  });

  it('keeps workflows, query types and clients apart', () => {
    const one = fakeClient();
    const two = fakeClient();
    void sharedQuery(one.client, 'change/a/1', getView);
    void sharedQuery(one.client, 'change/a/2', getView);
    void sharedQuery(one.client, 'change/a/1', getOther);
    void sharedQuery(two.client, 'change/a/1', getView);
    expect(one.asked.map((a) => `${a.name} ${a.id}`)).toEqual(['getView change/a/1', 'getView change/a/2', 'getOther change/a/1']);
    expect(two.asked).toHaveLength(1);
  });

  it('caches nothing: a caller after the answer asks again, and an error reaches every caller of its query', async () => {
    const { client, asked } = fakeClient();
    const first = sharedQuery(client, 'change/a/1', getView);
    asked[0]!.settle('before');
    expect(await first).toBe('before');
    const [a, b] = [sharedQuery(client, 'change/a/1', getView), sharedQuery(client, 'change/a/1', getView)];
    expect(asked).toHaveLength(2);
    asked[1]!.fail(new Error('workflow not found'));
    await expect(a).rejects.toThrow('workflow not found');
    await expect(b).rejects.toThrow('workflow not found');
    void sharedQuery(client, 'change/a/1', getView);
    expect(asked).toHaveLength(3);
  });
});
