/**
 * A function's results by their string argument, for hot paths whose arguments repeat (a
 * site's traffic comes from a few hundred user-agents and a handful of origins). Bounded in
 * entries (the oldest goes first: a Map keeps insertion order) and in key length, so hostile
 * input cannot grow it; in memory only. (`undefined` is not a result: it means "not cached".)
 */
export function boundedMemo<T extends null | object | string>(compute: (key: string) => T, options: { maxEntries: number; maxKeyLength: number }): (key: string) => T {
  const cache = new Map<string, T>()
  return (key) => {
    if (key.length > options.maxKeyLength) return compute(key)
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const value = compute(key)
    if (cache.size >= options.maxEntries) cache.delete(cache.keys().next().value!)
    cache.set(key, value)
    return value
  }
}
