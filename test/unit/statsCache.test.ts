import { describe, expect, test } from 'vitest'

import { createMemoryStatsCache, STATS_CACHE_TTL_SECONDS } from '../../src/stats/cache.js'

describe('the in-process stats cache', () => {
  test('keyed by kind, query and site set; invalidated per site or for all; expires after 5 minutes; bounded', async () => {
    let now = 0
    const cache = createMemoryStatsCache(3, () => now)
    const miss = await cache.get('stats', { range: '7d' }, ['1', '2'])
    expect(miss.value).toBeNull()
    await cache.set(miss.key, { answer: 1 })
    expect((await cache.get('stats', { range: '7d' }, ['1', '2'])).value).toEqual({ answer: 1 })
    expect((await cache.get('stats', { range: '7d' }, ['1'])).value).toBeNull()
    expect((await cache.get('compare', { range: '7d' }, ['1', '2'])).value).toBeNull()
    expect((await cache.get('stats', { range: '30d' }, ['1', '2'])).value).toBeNull()

    // Another site's invalidation leaves it; one of its sites' drops it.
    await cache.invalidate(['3'])
    expect((await cache.get('stats', { range: '7d' }, ['1', '2'])).value).toEqual({ answer: 1 })
    await cache.invalidate(['2'])
    const after = await cache.get('stats', { range: '7d' }, ['1', '2'])
    expect(after.value).toBeNull()
    await cache.set(after.key, { answer: 2 })
    await cache.invalidate('all')
    expect((await cache.get('stats', { range: '7d' }, ['1', '2'])).value).toBeNull()

    const fresh = await cache.get('stats', { range: 'today' }, ['9'])
    await cache.set(fresh.key, { answer: 3 })
    now += STATS_CACHE_TTL_SECONDS * 1000 - 1
    expect((await cache.get('stats', { range: 'today' }, ['9'])).value).toEqual({ answer: 3 })
    now += 1
    expect((await cache.get('stats', { range: 'today' }, ['9'])).value).toBeNull()

    for (const n of [1, 2, 3, 4]) {
      const { key } = await cache.get('stats', { n }, ['9'])
      await cache.set(key, n)
    }
    expect((await cache.get('stats', { n: 1 }, ['9'])).value).toBeNull()
    expect((await cache.get('stats', { n: 4 }, ['9'])).value).toBe(4)
  })
})
