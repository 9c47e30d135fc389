/**
 * The reference implementation against numbers worked out by hand, so the ground truth
 * the SQL is tested against is itself checked. Every expected value below is computed in
 * the comments from the event list, not by running code.
 */
import { describe, expect, test } from 'vitest'

import type { DailyStatsRow } from '../../src/core/dailyStats.js'
import type { StatsDimension, StatsMetric } from '../../src/core/dimensions.js'
import type { AnalyticsEvent } from '../../src/core/event.js'

import { referenceDailyStats } from '../../src/core/dailyStatsReference.js'
import { STATS_METRICS } from '../../src/core/dimensions.js'

const blank: AnalyticsEvent = {
  browser: null,
  country: null,
  device: null,
  eventId: '',
  hostname: null,
  os: null,
  path: null,
  props: null,
  screen: null,
  sessionId: null,
  siteId: 1,
  source: null,
  tenantId: 7,
  timestamp: '',
  type: 'pageview',
  utmCampaign: null,
  utmContent: null,
  utmMedium: null,
  utmSource: null,
  utmTerm: null,
  value: null,
  visitorHash: null,
}

const at = (time: string, day = '2026-05-01') => `${day}T${time}Z`
const chromeDE = { browser: 'Chrome', country: 'DE', device: 'desktop', os: 'Windows' } as const
const safariFR = { browser: 'Safari', country: 'FR', device: 'mobile', os: 'iOS' } as const
const firefox = { browser: 'Firefox', country: null, device: 'desktop', os: 'Linux' } as const

const A = { ...chromeDE, sessionId: 'A', visitorHash: 'vA' }
const B = { ...safariFR, sessionId: 'B', visitorHash: 'vB' }
const C = { ...chromeDE, sessionId: 'C', visitorHash: 'vA' } // the same visitor's second visit
const D = { ...firefox, sessionId: 'D', visitorHash: 'vC' }

const events: AnalyticsEvent[] = [
  // Session A: Google, 3 pageviews and a custom event over 180 s; entry /, exit /contact.
  { ...blank, ...A, eventId: 'a1', path: '/', source: 'Google', timestamp: at('10:00:00.000') },
  { ...blank, ...A, eventId: 'a2', path: '/pricing', timestamp: at('10:01:00.000') },
  { ...blank, ...A, eventId: 'a3', path: '/pricing', timestamp: at('10:01:30.000'), type: 'signup' },
  { ...blank, ...A, eventId: 'a4', path: '/contact', timestamp: at('10:03:00.000') },
  // Session B: direct, one pageview: a bounce.
  { ...blank, ...B, eventId: 'b1', path: '/pricing', timestamp: at('11:00:00.000') },
  // Session C: newsletter campaign; a pageview and a lead in the same millisecond (the
  // pageview is first by event id): one pageview but not a bounce.
  {
    ...blank,
    ...C,
    eventId: 'c1',
    path: '/blog',
    source: 'newsletter',
    timestamp: at('15:00:00.000'),
    utmCampaign: 'spring',
    utmSource: 'newsletter',
  },
  { ...blank, ...C, eventId: 'c2', path: '/blog', timestamp: at('15:00:00.000'), type: 'lead.created' },
  // Session D: Google, one pageview before midnight, one after (with the next day's hash).
  { ...blank, ...D, eventId: 'd1', path: '/', source: 'Google', timestamp: at('23:59:00.000') },
  { ...blank, ...D, eventId: 'd2', path: '/pricing', timestamp: at('00:00:30.000', '2026-05-02'), visitorHash: 'vC2' },
  // Server-side events: no hash, no session.
  { ...blank, eventId: 's1', timestamp: at('12:00:00.000'), type: 'ai.usage', value: 1200 },
  { ...blank, eventId: 's2', timestamp: at('13:00:00.000'), type: 'ai.usage', value: null },
  { ...blank, eventId: 's3', timestamp: at('14:00:00.000'), type: 'automation.run' },
  { ...blank, eventId: 's4', timestamp: at('14:30:00.000'), type: 'export.completed' },
  { ...blank, eventId: 's5', timestamp: at('16:00:00.000'), type: 'form.submit' },
]

type Metrics = Partial<Record<StatsMetric, number>>
const row = (day: string, dimension: StatsDimension, key: string, metrics: Metrics): DailyStatsRow => ({
  day,
  dimension,
  key,
  siteId: '1',
  tenantId: '7',
  ...(Object.fromEntries(STATS_METRICS.map((metric) => [metric, metrics[metric] ?? 0])) as Record<StatsMetric, number>),
})
/** visitors, visits, bounces, totalDuration, pageviews of a session-dimension row. */
const sessions = (visitors: number, visits: number, bounces: number, totalDuration: number, pageviews: number): Metrics => ({
  bounces,
  pageviews,
  totalDuration,
  visitors,
  visits,
})

const sortKey = (r: DailyStatsRow) => `${r.day}|${r.dimension}|${r.key}`
const byKey = (rows: DailyStatsRow[]) => [...rows].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0))
const expectSame = (actual: DailyStatsRow[], expected: DailyStatsRow[]) => expect(byKey(actual)).toEqual(byKey(expected))

describe('referenceDailyStats on a hand-computed day', () => {
  const rows = referenceDailyStats(events)
  const day1 = rows.filter((r) => r.day === '2026-05-01')
  const day2 = rows.filter((r) => r.day === '2026-05-02')
  const of = (list: DailyStatsRow[], dimension: StatsDimension) => byKey(list.filter((r) => r.dimension === dimension))

  test('the total row', () => {
    // events: A 4 + B 1 + C 2 + D 1 + server 5 = 13; pageviews a1 a2 a4 b1 c1 d1 = 6;
    // visitors vA vB vC = 3; visits A B C D = 4; bounces B and D = 2; duration 180 + 0 + 0 + 0;
    // leads c2; forms s5; exports s4; automation runs s3; AI tokens 1200 + (null → 0).
    expectSame(of(day1, 'total'), [
      row('2026-05-01', 'total', '', {
        aiTokens: 1200,
        automationRuns: 1,
        bounces: 2,
        events: 13,
        exports: 1,
        forms: 1,
        leads: 1,
        pageviews: 6,
        totalDuration: 180,
        visitors: 3,
        visits: 4,
      }),
    ])
  })

  test('session dimensions take the first event of each session', () => {
    // source: A Google, B '' (direct), C newsletter, D Google.
    expectSame(of(day1, 'source'), 
      byKey([
        row('2026-05-01', 'source', '', sessions(1, 1, 1, 0, 1)),
        row('2026-05-01', 'source', 'Google', sessions(2, 2, 1, 180, 4)),
        row('2026-05-01', 'source', 'newsletter', sessions(1, 1, 0, 0, 1)),
      ]),
    )
    expectSame(of(day1, 'utmSource'), [row('2026-05-01', 'utmSource', 'newsletter', sessions(1, 1, 0, 0, 1))])
    expectSame(of(day1, 'utmCampaign'), [row('2026-05-01', 'utmCampaign', 'spring', sessions(1, 1, 0, 0, 1))])
    for (const dimension of ['utmMedium', 'utmTerm', 'utmContent'] as const) expectSame(of(day1, dimension), [])
    // country: A and C DE (one visitor, two visits), B FR, D none (skipped).
    expectSame(of(day1, 'country'), [
      row('2026-05-01', 'country', 'DE', sessions(1, 2, 0, 180, 4)),
      row('2026-05-01', 'country', 'FR', sessions(1, 1, 1, 0, 1)),
    ])
    expectSame(of(day1, 'browser'), [
      row('2026-05-01', 'browser', 'Chrome', sessions(1, 2, 0, 180, 4)),
      row('2026-05-01', 'browser', 'Firefox', sessions(1, 1, 1, 0, 1)),
      row('2026-05-01', 'browser', 'Safari', sessions(1, 1, 1, 0, 1)),
    ])
    expectSame(of(day1, 'os'), [
      row('2026-05-01', 'os', 'Linux', sessions(1, 1, 1, 0, 1)),
      row('2026-05-01', 'os', 'Windows', sessions(1, 2, 0, 180, 4)),
      row('2026-05-01', 'os', 'iOS', sessions(1, 1, 1, 0, 1)),
    ])
    // device: A, C, D desktop (visitors vA, vC); B mobile.
    expectSame(of(day1, 'device'), [
      row('2026-05-01', 'device', 'desktop', sessions(2, 3, 1, 180, 5)),
      row('2026-05-01', 'device', 'mobile', sessions(1, 1, 1, 0, 1)),
    ])
    // entry pages: A /, B /pricing, C /blog, D /.
    expectSame(of(day1, 'entryPage'), [
      row('2026-05-01', 'entryPage', '/', sessions(2, 2, 1, 180, 4)),
      row('2026-05-01', 'entryPage', '/blog', sessions(1, 1, 0, 0, 1)),
      row('2026-05-01', 'entryPage', '/pricing', sessions(1, 1, 1, 0, 1)),
    ])
  })

  test('pages, exit pages and custom events', () => {
    // pageviews: / a1 d1; /pricing a2 b1; /contact a4; /blog c1.
    expectSame(of(day1, 'page'), [
      row('2026-05-01', 'page', '/', { pageviews: 2, visitors: 2, visits: 2 }),
      row('2026-05-01', 'page', '/blog', { pageviews: 1, visitors: 1, visits: 1 }),
      row('2026-05-01', 'page', '/contact', { pageviews: 1, visitors: 1, visits: 1 }),
      row('2026-05-01', 'page', '/pricing', { pageviews: 2, visitors: 2, visits: 2 }),
    ])
    // last pageview of A /contact, B /pricing, C /blog, D /: each one visit, and its visitor.
    expectSame(of(day1, 'exitPage'), [
      row('2026-05-01', 'exitPage', '/', { visitors: 1, visits: 1 }),
      row('2026-05-01', 'exitPage', '/blog', { visitors: 1, visits: 1 }),
      row('2026-05-01', 'exitPage', '/contact', { visitors: 1, visits: 1 }),
      row('2026-05-01', 'exitPage', '/pricing', { visitors: 1, visits: 1 }),
    ])
    // lead.created is built in: only `signup` is a custom event.
    expectSame(of(day1, 'event'), [row('2026-05-01', 'event', 'signup', { events: 1, visitors: 1 })])
  })

  test('the part of a visit after midnight is a visit of the next day, attributed by its own first event', () => {
    expectSame(
      day2,
      [
        row('2026-05-02', 'total', '', { bounces: 1, events: 1, pageviews: 1, visitors: 1, visits: 1 }),
        row('2026-05-02', 'source', '', sessions(1, 1, 1, 0, 1)),
        row('2026-05-02', 'browser', 'Firefox', sessions(1, 1, 1, 0, 1)),
        row('2026-05-02', 'os', 'Linux', sessions(1, 1, 1, 0, 1)),
        row('2026-05-02', 'device', 'desktop', sessions(1, 1, 1, 0, 1)),
        row('2026-05-02', 'entryPage', '/pricing', sessions(1, 1, 1, 0, 1)),
        row('2026-05-02', 'page', '/pricing', { pageviews: 1, visitors: 1, visits: 1 }),
        row('2026-05-02', 'exitPage', '/pricing', { visitors: 1, visits: 1 }),
      ],
    )
  })

  test('nothing else: every row is one of the above', () => {
    // 1 total + 3 source + 1 + 1 utm + 2 country + 3 browser + 3 os + 2 device + 3 entry
    // + 4 page + 4 exit + 1 event = 28 on the first day, 8 on the second.
    expect(day1).toHaveLength(28)
    expect(day2).toHaveLength(8)
    expect(rows).toHaveLength(36)
  })

  test('arrival order does not matter, and the tenant is the last event’s', () => {
    const shuffled = [...events].reverse()
    expect(referenceDailyStats(shuffled)).toEqual(rows)
    const moved = referenceDailyStats(events.map((e) => (e.eventId === 'd1' ? { ...e, tenantId: 8 } : e)))
    expect(moved.filter((r) => r.day === '2026-05-01').every((r) => r.tenantId === '8')).toBe(true)
    expect(moved.filter((r) => r.day === '2026-05-02').every((r) => r.tenantId === '7')).toBe(true)
  })

  test('empty strings count as absent; durations keep milliseconds', () => {
    const rows2 = referenceDailyStats([
      { ...blank, eventId: 'x1', path: '', sessionId: 'S', source: '', timestamp: at('09:00:00.000'), visitorHash: '' },
      { ...blank, eventId: 'x2', path: '/a', sessionId: 'S', timestamp: at('09:00:01.250'), visitorHash: 'v' },
      { ...blank, eventId: 'x3', sessionId: '', timestamp: at('09:00:02.000'), type: 'signup', visitorHash: 'w' },
    ])
    const get = (dimension: StatsDimension) => rows2.filter((r) => r.dimension === dimension)
    // The session's first event has no visitor hash: the session counts no visitor in its breakdowns.
    expect(get('total')).toEqual([row('2026-05-01', 'total', '', { events: 3, pageviews: 2, totalDuration: 1.25, visitors: 2, visits: 1 })])
    expect(get('source')).toEqual([row('2026-05-01', 'source', '', sessions(0, 1, 0, 1.25, 2))])
    // The first pageview has no path: no entry page; the last one is /a.
    expect(get('entryPage')).toEqual([])
    expect(get('exitPage')).toEqual([row('2026-05-01', 'exitPage', '/a', { visits: 1 })])
    expect(get('page')).toEqual([row('2026-05-01', 'page', '/a', { pageviews: 1, visitors: 1, visits: 1 })])
    expect(get('event')).toEqual([row('2026-05-01', 'event', 'signup', { events: 1, visitors: 1 })])
  })
})

describe('engagement on a hand-computed day', () => {
  const E = { ...chromeDE, sessionId: 'E', visitorHash: 'vE' }
  const F = { ...safariFR, sessionId: 'F', visitorHash: 'vF' }
  const engagement = (session: Partial<AnalyticsEvent>, id: string, path: string, time: string, seconds: number, depth?: number): AnalyticsEvent => ({
    ...blank,
    ...session,
    eventId: id,
    path,
    props: depth === undefined ? null : { scrollDepth: depth },
    timestamp: at(time, '2026-06-01'),
    type: 'engagement',
    value: seconds,
  })
  const rows = referenceDailyStats([
    // E: /a at 10:00 (read 20 s, scrolled 40 %, then 60 % in a second report of 5 s), /b at
    // 10:01 (read 12.5 s, 100 %), the last page: the visit lasts 60 + 12.5 = 72.5 s.
    { ...blank, ...E, eventId: 'e1', path: '/a', timestamp: at('10:00:00.000', '2026-06-01') },
    engagement(E, 'e2', '/a', '10:00:30.000', 20, 40),
    engagement(E, 'e3', '/a', '10:00:50.000', 5, 60),
    { ...blank, ...E, eventId: 'e4', path: '/b', timestamp: at('10:01:00.000', '2026-06-01') },
    engagement(E, 'e5', '/b', '10:01:20.000', 12.5, 100),
    // F: one pageview of /a, read 30 s at 80 %: still a bounce, but lasting 30 s, not 0 s.
    { ...blank, ...F, eventId: 'f1', path: '/a', timestamp: at('11:00:00.000', '2026-06-01') },
    engagement(F, 'f2', '/a', '11:00:40.000', 30, 80),
    // G: engagement alone (its pageview was the day before): no visit, no visitor, no event;
    // its page figures count (0 s engaged: not an engaged visit, but its scroll depth counts).
    engagement({ ...firefox, sessionId: 'G', visitorHash: 'vG' }, 'g1', '/b', '00:00:05.000', 0, 50),
  ])
  const find = (dimension: StatsDimension, key: string) => rows.find((r) => r.dimension === dimension && r.key === key)!

  test('engagement events are not events, pageviews, visitors or visits, and do not end a bounce', () => {
    const total = find('total', '')
    expect(total.events).toBe(3)
    expect(total.pageviews).toBe(3)
    expect(total.visitors).toBe(2)
    expect(total.visits).toBe(2)
    expect(total.bounces).toBe(1)
    expect(rows.some((r) => r.dimension === 'event')).toBe(false)
  })

  test('visit duration adds the last page’s engaged time', () => {
    // E: 60 s between its events + 12.5 s on /b; F: 0 s + 30 s.
    expect(find('total', '').totalDuration).toBe(72.5 + 30)
    expect(find('source', '').totalDuration).toBe(102.5)
  })

  test('pages: scroll depth per visit is its maximum, time on page the engaged seconds per engaged visit', () => {
    // /a: E max 60 + F 80 over 2 visits; engaged 25 + 30 s over 2 visits.
    expect(find('page', '/a')).toMatchObject({ engagedMs: 55_000, engagedVisits: 2, pageviews: 2, scrollDepthSum: 140, scrollVisits: 2, visits: 2 })
    // /b: E 100 + G 50 over 2 visits; engaged 12.5 s by E only (G reported 0 s).
    expect(find('page', '/b')).toMatchObject({ engagedMs: 12_500, engagedVisits: 1, pageviews: 1, scrollDepthSum: 150, scrollVisits: 2, visits: 1 })
    // The total row: the sums over every (page, visit) pair.
    expect(find('total', '')).toMatchObject({ engagedMs: 67_500, engagedVisits: 3, scrollDepthSum: 290, scrollVisits: 4 })
  })
})
