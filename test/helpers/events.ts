/**
 * A deterministic event generator with the shapes real traffic has, for tests whose ground
 * truth is the reference implementation (`referenceDailyStats`); and helpers that compare
 * the stored daily statistics with it.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { expect } from 'vitest'

import type { DailyStatsRow } from '../../src/core/dailyStats.js'
import type { AnalyticsEvent } from '../../src/core/event.js'
import type { DemoSite } from './fixtures.js'

import { referenceDailyStats } from '../../src/core/dailyStatsReference.js'
import { BUILT_IN_EVENT_TYPES } from '../../src/core/eventTypes.js'
import { uuidv7 } from '../../src/core/uuidv7.js'

// A deterministic event generator with the shapes real traffic has.

/** mulberry32: small, fast, deterministic. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    chance: (p: number) => next() < p,
    hex: (length: number) => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join(''),
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  }
}

interface Person {
  browser: null | string
  country: null | string
  device: AnalyticsEvent['device']
  id: string
  os: null | string
  screen: AnalyticsEvent['screen']
}

const PROFILES = [
  { browser: 'Chrome', device: 'desktop', os: 'Windows', screen: 'desktop' },
  { browser: 'Safari', device: 'mobile', os: 'iOS', screen: 'mobile' },
  { browser: 'Firefox', device: 'desktop', os: 'Linux', screen: 'laptop' },
  { browser: 'Samsung Internet', device: 'tablet', os: 'Android', screen: 'tablet' },
  { browser: 'Edge', device: 'desktop', os: 'Windows', screen: 'laptop' },
  { browser: null, device: 'other', os: null, screen: null },
] as const
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'JP', 'BR', null] as const
const PATHS = ['/', '/pricing', '/blog', '/blog/launch', '/docs', '/docs/install', '/contact', '/about']
const CUSTOM = ['signup', 'video.play', 'cta:click', 'download/pdf'] as const
const ENTRY_SOURCES = [
  { source: null },
  { source: '' },
  { source: 'Google' },
  { source: 'news.ycombinator.com' },
  { source: 'newsletter', utm: { campaign: 'spring', content: 'hero', medium: 'email', source: 'newsletter', term: null } },
  { source: 'twitter', utm: { campaign: 'launch', content: null, medium: 'social', source: 'twitter', term: 'crm' } },
  { source: 'Bing', utm: { campaign: null, content: null, medium: 'cpc', source: 'bing', term: 'analytics' } },
] as const

/** An event of a site with every dimension empty: what a test then fills in. */
export const blankEvent = (site: DemoSite, type: string, timestamp: string, eventId: string): AnalyticsEvent => ({
  browser: null,
  country: null,
  device: null,
  eventId,
  hostname: null,
  os: null,
  path: null,
  props: null,
  screen: null,
  sessionId: null,
  siteId: site.id,
  source: null,
  tenantId: site.tenant,
  timestamp,
  type,
  utmCampaign: null,
  utmContent: null,
  utmMedium: null,
  utmSource: null,
  utmTerm: null,
  value: null,
  visitorHash: null,
})

export interface GenerateOptions {
  days: string[]
  seed: number
  sessionsPerDay: [number, number]
  sites: DemoSite[]
}

/**
 * Sessions of a pool of people per site: repeat visitors across days (their hash rotates
 * daily) and within a day (one hash, several sessions), multi-page sessions, bounces,
 * sessions that cross midnight, equal timestamps, custom events, browser conversions,
 * and server-side events (no hash, no session) of every built-in type.
 */
export function generateEvents({ days, seed, sessionsPerDay, sites }: GenerateOptions): AnalyticsEvent[] {
  const r = prng(seed)
  const events: AnalyticsEvent[] = []
  // UUIDv7 like the real ids (enrich.ts), its random bits from the seeded generator.
  const randomV4 = () => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`
  for (const site of sites) {
    const people: Person[] = Array.from({ length: 30 }, (_, i) => {
      const profile = r.pick(PROFILES)
      return { ...profile, country: r.pick(COUNTRIES), id: `${String(site.id)}-${i}` }
    })
    const hashOf = (person: Person, ms: number) => `h:${person.id}:${new Date(ms).toISOString().slice(0, 10)}`
    const base = (type: string, ms: number): AnalyticsEvent => blankEvent(site, type, new Date(ms).toISOString(), uuidv7(ms, randomV4))

    for (const day of days) {
      const dayStart = Date.parse(`${day}T00:00:00.000Z`)
      const sessions = r.int(...sessionsPerDay)
      for (let s = 0; s < sessions; s++) {
        const person = r.pick(people)
        const sessionId = `s-${r.hex(12)}`
        // Some sessions start shortly before midnight, so they run into the next day.
        let ms = r.chance(0.08) ? dayStart + 86_400_000 - r.int(1, 120) * 1000 : dayStart + r.int(0, 86_399_000)
        const entry = r.pick(ENTRY_SOURCES)
        const pageviews = r.chance(0.35) ? 1 : r.int(2, 6)
        const startsWithCustom = r.chance(0.05)
        const browserEvent = (type: string, path: null | string, first: boolean): AnalyticsEvent => ({
          ...base(type, ms),
          browser: person.browser,
          country: person.country,
          device: person.device,
          hostname: site.domain,
          os: person.os,
          path,
          props: type === 'pageview' ? null : { plan: r.pick(['free', 'pro']), step: r.int(1, 3) },
          screen: person.screen,
          sessionId,
          // Attribution is on the landing event only, as the tracker sends it.
          source: first ? entry.source : null,
          utmCampaign: first && 'utm' in entry ? entry.utm.campaign : null,
          utmContent: first && 'utm' in entry ? entry.utm.content : null,
          utmMedium: first && 'utm' in entry ? entry.utm.medium : null,
          utmSource: first && 'utm' in entry ? entry.utm.source : null,
          utmTerm: first && 'utm' in entry ? entry.utm.term : null,
          visitorHash: hashOf(person, ms),
        })
        if (startsWithCustom) {
          events.push(browserEvent(r.pick(CUSTOM), r.pick(PATHS), true))
          ms += r.int(1, 30) * 1000
        }
        const onlyCustom = r.chance(0.03)
        for (let p = 0; p < (onlyCustom ? 0 : pageviews); p++) {
          // Now and then an empty or missing path, and two events in the same millisecond.
          const path = r.chance(0.03) ? r.pick(['', null]) : r.pick(PATHS)
          events.push(browserEvent('pageview', path, p === 0 && !startsWithCustom))
          if (pageviews > 1 && r.chance(0.3)) events.push(browserEvent(r.pick(CUSTOM), path, false))
          if (pageviews > 1 && r.chance(0.06)) events.push(browserEvent(r.pick(['lead.created', 'form.submit']), path, false))
          const gap = r.chance(0.05) ? 0 : r.int(1, 400) * 1000 + r.int(0, 999)
          // The tracker's engagement for the page being left (once or twice: blur, then hide),
          // sent before the next pageview; now and then one without a scroll depth.
          const pageStart = ms
          for (let n = r.chance(0.6) ? r.int(1, 2) : 0; n > 0; n--) {
            ms = Math.min(pageStart + gap, ms + r.int(0, Math.max(0, gap - (ms - pageStart))))
            const engagement = browserEvent('engagement', path, false)
            engagement.props = r.chance(0.9) ? { scrollDepth: r.int(0, 100) } : null
            engagement.value = r.chance(0.1) ? 0 : r.int(1, 600_000) / 1000
            events.push(engagement)
          }
          ms = pageStart + gap
        }
        if (onlyCustom) events.push(browserEvent(r.pick(CUSTOM), null, !startsWithCustom))
        // A single-pageview session with a custom event is not a bounce.
        if (pageviews === 1 && r.chance(0.2)) events.push(browserEvent(r.pick(CUSTOM), null, false))
      }

      // Server-side events: no hash, no session.
      const serverTypes = BUILT_IN_EVENT_TYPES.filter((t) => t !== 'pageview' && t !== 'engagement')
      for (let n = 0; n < serverTypes.length + r.int(0, 4); n++) {
        // Each type at least once a day, then a few more.
        const type = serverTypes[n] ?? r.pick(serverTypes)
        const event = base(type, dayStart + r.int(0, 86_399_999))
        if (type === 'ai.usage') event.value = n >= serverTypes.length && r.chance(0.3) ? null : r.int(50, 20_000)
        if (type === 'export.completed' || type === 'automation.run') event.props = { job: r.hex(4) }
        events.push(event)
      }
      // Empty strings where a value could be: they count as absent.
      if (r.chance(0.5)) {
        events.push({ ...base(r.pick(CUSTOM), dayStart + r.int(0, 86_399_999)), path: '', sessionId: '', source: '', visitorHash: '' })
      }
    }
  }
  // Arrival order is not time order.
  for (let i = events.length - 1; i > 0; i--) {
    const j = r.int(0, i)
    ;[events[i], events[j]] = [events[j]!, events[i]!]
  }
  return events
}

type Db = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const dbOf = (payload: Payload) => (payload.db as unknown as { drizzle: Db }).drizzle

/** Every stored daily-stats row with its database id (to see which rows an upsert rewrote). */
export async function storedDailyStatsRows(payload: Payload): Promise<Array<DailyStatsRow & { id: number }>> {
  const tenancy = payload.analytics!.config.tenantsCollection !== null
  const { rows } = await dbOf(payload).execute(sql`
    SELECT id, site_id, ${tenancy ? sql`tenant_id` : sql`NULL`} AS tenant_id, to_char(date AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
      dimension, key, pageviews, visitors, visits, bounces, total_duration, events, leads, forms, exports, automation_runs, ai_tokens,
      scroll_depth_sum, scroll_visits, engaged_ms, engaged_visits
    FROM analytics_daily_stats`)
  return rows.map((row) => ({
    aiTokens: Number(row.ai_tokens),
    automationRuns: Number(row.automation_runs),
    bounces: Number(row.bounces),
    day: String(row.day),
    dimension: row.dimension as DailyStatsRow['dimension'],
    events: Number(row.events),
    exports: Number(row.exports),
    forms: Number(row.forms),
    id: Number(row.id),
    key: String(row.key),
    leads: Number(row.leads),
    pageviews: Number(row.pageviews),
    siteId: String(row.site_id),
    tenantId: row.tenant_id === null ? null : String(row.tenant_id),
    totalDuration: Number(row.total_duration),
    visitors: Number(row.visitors),
    visits: Number(row.visits),
    scrollDepthSum: Number(row.scroll_depth_sum),
    scrollVisits: Number(row.scroll_visits),
    engagedMs: Number(row.engaged_ms),
    engagedVisits: Number(row.engaged_visits),
  }))
}

/** Every stored daily-stats row, as `DailyStatsRow`s (no ids). */
export async function dailyStatsRows(payload: Payload): Promise<DailyStatsRow[]> {
  return (await storedDailyStatsRows(payload)).map(({ id: _id, ...row }) => row)
}

/** The stored daily stats equal the reference computed from `events`, row for row. */
export async function expectStatsToEqualReference(payload: Payload, events: AnalyticsEvent[]): Promise<void> {
  const expected = referenceDailyStats(events)
  const stored = await dailyStatsRows(payload)
  const order = new Map(expected.map((row, index) => [`${row.siteId}|${row.day}|${row.dimension}|${row.key}`, index]))
  const rank = (row: DailyStatsRow) => order.get(`${row.siteId}|${row.day}|${row.dimension}|${row.key}`) ?? Infinity
  stored.sort((a, b) => rank(a) - rank(b))
  expect(stored.length).toBe(expected.length)
  expect(stored).toEqual(expected)
}

/** Rows in the raw events table. */
export async function countRawEvents(payload: Payload): Promise<number> {
  const { rows } = await dbOf(payload).execute(sql`SELECT count(*)::int AS n FROM analytics_events`)
  return Number(rows[0]!.n)
}

/** `count` UTC days ending `endOffset` days before today (oldest first), e.g. the last five days. */
export function recentDays(count: number, endOffset = 0, now = new Date()): string[] {
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00.000Z`)
  return Array.from({ length: count }, (_, i) => new Date(today - (endOffset + count - 1 - i) * 86_400_000).toISOString().slice(0, 10))
}
