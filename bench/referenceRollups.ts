/**
 * The bench's reference for the daily rows `referenceDailyStats` does not cover: `revenue`,
 * `eventRevenue`, and — from the site's goals and listed property keys — `goal`,
 * `goalRevenue` and `prop` (definitions: `src/core/dimensions.ts`). Plain TypeScript, one
 * event at a time, written from those definitions and NOT from the product's SQL
 * (`src/store/recomputeDailyStats.ts`), so a bench check against it can fail.
 *
 * Revenue is summed exactly: amounts are decimal text with at most `REVENUE_DECIMALS`
 * decimals, added as integers of 10^-REVENUE_DECIMALS units.
 */
import type { DailyStatsRow } from '../src/core/dailyStats.js'
import type { StatsDimension, StatsMetric } from '../src/core/dimensions.js'
import type { AnalyticsEvent } from '../src/core/event.js'
import type { Goal } from '../src/core/goals.js'
import type { SiteRollups } from '../src/core/siteRollups.js'

import { dayOfTimestamp, ENGAGEMENT, NON_CUSTOM_EVENT_TYPES, PAGEVIEW } from '../src/core/dailyStats.js'
import { STATS_METRICS } from '../src/core/dimensions.js'
import { eventRevenueKey, REVENUE_DECIMALS } from '../src/core/revenue.js'
import { MAX_PROP_VALUES_PER_DAY, propRowKey } from '../src/core/siteRollups.js'

/** A daily row with its exact revenue, in units of 10^-REVENUE_DECIMALS. */
export type ReferenceRow = DailyStatsRow & { revenueUnits: bigint }

const UNIT = 10n ** BigInt(REVENUE_DECIMALS)

/** Decimal text (`-12.5`, `3`) as integer units; null when it is not one. */
export function revenueUnits(text: string): bigint | null {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim())
  if (!match) return null
  const fraction = (match[3] ?? '').padEnd(REVENUE_DECIMALS, '0')
  // Postgres keeps every decimal of a numeric; more than REVENUE_DECIMALS would not compare.
  if (fraction.length > REVENUE_DECIMALS && /[^0]/.test(fraction.slice(REVENUE_DECIMALS))) return null
  const units = BigInt(match[2]!) * UNIT + BigInt(fraction.slice(0, REVENUE_DECIMALS) || '0')
  return match[1] ? -units : units
}

const present = (value: unknown): null | string => (value === null || value === undefined || value === '' ? null : String(value))

/** A property's value as Postgres' `props ->> key` reads it: strings as they are, other JSON as its text, JSON null as none. */
function propText(props: AnalyticsEvent['props'], key: string): null | string {
  if (!props || typeof props !== 'object' || !Object.hasOwn(props, key)) return null
  const value = (props as Record<string, unknown>)[key]
  if (value === null || value === undefined) return null
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** A goal's page pattern as a JavaScript test: `**` any characters, `*` any but `/`, a trailing `/**` also the section's root. */
function pageMatcher(pattern: string): (path: string) => boolean {
  if (!pattern.includes('*')) return (path) => path === pattern
  let source = ''
  let rest = pattern.replace(/\*{3,}/g, '**')
  let rootToo = false
  if (rest.length > 3 && rest.endsWith('/**')) {
    rest = rest.slice(0, -3)
    rootToo = true
  }
  for (let i = 0; i < rest.length; i++) {
    if (rest.startsWith('**', i)) {
      source += '.*'
      i++
    } else if (rest[i] === '*') source += '[^/]*'
    else source += rest[i]!.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')
  }
  const regex = new RegExp(`^${source}${rootToo ? '(?:/.*)?' : ''}$`, 's')
  return (path) => regex.test(path)
}

/** Whether an event converts for a goal (`src/core/goals.ts`: an event name, or pageviews of a path pattern; optionally one property's value). */
function goalTest(goal: Goal): (event: AnalyticsEvent) => boolean {
  const page = goal.page !== undefined ? pageMatcher(goal.page.trim()) : null
  return (event) => {
    const base = goal.event !== undefined ? event.type === goal.event : event.type === PAGEVIEW && page!(present(event.path) ?? '')
    if (!base) return false
    return goal.prop ? propText(event.props, goal.prop.key) === goal.prop.value : true
  }
}

interface Tally {
  events: number
  pageviews: number
  revenueUnits: bigint
  sessions: Set<string>
  visitors: Set<string>
}

/** The revenue, goal and property rows of every (site, day) of `events` (days: UTC days of their timestamps, as `referenceDailyStats`). */
export function referenceRollupRows(events: readonly AnalyticsEvent[], rollupsOf: (siteId: string) => SiteRollups): ReferenceRow[] {
  const tallies = new Map<string, Tally>()
  const tally = (siteId: string, day: string, dimension: StatsDimension, key: string) => {
    const id = `${siteId}\u0000${day}\u0000${dimension}\u0000${key}`
    let found = tallies.get(id)
    if (!found) tallies.set(id, (found = { events: 0, pageviews: 0, revenueUnits: 0n, sessions: new Set(), visitors: new Set() }))
    return found
  }
  const count = (t: Tally, event: AnalyticsEvent, units: bigint | null) => {
    t.events++
    if (event.type === PAGEVIEW) t.pageviews++
    const visitor = present(event.visitorHash)
    const session = present(event.sessionId)
    if (visitor) t.visitors.add(visitor)
    if (session) t.sessions.add(session)
    if (units !== null) t.revenueUnits += units
  }
  const goalTests = new Map<string, Array<{ name: string; test: (event: AnalyticsEvent) => boolean }>>()
  for (const event of events) {
    // Engagement events count in none of these rows (they are the engagement metrics' own).
    if (event.type === ENGAGEMENT) continue
    const day = dayOfTimestamp(event.timestamp)
    if (!day) continue
    const siteId = String(event.siteId)
    const currency = present(event.revenue?.currency)
    const units = currency && typeof event.revenue?.amount === 'string' ? revenueUnits(event.revenue.amount) : null
    const withRevenue = currency !== null && units !== null
    if (withRevenue) {
      count(tally(siteId, day, 'revenue', currency), event, units)
      if (!NON_CUSTOM_EVENT_TYPES.includes(event.type)) count(tally(siteId, day, 'eventRevenue', eventRevenueKey(currency, event.type)), event, units)
    }
    let tests = goalTests.get(siteId)
    if (!tests) goalTests.set(siteId, (tests = rollupsOf(siteId).goals.map((goal) => ({ name: goal.name, test: goalTest(goal) }))))
    for (const { name, test } of tests) {
      if (!test(event)) continue
      count(tally(siteId, day, 'goal', name), event, null)
      if (withRevenue) count(tally(siteId, day, 'goalRevenue', eventRevenueKey(currency, name)), event, units)
    }
    for (const key of rollupsOf(siteId).props) {
      const value = propText(event.props, key)
      if (value !== null) count(tally(siteId, day, 'prop', propRowKey(key, value)), event, null)
    }
  }

  const rows: ReferenceRow[] = []
  const props = new Map<string, Array<{ row: ReferenceRow; value: string }>>()
  for (const [id, t] of tallies) {
    const [siteId, day, dimension, key] = id.split('\u0000') as [string, string, StatsDimension, string]
    const metrics = Object.fromEntries(STATS_METRICS.map((metric) => [metric, 0])) as Record<StatsMetric, number>
    metrics.events = t.events
    metrics.visitors = t.visitors.size
    if (dimension === 'prop') {
      metrics.pageviews = t.pageviews
      metrics.visits = t.sessions.size
    }
    const row: ReferenceRow = { day, dimension, key, siteId, tenantId: null, ...metrics, revenueUnits: dimension.endsWith('evenue') ? t.revenueUnits : 0n }
    if (dimension !== 'prop') {
      rows.push(row)
      continue
    }
    // A key's values compete for its MAX_PROP_VALUES_PER_DAY rows of the day.
    const propKey = key.slice(0, key.indexOf(':'))
    const group = `${siteId}|${day}|${propKey}`
    const list = props.get(group) ?? props.set(group, []).get(group)!
    list.push({ row, value: key.slice(propKey.length + 1) })
  }
  // The top values: most visitors, then most events, then the value (byte order, as COLLATE "C").
  const bytes = (text: string) => Buffer.from(text, 'utf8')
  for (const list of props.values()) {
    list.sort((x, y) => y.row.visitors - x.row.visitors || y.row.events - x.row.events || Buffer.compare(bytes(x.value), bytes(y.value)))
    rows.push(...list.slice(0, MAX_PROP_VALUES_PER_DAY).map((entry) => entry.row))
  }
  return rows
}
