/**
 * Runs `fn` over `items` with at most `limit` calls in flight and waits for all of them.
 * Every item runs even when some fail (objects in one tier are independent, and a report of
 * every failure beats the first one); results and errors keep the items' order.
 *
 * @example const settled = await mapSettled(objects, 8, (o) => apply(o));
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(limit, 1), items.length) }, worker));
  return results;
}
