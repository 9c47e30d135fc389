/**
 * How a stats request runs its independent reads. Rollup reads (unfiltered) are a few index
 * lookups each: they run one after another, on the one pooled connection the request already
 * holds. Run together, each would take a connection of its own — on a cold pool a new backend
 * per read (connect, authenticate, fill its catalog caches: more than the read itself; see
 * docs/benchmarks.md, query). Raw-event reads (filtered) scan for tens or hundreds of
 * milliseconds each: they run together, a connection each.
 */
export async function reads<T extends readonly unknown[]>(together: boolean, ...tasks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if (together) return (await Promise.all(tasks.map((task) => task()))) as unknown as T
  const results: unknown[] = []
  for (const task of tasks) results.push(await task())
  return results as unknown as T
}
