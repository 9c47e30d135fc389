/**
 * The stats service without Redis (one development instance): the in-process buffer feeds
 * realtime, the in-process cache is invalidated by the aggregation like the Redis one.
 */
import type { Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { StatsQuery } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { generateEvents, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'

let payload: Payload
let site: DemoSite

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisUrl: undefined } })
  site = (await demoSites(payload))['blog.acme.test']!
})

afterAll(async () => {
  await payload?.destroy()
})

test('stats, cache invalidation and realtime work with the in-process buffer and cache', async () => {
  const analytics = payload.analytics!
  expect(analytics.redis).toBeNull()
  const events = generateEvents({ days: recentDays(3, 1), seed: 71, sessionsPerDay: [5, 9], sites: [site] })
  await analytics.buffer.append(events)
  await analytics.aggregateNow()
  const caller = { overrideAccess: true } as const
  const query: StatsQuery = { range: '7d', siteIds: [site.id] }
  const pageviewsIn = (list: AnalyticsEvent[]) =>
    list.filter((e) => e.type === 'pageview' && e.timestamp.slice(0, 10) >= recentDays(7)[0]! && e.timestamp.slice(0, 10) <= recentDays(1)[0]!).length
  const first = await analytics.stats.getStats(query, caller)
  expect(first.totals.pageviews).toBe(pageviewsIn(events))

  // Buffered, not aggregated: live in realtime, not yet in the (cached) stats.
  const now = new Date().toISOString()
  const live = [1, 2, 3].map((n) => ({ ...events[0]!, eventId: randomUUID(), path: '/live', timestamp: now, type: 'pageview', visitorHash: `live-${n}` }))
  await analytics.buffer.append(live)
  const realtime = await analytics.stats.getRealtime({ siteIds: [site.id] }, caller)
  expect(realtime).toMatchObject({ pageviews: 3, topPages: [{ key: '/live', pageviews: 3, visitors: 3 }], visitors: 3 })
  expect((await analytics.stats.getStats(query, caller)).totals.pageviews).toBe(first.totals.pageviews)

  await analytics.aggregateNow()
  expect((await analytics.stats.getStats(query, caller)).totals.pageviews).toBe(first.totals.pageviews + 3)
  // Now stored, still counted once.
  expect((await analytics.stats.getRealtime({ siteIds: [site.id] }, caller)).pageviews).toBe(3)
})
