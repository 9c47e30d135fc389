/**
 * Each site's days are its local days, on real Postgres and Redis: three sites in
 * America/New_York (DST at 02:00), Asia/Kolkata (+05:30, no DST) and Australia/Lord_Howe
 * (a 30-minute DST shift) get generated traffic around both DST switches of 2026, a year end
 * and the last days; the ground truth is computed here, from the events alone, with Intl.
 * Daily rows, monthly rows, stats, compare, hourly series and the portfolio export must equal
 * it; then a change of zone recomputes the days raw events cover and reports the rest.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { SanitizedAnalyticsConfig } from '../../src/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { loadDashboard } from '../../admin/Dashboard/loadDashboard.js'
import { siteDaysOf } from '../../src/core/dailyStats.js'
import { uuidv7 } from '../../src/core/uuidv7.js'
import { insertEvents } from '../../src/store/insertEvents.js'
import { recomputeDailyStats } from '../../src/store/recomputeDailyStats.js'
import { DEMO_USERS } from '../../dev/seed.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rest } from '../helpers/rest.js'

type Db = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const dbOf = (payload: Payload) => (payload.db as unknown as { drizzle: Db }).drizzle
const HOUR = 3_600_000
const DAY = 24 * HOUR
const NEW_YORK = 'America/New_York'
const KOLKATA = 'Asia/Kolkata'
const LORD_HOWE = 'Australia/Lord_Howe'

// ---------------------------------------------------------------------------------------
// Ground truth, written independently of the product's zone code: Intl's `sv-SE` format
// (`2026-03-08 01:30:00`) and its `longOffset` zone name (`GMT-04:00`).

const dayFormats = new Map<string, Intl.DateTimeFormat>()
const localDay = (ms: number, timeZone: string): string => {
  let format = dayFormats.get(timeZone)
  if (!format) dayFormats.set(timeZone, (format = new Intl.DateTimeFormat('sv-SE', { day: '2-digit', month: '2-digit', timeZone, year: 'numeric' })))
  return format.format(ms)
}
const hourFormats = new Map<string, Intl.DateTimeFormat>()
/** `2026-11-01T01:00-05:00`: the local clock hour and the offset in force. */
const localHourLabel = (ms: number, timeZone: string): string => {
  let format = hourFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', { day: '2-digit', hour: '2-digit', hourCycle: 'h23', month: '2-digit', timeZone, timeZoneName: 'longOffset', year: 'numeric' })
    hourFormats.set(timeZone, format)
  }
  const parts = Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]))
  // `GMT−04:00` (a Unicode minus sign) or `GMT` for UTC.
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName!.slice(3).replace('\u2212', '-')
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:00${offset}`
}
/** The hours of a local day in order, found by walking every minute around it. */
function hoursOfDay(day: string, timeZone: string): string[] {
  const labels: string[] = []
  const utc = Date.parse(`${day}T00:00:00Z`)
  for (let ms = utc - 15 * HOUR; ms < utc + 40 * HOUR; ms += 60_000) {
    if (localDay(ms, timeZone) !== day) continue
    const label = localHourLabel(ms, timeZone)
    if (labels[labels.length - 1] !== label) labels.push(label)
  }
  return labels
}
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10)
const daysFrom = (from: string, to: string) => {
  const days: string[] = []
  for (let day = from; day <= to; day = nextDay(day)) days.push(day)
  return days
}

interface Truth {
  pageviews: number
  paths: Map<string, number>
  visitors: number
  visits: number
}
/** Per local day: pageviews, distinct visitor hashes, distinct sessions (a visit across midnight counts on both days), pageviews per path. */
function truthByDay(events: AnalyticsEvent[], timeZone: string): Map<string, Truth> {
  const acc = new Map<string, { pageviews: number; paths: Map<string, number>; sessions: Set<string>; visitors: Set<string> }>()
  for (const event of events) {
    const day = localDay(Date.parse(event.timestamp), timeZone)
    const entry = acc.get(day) ?? acc.set(day, { pageviews: 0, paths: new Map(), sessions: new Set(), visitors: new Set() }).get(day)!
    if (event.type === 'pageview') {
      entry.pageviews++
      entry.paths.set(event.path!, (entry.paths.get(event.path!) ?? 0) + 1)
    }
    if (event.sessionId) entry.sessions.add(event.sessionId)
    if (event.visitorHash) entry.visitors.add(event.visitorHash)
  }
  return new Map([...acc].map(([day, entry]) => [day, { pageviews: entry.pageviews, paths: entry.paths, visitors: entry.visitors.size, visits: entry.sessions.size }]))
}
const sumOver = (truth: Map<string, Truth>, from: string, to: string) => {
  const sum = { pageviews: 0, visitors: 0, visits: 0 }
  for (const [day, entry] of truth) {
    if (day < from || day > to) continue
    sum.pageviews += entry.pageviews
    sum.visitors += entry.visitors
    sum.visits += entry.visits
  }
  return sum
}

// ---------------------------------------------------------------------------------------
// Traffic: sessions of 1–4 pageviews a few minutes apart, started at random instants of a
// window around each UTC day (so every local day of every zone is covered), more of them in
// the hours where clocks change.

function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) }
}

const PATHS = ['/', '/pricing', '/docs', '/blog']
const SWITCHES = ['2026-03-08T06:30:00Z', '2026-11-01T05:30:00Z', '2026-04-04T14:45:00Z', '2026-10-03T15:45:00Z']

function traffic(site: DemoSite, days: string[], seed: number, until: number): AnalyticsEvent[] {
  const r = prng(seed)
  const events: AnalyticsEvent[] = []
  const event = (ms: number, sessionId: string, visitor: string, path: string): AnalyticsEvent => ({
    browser: 'Firefox',
    country: null,
    device: 'desktop',
    eventId: uuidv7(ms, () => `${r.int(0, 0xffffff).toString(16).padStart(8, '0')}-aaaa-4aaa-aaaa-${r.int(0, 0xffffff).toString(16).padStart(12, '0')}`),
    hostname: site.domain,
    os: 'Linux',
    path,
    props: null,
    screen: 'desktop',
    sessionId,
    siteId: site.id,
    source: null,
    tenantId: site.tenant,
    timestamp: new Date(ms).toISOString(),
    type: 'pageview',
    utmCampaign: null,
    utmContent: null,
    utmMedium: null,
    utmSource: null,
    utmTerm: null,
    value: null,
    visitorHash: null,
  })
  const starts: number[] = []
  for (const day of days) {
    const utc = Date.parse(`${day}T00:00:00Z`)
    for (let n = 0; n < 40; n++) starts.push(utc - 14 * HOUR + r.int(0, 52 * 3600) * 1000)
  }
  for (const at of SWITCHES) for (let n = 0; n < 12; n++) starts.push(Date.parse(at) - 2 * HOUR + r.int(0, 4 * 3600) * 1000)
  let s = 0
  for (const start of starts) {
    const person = r.int(0, 25)
    const sessionId = `s-${String(site.id)}-${s++}`
    let ms = start
    for (let p = 0, n = r.int(1, 4); p < n; p++) {
      if (ms >= until) break
      // The visitor hash rotates with the salt at UTC midnight, as in production.
      events.push({ ...event(ms, sessionId, '', PATHS[r.int(0, PATHS.length - 1)]!), visitorHash: `v-${String(site.id)}-${person}-${new Date(ms).toISOString().slice(0, 10)}` })
      ms += r.int(30, 1_500) * 1000
    }
  }
  return events
}

// ---------------------------------------------------------------------------------------

let payload: Payload
let cfg: SanitizedAnalyticsConfig
let sites: Array<DemoSite & { timeZone: string }>
const eventsOf = new Map<string, AnalyticsEvent[]>()
const NOW = Date.now()
const SPAN_DAYS = [
  '2025-12-31',
  '2026-01-01',
  '2026-03-07',
  '2026-03-08',
  '2026-03-09',
  '2026-04-04',
  '2026-04-05',
  '2026-04-06',
  '2026-10-03',
  '2026-10-04',
  '2026-10-05',
  '2026-10-31',
  '2026-11-01',
  '2026-11-02',
]
const RECENT_DAYS = daysFrom(new Date(NOW - 9 * DAY).toISOString().slice(0, 10), new Date(NOW).toISOString().slice(0, 10))
const OLD_CUTOFF = NOW - 20 * DAY

async function setZone(site: DemoSite, timeZone: string) {
  const settings = payload.analytics!.config.slugs.settings
  const { docs } = await payload.find({ collection: settings, where: { scopeKey: { equals: `site:${String(site.id)}` } } })
  if (docs[0]) await payload.update({ collection: settings, data: { timeZone } as never, id: docs[0].id })
  else await payload.create({ collection: settings, data: { scope: 'site', site: site.id, timeZone } as never })
  await payload.analytics!.refreshSites()
  await payload.analytics!.jobs.rezone([site.id])
  await payload.analytics!.refreshSites()
}

async function dailyTotals(siteId: number | string): Promise<Map<string, { pageviews: number; visitors: number; visits: number }>> {
  const { rows } = await dbOf(payload).execute(sql`
    SELECT to_char(date AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, pageviews, visitors, visits FROM analytics_daily_stats
    WHERE site_id = ${siteId} AND dimension = 'total'`)
  return new Map(rows.map((row) => [String(row.day), { pageviews: Number(row.pageviews), visitors: Number(row.visitors), visits: Number(row.visits) }]))
}

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: `tz-${process.pid}-${Date.now()}:`, redisUrl: inject('redisUrl') } })
  cfg = payload.analytics!.config
  const demo = Object.values(await demoSites(payload)).sort((x, y) => String(x.id).localeCompare(String(y.id), 'en', { numeric: true }))
  sites = demo.slice(0, 3).map((site, i) => ({ ...site, timeZone: [NEW_YORK, KOLKATA, LORD_HOWE][i]! }))
  for (const site of sites) await setZone(site, site.timeZone)

  const zoneOf = new Map(sites.map((site) => [String(site.id), site.timeZone]))
  const timeZoneOf = (id: number | string) => zoneOf.get(String(id))!
  for (const [i, site] of sites.entries()) {
    const events = traffic(site, [...SPAN_DAYS, ...RECENT_DAYS], 1000 + i, NOW - 60_000)
    eventsOf.set(String(site.id), events)
    // Older days straight into the store (they are past the raw retention the aggregation
    // respects); the last days through the buffer and the aggregation job.
    const old = events.filter((event) => Date.parse(event.timestamp) < OLD_CUTOFF)
    await insertEvents(payload, cfg, old)
    await recomputeDailyStats(payload, cfg, siteDaysOf(old, timeZoneOf), { timeZoneOf })
    await payload.analytics!.buffer.append(events.filter((event) => Date.parse(event.timestamp) >= OLD_CUTOFF))
  }
  await payload.analytics!.aggregateNow()
}, 240_000)

afterAll(async () => {
  await payload?.destroy()
})

describe('local days', () => {
  test('a site zone is an IANA name: anything else is refused with a clear message, nothing stored', async () => {
    const settings = cfg.slugs.settings
    const refusal = (timeZone: string) =>
      payload.create({ collection: settings, data: { scope: 'global', timeZone } as never }).then(
        () => 'stored',
        (error: { data?: unknown; name: string }) => `${error.name}: ${JSON.stringify(error.data)}`,
      )
    expect(await refusal('Mars/Olympus')).toMatch(/^ValidationError: .*unknown time zone \\"Mars\/Olympus\\"/)
    expect(await refusal('+05:30')).toMatch(/^ValidationError: .*not an IANA time zone name/)
    expect((await payload.find({ collection: settings, where: { scope: { equals: 'global' } } })).totalDocs).toBe(0)
    // Over REST: a 400 with the field's message, and the user cannot write the zone state.
    const token = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
    const bad = await rest<{ errors: Array<{ data?: { errors?: Array<{ message: string }> } }> }>(payload, 'POST', `/${settings}`, {
      body: { scope: 'global', timeZone: 'Europe/Atlantis' },
      token,
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toMatch(/unknown time zone \\"Europe\/Atlantis\\"/)
    const forged = await rest<{ doc: { id: number; timeZoneState?: unknown } }>(payload, 'POST', `/${settings}`, {
      body: { scope: 'global', timeZoneState: { applied: 'UTC', previous: null, progress: { done: 0, total: 0 }, since: null } },
      token,
    })
    expect(forged.status).toBe(201)
    expect(forged.body.doc.timeZoneState ?? null).toBeNull()
    await payload.delete({ collection: settings, id: forged.body.doc.id })
    // Spelling is made canonical.
    const row = await payload.create({ collection: settings, data: { scope: 'global', timeZone: 'europe/paris' } as never })
    expect((row as unknown as { timeZone: string }).timeZone).toBe('Europe/Paris')
    await payload.delete({ collection: settings, id: row.id })
    await payload.analytics!.refreshSites()
  })

  test('daily rows are the ground truth of each local day, DST days of 23/25 (23.5/24.5) hours included', async () => {
    for (const site of sites) {
      const truth = truthByDay(eventsOf.get(String(site.id))!, site.timeZone)
      const stored = await dailyTotals(site.id)
      const expected = new Map([...truth].map(([day, t]) => [day, { pageviews: t.pageviews, visitors: t.visitors, visits: t.visits }]))
      expect(Object.fromEntries(stored), site.timeZone).toEqual(Object.fromEntries(expected))
    }
    // The days really differ from UTC days: New York's 2026-03-08 runs from 05:00Z to 04:00Z
    // the next day (23 hours, clocks go forward), written here as instants, not through
    // the zone code the product shares. Counting the UTC day instead would put the early
    // UTC hours in (the same total can happen by chance, so the membership is what is checked).
    const ny = eventsOf.get(String(sites[0]!.id))!
    const at = (event: AnalyticsEvent) => Date.parse(event.timestamp)
    const inLocalDay = ny.filter((event) => at(event) >= Date.parse('2026-03-08T05:00:00Z') && at(event) < Date.parse('2026-03-09T04:00:00Z'))
    const earlyUtc = ny.filter((event) => event.timestamp.startsWith('2026-03-08') && at(event) < Date.parse('2026-03-08T05:00:00Z'))
    expect(earlyUtc.length).toBeGreaterThan(0)
    expect((await dailyTotals(sites[0]!.id)).get('2026-03-08')!.pageviews).toBe(inLocalDay.length)
  })

  test('monthly rows are local months: the sum of the local days of each month', async () => {
    for (const site of sites) {
      const truth = truthByDay(eventsOf.get(String(site.id))!, site.timeZone)
      const expected = new Map<string, number>()
      for (const [day, t] of truth) expected.set(`${day.slice(0, 7)}-01`, (expected.get(`${day.slice(0, 7)}-01`) ?? 0) + t.pageviews)
      const { rows } = await dbOf(payload).execute(sql`
        SELECT to_char(month AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS month, pageviews FROM analytics_monthly_stats WHERE site_id = ${site.id} AND dimension = 'total'`)
      expect(Object.fromEntries(rows.map((row) => [String(row.month), Number(row.pageviews)])), site.timeZone).toEqual(Object.fromEntries(expected))
    }
    // Lord Howe's New Year starts at 13:00 UTC on 31 December: those events are January's.
    const lordHowe = truthByDay(eventsOf.get(String(sites[2]!.id))!, LORD_HOWE)
    expect(lordHowe.get('2026-01-01')?.pageviews ?? 0).toBeGreaterThan(0)
  })

  test('stats and compare read local days and say which zone they used', async () => {
    const stats = payload.analytics!.stats
    for (const site of sites) {
      const truth = truthByDay(eventsOf.get(String(site.id))!, site.timeZone)
      for (const [from, to] of [
        ['2026-03-06', '2026-03-10'],
        ['2026-04-03', '2026-04-07'],
        ['2026-10-02', '2026-10-06'],
        ['2026-10-30', '2026-11-03'],
      ] as const) {
        const result = await stats.getStats({ from, interval: 'day', siteIds: [site.id], to }, { overrideAccess: true })
        expect(result.timeZone).toBe(site.timeZone)
        expect(result.siteTimeZones).toEqual([expect.objectContaining({ previousTimeZone: null, recomputing: null, siteId: site.id, timeZone: site.timeZone })])
        expect(result.series.map((point) => [point.date, point.pageviews, point.visitors, point.visits])).toEqual(
          daysFrom(from, to).map((day) => [day, truth.get(day)?.pageviews ?? 0, truth.get(day)?.visitors ?? 0, truth.get(day)?.visits ?? 0]),
        )
        expect(result.totals).toMatchObject(sumOver(truth, from, to))
      }
      // Whole local months come from the monthly rows: March and April's pages.
      const months = await stats.getStats({ breakdowns: ['pages'], from: '2026-03-01', limit: 10, siteIds: [site.id], to: '2026-04-30' }, { overrideAccess: true })
      const pages = new Map<string, number>()
      for (const [day, t] of truth) if (day >= '2026-03-01' && day <= '2026-04-30') for (const [path, n] of t.paths) pages.set(path, (pages.get(path) ?? 0) + n)
      expect(Object.fromEntries((months.breakdowns.pages ?? []).map((row) => [row.key, row.pageviews]))).toEqual(Object.fromEntries(pages))

      const compare = await stats.compareStats(
        { compareFrom: '2026-10-31', compareTo: '2026-11-01', from: '2026-11-01', siteIds: [site.id], to: '2026-11-02' },
        { overrideAccess: true },
      )
      expect(compare.timeZone).toBe(site.timeZone)
      expect(compare.totals.pageviews).toMatchObject({ current: sumOver(truth, '2026-11-01', '2026-11-02').pageviews, previous: sumOver(truth, '2026-10-31', '2026-11-01').pageviews })
      expect(compare.totals.visits).toMatchObject({ current: sumOver(truth, '2026-11-01', '2026-11-02').visits, previous: sumOver(truth, '2026-10-31', '2026-11-01').visits })
    }
  })

  test('"today" and named ranges are the site\'s own; sites of several zones read each one\'s own days', async () => {
    const stats = payload.analytics!.stats
    for (const site of sites) {
      const today = localDay(Date.now(), site.timeZone)
      const result = await stats.getStats({ range: 'today', siteIds: [site.id] }, { overrideAccess: true })
      expect(result.range).toMatchObject({ from: today, to: today })
      expect(result.totals.pageviews).toBe(truthByDay(eventsOf.get(String(site.id))!, site.timeZone).get(today)?.pageviews ?? 0)
      const realtime = await stats.getRealtime({ siteIds: [site.id] }, { overrideAccess: true })
      expect([realtime.timeZone, realtime.siteTimeZones[0]?.timeZone]).toEqual([site.timeZone, site.timeZone])
    }
    const all = await stats.getStats({ from: '2026-11-01', interval: 'day', siteIds: sites.map((site) => site.id), to: '2026-11-01' }, { overrideAccess: true })
    const sum = sites.reduce((n, site) => n + (truthByDay(eventsOf.get(String(site.id))!, site.timeZone).get('2026-11-01')?.pageviews ?? 0), 0)
    expect(all.totals.pageviews).toBe(sum)
    expect(all.siteTimeZones.map((zone) => zone.timeZone)).toEqual(sites.map((site) => site.timeZone))
    // Hours of different zones do not line up: refused, with the reason.
    await expect(stats.getStats({ from: '2026-11-01', interval: 'hour', siteIds: sites.map((site) => site.id), to: '2026-11-01' }, { overrideAccess: true })).rejects.toThrow(
      /different time zones/,
    )
  })

  test('hourly series: local clock hours, 23 and 25 of them on New York\'s DST days, 24.5 hours on Lord Howe', async () => {
    const stats = payload.analytics!.stats
    const cases = [
      [sites[0]!, '2026-03-08', 23],
      [sites[0]!, '2026-11-01', 25],
      [sites[1]!, '2026-03-08', 24],
      [sites[2]!, '2026-04-05', 25],
      [sites[2]!, '2026-10-04', 24],
    ] as const
    for (const [site, day, count] of cases) {
      const result = await stats.getStats({ from: day, interval: 'hour', siteIds: [site.id], to: day }, { overrideAccess: true })
      const hours = hoursOfDay(day, site.timeZone)
      expect(hours).toHaveLength(count)
      expect(result.series.map((point) => point.date)).toEqual(hours)
      const events = eventsOf.get(String(site.id))!.filter((event) => localDay(Date.parse(event.timestamp), site.timeZone) === day)
      const pageviews = new Map<string, number>()
      const visitors = new Map<string, Set<string>>()
      const firstOfSession = new Map<string, number>()
      for (const event of events) {
        const ms = Date.parse(event.timestamp)
        const label = localHourLabel(ms, site.timeZone)
        pageviews.set(label, (pageviews.get(label) ?? 0) + 1)
        ;(visitors.get(label) ?? visitors.set(label, new Set()).get(label)!).add(event.visitorHash!)
        firstOfSession.set(event.sessionId!, Math.min(firstOfSession.get(event.sessionId!) ?? Infinity, ms))
      }
      const visits = new Map<string, number>()
      for (const ms of firstOfSession.values()) visits.set(localHourLabel(ms, site.timeZone), (visits.get(localHourLabel(ms, site.timeZone)) ?? 0) + 1)
      expect(result.series.map((point) => [point.date, point.pageviews, point.visitors, point.visits])).toEqual(
        hours.map((hour) => [hour, pageviews.get(hour) ?? 0, visitors.get(hour)?.size ?? 0, visits.get(hour) ?? 0]),
      )
      // The hours add up to the day.
      expect(result.series.reduce((n, point) => n + point.visits, 0)).toBe(truthByDay(events, site.timeZone).get(day)!.visits)
    }
    await expect(stats.getStats({ from: '2026-10-01', interval: 'hour', siteIds: [sites[0]!.id], to: '2026-10-20' }, { overrideAccess: true })).rejects.toThrow(/up to 7 days/)
  })

  test('the current hour is live: buffered events count before the aggregation, and once after it', async () => {
    const site = sites[1]!
    const stats = payload.analytics!.stats
    const at = Date.now() - 1_000
    const today = localDay(at, site.timeZone)
    const label = localHourLabel(at, site.timeZone)
    const before = (await stats.getStats({ from: today, interval: 'hour', siteIds: [site.id], to: today }, { overrideAccess: true })).series.find((point) => point.date === label)!
    const live: AnalyticsEvent[] = [{ ...eventsOf.get(String(site.id))![0]!, eventId: uuidv7(at), sessionId: 'live-session', timestamp: new Date(at).toISOString(), visitorHash: 'live-visitor' }]
    await payload.analytics!.buffer.append(live)
    const during = (await stats.getStats({ from: today, interval: 'hour', siteIds: [site.id], to: today }, { overrideAccess: true })).series.find((point) => point.date === label)!
    expect(during.pageviews).toBe(before.pageviews + 1)
    await payload.analytics!.aggregateNow()
    const after = (await stats.getStats({ from: today, interval: 'hour', siteIds: [site.id], to: today }, { overrideAccess: true })).series.find((point) => point.date === label)!
    expect(after.pageviews).toBe(before.pageviews + 1)
    eventsOf.get(String(site.id))!.push(...live)
  })

  test('the Analytics view shows today by local hour against yesterday\'s hours', async () => {
    const site = sites[0]!
    const one = await loadDashboard({ caller: { overrideAccess: true }, payload, state: { range: 'today', site: String(site.id) } })
    if (!one.ok) throw new Error(one.message)
    expect(one.data.compare.interval).toBe('hour')
    const today = localDay(Date.now(), site.timeZone)
    expect(one.data.compare.series.map((pair) => pair.current.date)).toEqual(hoursOfDay(today, site.timeZone))
    expect(one.data.compare.previousRange.to).toBe(localDay(Date.parse(`${today}T12:00:00Z`) - DAY, 'UTC'))
    // Yesterday (a custom day) too.
    const yesterday = localDay(Date.parse(`${today}T12:00:00Z`) - DAY, 'UTC')
    const custom = await loadDashboard({ caller: { overrideAccess: true }, payload, state: { from: yesterday, range: 'custom', site: String(site.id), to: yesterday } })
    if (!custom.ok) throw new Error(custom.message)
    expect(custom.data.compare.series.map((pair) => pair.current.date)).toEqual(hoursOfDay(yesterday, site.timeZone))
    // Sites in three zones have no common hours: by day.
    const all = await loadDashboard({ caller: { overrideAccess: true }, payload, state: { range: 'today' } })
    if (!all.ok) throw new Error(all.message)
    expect(all.data.compare.interval).toBe('day')
  })

  test('the portfolio export gives each site its own month- and year-to-date', async () => {
    for (const range of ['month', 'year'] as const) {
      const rows = []
      for await (const row of payload.analytics!.stats.exportRows({ range, siteIds: sites.map((site) => site.id) }, { overrideAccess: true })) rows.push(row)
      for (const site of sites) {
        const today = localDay(Date.now(), site.timeZone)
        const from = range === 'month' ? `${today.slice(0, 7)}-01` : `${today.slice(0, 4)}-01-01`
        const truth = sumOver(truthByDay(eventsOf.get(String(site.id))!, site.timeZone), from, today)
        expect(rows.find((row) => row.siteId === site.id)).toMatchObject({ pageviews: truth.pageviews, period: `${from}..${today}`, timeZone: site.timeZone, visits: truth.visits })
      }
    }
  })
})

describe('a change of zone', () => {
  test('recomputes the days raw events cover in the new zone, keeps older days in the old one, and says so', async () => {
    const site = sites[1]! // Asia/Kolkata → America/New_York
    const events = eventsOf.get(String(site.id))!
    const before = await dailyTotals(site.id)
    const progress: number[] = []
    const stop = payload.analytics!.jobs.on('rezone:end', ({ state }) => progress.push(state.progress.total))
    await setZone(site, NEW_YORK)
    stop()

    // Raw events are kept 30 local days of the OLD zone: the first New York day after that.
    const kolkataFirstKept = localDay(Date.parse(`${localDay(Date.now(), KOLKATA)}T00:00:00Z`) - 30 * DAY, 'UTC')
    let boundary = Date.parse(`${kolkataFirstKept}T00:00:00Z`) - 6 * HOUR
    while (localDay(boundary, KOLKATA) < kolkataFirstKept) boundary += 60_000
    let since = localDay(boundary, NEW_YORK)
    if (localDay(boundary - 1, NEW_YORK) === since) since = nextDay(since)

    const after = await dailyTotals(site.id)
    const inNewZone = truthByDay(events, NEW_YORK)
    for (const [day, totals] of after) {
      if (day >= since) expect(totals, day).toEqual({ pageviews: inNewZone.get(day)!.pageviews, visitors: inNewZone.get(day)!.visitors, visits: inNewZone.get(day)!.visits })
      else expect(totals, day).toEqual(before.get(day))
    }
    for (const [day, t] of inNewZone) if (day >= since) expect(after.get(day)?.pageviews, day).toBe(t.pageviews)
    expect(progress).toHaveLength(1)
    expect(progress[0]).toBeGreaterThan(25)

    const result = await payload.analytics!.stats.getStats({ from: '2026-11-01', siteIds: [site.id], to: '2026-11-02' }, { overrideAccess: true })
    expect(result.timeZone).toBe(NEW_YORK)
    expect(result.siteTimeZones).toEqual([{ previousTimeZone: KOLKATA, recomputing: null, since, siteId: site.id, timeZone: NEW_YORK }])
    const { docs } = await payload.find({ collection: cfg.slugs.settings, where: { scopeKey: { equals: `site:${String(site.id)}` } } })
    expect((docs[0] as unknown as { timeZoneStatus: string }).timeZoneStatus).toBe(
      `Figures from ${since} on are in ${NEW_YORK}. Days before ${since} stay in ${KOLKATA}: their raw events are past retention, so they cannot be recomputed.`,
    )
    // Monthly rows still add up the daily ones, across the month where the zones meet.
    const { rows } = await dbOf(payload).execute(sql`
      SELECT (SELECT sum(pageviews) FROM analytics_monthly_stats WHERE site_id = ${site.id} AND dimension = 'total')::int AS monthly,
        (SELECT sum(pageviews) FROM analytics_daily_stats WHERE site_id = ${site.id} AND dimension = 'total')::int AS daily`)
    expect(rows[0]!.monthly).toBe(rows[0]!.daily)
  })

  test('a change interrupted half-way (a restart) is finished by the next run', async () => {
    const site = sites[2]! // Lord Howe
    const before = await dailyTotals(site.id)
    // As a crash would leave it: the state written, a few days recomputed, and a day's rows wrong meanwhile.
    await dbOf(payload).execute(sql`
      UPDATE analytics_settings SET time_zone_state = jsonb_set(time_zone_state, '{progress}', '{"done": 2, "total": 40}')
      WHERE scope_key = ${`site:${String(site.id)}`}`)
    const recent = RECENT_DAYS[3]!
    await dbOf(payload).execute(sql`
      UPDATE analytics_daily_stats SET pageviews = pageviews + 500
      WHERE site_id = ${site.id} AND dimension = 'total' AND date = ${`${recent}T00:00:00.000Z`}::timestamptz`)
    await payload.analytics!.refreshSites()
    const pending = await payload.analytics!.stats.getStats({ range: 'today', siteIds: [site.id] }, { overrideAccess: true })
    expect(pending.siteTimeZones[0]!.recomputing).toEqual({ done: 2, total: 40 })
    await payload.analytics!.jobs.rezone([site.id])
    await payload.analytics!.refreshSites()
    expect(await dailyTotals(site.id)).toEqual(before)
    const done = await payload.analytics!.stats.getStats({ range: 'today', siteIds: [site.id] }, { overrideAccess: true })
    expect(done.siteTimeZones[0]!.recomputing).toBeNull()
  })

  test('a zone inherited from the global default: the site gets a settings row holding its state', async () => {
    const created = await payload.create({ collection: 'sites', data: { domain: 'tokyo.example.test', name: 'Tokyo', tenant: sites[0]!.tenant } as never })
    const global = await payload.create({ collection: cfg.slugs.settings, data: { scope: 'global', timeZone: 'Asia/Tokyo' } as never })
    await payload.analytics!.refreshSites()
    await payload.analytics!.jobs.rezone([created.id])
    await payload.analytics!.refreshSites()
    const { docs } = await payload.find({ collection: cfg.slugs.settings, where: { scopeKey: { equals: `site:${String(created.id)}` } } })
    expect(docs).toHaveLength(1)
    expect((docs[0] as unknown as { timeZone: null | string; timeZoneStatus: string }).timeZone ?? null).toBeNull()
    expect((docs[0] as unknown as { timeZoneStatus: string }).timeZoneStatus).toBe("Every day's figures are in Asia/Tokyo.")
    const result = await payload.analytics!.stats.getStats({ range: 'today', siteIds: [created.id] }, { overrideAccess: true })
    expect(result.siteTimeZones).toEqual([{ previousTimeZone: null, recomputing: null, since: null, siteId: created.id, timeZone: 'Asia/Tokyo' }])
    // Sites with a zone of their own keep it.
    expect(payload.analytics!.sites.get(String(sites[0]!.id))!.settings.timeZone).toBe(NEW_YORK)
    await payload.delete({ collection: cfg.slugs.settings, id: global.id })
    await payload.delete({ collection: 'sites', id: created.id })
    await payload.analytics!.refreshSites()
  })

  test('retention deletes raw events in whole local days of the site', async () => {
    const site = sites[0]! // America/New_York, 30 days of raw events
    const events = eventsOf.get(String(site.id))!
    // New York's today is 2026-11-30: the first kept day is 2026-10-31, from 04:00 UTC.
    const now = new Date('2026-12-01T03:00:00.000Z')
    const kept = events.filter((event) => localDay(Date.parse(event.timestamp), NEW_YORK) >= '2026-10-31')
    // A cut at UTC midnight would keep New York's evening of 30 October: the test tells them apart.
    expect(events.filter((event) => event.timestamp >= '2026-10-31').length).toBeGreaterThan(kept.length)
    await payload.analytics!.applyRetention({ now })
    const { rows } = await dbOf(payload).execute(sql`SELECT count(*)::int AS n FROM analytics_events WHERE site = ${site.id}`)
    expect(Number(rows[0]!.n)).toBe(kept.length)
  })
})
