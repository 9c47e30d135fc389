/**
 * Revenue end to end, on real Postgres and Redis: amounts with ISO-4217 currencies enter by
 * the tracker, server events and Plausible's Events API (bad ones: 400, nothing stored), go
 * through the buffer and the real aggregation into the daily and monthly rollups, and the
 * stats API answers them per currency — in total and per goal, unfiltered over a range past
 * raw retention (rollups) and under filters (raw events) — equal to the ground truth summed
 * here in integer ten-thousandths, from the events alone.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { StatsFilter } from '../../src/core/filters.js'
import type { StatsResult } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { siteDaysOf } from '../../src/core/dailyStats.js'
import { uuidv7 } from '../../src/core/uuidv7.js'
import { insertEvents } from '../../src/store/insertEvents.js'
import { recomputeDailyStats } from '../../src/store/recomputeDailyStats.js'
import { blankEvent } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'

type Db = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const dbOf = (payload: Payload) => (payload.db as unknown as { drizzle: Db }).drizzle

const DAY = 86_400_000
const NOW = Date.now()
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const TODAY = dayOf(NOW)
const addDay = (day: string, n: number) => dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY)

const GOALS = [
  { event: 'Purchase', name: 'Purchase' },
  { event: 'Subscribe', name: 'Pro subscription', prop: { key: 'plan', value: 'pro' } },
  { event: 'Subscribe', name: 'Subscribe' },
]

/** One generated event with its revenue in ten-thousandths (the ground truth's unit). */
interface Truth {
  currency: string
  day: string
  plan: null | string
  source: null | string
  type: string
  units: bigint
}

/** Ten-thousandths of a decimal text, and back: the truth's own exact arithmetic. */
const units = (text: string): bigint => {
  const negative = text.startsWith('-')
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.')
  const value = BigInt(whole!) * 10_000n + BigInt(fraction.padEnd(4, '0'))
  return negative ? -value : value
}
const text = (value: bigint): string => {
  const negative = value < 0n
  const abs = negative ? -value : value
  const fraction = String(abs % 10_000n).padStart(4, '0').replace(/0+$/, '')
  return `${negative ? '-' : ''}${abs / 10_000n}${fraction ? `.${fraction}` : ''}`
}
const sums = (rows: Truth[]) => {
  const byCurrency = new Map<string, bigint>()
  for (const row of rows) byCurrency.set(row.currency, (byCurrency.get(row.currency) ?? 0n) + row.units)
  return [...byCurrency].sort(([x], [y]) => (x < y ? -1 : 1)).map(([currency, value]) => ({ amount: text(value), currency }))
}

let payload: Payload
let shop: DemoSite
let blog: DemoSite
let token: string
const truth: Truth[] = []

/**
 * Visits over 0–6 days ago and 40–80 days ago (past the 30 days of raw events: deleted after
 * aggregation), each a pageview from a source and then a purchase, a subscription (free or pro,
 * on a plan prop) or a refund, in EUR, USD or JPY — amounts with up to four decimals.
 */
function generate(site: DemoSite): AnalyticsEvent[] {
  const events: AnalyticsEvent[] = []
  const amounts = ['19.99', '0.1', '0.2', '100', '5.5', '0.3333', '1234.5678', '-10']
  const sources = [null, 'Google', 'news.ycombinator.com']
  const daysAgo = [0, 1, 2, 3, 5, 6, 40, 41, 55, 70, 80]
  let n = 0
  for (const ago of daysAgo) {
    for (let visit = 0; visit < 9; visit++, n++) {
      const ms = NOW - ago * DAY - 60_000 * (visit + 1)
      const at = (offset: number) => new Date(Math.min(ms + offset, NOW - 1000)).toISOString()
      const session = `r-${ago}-${visit}`
      const source = sources[n % sources.length]!
      const common = { hostname: site.domain, path: '/checkout', sessionId: session, visitorHash: `v-${ago}-${visit % 4}` }
      events.push({ ...blankEvent(site, 'pageview', at(0), uuidv7(ms)), ...common, source })
      const currency = ['EUR', 'USD', 'JPY'][n % 3]!
      const amount = amounts[n % amounts.length]!
      const type = amount.startsWith('-') ? 'Refund' : n % 4 === 0 ? 'Subscribe' : 'Purchase'
      const plan = type === 'Subscribe' ? (n % 8 === 0 ? 'pro' : 'free') : null
      events.push({
        ...blankEvent(site, type, at(1000), uuidv7(ms + 1000)),
        ...common,
        props: plan ? { plan } : null,
        revenue: { amount, currency },
      })
      truth.push({ currency, day: dayOf(Date.parse(at(1000))), plan, source, type, units: units(amount) })
    }
  }
  // A custom event without revenue and a pageview: counted, never summed.
  events.push({ ...blankEvent(site, 'Purchase', new Date(NOW - 2000).toISOString(), uuidv7()), hostname: site.domain, sessionId: 'no-revenue', visitorHash: 'v-x' })
  return events
}

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: `revenue-${process.pid}-${Date.now()}:`, redisUrl: inject('redisUrl') } })
  const sites = await demoSites(payload)
  shop = sites['shop.acme.test']!
  blog = sites['blog.acme.test']!
  await payload.create({ collection: payload.analytics!.config.slugs.settings, data: { goals: GOALS, scope: 'site', site: shop.id } as never })
  await payload.analytics!.refreshSites()
  // Stored and rolled up by the aggregation's own insert and recompute (the pipeline leaves days
  // past raw retention as they are, so the older days are written as if when they were recent).
  const events = generate(shop)
  const cfg = payload.analytics!.config
  await insertEvents(payload, cfg, events)
  await recomputeDailyStats(payload, cfg, siteDaysOf(events))
  // Raw retention (30 days) has passed over the older days: only the rollups remember them.
  await dbOf(payload).execute(sql`DELETE FROM analytics_events WHERE site = ${shop.id} AND timestamp < ${new Date(NOW - 35 * DAY).toISOString()}::timestamptz`)
  token = await login(payload, 'admin@example.com', 'admin')
}, 240_000)

afterAll(async () => {
  await payload?.destroy()
})

const statsOf = async (query: string): Promise<StatsResult> => {
  const res = await rest<StatsResult>(payload, 'GET', `/analytics/stats?siteId=${shop.id}&breakdown=goals&${query}`, { token })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body
}
const goalRevenue = (result: StatsResult, name: string) => result.breakdowns.goals?.find((row) => row.key === name)?.revenue
const inDays = (from: string, to: string) => truth.filter((row) => row.day >= from && row.day <= to)

describe('revenue in the stats API', () => {
  test('unfiltered, 7 days: totals and goals per currency equal the ground truth, exactly', async () => {
    const from = addDay(TODAY, -6)
    const result = await statsOf(`from=${from}&to=${TODAY}`)
    const rows = inDays(from, TODAY)
    expect(result.totals.revenue).toEqual(sums(rows))
    expect(result.totals.revenue.length).toBe(3)
    expect(goalRevenue(result, 'Purchase')).toEqual(sums(rows.filter((row) => row.type === 'Purchase')))
    expect(goalRevenue(result, 'Subscribe')).toEqual(sums(rows.filter((row) => row.type === 'Subscribe')))
    expect(goalRevenue(result, 'Pro subscription')).toEqual(sums(rows.filter((row) => row.type === 'Subscribe' && row.plan === 'pro')))
  })

  test('a range past raw retention reads the daily and monthly rollups: totals and event goals cover it all', async () => {
    const from = addDay(TODAY, -100)
    const result = await statsOf(`from=${from}&to=${TODAY}`)
    expect(result.totals.revenue).toEqual(sums(truth))
    expect(goalRevenue(result, 'Purchase')).toEqual(sums(truth.filter((row) => row.type === 'Purchase')))
    // A goal with a property is read from raw events: from the first day they cover, and it says so.
    const pro = result.breakdowns.goals!.find((row) => row.key === 'Pro subscription')!
    expect(pro.since).toBeDefined()
    expect(pro.revenue).toEqual(sums(inDays(pro.since!, TODAY).filter((row) => row.type === 'Subscribe' && row.plan === 'pro')))
    // The monthly rollup holds the months' sums of the daily rows, exactly.
    const { rows } = await dbOf(payload).execute(sql`
      SELECT m.dimension::text AS dimension, m.key, m.revenue::text AS monthly, (
        SELECT sum(d.revenue)::text FROM analytics_daily_stats d
        WHERE d.site_id = m.site_id AND d.dimension::text = m.dimension::text AND d.key = m.key AND date_trunc('month', d.date AT TIME ZONE 'UTC') = m.month AT TIME ZONE 'UTC'
      ) AS daily
      FROM analytics_monthly_stats m WHERE m.site_id = ${shop.id} AND m.dimension::text IN ('revenue', 'eventRevenue')`)
    expect(rows.length).toBeGreaterThan(6)
    for (const row of rows) expect(units(String(row.monthly)), `${String(row.dimension)} ${String(row.key)}`).toBe(units(String(row.daily)))
  })

  test('under filters (a visit-level source, an event-level property): from the raw events of the matching visits', async () => {
    const from = addDay(TODAY, -6)
    const rows = inDays(from, TODAY)
    const cases: Array<[StatsFilter, (row: Truth) => boolean]> = [
      [{ dimension: 'source', op: 'is', values: ['Google'] }, (row) => row.source === 'Google'],
      [{ dimension: 'prop:plan', op: 'is', values: ['pro'] }, (row) => row.plan === 'pro'],
      [{ dimension: 'event', op: 'is_not', values: ['Refund'] }, (row) => row.type !== 'Refund'],
    ]
    for (const [filter, keep] of cases) {
      const result = await statsOf(`from=${from}&to=${TODAY}&filter=${encodeURIComponent(`${filter.dimension}:${filter.op}:${filter.values.join('|')}`)}`)
      const kept = rows.filter(keep)
      expect(result.totals.revenue, filter.dimension).toEqual(sums(kept))
      expect(goalRevenue(result, 'Purchase'), filter.dimension).toEqual(sums(kept.filter((row) => row.type === 'Purchase')))
      expect(goalRevenue(result, 'Pro subscription'), filter.dimension).toEqual(sums(kept.filter((row) => row.type === 'Subscribe' && row.plan === 'pro')))
    }
  })

  test('a site without revenue answers an empty list', async () => {
    const res = await rest<StatsResult>(payload, 'GET', `/analytics/stats?siteId=${blog.id}&range=7d`, { token })
    expect(res.status).toBe(200)
    expect(res.body.totals.revenue).toEqual([])
  })
})

describe('revenue at the door', () => {
  const pending = () => payload.analytics!.buffer.pending()
  const post = (path: string, body: Record<string, unknown>) =>
    rawRequest(payload, 'POST', path, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'text/plain', 'user-agent': CHROME, 'x-forwarded-for': '203.0.113.30' },
    })
  const track = (v: unknown) => post('/analytics/track', { s: String(blog.id), t: 'Purchase', u: 'https://blog.acme.test/cart', v })

  test('bad amounts or currencies: 400 naming the field, nothing buffered', async () => {
    const before = await pending()
    const bad: unknown[] = [
      { revenue: { amount: 10, currency: 'eur' } },
      { revenue: { amount: 10, currency: 'EURO' } },
      { revenue: { amount: 'ten', currency: 'EUR' } },
      { revenue: { amount: 1e12, currency: 'EUR' } },
      { revenue: { amount: 10 } },
      { revenue: { amount: 10, currency: 'EUR', extra: 1 } },
      { revenue: 10 },
    ]
    for (const v of bad) {
      const response = await track(v)
      expect(response.status, JSON.stringify(v)).toBe(400)
      expect(String(response.body.error), JSON.stringify(v)).toMatch(/^Invalid event: v/)
    }
    const plausible = await post('/event', { domain: 'blog.acme.test', name: 'Purchase', revenue: { amount: 5, currency: 'usd' }, url: 'https://blog.acme.test/' })
    expect(plausible.status).toBe(400)
    expect(plausible.body).toEqual({ errors: { revenue: [expect.stringMatching(/^currency must be an ISO 4217 code/)] } })
    await expect(payload.analytics!.track({ revenue: { amount: Number.NaN, currency: 'EUR' }, siteId: blog.id, type: 'Purchase' })).rejects.toThrow(/revenue\.amount/)
    await expect(payload.analytics!.track({ revenue: { amount: 5, currency: 'E1R' }, siteId: blog.id, type: 'Purchase' })).rejects.toThrow(/revenue\.currency/)
    expect(await pending()).toBe(before)
  })

  test('the tracker, a server event and Plausible\'s Events API store an exact amount and its currency', async () => {
    expect((await track({ revenue: { amount: 19.99 * 3, currency: 'EUR' } })).status).toBe(202)
    expect((await post('/event', { domain: 'blog.acme.test', name: 'Purchase', revenue: '{"amount":"12.50","currency":"USD"}', url: 'https://blog.acme.test/' })).status).toBe(202)
    await payload.analytics!.track({ revenue: { amount: '0.0001', currency: 'JPY' }, siteId: blog.id, type: 'Purchase' })
    await payload.analytics!.aggregateNow()
    const { rows } = await dbOf(payload).execute(
      sql`SELECT revenue_amount::text AS amount, revenue_currency AS currency, value FROM analytics_events WHERE site = ${blog.id} AND revenue_currency IS NOT NULL ORDER BY revenue_currency`,
    )
    // 19.99 * 3 is 59.970000000000006 as a float: rounded once, to four places, at the door.
    expect(rows.map((row) => ({ amount: units(String(row.amount)), currency: row.currency, value: row.value }))).toEqual([
      { amount: units('59.97'), currency: 'EUR', value: null },
      { amount: units('0.0001'), currency: 'JPY', value: null },
      { amount: units('12.5'), currency: 'USD', value: null },
    ])
    const res = await rest<StatsResult>(payload, 'GET', `/analytics/stats?siteId=${blog.id}&range=7d`, { token })
    expect(res.body.totals.revenue).toEqual([
      { amount: '59.97', currency: 'EUR' },
      { amount: '0.0001', currency: 'JPY' },
      { amount: '12.5', currency: 'USD' },
    ])
  })
})

/**
 * Plausible's Stats API v2 revenue metrics, as its documentation defines them: a value is
 * `{ value, currency, short, long }`, per `event:goal` row or in total under an `event:goal`
 * filter; null with `meta.metric_warnings` (its codes and wording) without matching revenue or
 * with several currencies. On another site with goals of one currency each, one of two, one
 * without revenue; the expected sums are the events' own.
 */
describe("Plausible's Stats API v2: total_revenue and average_revenue", () => {
  const SALES: Array<{ amount: string; currency: string; event: string }> = [
    { amount: '19.99', currency: 'USD', event: 'Order' },
    { amount: '100', currency: 'USD', event: 'Order' },
    { amount: '0.01', currency: 'USD', event: 'Order' },
    { amount: '1234.5', currency: 'EUR', event: 'Donate' },
    { amount: '2000.25', currency: 'EUR', event: 'Donate' },
    { amount: '5', currency: 'USD', event: 'Tip' },
    { amount: '7', currency: 'EUR', event: 'Tip' },
  ]
  let key = ''
  const query = async (body: Record<string, unknown>) => {
    const answer = await rawRequest(payload, 'POST', '/v2/query', { body: JSON.stringify({ date_range: '7d', site_id: 'globex.test', ...body }), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } })
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Plausible's JSON answer, checked field by field below
    return { body: JSON.parse(answer.text) as Record<string, any>, status: answer.status }
  }
  /** The truth: a goal's sum (exact), its conversions and its one currency. */
  const of = (event: string) => {
    const sales = SALES.filter((sale) => sale.event === event)
    const total = Number(text(sales.reduce((sum, sale) => sum + units(sale.amount), 0n)))
    return { average: Math.round((total / sales.length) * 10_000) / 10_000, currency: sales[0]!.currency, total }
  }

  beforeAll(async () => {
    const globex = (await demoSites(payload))['globex.test']!
    const goals = [
      { event: 'Order', name: 'Order' },
      { event: 'Donate', name: 'Donation' },
      { event: 'Tip', name: 'Tip' },
      { event: 'Signup', name: 'Signup' },
    ]
    await payload.create({ collection: payload.analytics!.config.slugs.settings, data: { goals, scope: 'site', site: globex.id } as never })
    await payload.analytics!.refreshSites()
    const events: AnalyticsEvent[] = []
    const sales = [...SALES.map((sale) => ({ ...sale, revenue: { amount: sale.amount, currency: sale.currency } })), { event: 'Signup', revenue: undefined }]
    sales.forEach((sale, n) => {
      const ms = NOW - (n % 3) * DAY - 60_000 * (n + 1)
      const common = { hostname: globex.domain, path: '/buy', sessionId: `g-${n}`, visitorHash: `gv-${n}` }
      events.push({ ...blankEvent(globex, 'pageview', new Date(ms).toISOString(), uuidv7(ms)), ...common })
      events.push({ ...blankEvent(globex, sale.event, new Date(ms + 1000).toISOString(), uuidv7(ms + 1000)), ...common, ...(sale.revenue ? { revenue: sale.revenue } : {}) })
    })
    const cfg = payload.analytics!.config
    await insertEvents(payload, cfg, events)
    await recomputeDailyStats(payload, cfg, siteDaysOf(events))
    const created = await rest<{ doc: { secret: string } }>(payload, 'POST', '/analytics-api-keys', { body: { name: 'Revenue' }, token })
    expect(created.status).toBe(201)
    key = created.body.doc.secret
  }, 120_000)

  test('per goal (event:goal): each revenue goal in its currency, in the documented shape; other goals null', async () => {
    const answer = await query({ dimensions: ['event:goal'], metrics: ['total_revenue', 'average_revenue'] })
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    const rows = new Map(answer.body.results.map((row: { dimensions: string[]; metrics: unknown[] }) => [row.dimensions[0], row.metrics]))
    const order = of('Order')
    const donation = of('Donate')
    expect(rows.get('Order')).toEqual([
      { currency: 'USD', long: '$120.00', short: '$120', value: order.total },
      { currency: 'USD', long: '$40.00', short: '$40', value: order.average },
    ])
    expect(order).toMatchObject({ average: 40, total: 120 })
    expect(rows.get('Donation')).toEqual([
      { currency: 'EUR', long: '€3,234.75', short: '€3.2K', value: donation.total },
      { currency: 'EUR', long: '€1,617.38', short: '€1.6K', value: donation.average },
    ])
    expect(donation.average).toBe(1617.375)
    // A goal without revenue is null, as Plausible's "Visit /" row; one with two currencies has no single value.
    expect(rows.get('Signup')).toEqual([null, null])
    expect(rows.get('Tip')).toEqual([null, null])
    expect(answer.body.meta.metric_warnings).toEqual({
      average_revenue: { code: 'no_single_revenue_currency', warning: 'Revenue metrics are null as there are multiple currencies for the selected event:goals.' },
      total_revenue: { code: 'no_single_revenue_currency', warning: 'Revenue metrics are null as there are multiple currencies for the selected event:goals.' },
    })
    // Default order: the first metric descending, by its value; nulls last.
    expect(answer.body.query.order_by).toEqual([['total_revenue', 'desc']])
    expect(answer.body.results.map((row: { dimensions: string[] }) => row.dimensions[0]).slice(0, 2)).toEqual(['Donation', 'Order'])
  })

  test('in total under an event:goal filter; null with the documented warnings otherwise', async () => {
    const order = of('Order')
    const one = await query({ filters: [['is', 'event:goal', ['Order']]], metrics: ['total_revenue', 'average_revenue', 'visitors'] })
    expect(one.status, JSON.stringify(one.body)).toBe(200)
    expect(one.body.results).toEqual([{ dimensions: [], metrics: [expect.objectContaining({ currency: 'USD', value: order.total }), expect.objectContaining({ currency: 'USD', value: order.average }), 3] }])
    expect(one.body.meta).toEqual({})
    const warned = async (body: Record<string, unknown>, code: string) => {
      const answer = await query({ metrics: ['total_revenue'], ...body })
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      expect(answer.body.results).toEqual([{ dimensions: [], metrics: [null] }])
      expect(answer.body.meta.metric_warnings.total_revenue.code).toBe(code)
    }
    await warned({ filters: [['is', 'event:goal', ['Order', 'Donation']]] }, 'no_single_revenue_currency')
    await warned({ filters: [['is', 'event:goal', ['Signup']]] }, 'no_revenue_goals_matching')
    await warned({}, 'no_revenue_goals_matching')
    expect((await query({ metrics: ['visitors'] })).body.meta).toEqual({})
  })

  test('revenue over time or another dimension, and in the v1 API, is a 400 that says so', async () => {
    const byDay = await query({ dimensions: ['time:day'], filters: [['is', 'event:goal', ['Order']]], metrics: ['total_revenue'] })
    expect(byDay.status).toBe(400)
    expect(byDay.body.error).toMatch(/total_revenue is not supported with a time dimension/)
    const bySource = await query({ dimensions: ['visit:source'], metrics: ['average_revenue'] })
    expect(bySource.status).toBe(400)
    expect(bySource.body.error).toMatch(/average_revenue is not supported with dimension visit:source/)
    const v1 = await rawRequest(payload, 'GET', '/v1/stats/aggregate?site_id=globex.test&metrics=total_revenue', { headers: { authorization: `Bearer ${key}` } })
    expect(v1.status).toBe(400)
    expect(v1.text).toMatch(/total_revenue is not supported by the v1 API/)
  })
})
