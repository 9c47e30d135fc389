/**
 * Event values (`v`, `value`) are bounded where they enter, and one site's bad values can
 * never break a view over other sites. The replay: two `ai.usage` events with values near
 * float8's maximum once pushed a site's AI-token sum past what the stats queries' float8
 * casts hold, and /stats, /compare and /export answered 500 for that site and for every
 * "all sites" view containing it. Here such values are refused at the door, and rows that
 * hold them anyway (stored before the bound, or written by hand) are read clamped.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { CompareResult, StatsResult } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { MAX_EVENT_VALUE, MAX_STORED_COUNTER, siteDaysOf } from '../../src/core/dailyStats.js'
import { uuidv7 } from '../../src/core/uuidv7.js'
import { AnalyticsInputError } from '../../src/runtime.js'
import { insertEvents } from '../../src/store/insertEvents.js'
import { recomputeDailyStats } from '../../src/store/recomputeDailyStats.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'
import { blankEvent } from '../helpers/events.js'

type Db = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const dbOf = (payload: Payload) => (payload.db as unknown as { drizzle: Db }).drizzle

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const today = new Date().toISOString().slice(0, 10)
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)

let payload: Payload
let shop: DemoSite
let globex: DemoSite
let token: string

const event = (site: DemoSite, type: string, value: null | number, extra: Partial<AnalyticsEvent> = {}): AnalyticsEvent => ({
  ...blankEvent(site, type, `${today}T10:00:00.000Z`, uuidv7()),
  value,
  ...extra,
})

const eventCount = async () => Number((await dbOf(payload).execute(sql`SELECT count(*)::int AS n FROM analytics_events`)).rows[0]!.n)

beforeAll(async () => {
  payload = await bootPayload()
  const sites = await demoSites(payload)
  shop = sites['shop.acme.test']!
  globex = sites['globex.test']!
  token = await login(payload, 'admin@example.com', 'admin')

  // Stored before values were bounded (the insert takes what it is given): the reported pair,
  // and a negative one.
  const cfg = payload.analytics!.config
  const events = [
    event(shop, 'ai.usage', 1.7976931348623157e308),
    event(shop, 'ai.usage', 1e308),
    event(shop, 'ai.usage', -5),
    event(shop, 'pageview', null, { path: '/', sessionId: 's1', visitorHash: 'v1' }),
    event(globex, 'ai.usage', 1830),
    event(globex, 'pageview', null, { path: '/', sessionId: 's2', visitorHash: 'v2' }),
  ]
  await insertEvents(payload, cfg, events)
  await recomputeDailyStats(payload, cfg, siteDaysOf(events))
  // And a daily row written by hand with a sum no float8 holds.
  await dbOf(payload).execute(sql`
    INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews, events, ai_tokens)
    VALUES (${shop.id}, ${shop.tenant}, ${`${yesterday}T00:00:00Z`}::timestamptz, 'total', '', 1, 1, 1e400)`)
})

afterAll(async () => {
  await payload?.destroy()
})

describe('event values', () => {
  test('tracking refuses values beyond ±1,000,000,000 and negative ai.usage values with a 400, storing nothing', async () => {
    const pending = () => payload.analytics!.buffer.pending()
    const before = await pending()
    const post = (body: Record<string, unknown>) =>
      rawRequest(payload, 'POST', '/analytics/track', {
        body: JSON.stringify({ s: String(shop.id), u: 'https://shop.acme.test/', ...body }),
        headers: { 'content-type': 'text/plain', 'user-agent': CHROME, 'x-forwarded-for': '203.0.113.20' },
      })
    for (const v of [1.7976931348623157e308, 1e308, MAX_EVENT_VALUE + 1, -1e308]) {
      const response = await post({ t: 'purchase', v })
      expect(response.status).toBe(400)
      expect(response.body.error).toMatch(/v: must be a number between -1,000,000,000 and 1,000,000,000/)
    }
    const negative = await post({ t: 'ai.usage', v: -5 })
    expect(negative.status).toBe(400)
    expect(negative.body.error).toMatch(/v: must not be negative for ai\.usage events/)
    expect(await pending()).toBe(before)
    expect((await post({ t: 'ai.usage', v: MAX_EVENT_VALUE })).status).toBe(202)
    expect(await pending()).toBe(before + 1)

    await expect(payload.analytics!.track({ siteId: shop.id, type: 'ai.usage', value: 1e308 })).rejects.toThrow(AnalyticsInputError)
    await expect(payload.analytics!.track({ siteId: shop.id, type: 'ai.usage', value: -1 })).rejects.toThrow(/must not be negative/)
  })

  test('a site with poisoned values leaves stats, compare and export working, for it and for all sites', async () => {
    const stored = await eventCount()
    const { body, status } = await rest<StatsResult>(payload, 'GET', `/analytics/stats?from=${yesterday}&to=${today}`, { token })
    expect(status).toBe(200)
    const bySite = new Map(body.sites.map((row) => [String(row.site.id), row.totals]))
    // The other site's figures are exactly its own.
    expect(bySite.get(String(globex.id))).toMatchObject({ aiTokens: 1830, pageviews: 1 })
    // The poisoned site: each stored value counted within [0, MAX_EVENT_VALUE], the hand-written
    // row read as MAX_STORED_COUNTER: large, finite, never negative.
    expect(bySite.get(String(shop.id))).toMatchObject({ aiTokens: 2 * MAX_EVENT_VALUE + MAX_STORED_COUNTER, pageviews: 2 })
    expect(body.totals.aiTokens).toBe(2 * MAX_EVENT_VALUE + MAX_STORED_COUNTER + 1830)

    const single = await rest<StatsResult>(payload, 'GET', `/analytics/stats?siteId=${shop.id}&from=${yesterday}&to=${today}&breakdown=pages`, { token })
    expect(single.status).toBe(200)
    expect(single.body.series.every((point) => Number.isFinite(point.aiTokens) && point.aiTokens >= 0)).toBe(true)

    for (const path of [`/analytics/compare?from=${yesterday}&to=${today}`, `/analytics/compare?siteId=${shop.id}&range=7d`]) {
      const compare = await rest<CompareResult>(payload, 'GET', path, { token })
      expect(compare.status, path).toBe(200)
    }
    for (const path of ['/analytics/export?range=month', `/analytics/export?range=year&siteId=${shop.id}`]) {
      const exported = await rawRequest(payload, 'GET', path, { headers: { Authorization: `JWT ${token}` } })
      expect(exported.status, path).toBe(200)
      expect((parse(exported.text, { columns: true }) as unknown[]).length).toBeGreaterThan(0)
    }
    expect(await eventCount()).toBe(stored)
  })
})
