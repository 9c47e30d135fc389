/**
 * The aggregation's store layer end to end on real Postgres and Redis: generated events with
 * known ground truth (the reference implementation) go through the buffer, `runAggregation`
 * inserts and recomputes them, and every daily-stats row must equal the reference — also
 * after a second run, a redelivery, and two runs at once.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { DailyStatsRow } from '../../src/core/dailyStats.js'
import type { DirtyDays } from '../../src/store/dirtyDays.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { runAggregation } from '../../jobs/aggregate.js'
import { createEventBuffer } from '../../src/buffer/index.js'
import { siteDaysOf } from '../../src/core/dailyStats.js'
import { referenceDailyStats } from '../../src/core/dailyStatsReference.js'
import { BUILT_IN_EVENT_TYPES } from '../../src/core/eventTypes.js'
import { createDirtyDays } from '../../src/store/dirtyDays.js'
import { insertEvents } from '../../src/store/insertEvents.js'
import { recomputeDailyStats } from '../../src/store/recomputeDailyStats.js'
import { generateEvents, storedDailyStatsRows } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'

const keyPrefix = `agg${randomBytes(4).toString('hex')}:`
const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']
let payload: Payload
let redis: Redis
let sites: DemoSite[]
/** Every event the tests have handed to the pipeline: the ground truth is its reference. */
const all: AnalyticsEvent[] = []

const cfg = () => payload.analytics!.config
const dirty = () => createDirtyDays({ keyPrefix, redis: payload.analytics!.redis })
type Db = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const dbOf = (p: Payload) => (p.db as unknown as { drizzle: Db }).drizzle
const db = () => dbOf(payload)

type StoredRow = DailyStatsRow & { id: number }

const storedRows = (p: Payload = payload): Promise<StoredRow[]> => storedDailyStatsRows(p)

const withoutIds = (rows: StoredRow[]): DailyStatsRow[] => rows.map(({ id: _id, ...row }) => row)

/** Both sides in the reference's order. */
async function expectStatsToEqualReference(events: AnalyticsEvent[], p: Payload = payload) {
  const expected = referenceDailyStats(events)
  const stored = withoutIds(await storedRows(p))
  const order = new Map(expected.map((row, index) => [`${row.siteId}|${row.day}|${row.dimension}|${row.key}`, index]))
  const rank = (row: DailyStatsRow) => order.get(`${row.siteId}|${row.day}|${row.dimension}|${row.key}`) ?? Infinity
  stored.sort((a, b) => rank(a) - rank(b))
  expect(stored.length).toBe(expected.length)
  expect(stored).toEqual(expected)
}

async function countEvents(p: Payload = payload): Promise<number> {
  const { rows } = await dbOf(p).execute(sql`SELECT count(*)::int AS n FROM analytics_events`)
  return Number(rows[0]!.n)
}

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') } })
  redis = new Redis(inject('redisUrl'))
  sites = Object.values(await demoSites(payload))
})

afterAll(async () => {
  redis?.disconnect()
  await payload?.destroy()
})

describe('runAggregation', () => {
  test('the generated set covers what it should', () => {
    const events = generateEvents({ days: DAYS, seed: 1, sessionsPerDay: [18, 30], sites })
    expect(new Set(events.map((e) => e.tenantId)).size).toBe(2)
    expect(new Set(events.map((e) => e.siteId)).size).toBe(3)
    for (const type of BUILT_IN_EVENT_TYPES) expect(events.some((e) => e.type === type)).toBe(true)
    const rows = referenceDailyStats(events)
    const totals = rows.filter((row) => row.dimension === 'total' && DAYS.includes(row.day))
    expect(totals).toHaveLength(DAYS.length * 3)
    expect(totals.some((row) => row.visitors < row.visits)).toBe(true) // a visitor with several visits
    expect(totals.every((row) => row.bounces > 0 && row.bounces < row.visits)).toBe(true)
    expect(totals.every((row) => row.aiTokens > 0 && row.leads + row.forms + row.exports + row.automationRuns > 0)).toBe(true)
    // Sessions across midnight reach the day after the last one.
    expect(rows.some((row) => row.dimension === 'total' && row.day === '2026-03-07')).toBe(true)
    // Repeat visitors across days: the same person (hash prefix) on several days of a site.
    const people = new Map<string, Set<string>>()
    for (const e of events) if (e.visitorHash) people.set(e.visitorHash.slice(0, e.visitorHash.lastIndexOf(':')), (people.get(e.visitorHash.slice(0, e.visitorHash.lastIndexOf(':'))) ?? new Set()).add(e.timestamp.slice(0, 10)))
    expect([...people.values()].filter((days) => days.size >= 3).length).toBeGreaterThan(10)
    // Engagement: pages read and scrolled, and visits whose last page's reading time counts.
    expect(totals.every((row) => row.engagedVisits > 0 && row.scrollVisits > 0 && row.engagedMs > 0)).toBe(true)
    expect(rows.filter((row) => row.dimension === 'page' && row.engagedVisits > 0).length).toBeGreaterThan(10)
    for (const dimension of ['country', 'browser', 'device', 'utmCampaign', 'event', 'exitPage'] as const) {
      expect(new Set(rows.filter((row) => row.dimension === dimension).map((row) => row.key)).size).toBeGreaterThanOrEqual(2)
    }
  })

  test('aggregates buffered events into exactly the reference rows', async () => {
    const events = generateEvents({ days: DAYS, seed: 1, sessionsPerDay: [18, 30], sites })
    all.push(...events)
    await payload.analytics!.buffer.append(events)
    const latencies: string[] = []
    const result = await runAggregation({
      batchSize: 500,
      buffer: payload.analytics!.buffer,
      cfg: cfg(),
      dirty: dirty(),
      observe: { dbLatency: (seconds, operation) => latencies.push(`${operation}:${seconds >= 0}`) },
      payload,
    })
    expect(result).toMatchObject({ claimed: events.length, inserted: events.length, skipped: 0 })
    expect(result.daysRecomputed).toBe(siteDaysOf(events).length)
    expect(result.rowsWritten).toBe(referenceDailyStats(events).length)
    expect(new Set(latencies)).toEqual(new Set(['insert:true', 'recompute:true']))
    expect(await countEvents()).toBe(events.length)
    expect(await payload.analytics!.buffer.pending()).toBe(0)
    expect(await dirty().list()).toEqual([])
    await expectStatsToEqualReference(all)
  })

  test('a second run changes nothing, not even a row id', async () => {
    const before = await storedRows()
    const result = await runAggregation({ buffer: payload.analytics!.buffer, cfg: cfg(), dirty: dirty(), payload })
    expect(result).toMatchObject({ claimed: 0, daysRecomputed: 0, inserted: 0, rowsWritten: 0 })
    expect(await storedRows()).toEqual(before)
  })

  test('a redelivered batch is not counted twice, and recomputing changes no value', async () => {
    const before = await storedRows()
    await payload.analytics!.buffer.append(all)
    const result = await runAggregation({ batchSize: 700, buffer: payload.analytics!.buffer, cfg: cfg(), dirty: dirty(), payload })
    // Recomputed, but no value changed, so no row was rewritten.
    expect(result).toMatchObject({ claimed: all.length, inserted: 0, rowsWritten: 0 })
    expect(result.daysRecomputed).toBe(siteDaysOf(all).length)
    expect(await countEvents()).toBe(all.length)
    // Upserted in place: same rows, same ids.
    const sortById = (rows: StoredRow[]) => [...rows].sort((a, b) => a.id - b.id)
    expect(sortById(await storedRows())).toEqual(sortById(before))
    await expectStatsToEqualReference(all)
  })

  test('insertEvents never stores an event twice, within a batch or across batches', async () => {
    const [fresh, alsoFresh] = generateEvents({ days: ['2026-02-20'], seed: 7, sessionsPerDay: [1, 1], sites: sites.slice(0, 1) })
    const existing = all[0]!
    const result = await insertEvents(payload, cfg(), [existing, fresh!, alsoFresh!, { ...fresh! }])
    expect(result).toEqual({ inserted: 2, skipped: 0 })
    expect(await insertEvents(payload, cfg(), [fresh!, alsoFresh!])).toEqual({ inserted: 0, skipped: 0 })
    all.push(fresh!, alsoFresh!)
    expect(await countEvents()).toBe(all.length)
    await recomputeDailyStats(payload, cfg(), siteDaysOf([fresh!, alsoFresh!]))
    await expectStatsToEqualReference(all)
  })

  test('a 5,000-event batch is one timed insert (one COPY), and events Postgres would refuse are skipped, not fatal', async () => {
    const big = generateEvents({ days: ['2026-02-10', '2026-02-11'], seed: 11, sessionsPerDay: [300, 420], sites }).slice(0, 5_000)
    expect(big).toHaveLength(5_000)
    const unknownSite = { ...big[0]!, eventId: 'unknown-site', siteId: 987_654 }
    const badTimestamp = { ...big[1]!, eventId: 'bad-timestamp', timestamp: 'yesterday' }
    const badSiteId = { ...big[2]!, eventId: 'bad-site-id', siteId: 'not-a-number' }
    const badDevice = { ...big[3]!, device: 'toaster', eventId: 'bad-device', screen: 'huge' } as unknown as AnalyticsEvent
    const nul = { ...big[4]!, eventId: 'nul', path: '/a\u0000b' }
    const unknownTenant = { ...big[5]!, eventId: 'unknown-tenant', tenantId: 987_654 }
    const latencies: number[] = []
    const result = await insertEvents(payload, cfg(), [...big, unknownSite, badTimestamp, badSiteId, badDevice, nul, unknownTenant], {
      observeDbLatency: (seconds) => latencies.push(seconds),
    })
    expect(result).toEqual({ inserted: 5_003, skipped: 3 })
    expect(latencies).toHaveLength(1)
    const { rows } = await db().execute(sql`SELECT device, screen FROM analytics_events WHERE event_id = 'bad-device'`)
    expect(rows).toEqual([{ device: null, screen: null }])
    const { rows: tenants } = await db().execute(sql`SELECT tenant FROM analytics_events WHERE event_id = 'unknown-tenant'`)
    expect(tenants).toEqual([{ tenant: null }])
    const stored = [
      { ...badDevice, device: null, screen: null },
      { ...nul, path: '/ab' },
      { ...unknownTenant, tenantId: null },
    ]
    all.push(...big, ...stored)
    await recomputeDailyStats(payload, cfg(), siteDaysOf([...big, ...stored]))
    await expectStatsToEqualReference(all)
  })

  test('every value is stored exactly as it was buffered: quotes, backslashes, braces, commas, the text NULL, empty strings, props', async () => {
    const [base] = generateEvents({ days: ['2026-02-20'], seed: 12, sessionsPerDay: [1, 1], sites })
    const tricky: AnalyticsEvent = {
      ...base!,
      browser: 'NULL',
      country: '',
      eventId: 'tricky-"\\-{1,2}',
      hostname: 'a,b',
      os: '{}',
      path: '/say "hi"\\there,{x}',
      props: { empty: '', nested: 'a"b\\c', n: 1.5, ok: true, text: 'NULL' },
      sessionId: ' spaced ',
      source: 'ünïcødé 😀',
      utmCampaign: '"',
      utmContent: '\\',
      utmMedium: 'x y',
      utmSource: ',',
      utmTerm: '}',
      value: 1e21,
    }
    expect(await insertEvents(payload, cfg(), [tricky])).toEqual({ inserted: 1, skipped: 0 })
    const { rows } = await db().execute(sql`
      SELECT event_id, browser, country, hostname, os, path, props, session_id, source, utm_campaign, utm_content, utm_medium, utm_source, utm_term, value::text AS value
      FROM analytics_events WHERE event_id = ${tricky.eventId}`)
    expect(rows).toEqual([
      {
        browser: 'NULL',
        country: '',
        event_id: tricky.eventId,
        hostname: 'a,b',
        os: '{}',
        path: tricky.path,
        props: tricky.props,
        session_id: ' spaced ',
        source: 'ünïcødé 😀',
        utm_campaign: '"',
        utm_content: '\\',
        utm_medium: 'x y',
        utm_source: ',',
        utm_term: '}',
        value: '1000000000000000000000',
      },
    ])
    all.push(tricky)
    await recomputeDailyStats(payload, cfg(), siteDaysOf([tricky]))
    await expectStatsToEqualReference(all)
  })

  test('two runs at once (two consumers) end with the reference rows', async () => {
    // New events on days already aggregated and on new ones, so both runs recompute shared days.
    const more = generateEvents({ days: ['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08'], seed: 99, sessionsPerDay: [25, 40], sites })
    all.push(...more)
    await payload.analytics!.buffer.append(more)
    const second = await createEventBuffer({ consumer: 'second-worker', keyPrefix, redis })
    try {
      const args = { batchSize: 150, cfg: cfg(), concurrency: 3, payload }
      const [a, b] = await Promise.all([
        runAggregation({ ...args, buffer: payload.analytics!.buffer, dirty: dirty() }),
        runAggregation({ ...args, buffer: second, dirty: dirty() }),
      ])
      expect(a.claimed + b.claimed).toBe(more.length)
      expect(a.inserted + b.inserted).toBe(more.length)
      expect(a.claimed).toBeGreaterThan(0)
      expect(b.claimed).toBeGreaterThan(0)
    } finally {
      await second.close()
    }
    expect(await dirty().list()).toEqual([])
    await expectStatsToEqualReference(all)
  })

  test.each([
    ['after the insert, before the mark', 'mark'],
    ['after the mark, before the ack', 'ack'],
  ] as const)('a worker that dies %s: the batch comes back and is counted once', async (_when, failAt) => {
    const streamPrefix = `crash${randomBytes(4).toString('hex')}:`
    const events = generateEvents({ days: ['2026-04-01', '2026-04-02'], seed: failAt === 'mark' ? 21 : 22, sessionsPerDay: [8, 12], sites })
    const first = await createEventBuffer({ claimIdleMs: 200, consumer: 'dies', keyPrefix: streamPrefix, redis })
    await first.append(events)
    const crash = new Error(`killed before ${failAt}`)
    const dyingBuffer = Object.assign(Object.create(first) as typeof first, {
      ack: failAt === 'ack' ? () => Promise.reject(crash) : first.ack.bind(first),
    })
    const realDirty = dirty()
    const dyingDirty: DirtyDays = {
      clear: (days) => realDirty.clear(days),
      kind: realDirty.kind,
      list: () => realDirty.list(),
      mark: failAt === 'mark' ? () => Promise.reject(crash) : (pairs) => realDirty.mark(pairs),
    }
    await expect(runAggregation({ batchSize: 10_000, buffer: dyingBuffer, cfg: cfg(), dirty: dyingDirty, payload })).rejects.toBe(crash)
    // The rows are in, but the entries were never acked.
    expect(await first.pending()).toBe(events.length)
    await first.close()
    all.push(...events)
    expect(await countEvents()).toBe(all.length)

    // Another worker, once the entries have been idle long enough, takes them over.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const second = await createEventBuffer({ claimIdleMs: 200, consumer: 'takes-over', keyPrefix: streamPrefix, redis })
    try {
      const result = await runAggregation({ buffer: second, cfg: cfg(), dirty: dirty(), payload })
      expect(result).toMatchObject({ claimed: events.length, inserted: 0 })
      expect(await second.pending()).toBe(0)
    } finally {
      await second.close()
    }
    expect(await countEvents()).toBe(all.length)
    await expectStatsToEqualReference(all)
  })

  test('concurrent recomputes of the same days serialise and agree', async () => {
    const days = siteDaysOf(all)
    const before = withoutIds(await storedRows())
    const results = await Promise.all([
      recomputeDailyStats(payload, cfg(), days, { concurrency: 2 }),
      recomputeDailyStats(payload, cfg(), [...days].reverse(), { concurrency: 3 }),
      recomputeDailyStats(payload, cfg(), days, { concurrency: 1 }),
    ])
    for (const result of results) expect(result.daysRecomputed).toBe(days.length)
    expect(withoutIds(await storedRows())).toEqual(expect.arrayContaining(before))
    await expectStatsToEqualReference(all)
  })

  test('a day whose raw events are gone keeps its statistics; stale keys of a recomputed day go', async () => {
    const [day] = siteDaysOf(all).filter((pair) => pair.day === '2026-02-20')
    expect(day).toBeDefined()
    const rowsOfDay = async () =>
      (await storedRows()).filter((row) => row.siteId === String(day!.siteId) && row.day === day!.day).length
    const kept = await rowsOfDay()
    // A stale key (e.g. a page no longer present) is removed by the next recompute.
    await db().execute(sql`
      INSERT INTO analytics_daily_stats (site_id, date, dimension, key, pageviews)
      VALUES (${day!.siteId}, ${`${day!.day}T00:00:00.000Z`}::timestamptz, 'page', '/stale', 5)`)
    const result = await recomputeDailyStats(payload, cfg(), [day!])
    expect(result.rowsDeleted).toBe(1)
    expect(await rowsOfDay()).toBe(kept)
    // Without raw events (past retention) nothing is touched.
    const empty = await recomputeDailyStats(payload, cfg(), [{ day: '2025-01-01', siteId: day!.siteId }])
    expect(empty).toEqual({ daysRecomputed: 1, monthsRecomputed: 1, rowsDeleted: 0, rowsWritten: 0 })
    await expectStatsToEqualReference(all)
  })
})

describe('dirty days in Redis', () => {
  test('marks are shared by every instance; clear removes only pairs not marked again since they were listed', async () => {
    const prefix = `dd${randomBytes(4).toString('hex')}:`
    const one = createDirtyDays({ keyPrefix: prefix, redis })
    const other = createDirtyDays({ keyPrefix: prefix, redis: payload.analytics!.redis })
    expect(one.kind).toBe('redis')
    await one.mark([
      { day: '2026-01-01', siteId: 1 },
      { day: '2026-01-02', siteId: 1 },
      { day: '2026-01-01', siteId: 'a|b' },
    ])
    const listed = await other.list()
    expect(listed.map(({ day, siteId }) => `${siteId}@${day}`).sort()).toEqual(['1@2026-01-01', '1@2026-01-02', 'a|b@2026-01-01'])
    expect(await redis.type(`${prefix}dirty-days`)).toBe('hash')
    // Another worker inserts a batch of 2026-01-02 while these are recomputed.
    await one.mark([{ day: '2026-01-02', siteId: 1 }])
    expect(await other.clear(listed)).toBe(2)
    const left = await one.list()
    expect(left.map(({ day, siteId }) => ({ day, siteId }))).toEqual([{ day: '2026-01-02', siteId: '1' }])
    expect(await one.clear(left)).toBe(1)
    expect(await redis.exists(`${prefix}dirty-days`)).toBe(0)
  })

  test('thousands of pairs go in chunks', async () => {
    const prefix = `dd${randomBytes(4).toString('hex')}:`
    const dirtyDays = createDirtyDays({ keyPrefix: prefix, redis })
    const pairs = Array.from({ length: 2_500 }, (_, i) => ({ day: '2026-01-01', siteId: i + 1 }))
    await dirtyDays.mark(pairs)
    const listed = await dirtyDays.list()
    expect(listed).toHaveLength(2_500)
    expect(await dirtyDays.clear(listed)).toBe(2_500)
  })
})

describe('without tenancy and without Redis', () => {
  let single: Payload

  beforeAll(async () => {
    single = await bootPayload({ analytics: { redisUrl: undefined, sites: { tenantsCollection: false } } })
  })

  afterAll(async () => {
    await single?.destroy()
  })

  test('the in-process buffer and dirty set, and tables without tenant_id, give the reference rows', async () => {
    expect(single.analytics!.config.tenantsCollection).toBeNull()
    expect(single.analytics!.buffer.kind).toBe('memory')
    const { rows: columns } = await dbOf(single).execute(
      sql`SELECT column_name FROM information_schema.columns WHERE table_name IN ('analytics_events', 'analytics_daily_stats') AND column_name IN ('tenant', 'tenant_id')`,
    )
    expect(columns).toEqual([])

    const siteList = Object.values(await demoSites(single))
    // The events still say which tenant a site has; with tenancy off that is not stored.
    const events = generateEvents({ days: DAYS.slice(0, 3), seed: 5, sessionsPerDay: [10, 20], sites: siteList })
    await single.analytics!.buffer.append(events)
    const dirtyDays = createDirtyDays({ redis: null })
    expect(dirtyDays.kind).toBe('memory')
    const args = { batchSize: 400, buffer: single.analytics!.buffer, cfg: single.analytics!.config, dirty: dirtyDays, payload: single }
    const result = await runAggregation(args)
    expect(result).toMatchObject({ claimed: events.length, inserted: events.length })
    const withoutTenant = events.map((event) => ({ ...event, tenantId: null }))
    await expectStatsToEqualReference(withoutTenant, single)
    // Redelivery: nothing changes.
    await single.analytics!.buffer.append(events)
    expect(await runAggregation(args)).toMatchObject({ claimed: events.length, inserted: 0 })
    expect(await countEvents(single)).toBe(events.length)
    await expectStatsToEqualReference(withoutTenant, single)
  })
})

describe('with uuid ids', () => {
  let uuids: Payload

  beforeAll(async () => {
    uuids = await bootPayload({ analytics: { redisUrl: undefined }, idType: 'uuid' })
  })

  afterAll(async () => {
    await uuids?.destroy()
  })

  test('events name their site and tenant in text columns and aggregate into the reference rows', async () => {
    const { rows: columns } = await dbOf(uuids).execute(
      sql`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'analytics_events' AND column_name IN ('site', 'tenant') ORDER BY column_name`,
    )
    expect(columns).toEqual([
      { column_name: 'site', data_type: 'character varying' },
      { column_name: 'tenant', data_type: 'character varying' },
    ])
    const siteList = Object.values(await demoSites(uuids))
    expect(siteList.every((site) => /^[0-9a-f-]{36}$/.test(String(site.id)) && /^[0-9a-f-]{36}$/.test(String(site.tenant)))).toBe(true)
    const events = generateEvents({ days: DAYS.slice(0, 2), seed: 6, sessionsPerDay: [10, 20], sites: siteList })
    const unknownSite = { ...events[0]!, eventId: 'unknown-uuid-site', siteId: '00000000-0000-4000-8000-000000000000' }
    await uuids.analytics!.buffer.append([...events, unknownSite])
    const args = { batchSize: 300, buffer: uuids.analytics!.buffer, cfg: uuids.analytics!.config, dirty: createDirtyDays({ redis: null }), payload: uuids }
    expect(await runAggregation(args)).toMatchObject({ claimed: events.length + 1, inserted: events.length, skipped: 1 })
    await expectStatsToEqualReference(events, uuids)
  })
})
