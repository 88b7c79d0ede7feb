/**
 * A bound on how many loads of one invocation run at once. Hand-written rather than a dependency
 * (p-limit and the like): the sink needs one shape only, every task settled in order like
 * `Promise.allSettled`, and a few workers pulling from a shared index give exactly that.
 */

/**
 * Runs `task` for every item with at most `limit` running at once, and settles like
 * `Promise.allSettled`: every result in item order, whatever each one's outcome.
 *
 * @example
 * const results = await settleWithLimit(loads, config.maxConcurrentLoads, (load) => loadTable(load));
 */
export async function settleWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index] as T, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
