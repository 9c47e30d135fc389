/**
 * Custom properties rolled up daily for the keys a site lists (`rolledUpProps`), end to end on
 * real Postgres and Redis: 200 days of generated events go through the buffer and the real
 * aggregation while raw events are kept 400 days; then retention drops to 30 days and the raw
 * events past it are deleted. A year's `breakdown=prop:<key>` must still equal the ground truth
 * computed here from every generated event (the daily and monthly `prop` rows), and equal the
 * raw answer inside retention; a key listed later reads raw events until its rows exist.
 */
import type { Payload } from 'payload'

import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { BreakdownRow, StatsResult } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { uuidv7 } from '../../src/core/uuidv7.js'
import { blankEvent } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rest } from '../helpers/rest.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const NOW = Date.now()
const ZONE = 'America/New_York'
const DAYS = 200
const CAP = 100

const dayFormat = new Intl.DateTimeFormat('sv-SE', { day: '2-digit', month: '2-digit', timeZone: ZONE, year: 'numeric' })
const localDay = (ms: number) => dayFormat.format(ms)
const addDay = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10)
const TODAY = localDay(NOW)

interface Ev {
  day: string
  /** Revenue in cents, with its currency. */
  revenue: { cents: number; currency: string } | null
  props: Record<string, boolean | null | number | string> | null
  session: string
  type: string
  visitor: string
}

let payload: Payload
let shop: DemoSite
let editorToken: string
const events: Ev[] = []
const admin = { overrideAccess: true } as const
const stats = () => payload.analytics!.stats

/** Sessions on each of the last DAYS days; `plan` on signups and some pageviews, `seats` on signups, `item` with many values one day. */
function generate(site: DemoSite): AnalyticsEvent[] {
  let seed = 42
  const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  const out: AnalyticsEvent[] = []
  for (let d = 0; d < DAYS; d++) {
    const sessions = 3 + Math.floor(next() * 4)
    for (let s = 0; s < sessions; s++) {
      let ms = NOW - d * DAY - HOUR - Math.floor(next() * 20 * HOUR)
      const session = `s-${d}-${s}`
      const visitor = `v-${Math.floor(next() * 6)}-${localDay(ms)}`
      const push = (type: string, props: AnalyticsEvent['props']) => {
        out.push({ ...blankEvent(site, type, new Date(ms).toISOString(), uuidv7(ms)), path: '/pricing', props, sessionId: session, visitorHash: visitor })
        ms += 30_000
      }
      push('pageview', next() < 0.4 ? { plan: pick(['free', 'pro', 'team']) } : null)
      if (next() < 0.6) {
        push('signup', { plan: pick(['free', 'pro', 'team', 7, true]), seats: 1 + Math.floor(next() * 3) })
        if (next() < 0.5) out[out.length - 1]!.revenue = { amount: pick(['9.99', '20', '0.5']), currency: pick(['EUR', 'USD']) }
      }
    }
  }
  // One day with more values of `item` than a day's rows hold: 105 values, one event each.
  for (let i = 0; i < CAP + 5; i++) {
    const ms = NOW - 3 * DAY + i * 1000
    out.push({ ...blankEvent(site, 'add.item', new Date(ms).toISOString(), uuidv7(ms)), path: '/shop', props: { item: `sku-${String(i).padStart(3, '0')}` }, sessionId: `items-${i}`, visitorHash: `items-${i}` })
  }
  return out
}

/** The ground truth of `breakdown=prop:<key>` over days from…to: per value, events, pageviews, visitors and visits (per day, summed). */
function truth(key: string, from: string, to: string): Map<string, { events: number; pageviews: number; visitors: number; visits: number }> {
  const rows = new Map<string, { events: number; pageviews: number; visitors: Set<string>; visits: Set<string> }>()
  for (const e of events) {
    const value = e.props?.[key]
    if (e.day < from || e.day > to || value === undefined || value === null) continue
    const row = rows.get(String(value)) ?? rows.set(String(value), { events: 0, pageviews: 0, visitors: new Set(), visits: new Set() }).get(String(value))!
    row.events++
    if (e.type === 'pageview') row.pageviews++
    row.visitors.add(`${e.day}|${e.visitor}`)
    row.visits.add(`${e.day}|${e.session}`)
  }
  return new Map([...rows].map(([value, row]) => [value, { events: row.events, pageviews: row.pageviews, visitors: row.visitors.size, visits: row.visits.size }]))
}
const asMap = (rows: BreakdownRow[] | undefined) =>
  new Map((rows ?? []).map((row) => [row.key, { events: row.events, pageviews: row.pageviews, visitors: row.visitors, visits: row.visits }]))
const propBreakdown = (result: StatsResult, key: string) => (result.breakdowns as Record<string, BreakdownRow[]>)[`prop:${key}`]

const settingsSlug = () => payload.analytics!.config.slugs.settings
async function setSettings(data: Record<string, unknown>) {
  await payload.update({ collection: settingsSlug(), data: data as never, where: { site: { equals: shop.id } } })
  await payload.analytics!.refreshSites()
}
/** The background rollup of new keys (queued on a change of settings; run here and awaited). */
async function rollUp() {
  await payload.analytics!.jobs.rezone([shop.id])
  await payload.analytics!.refreshSites()
}

const FIRST_RAW = addDay(TODAY, -30)
/** An event-name goal (the `event` and `eventRevenue` rows) and one with a property (the `goal` and `goalRevenue` rows). */
const GOALS = [{ event: 'signup' }, { event: 'signup', name: 'Pro signup', prop: { key: 'plan', value: 'pro' } }]
const YEAR_FROM = addDay(TODAY, -364)

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: `props-${process.pid}-${Date.now()}:`, redisUrl: inject('redisUrl') } })
  shop = (await demoSites(payload))['shop.acme.test']!
  await payload.create({ collection: settingsSlug(), data: { goals: GOALS, retentionDays: 400, rolledUpProps: ['plan', 'item'], scope: 'site', site: shop.id, timeZone: ZONE } as never })
  await payload.analytics!.refreshSites()
  await rollUp()
  const generated = generate(shop)
  await payload.analytics!.buffer.append(generated)
  await payload.analytics!.aggregateNow()
  events.push(
    ...generated.map((e) => ({
      day: localDay(Date.parse(e.timestamp)),
      props: e.props,
      revenue: e.revenue ? { cents: Math.round(Number(e.revenue.amount) * 100), currency: e.revenue.currency } : null,
      session: e.sessionId!,
      type: e.type,
      visitor: e.visitorHash!,
    })),
  )
  // Raw events are now kept 30 days: the older ones go, their rollups stay.
  await setSettings({ retentionDays: 30 })
  await payload.analytics!.applyRetention()
  editorToken = await login(payload, DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)
}, 240_000)

afterAll(async () => {
  await payload?.destroy()
})

describe('property breakdowns from the rollups of listed keys', () => {
  test('a year of a listed key is answered from the daily and monthly prop rows, past raw retention', async () => {
    // The raw events before the 30 days are gone: a filtered year is refused.
    const filtered = await rest<{ error: string }>(payload, 'GET', `/analytics/stats?siteId=${shop.id}&from=${YEAR_FROM}&to=${TODAY}&filter=${encodeURIComponent('event:is:signup')}`, { token: editorToken })
    expect(filtered.status).toBe(400)
    expect(events.some((e) => e.day < addDay(FIRST_RAW, -100) && e.props?.plan !== undefined)).toBe(true)

    const res = await rest<StatsResult>(payload, 'GET', `/analytics/stats?siteId=${shop.id}&from=${YEAR_FROM}&to=${TODAY}&breakdown=prop:plan&limit=50`, { token: editorToken })
    expect(res.status).toBe(200)
    expect(res.body.propSources).toEqual({ plan: { source: 'rollups' } })
    expect(asMap(propBreakdown(res.body, 'plan'))).toEqual(truth('plan', YEAR_FROM, TODAY))
    // Ranked by visitors, then events: numbers and booleans as text, as raw events answer them.
    const rows = propBreakdown(res.body, 'plan')!
    expect(rows.map((row) => row.key)).toEqual(expect.arrayContaining(['7', 'true']))
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.visitors > rows[i]!.visitors || (rows[i - 1]!.visitors === rows[i]!.visitors && rows[i - 1]!.events! >= rows[i]!.events!)).toBe(true)

    // Whole months come from the monthly rollup.
    const { totalDocs } = await payload.count({ collection: payload.analytics!.config.slugs.monthlyStats, where: { and: [{ site: { equals: shop.id } }, { dimension: { equals: 'prop' } }] } })
    expect(totalDocs).toBeGreaterThan(0)
  })

  test('inside raw retention the rollups answer what raw events answer', async () => {
    const from = addDay(TODAY, -13)
    const [rolled, raw] = await Promise.all([
      stats().getStats({ from, limit: 50, props: ['plan'], siteIds: [shop.id], to: TODAY }, admin),
      // A filter that keeps everything reads raw events.
      stats().getStats({ filters: [{ dimension: 'hostname', op: 'is_not', values: ['nowhere.test'] }], from, limit: 50, props: ['plan'], siteIds: [shop.id], to: TODAY }, admin),
    ])
    expect(rolled.propSources).toEqual({ plan: { source: 'rollups' } })
    expect(raw.propSources).toEqual({ plan: { source: 'raw' } })
    expect(propBreakdown(rolled, 'plan')).toEqual(propBreakdown(raw, 'plan'))
    expect(asMap(propBreakdown(rolled, 'plan'))).toEqual(truth('plan', from, TODAY))
  })

  test(`a day holds the top ${CAP} values of a key`, async () => {
    const day = localDay(NOW - 3 * DAY)
    const rolled = await stats().getStats({ from: day, limit: 200, props: ['item'], siteIds: [shop.id], to: day }, admin)
    const all = [...truth('item', day, day).keys()].sort()
    expect(all).toHaveLength(CAP + 5)
    // Every value has one visitor and one event: the first CAP by value.
    expect(propBreakdown(rolled, 'item')!.map((row) => row.key)).toEqual(all.slice(0, CAP))
  })

  test('a key listed later reads raw events (and says so) until its rows exist; then its rows count from the first raw day', async () => {
    const year = () => stats().getStats({ from: YEAR_FROM, limit: 50, props: ['seats'], siteIds: [shop.id], to: TODAY }, admin)
    // Not listed: raw events only, so a year is refused with the way out named.
    await expect(year()).rejects.toMatchObject({ message: expect.stringContaining('rolledUpProps') })
    await setSettings({ rolledUpProps: ['plan', 'item', 'seats'] })
    const pending = await year()
    expect(pending.propSources).toEqual({ seats: { since: FIRST_RAW, source: 'raw' } })
    expect(asMap(propBreakdown(pending, 'seats'))).toEqual(truth('seats', FIRST_RAW, TODAY))
    await rollUp()
    expect(payload.analytics!.sites.get(String(shop.id))!.settings.goalRollup!.ready['prop:seats']).toBe(FIRST_RAW)
    const rolled = await year()
    expect(rolled.propSources).toEqual({ seats: { since: FIRST_RAW, source: 'rollups' } })
    expect(propBreakdown(rolled, 'seats')).toEqual(propBreakdown(pending, 'seats'))
    // The older key is untouched by the new one's rollup.
    const plan = await stats().getStats({ from: YEAR_FROM, limit: 50, props: ['plan'], siteIds: [shop.id], to: TODAY }, admin)
    expect(asMap(propBreakdown(plan, 'plan'))).toEqual(truth('plan', YEAR_FROM, TODAY))
  })

  test('the settings take at most 10 keys without ":"; a bad list answers 400 and is not stored', async () => {
    const { docs } = await payload.find({ collection: settingsSlug(), where: { site: { equals: shop.id } } })
    const id = docs[0]!.id
    const before = (docs[0] as unknown as { rolledUpProps: string[] }).rolledUpProps
    const token = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
    for (const [list, message] of [
      [Array.from({ length: 11 }, (_, i) => `k${i}`), 'at most 10 keys'],
      [['plan', 'a:b'], 'without ":"'],
      [['plan', 'plan'], 'listed twice'],
    ] as const) {
      const res = await rest<{ errors: Array<{ data?: { errors?: Array<{ message: string }> }; message: string }> }>(payload, 'PATCH', `/${settingsSlug()}/${id}`, { body: { rolledUpProps: list }, token })
      expect(res.status).toBe(400)
      expect(res.body.errors.flatMap((error) => error.data?.errors?.map((field) => field.message) ?? [error.message]).join(' ')).toContain(message)
    }
    const after = await payload.findByID({ collection: settingsSlug(), id })
    expect((after as unknown as { rolledUpProps: string[] }).rolledUpProps).toEqual(before)
  })
})

describe('revenue per goal from the rollups', () => {
  /** Per goal: conversions and revenue in cents per currency, from the generated events of from…to. */
  const goalTruth = (from: string, to: string) =>
    new Map(
      [
        ['signup', (e: Ev) => e.type === 'signup'],
        ['Pro signup', (e: Ev) => e.type === 'signup' && e.props?.plan === 'pro'],
      ].map(([name, converts]) => {
        const list = events.filter((e) => e.day >= from && e.day <= to && (converts as (e: Ev) => boolean)(e))
        const cents = new Map<string, number>()
        for (const e of list) if (e.revenue) cents.set(e.revenue.currency, (cents.get(e.revenue.currency) ?? 0) + e.revenue.cents)
        return [name as string, { conversions: list.length, revenue: [...cents].sort(([x], [y]) => (x < y ? -1 : 1)) }]
      }),
    )
  const answer = (result: StatsResult) =>
    new Map(
      result.breakdowns.goals!.map((row) => [
        row.key,
        { conversions: row.conversions, revenue: row.revenue.map((sum) => [sum.currency, Math.round(Number(sum.amount) * 100)]) },
      ]),
    )

  test('a goal with a property has its revenue for a year (its goalRevenue rows), as an event-name goal has', async () => {
    const year = await stats().getStats({ from: YEAR_FROM, goals: true, siteIds: [shop.id], to: TODAY }, admin)
    const truth = goalTruth(YEAR_FROM, TODAY)
    expect(truth.get('Pro signup')!.revenue.length).toBe(2)
    expect(answer(year)).toEqual(truth)
    expect(year.breakdowns.goals!.every((row) => row.since === undefined)).toBe(true)
    // Inside raw retention, the rollups answer what the raw events answer.
    const from = addDay(TODAY, -13)
    const [rolled, raw] = await Promise.all([
      stats().getStats({ from, goals: true, siteIds: [shop.id], to: TODAY }, admin),
      stats().getStats({ filters: [{ dimension: 'hostname', op: 'is_not', values: ['nowhere.test'] }], from, goals: true, siteIds: [shop.id], to: TODAY }, admin),
    ])
    expect(answer(rolled)).toEqual(answer(raw))
    expect(answer(rolled)).toEqual(goalTruth(from, TODAY))
  })
})
