/**
 * Retention on real Postgres: raw events older than each site's retention (its settings, or
 * the plugin's 30 days) go in whole UTC days, daily stats older than 365 days go, salts older
 * than yesterday go — exactly those rows and nothing else, in bounded batches. Days past the
 * raw retention are never recomputed from what is left of them.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { SiteDay } from '../../src/core/dailyStats.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { firstKeptDay } from '../../jobs/retention.js'
import { msUntilNext } from '../../jobs/scheduler.js'
import { siteDaysOf } from '../../src/core/dailyStats.js'
import { insertEvents } from '../../src/store/insertEvents.js'
import { recomputeDailyStats } from '../../src/store/recomputeDailyStats.js'
import { dailyStatsRows, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'

type Db = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const dbOf = (payload: Payload) => (payload.db as unknown as { drizzle: Db }).drizzle

const DAY_MS = 86_400_000
/** Captured once: every day below is relative to it, so the test does not care about midnight. */
const now = new Date()
const dayAgo = (days: number) => recentDays(1, days, now)[0]!

let sequence = 0
function event(site: DemoSite, timestamp: string, overrides: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  sequence++
  return {
    browser: 'Firefox',
    country: 'DE',
    device: 'desktop',
    eventId: `ret-${sequence}-${randomBytes(4).toString('hex')}`,
    hostname: site.domain,
    os: 'Linux',
    path: `/p${sequence % 7}`,
    props: null,
    screen: 'desktop',
    sessionId: `s-${sequence % 13}`,
    siteId: site.id,
    source: null,
    tenantId: site.tenant,
    timestamp,
    type: 'pageview',
    utmCampaign: null,
    utmContent: null,
    utmMedium: null,
    utmSource: null,
    utmTerm: null,
    value: null,
    visitorHash: `v-${sequence % 5}`,
    ...overrides,
  }
}

/** Events at the first and last millisecond of a day and in between. */
const dayEvents = (site: DemoSite, day: string) =>
  ['00:00:00.000', '06:30:00.000', '12:00:00.000', '23:59:59.999'].map((time) => event(site, `${day}T${time}Z`))

async function storedEventIds(payload: Payload): Promise<Set<string>> {
  const { rows } = await dbOf(payload).execute(sql`SELECT event_id FROM analytics_events`)
  return new Set(rows.map((row) => String(row.event_id)))
}

let payload: Payload
let site1: DemoSite
let site2: DemoSite
let site3: DemoSite

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: `ret${randomBytes(4).toString('hex')}:`, redisUrl: inject('redisUrl') } })
  ;[site1, site2, site3] = Object.values(await demoSites(payload)) as [DemoSite, DemoSite, DemoSite]
  // Site 2 keeps raw events 7 days, site 3 60 days; site 1 has no settings (the plugin's 30).
  await payload.create({ collection: 'analytics-settings', data: { retentionDays: 7, scope: 'site', site: site2.id } })
  await payload.create({ collection: 'analytics-settings', data: { retentionDays: 60, scope: 'site', site: site3.id } })
})

afterAll(async () => {
  await payload?.destroy()
})

describe('applyRetention', () => {
  test('the retention boundary is a whole UTC day, and the daily run time is UTC', () => {
    expect(firstKeptDay(30, new Date('2026-11-21T23:59:59.999Z'))).toBe('2026-10-22')
    expect(firstKeptDay(30, new Date('2026-11-21T00:00:00.000Z'))).toBe('2026-10-22')
    expect(firstKeptDay(1, new Date('2026-03-01T10:00:00.000Z'))).toBe('2026-02-28')
    expect(msUntilNext('03:15', new Date('2026-11-21T03:00:00.000Z'))).toBe(15 * 60_000)
    expect(msUntilNext('03:15', new Date('2026-11-21T03:15:00.000Z'))).toBe(DAY_MS)
    expect(msUntilNext('03:15', new Date('2026-11-21T23:15:00.000Z'))).toBe(4 * 3_600_000)
  })

  test('deletes exactly the rows past their retention — per site, whole days — and keeps the rest', async () => {
    const offsets = [70, 61, 60, 45, 31, 30, 29, 8, 7, 6, 0]
    const all = [site1, site2, site3].flatMap((site) => offsets.flatMap((offset) => dayEvents(site, dayAgo(offset)).map((e) => ({ e, offset, site }))))
    expect(await insertEvents(payload, payload.analytics!.config, all.map(({ e }) => e))).toEqual({ inserted: all.length, skipped: 0 })
    const retention = new Map([
      [site1.id, 30],
      [site2.id, 7],
      [site3.id, 60],
    ])
    const expectedKept = new Set(all.filter(({ offset, site }) => offset <= retention.get(site.id)!).map(({ e }) => e.eventId))

    // Daily stats: one total row per day at these ages, for two sites.
    const statOffsets = [400, 366, 365, 364, 10]
    for (const site of [site1, site3]) {
      for (const offset of statOffsets) {
        await dbOf(payload).execute(sql`
          INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews)
          VALUES (${site.id}, ${site.tenant}, ${`${dayAgo(offset)}T00:00:00.000Z`}::timestamptz, 'total', '', ${offset})`)
      }
    }
    // Salts of the last days (the no-Redis salt store's collection).
    for (const offset of [3, 2, 1, 0]) {
      await payload.create({ collection: 'analytics-salts', data: { day: dayAgo(offset), salt: `salt-${offset}` } })
    }

    const result = await payload.analytics!.applyRetention({ now })
    expect(result.events).toMatchObject({ deleted: all.length - expectedKept.size, firstKeptDay: dayAgo(30), sites: 3 })
    expect(await storedEventIds(payload)).toEqual(expectedKept)
    expect(result.dailyStats).toMatchObject({ deleted: 4, firstKeptDay: dayAgo(365) })
    const stats = await dailyStatsRows(payload)
    expect(stats.map((row) => `${row.siteId}:${row.pageviews}`).sort()).toEqual(
      [site1, site3].flatMap((site) => [10, 364, 365].map((offset) => `${site.id}:${offset}`)).sort(),
    )
    expect(result.salts.deleted).toBe(2)
    const { docs: salts } = await payload.find({ collection: 'analytics-salts', pagination: false, sort: 'day' })
    expect(salts.map((doc) => doc.day)).toEqual([dayAgo(1), dayAgo(0)])

    // Every statement was timed.
    const metrics = await payload.analytics!.metrics.registry.metrics()
    expect(metrics).toMatch(/^analytics_db_latency_seconds_count\{operation="retention"\} [1-9]\d*$/m)

    // Nothing left to delete: a second run is a no-op.
    const again = await payload.analytics!.applyRetention({ now })
    expect(again.events.deleted + again.dailyStats.deleted + again.salts.deleted).toBe(0)
    expect(await storedEventIds(payload)).toEqual(expectedKept)
  })

  test('a large delete proceeds in bounded batches', async () => {
    const before = await storedEventIds(payload)
    const day = dayAgo(40)
    const start = Date.parse(`${day}T00:00:00.000Z`)
    const old = Array.from({ length: 25_000 }, (_, i) => event(site1, new Date(start + i * 3_000).toISOString()))
    for (let i = 0; i < old.length; i += 5_000) {
      await insertEvents(payload, payload.analytics!.config, old.slice(i, i + 5_000))
    }
    const result = await payload.analytics!.applyRetention({ batchSize: 10_000, now })
    expect(result.events).toMatchObject({ batches: 3, deleted: 25_000 })
    expect(await storedEventIds(payload)).toEqual(before)
  })

  test('a late event for a day past its retention does not recompute that day from what is left', async () => {
    // Statistics of a day computed back when it was recent, then its raw events expired.
    const day = dayAgo(45)
    const events = dayEvents(site1, day)
    await insertEvents(payload, payload.analytics!.config, events)
    const pair: SiteDay = { day, siteId: site1.id }
    await recomputeDailyStats(payload, payload.analytics!.config, [pair])
    const statsOfDay = async () => (await dailyStatsRows(payload)).filter((row) => row.day === day && row.siteId === String(site1.id))
    const computed = await statsOfDay()
    expect(computed.find((row) => row.dimension === 'total')?.pageviews).toBe(4)
    await payload.analytics!.applyRetention({ now })

    const expired: SiteDay[][] = []
    const stop = payload.analytics!.jobs.on('aggregation:expired-days', ({ pairs }) => expired.push(pairs))
    try {
      const late = event(site1, `${day}T13:00:00.000Z`)
      await payload.analytics!.buffer.append([late])
      const result = await payload.analytics!.aggregateNow()
      expect(result).toMatchObject({ claimed: 1, daysRecomputed: 0, inserted: 1 })
      expect(expired.flat().map((p) => `${p.siteId}|${p.day}`)).toEqual(siteDaysOf([late]).map((p) => `${p.siteId}|${p.day}`))
      // The day keeps the statistics it had, not the count of its one late event.
      expect(await statsOfDay()).toEqual(computed)
      // The late raw event goes with the next retention run.
      expect((await payload.analytics!.applyRetention({ now })).events.deleted).toBe(1)
    } finally {
      stop()
    }
  })

  test('the visits table goes with the raw events: per site, whole days', async () => {
    // Site 1 keeps raw events 30 days (the plugin's default; it has no settings, so no background
    // recompute of its days runs meanwhile): its visits of 32 and 31 days ago go, those of 30 and 29 stay.
    const offsets = [32, 31, 30, 29]
    const events = offsets.flatMap((offset) => dayEvents(site1, dayAgo(offset)))
    await insertEvents(payload, payload.analytics!.config, events)
    await recomputeDailyStats(payload, payload.analytics!.config, siteDaysOf(events))
    const visitDays = async () => {
      const { rows } = await dbOf(payload).execute(sql`SELECT DISTINCT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM analytics_visits WHERE site = ${site1.id} ORDER BY 1`)
      return rows.map((row) => String(row.day))
    }
    expect(await visitDays()).toEqual(offsets.map(dayAgo).sort())
    const { rows: before } = await dbOf(payload).execute(sql`SELECT count(*)::int AS n FROM analytics_visits WHERE site = ${site1.id} AND day < ${`${dayAgo(30)}T00:00:00.000Z`}::timestamptz`)

    const result = await payload.analytics!.applyRetention({ now })
    expect(result.visits.deleted).toBe(Number(before[0]!.n))
    expect(result.visits.deleted).toBeGreaterThan(0)
    expect(await visitDays()).toEqual([dayAgo(30), dayAgo(29)])
  })
})
