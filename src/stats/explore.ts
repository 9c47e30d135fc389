/**
 * The stats service's questions beyond the rollups: filtered figures, goals, custom
 * properties and funnels (docs/explore.md). They read raw events, so their range must lie
 * within raw retention — except unfiltered goals and listed properties, which the daily
 * rollups count: an event name without a property in the `event` rows for any range, every
 * other goal in the `goal` rows and a listed property key in the `prop` rows from the day its
 * rollup starts (`jobs/goalRollup.ts`).
 */
import type { Payload } from 'payload'

import type { StatsFilter } from '../core/filters.js'
import type { Funnel, Goal } from '../core/goals.js'
import type { RevenueSum } from '../core/revenue.js'
import type { GoalRollupState } from '../core/siteSettings.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { FilteredRequest } from '../store/filteredStats.js'
import type { RolledUpGoal } from '../store/goalRollup.js'
import type { PropValueRow } from '../store/propRollup.js'
import type { GoalBreakdownRow, PropBreakdownSource, ResolvedRange, SiteId } from './types.js'

import { firstKeptDay } from '../../jobs/retention.js'
import { isBuiltInEventType } from '../core/eventTypes.js'
import { goalDefinitionKey, isRolledUpGoal, MAX_FUNNEL_STEPS, MIN_FUNNEL_STEPS } from '../core/goals.js'
import { addRevenue, parseEventRevenueKey, revenueSums } from '../core/revenue.js'
import { propDefinitionKey } from '../core/siteRollups.js'
import { createFilteredStore } from '../store/filteredStats.js'
import { rolledUpGoalTotals } from '../store/goalRollup.js'
import { rolledUpPropValues } from '../store/propRollup.js'
import { rolledUpRevenue } from '../store/revenueRollup.js'
import { badQuery } from './errors.js'

export interface ExploreDeps {
  cfg: SanitizedAnalyticsConfig
  /** A site's saved funnels. @default none */
  funnels?: (siteId: SiteId) => readonly Funnel[]
  /** A site's goals. */
  goals: (siteId: SiteId) => readonly Goal[]
  /** Which of a site's goals and listed property keys its daily `goal` and `prop` rows hold, from which day. @default none */
  goalRollup?: (siteId: SiteId) => GoalRollupState | null
  now: () => Date
  payload: Payload
  /** Days a site's raw events are kept. @default `retention.eventsDays` */
  rawRetentionDays?: (siteId: SiteId) => number
  /** The property keys a site's settings list for daily rollups. @default none */
  rolledUpProps?: (siteId: SiteId) => readonly string[]
  timeZoneOf: (siteId: SiteId) => string
}

const ratio = (numerator: number, denominator: number): number => (denominator > 0 ? numerator / denominator : 0)

/** Goals answered by the rollups: an event name that the `event` rows count (custom, not built in), without a property. */
const fromRollups = (goal: Goal): goal is Goal & { event: string } => isRolledUpGoal(goal) && !isBuiltInEventType(goal.event)

export function createExplore(deps: ExploreDeps) {
  const { cfg, payload } = deps
  const filtered = createFilteredStore(payload, cfg)
  const retentionOf = deps.rawRetentionDays ?? (() => cfg.retention.eventsDays)

  /** The first local day every one of the sites still has raw events for. */
  const firstRawDay = (siteIds: readonly SiteId[]): string =>
    siteIds.map((id) => firstKeptDay(retentionOf(id), deps.now(), deps.timeZoneOf(id))).reduce((latest, day) => (day > latest ? day : latest), '0000-01-01')

  /** A 400 naming the first day raw events cover, for a range that starts before it. */
  const checkRawCoverage = (siteIds: readonly SiteId[], range: Pick<ResolvedRange, 'from'>, what: string): void => {
    const first = firstRawDay(siteIds)
    if (range.from < first) {
      throw badQuery(`${what} read raw events, which are kept ${Math.min(...siteIds.map(retentionOf))} days: the first day ${what} can cover is ${first} (this range starts ${range.from})`)
    }
  }

  const requestOf = (siteIds: readonly SiteId[], range: Pick<ResolvedRange, 'from' | 'to'>, filters: readonly StatsFilter[]): FilteredRequest => ({
    filters,
    from: range.from,
    sites: siteIds.map((id) => ({ goals: deps.goals(id), id, timeZone: deps.timeZoneOf(id) })),
    to: range.to,
  })

  /**
   * Per goal name (summed over the sites that have it): conversions and converting visitors.
   * Without filters, goals come from the rollups: event names for the whole range, others from
   * the day their `goal` rows count (`since` when that is later than the range's start); a goal
   * whose rows are not ready yet (just added or changed) is read from raw events from the
   * first raw day on. Under filters every goal is read from raw events.
   */
  async function goalRows(siteIds: readonly SiteId[], range: ResolvedRange, filters: readonly StatsFilter[], visitors: number): Promise<GoalBreakdownRow[]> {
    const order: string[] = []
    const rows = new Map<string, GoalBreakdownRow>()
    const rowOf = (name: string) => {
      let row = rows.get(name)
      if (!row) {
        order.push(name)
        rows.set(name, (row = { conversionRate: 0, conversions: 0, key: name, revenue: [], visitors: 0 }))
      }
      return row
    }
    for (const id of siteIds) for (const goal of deps.goals(id)) rowOf(goal.name)
    const unfiltered = filters.length === 0
    const rawFrom = unfiltered ? firstRawDay(siteIds) : range.from
    const rawRange = { from: rawFrom > range.from ? rawFrom : range.from, to: range.to }
    const rolledUp: RolledUpGoal[] = []
    const raw = siteIds.map((id) => {
      const ready = unfiltered ? (deps.goalRollup?.(id)?.ready ?? {}) : {}
      const goals = deps.goals(id).filter((goal) => {
        if (!unfiltered) return true
        if (fromRollups(goal)) {
          rolledUp.push({ dimension: 'event', from: range.from, key: goal.event, name: goal.name, siteId: id })
          return false
        }
        const since = ready[goalDefinitionKey(goal)]
        if (since === undefined) return true
        rolledUp.push({ dimension: 'goal', from: since > range.from ? since : range.from, key: goal.name, name: goal.name, siteId: id })
        if (since > range.from) rowOf(goal.name).since = since
        return false
      })
      return { goals, id }
    })
    const [rawRows, rollupRows] = await Promise.all([
      raw.some((site) => site.goals.length > 0) && rawRange.from <= rawRange.to
        ? filtered.goals({ ...requestOf([], rawRange, filters), sites: raw.map((site) => ({ goals: site.goals, id: site.id, timeZone: deps.timeZoneOf(site.id) })) })
        : [],
      rolledUpGoalTotals(payload, cfg, range.to, rolledUp),
    ])
    for (const found of [...rawRows, ...rollupRows]) {
      const row = rowOf(found.name)
      row.conversions += found.conversions
      row.visitors += found.visitors
    }
    if (rawRange.from > range.from) {
      for (const site of raw) for (const goal of site.goals) rowOf(goal.name).since = rawRange.from
    }
    return order
      .map((name) => rows.get(name)!)
      .map((row) => ({ ...row, conversionRate: ratio(row.visitors, visitors) }))
      .sort((x, y) => y.visitors - x.visitors || y.conversions - x.conversions || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
  }

  /**
   * Revenue per currency over the range, and per goal name and currency (`withGoals`). As the
   * goals' figures: with filters from the raw events; without, the total and event-name goals
   * from the rollups (any range), other goals from their `goalRevenue` rows from the day their
   * rows count, or — not rolled up yet — from the raw events of their covered days.
   */
  async function revenue(siteIds: readonly SiteId[], range: ResolvedRange, filters: readonly StatsFilter[], withGoals: boolean): Promise<{ byGoal: Map<string, RevenueSum[]>; total: RevenueSum[] }> {
    const total = new Map<string, bigint>()
    const byGoal = new Map<string, Map<string, bigint>>()
    const addGoal = (name: string, currency: string, amount: string) => addRevenue(byGoal.get(name) ?? byGoal.set(name, new Map()).get(name)!, currency, amount)
    const goalsOf = (keep: (goal: Goal) => boolean) => (withGoals ? siteIds.flatMap((id) => deps.goals(id).filter(keep).map((goal) => ({ goal, siteId: id }))) : [])
    if (filters.length > 0) {
      for (const row of await filtered.revenue(requestOf(siteIds, range, filters), goalsOf(() => true))) {
        if (row.goal === null) addRevenue(total, row.currency, row.amount)
        else addGoal(row.goal, row.currency, row.amount)
      }
    } else {
      // Goals other than event names: from their `goalRevenue` rows once rolled up (from the day
      // their rows count, as their conversions), from raw events before.
      const rawGoals: Array<{ goal: Goal; siteId: SiteId }> = []
      const rolledFrom = new Map<string, Array<{ goal: Goal; siteId: SiteId }>>()
      for (const entry of goalsOf((goal) => !fromRollups(goal))) {
        const since = deps.goalRollup?.(entry.siteId)?.ready[goalDefinitionKey(entry.goal)]
        if (since === undefined) rawGoals.push(entry)
        else {
          const from = since > range.from ? since : range.from
          ;(rolledFrom.get(from) ?? rolledFrom.set(from, []).get(from)!).push(entry)
        }
      }
      const rawFrom = firstRawDay(siteIds)
      const rawRange = { from: rawFrom > range.from ? rawFrom : range.from, to: range.to }
      const [rolled, raw, ...goalRolled] = await Promise.all([
        rolledUpRevenue(payload, cfg, siteIds, range.from, range.to),
        // Only the goals' rows are used here (the total is the rollups'): only their sites are read.
        rawGoals.length > 0 && rawRange.from <= rawRange.to ? filtered.revenue(requestOf([...new Set(rawGoals.map((entry) => entry.siteId))], rawRange, []), rawGoals) : [],
        ...[...rolledFrom].map(([from, entries]) =>
          from <= range.to ? rolledUpRevenue(payload, cfg, [...new Set(entries.map((entry) => entry.siteId))], from, range.to, ['goalRevenue']) : Promise.resolve([]),
        ),
      ])
      const rolledGoals = goalsOf(fromRollups)
      for (const row of rolled) {
        if (row.dimension === 'revenue') {
          addRevenue(total, row.key, row.amount)
          continue
        }
        const { currency, event } = parseEventRevenueKey(row.key)
        for (const { goal, siteId } of rolledGoals) if (String(siteId) === row.siteId && goal.event === event) addGoal(goal.name, currency, row.amount)
      }
      ;[...rolledFrom.values()].forEach((entries, index) => {
        for (const row of goalRolled[index]!) {
          // The same key shape as `eventRevenue`'s: the currency, then the goal's name.
          const { currency, event: name } = parseEventRevenueKey(row.key)
          if (entries.some((entry) => String(entry.siteId) === row.siteId && entry.goal.name === name)) addGoal(name, currency, row.amount)
        }
      })
      for (const row of raw) if (row.goal !== null) addGoal(row.goal, row.currency, row.amount)
    }
    return { byGoal: new Map([...byGoal].map(([name, sums]) => [name, revenueSums(sums)])), total: revenueSums(total) }
  }

  /**
   * Where a property breakdown reads each site (checked before anything is read): without
   * filters, a key whose `prop` rows are ready from the rollups (from the day they count); a
   * listed key not rolled up yet from raw events (from the first raw day); any other key — and
   * every key under filters — from raw events, the range within raw retention (else 400).
   */
  function planPropValues(siteIds: readonly SiteId[], range: ResolvedRange, filters: readonly StatsFilter[], key: string) {
    const rolled: Array<{ from: string; siteId: SiteId }> = []
    const pending: SiteId[] = []
    const unlisted: SiteId[] = []
    for (const id of siteIds) {
      const listed = filters.length === 0 && (deps.rolledUpProps?.(id) ?? []).includes(key)
      const since = listed ? deps.goalRollup?.(id)?.ready[propDefinitionKey(key)] : undefined
      if (since !== undefined) rolled.push({ from: since > range.from ? since : range.from, siteId: id })
      else (listed ? pending : unlisted).push(id)
    }
    if (unlisted.length > 0) checkRawCoverage(unlisted, range, filters.length > 0 ? 'property breakdowns under filters' : `property breakdowns of keys the settings do not roll up (rolledUpProps)`)
    const rawIds = [...pending, ...unlisted]
    const rawFrom = rawIds.length > 0 ? firstRawDay(rawIds) : range.from
    const raw = rawIds.length > 0 ? { ids: rawIds, range: { from: rawFrom > range.from ? rawFrom : range.from, to: range.to } } : null
    const starts = [...rolled.map((site) => site.from), ...(raw ? [raw.range.from] : [])]
    const since = starts.reduce((latest, day) => (day > latest ? day : latest), range.from)
    const source: PropBreakdownSource = { source: raw === null ? 'rollups' : rolled.length === 0 ? 'raw' : 'mixed', ...(since > range.from ? { since } : {}) }
    return { key, raw, rolled, source, to: range.to }
  }

  /** A planned property breakdown's values: the rollups' and the raw events' summed per value, ranked by visitors then events. */
  async function propValues(plan: ReturnType<typeof planPropValues>, filters: readonly StatsFilter[], limit: number): Promise<PropValueRow[]> {
    const [rolled, raw] = await Promise.all([
      rolledUpPropValues(payload, cfg, plan.key, plan.to, plan.rolled, limit),
      plan.raw && plan.raw.range.from <= plan.raw.range.to ? filtered.propValues(requestOf(plan.raw.ids, plan.raw.range, filters), plan.key, limit) : [],
    ])
    if (raw.length === 0) return rolled
    const byValue = new Map<string, PropValueRow>()
    for (const { dimension: _, ...row } of raw) byValue.set(row.key, { events: row.events, key: row.key, pageviews: row.pageviews, visitors: row.visitors, visits: row.visits })
    for (const row of rolled) {
      const sum = byValue.get(row.key)
      if (!sum) byValue.set(row.key, { ...row })
      else for (const name of ['events', 'pageviews', 'visitors', 'visits'] as const) sum[name] += row[name]
    }
    return [...byValue.values()]
      .sort((x, y) => y.visitors - x.visitors || y.events - x.events || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
      .slice(0, limit)
  }

  /** A saved funnel of a site, or steps given as goal names: the goals, checked. */
  function funnelGoals(siteId: SiteId, query: { funnel?: string; steps?: string[] }): { goals: Goal[]; name: null | string } {
    if ((query.funnel === undefined) === (query.steps === undefined)) throw badQuery('funnel: give a saved funnel\'s name (funnel=) or its steps (steps=goal1,goal2,…)')
    let names: string[]
    if (query.funnel !== undefined) {
      const saved = (deps.funnels?.(siteId) ?? []).find((funnel) => funnel.name === query.funnel)
      if (!saved) throw badQuery(`funnel: this site has no funnel named "${query.funnel.slice(0, 120)}"`)
      names = saved.steps
    } else names = query.steps!
    if (names.length < MIN_FUNNEL_STEPS || names.length > MAX_FUNNEL_STEPS) throw badQuery(`steps: ${MIN_FUNNEL_STEPS} to ${MAX_FUNNEL_STEPS} goals`)
    const goals = deps.goals(siteId)
    return {
      goals: names.map((name) => {
        const goal = goals.find((candidate) => candidate.name === name)
        if (!goal) throw badQuery(`steps: "${name.slice(0, 120)}" is not one of this site's goals (${goals.map((g) => g.name).join(', ') || 'none'})`)
        return goal
      }),
      name: query.funnel ?? null,
    }
  }

  return { checkRawCoverage, filtered, firstRawDay, funnelGoals, goalRows, planPropValues, propValues, requestOf, revenue }
}

export type Explore = ReturnType<typeof createExplore>
