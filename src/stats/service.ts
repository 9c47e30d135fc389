/**
 * The stats query service (`payload.analytics.stats`): the one place that turns a stats
 * request into SQL over AnalyticsDailyStats (and realtime into a read of the buffer's
 * per-site realtime index). The REST endpoints, the admin views, the exports and the CLI
 * all call it.
 */
import type { Payload } from 'payload'

import type { EventBuffer } from '../buffer/types.js'
import type { StatsFilter } from '../core/filters.js'
import type { Funnel, Goal } from '../core/goals.js'
import type { KpiMetric, Kpis } from '../core/kpis.js'
import type { GoalRollupState, TimeZoneState } from '../core/siteSettings.js'
import type { Counters } from '../core/statsMath.js'
import type { StatsStore, TotalCounters } from '../store/statsQueries.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { StatsCache } from './cache.js'
import type {
  BreakdownRow,
  CompareQuery,
  CompareResult,
  DayInterval,
  ExportRow,
  ImportedDays,
  FunnelQuery,
  FunnelResult,
  Interval,
  RealtimeResult,
  ResolvedRange,
  SeriesPoint,
  SiteId,
  SiteTimeZone,
  StatsCaller,
  StatsQuery,
  StatsResult,
  StatsService,
  StatsSite,
} from './types.js'

import { isBuiltInEventType } from '../core/eventTypes.js'
import { REALTIME_WINDOW_MINUTES } from '../buffer/realtimeIndex.js'
import { MAX_FUTURE_SKEW_MS } from '../core/enrich.js'
import { checkFilters } from '../core/filters.js'
import { effectiveGoals } from '../core/goals.js'
import { funnelSteps } from '../core/funnelSteps.js'
import { computeKpis, KPI_METRICS } from '../core/kpis.js'
import { appliedTimeZone } from '../core/siteSettings.js'
import { DEFAULT_BREAKDOWN_LIMIT, MAX_BREAKDOWN_LIMIT } from '../core/statsQuerySchema.js'
import {
  addCounters,
  breakdownRow,
  buildSeries,
  compareTotals,
  conversionsOf,
  alignSeries,
  totalsOf,
  zeroCounters,
} from '../core/statsMath.js'
import { addDays, checkCustom, checkWithinRetention, daysInRange, eachDay, firstRetainedDay, previousRange, resolveRange, StatsInputError, todayIn } from '../core/statsRange.js'
import { localHours, localMidnight } from '../core/timeZone.js'
import { importedWithin } from '../imports/spans.js'
import { filteredVisitsCtes } from '../store/filteredStats.js'
import { checkVisitsCovered } from '../store/visitCoverage.js'
import { funnelCounts } from '../store/funnelQuery.js'
import { hourlyTotals } from '../store/hourlyStats.js'
import { createStatsStore } from '../store/statsQueries.js'
import { createCallerSites } from './callerSites.js'
import { createExplore } from './explore.js'
import { badQuery } from './errors.js'
import { reads } from './readsInTurn.js'
import { BREAKDOWN_DIMENSIONS, BREAKDOWNS, DAY_INTERVALS, INTERVALS, MAX_HOURLY_DAYS } from './types.js'


/** Buffered events the hourly series reads at most (the buffer is normally a few minutes of traffic). */
const HOURLY_MAX_BUFFERED = 200_000
/** The longest window `getRealtime` reads (the drop alert's 12 hours). */
export const MAX_REALTIME_WINDOW_MINUTES = 12 * 60
/** Sites per query of the portfolio export: memory stays flat in the number of sites. */
const EXPORT_CHUNK = 200

export interface StatsServiceDeps {
  buffer: EventBuffer
  cache: StatsCache
  cfg: SanitizedAnalyticsConfig
  /** The conversion event types of a site (its effective settings). */
  conversionEvents: (siteId: SiteId) => readonly string[]
  /** A site's saved funnels (its effective settings). @default none */
  funnels?: (siteId: SiteId) => readonly Funnel[]
  /** A site's goals (its effective settings). @default one per conversion event type */
  goals?: (siteId: SiteId) => readonly Goal[]
  /** Which of a site's goals and listed property keys the daily `goal` and `prop` rows hold (`jobs/goalRollup.ts`). @default none: goals other than event names and properties read raw events */
  goalRollup?: (siteId: SiteId) => GoalRollupState | null
  /** The clock ("today", the realtime window). @default () => new Date() */
  now?: () => Date
  payload: Payload
  /** Days a site's raw events are kept (its effective settings). @default `retention.eventsDays` */
  rawRetentionDays?: (siteId: SiteId) => number
  /** The property keys a site's settings list for daily rollups (its effective settings). @default none */
  rolledUpProps?: (siteId: SiteId) => readonly string[]
  /** A site's time zone and the state of its rollups (its effective settings). @default `defaults.timeZone`, no change */
  siteTimeZone?: (siteId: SiteId) => { state: null | TimeZoneState; timeZone: string }
  store?: StatsStore
}

/** What a site's answer says about its zone (see `SiteTimeZone`). */
export function describeTimeZone(siteId: SiteId, zone: { state: null | TimeZoneState; timeZone: string }): SiteTimeZone {
  const { state, timeZone } = zone
  // A change not yet picked up by the recompute job: its figures are still in the old zone.
  if (appliedTimeZone(state) !== timeZone) return { previousTimeZone: appliedTimeZone(state), recomputing: { done: 0, total: 0 }, since: null, siteId, timeZone }
  return {
    previousTimeZone: state?.previous ?? null,
    recomputing: state && state.progress.done < state.progress.total ? { ...state.progress } : null,
    since: state?.previous ? state.since : null,
    siteId,
    timeZone,
  }
}

export interface StatsServiceInternals extends StatsService {
  /** Forget cached results of these sites (`all`: every cached result). */
  invalidate(siteIds: readonly SiteId[] | 'all'): Promise<void>
}

/** The core's input errors as the API's 400 (the dashboard shows a `StatsError`'s message); anything else as it is. */
const badQueryOf = (error: unknown): unknown => (error instanceof StatsInputError ? badQuery(error.message) : error)

/** Turn the core's input errors into the API's 400. */
const asBadQuery = <T>(run: () => T): T => {
  try {
    return run()
  } catch (error) {
    throw badQueryOf(error)
  }
}

interface Aggregated {
  byDay: Map<string, Counters>
  /** The range's imported days, when any were read. */
  imported: ImportedDays | null
  bySite: Map<string, Counters>
  /** Per site, its days. */
  bySiteDay: Map<string, Map<string, Counters>>
  total: Counters
}

export function createStatsService(deps: StatsServiceDeps): StatsServiceInternals {
  const { cache, cfg, payload } = deps
  const store = deps.store ?? createStatsStore(payload, cfg)
  const now = deps.now ?? (() => new Date())
  const sites = createCallerSites(payload, cfg)
  const statsDays = cfg.retention.statsDays
  const siteTimeZone = deps.siteTimeZone ?? (() => ({ state: null, timeZone: cfg.defaults.timeZone }))
  const zonesOf = (chosen: StatsSite[]): SiteTimeZone[] => chosen.map((site) => describeTimeZone(site.id, siteTimeZone(site.id)))
  const goalsOf = deps.goals ?? ((siteId: SiteId) => effectiveGoals([], deps.conversionEvents(siteId)))
  const explore = createExplore({
    cfg,
    funnels: deps.funnels,
    goalRollup: deps.goalRollup,
    goals: goalsOf,
    now,
    payload,
    rawRetentionDays: deps.rawRetentionDays,
    rolledUpProps: deps.rolledUpProps,
    timeZoneOf: (siteId) => siteTimeZone(siteId).timeZone,
  })

  /**
   * The zone a request's range is read in: the sites' zone, or — sites in several zones — the
   * one whose "today" is latest, so that no site's today is cut off. Day D of the answer is
   * then the sum of every site's own local day D.
   */
  const rangeZone = (zones: SiteTimeZone[]): string => {
    const at = now()
    let chosen = cfg.defaults.timeZone
    let latest = ''
    for (const zone of [...new Set(zones.map((z) => z.timeZone))].sort()) {
      const today = todayIn(at, zone)
      if (today > latest) [chosen, latest] = [zone, today]
    }
    return chosen
  }

  /** An hourly series needs one zone (hours of different zones do not line up) and a short range. */
  const checkHourly = (range: ResolvedRange, zones: SiteTimeZone[]) => {
    if (new Set(zones.map((zone) => zone.timeZone)).size > 1) {
      throw badQuery(`interval=hour: the sites are in different time zones (${[...new Set(zones.map((zone) => zone.timeZone))].join(', ')}); ask for one zone's sites at a time`)
    }
    if (daysInRange(range.from, range.to) > MAX_HOURLY_DAYS) throw badQuery(`interval=hour: a range of up to ${MAX_HOURLY_DAYS} days (${range.from}..${range.to} has ${daysInRange(range.from, range.to)})`)
  }

  /** Local hours of a range from the raw events and the buffer (see `hourlyStats.ts`). */
  async function hourlySeries(siteIds: string[], range: ResolvedRange, timeZone: string): Promise<SeriesPoint[]> {
    const start = localMidnight(range.from, timeZone)
    const end = localMidnight(addDays(range.to, 1), timeZone)
    const hours = localHours(start, end, timeZone)
    const buffered = end.getTime() > now().getTime() - 2 * 86_400_000 ? await deps.buffer.recent(start.getTime() - MAX_FUTURE_SKEW_MS, HOURLY_MAX_BUFFERED) : []
    const counts = await hourlyTotals(payload, cfg, {
      buffered,
      conversionTypes: new Map(siteIds.map((id) => [id, deps.conversionEvents(id)])),
      end,
      hourDays: hours.map((hour) => daysInRange(range.from, hour.label.slice(0, 10))),
      hourStarts: hours.map((hour) => hour.start),
      siteIds,
    })
    return hours.map((hour, index) => ({ date: hour.label, ...totalsOf(counts.get(index) ?? zeroCounters()) }))
  }

  const checkQuery = (query: StatsQuery) => {
    if (query.interval !== undefined && !INTERVALS.includes(query.interval)) throw badQuery(`interval: one of ${INTERVALS.join(', ')}`)
    for (const breakdown of query.breakdowns ?? []) {
      if (!BREAKDOWNS.includes(breakdown)) throw badQuery(`breakdown: one of ${BREAKDOWNS.join(', ')}`)
    }
    const limit = query.limit ?? DEFAULT_BREAKDOWN_LIMIT
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BREAKDOWN_LIMIT) throw badQuery(`limit: a whole number from 1 to ${MAX_BREAKDOWN_LIMIT}`)
    const filters = asBadQuery(() => checkFilters(query.filters ?? []))
    if (filters.length > 0 && query.interval === 'hour') throw badQuery('interval=hour: not with filters (ask for days, weeks or months)')
    return { filters, interval: (query.interval ?? 'day') as Interval, limit }
  }

  /** Filters read raw events: every range of the answer must lie within their retention. */
  const checkFiltered = (filters: readonly StatsFilter[], siteIds: readonly SiteId[], ...ranges: ResolvedRange[]) => {
    if (filters.length === 0) return
    for (const range of ranges) explore.checkRawCoverage(siteIds, range, 'filters')
  }

  /**
   * Aggregations in flight, by sites and range: a dashboard asks for the stats and the
   * compare of the same range at once, and both need its totals — one query serves both.
   * Only while in flight (no staleness: the cache is the stats cache's business).
   */
  const inFlight = new Map<string, Promise<Aggregated>>()
  function aggregate(siteIds: string[], range: { from: string; to: string }, withImports: boolean, filters: readonly StatsFilter[] = []): Promise<Aggregated> {
    const key = JSON.stringify([siteIds, range.from, range.to, withImports, filters])
    const running = inFlight.get(key)
    if (running) return running
    const promise = aggregateNow(siteIds, range, withImports, filters).finally(() => inFlight.delete(key))
    inFlight.set(key, promise)
    return promise
  }

  /**
   * The sites of a request with imported days in a range (none when switched off): only for
   * them do the queries read the imported rows (a cached lookup, no query, for the others).
   */
  const importedOf = async (siteIds: string[], range: { from: string; to: string }, withImports: boolean): Promise<ImportedDays | null> => {
    if (!withImports) return null
    const found = await importedWithin(payload, siteIds, range.from, range.to)
    return found.siteIds.length && found.from && found.to ? { from: found.from, siteIds: found.siteIds, to: found.to } : null
  }

  /**
   * The imported days of some ranges, for the cache key: another instance's import reaches this
   * instance's spans within their refresh time, and then its cached answers are not taken.
   */
  const importedKey = async (siteIds: string[], ranges: Array<{ from: string; to: string }>) =>
    (await Promise.all(ranges.map((range) => importedOf(siteIds, range, true)))).map((imported) => (imported ? `${imported.from}..${imported.to}:${imported.siteIds.join(',')}` : ''))

  /** Sums the `total` rows of some sites over a range, with each site's conversions. */
  async function aggregateNow(siteIds: string[], range: { from: string; to: string }, withImports: boolean, filters: readonly StatsFilter[]): Promise<Aggregated> {
    // Filters read raw events, which imported days do not have: a filtered answer has no imported days.
    const imported = filters.length > 0 ? null : await importedOf(siteIds, range, withImports)
    const importedIds = imported?.siteIds ?? []
    const conversionTypes = new Map(siteIds.map((id) => [id, deps.conversionEvents(id)]))
    const allTypes = new Set([...conversionTypes.values()].flat())
    // ai.usage conversions are derived from all custom events; other custom types are read by name.
    const names = allTypes.has('ai.usage') ? null : [...allTypes].filter((type) => !isBuiltInEventType(type))
    // Filtered: the same counters, read from the raw events that pass the filters.
    const request = filters.length > 0 ? explore.requestOf(siteIds, range, filters) : null
    const [totals, custom] = await reads(
      request !== null,
      () => (request ? explore.filtered.totalsByDay(request) : store.totalsByDay(siteIds, range.from, range.to, importedIds)),
      () => (request ? explore.filtered.customEventsByDay(request, names) : store.customEventsByDay(siteIds, range.from, range.to, names, importedIds)),
    )
    const customByDay = new Map<string, Map<string, number>>()
    for (const row of custom) {
      const key = `${row.siteId}|${row.day}`
      const map = customByDay.get(key) ?? new Map<string, number>()
      map.set(row.key, row.events)
      customByDay.set(key, map)
    }
    const result: Aggregated = { byDay: new Map(), bySite: new Map(), bySiteDay: new Map(), imported, total: zeroCounters() }
    for (const { day, siteId, ...total } of totals) {
      const counters: Counters = {
        ...total,
        conversions: conversionsOf({ customEvents: customByDay.get(`${siteId}|${day}`) ?? new Map(), total }, conversionTypes.get(siteId) ?? []),
      }
      addCounters(result.total, counters)
      addCounters(result.byDay.get(day) ?? result.byDay.set(day, zeroCounters()).get(day)!, counters)
      addCounters(result.bySite.get(siteId) ?? result.bySite.set(siteId, zeroCounters()).get(siteId)!, counters)
      const siteDays = result.bySiteDay.get(siteId) ?? result.bySiteDay.set(siteId, new Map()).get(siteId)!
      siteDays.set(day, counters)
    }
    return result
  }

  async function cached<T>(kind: string, query: unknown, siteIds: string[], compute: () => Promise<T>): Promise<T> {
    const hit = await cache.get<T>(kind, query, siteIds)
    if (hit.value !== null) return hit.value
    // The store's refusals (days the visits table does not cover yet) are input errors too.
    const value = await compute().catch((error: unknown) => {
      throw badQueryOf(error)
    })
    await cache.set(hit.key, value)
    return value
  }

  const idsOf = (chosen: StatsSite[]) => chosen.map((site) => String(site.id)).sort()

  /** The ranges the KPIs need besides the request's: the previous period, and the current month's complete days. */
  const kpiRangesOf = (range: ResolvedRange, timeZone: string) => {
    // The month being projected is the sites' own: "today" in their zone.
    const day = todayIn(now(), timeZone)
    const monthStart = `${day.slice(0, 7)}-01`
    const retained = firstRetainedDay(day, statsDays)
    return {
      month: day.slice(0, 7),
      // Up to yesterday: today is not over; none when today is the 1st. Never before the retention.
      monthDays: day === monthStart ? null : { from: monthStart < retained ? retained : monthStart, to: addDays(day, -1) },
      previous: previousRange(range),
    }
  }

  async function kpisOf(siteIds: string[], range: ResolvedRange, ranges: ReturnType<typeof kpiRangesOf>, withImports: boolean): Promise<Kpis> {
    // KPIs are unfiltered: rollup reads, in turn.
    const [current, previous, month] = await reads(
      false,
      () => aggregate(siteIds, range, withImports),
      () => aggregate(siteIds, ranges.previous, withImports),
      async () => (ranges.monthDays ? aggregate(siteIds, ranges.monthDays, withImports) : null),
    )
    const daily = (byDay: ReadonlyMap<string, Counters>, days: string[]) =>
      Object.fromEntries(KPI_METRICS.map((name) => [name, days.map((day) => byDay.get(day)?.[name] ?? 0)])) as Record<KpiMetric, number[]>
    const dates = eachDay(range.from, range.to)
    return computeKpis({
      current: daily(current.byDay, dates),
      dates,
      month: { days: daily(month?.byDay ?? new Map(), ranges.monthDays ? eachDay(ranges.monthDays.from, ranges.monthDays.to) : []), month: ranges.month },
      previousRange: { from: ranges.previous.from, to: ranges.previous.to },
      previousTotals: Object.fromEntries(KPI_METRICS.map((name) => [name, previous.total[name]])) as Record<KpiMetric, number>,
    })
  }

  async function getStats(query: StatsQuery, caller: StatsCaller): Promise<StatsResult> {
    const { filters, interval, limit } = checkQuery(query)
    const props = [...new Set(query.props ?? [])].sort()
    const siteSeries = query.siteSeriesInterval
    if (siteSeries !== undefined && !DAY_INTERVALS.includes(siteSeries)) throw badQuery(`siteSeriesInterval: one of ${DAY_INTERVALS.join(', ')}`)
    // The sites first: their zone says which days a named range is.
    const chosen = await sites.resolve(caller, query.siteIds)
    const zones = zonesOf(chosen)
    const timeZone = rangeZone(zones)
    const range = asBadQuery(() => resolveRange(query, now(), statsDays, timeZone))
    if (interval === 'hour') checkHourly(range, zones)
    const breakdowns = [...new Set(query.breakdowns ?? [])].sort()
    const siteIds = idsOf(chosen)
    checkFiltered(filters, siteIds, range)
    // The most used keys are read from raw events; a key's values from its rollups when listed (else 400 past raw events).
    if (query.propKeys) explore.checkRawCoverage(siteIds, range, 'property breakdowns')
    const propPlans = props.map((prop) => explore.planPropValues(siteIds, range, filters, prop))
    // The KPIs compare with earlier periods, past what raw events cover: not under filters.
    const kpiRanges = query.kpis && filters.length === 0 ? kpiRangesOf(range, timeZone) : null
    const extraBreakdowns = breakdowns.length > 0 || props.length > 0 || query.goals === true || query.propKeys === true
    const withImports = query.imports !== false
    const key = {
      breakdowns,
      filters,
      goals: query.goals === true,
      props,
      propKeys: query.propKeys === true,
      from: range.from,
      // Which imported days the answer holds: a change elsewhere shows in the key (see `spans.ts`).
      imports: withImports ? await importedKey(siteIds, [range]) : false,
      interval,
      // The projection's month moves with "today", not with the range.
      kpis: kpiRanges ? { days: kpiRanges.monthDays, month: kpiRanges.month } : null,
      limit: extraBreakdowns ? limit : 0,
      name: range.name,
      siteSeries: siteSeries ?? null,
      timeZone,
      to: range.to,
    }
    // Hours are live (the buffer): never cached.
    const maybeCached = interval === 'hour' ? (compute: () => Promise<StatsResult>) => compute() : (compute: () => Promise<StatsResult>) => cached('stats', key, siteIds, compute)
    return maybeCached(async () => {
      const dimensions = breakdowns.map((name) => BREAKDOWN_DIMENSIONS[name])
      const request = explore.requestOf(siteIds, range, filters)
      const imported = breakdowns.length && filters.length === 0 ? await importedOf(siteIds, range, withImports) : null
      const [aggregated, top, kpis, propRows, propKeys, revenue] = await reads(
        filters.length > 0,
        () => aggregate(siteIds, range, withImports, filters),
        () => (filters.length > 0 ? explore.filtered.topKeys(request, dimensions, limit) : store.topKeys(siteIds, range.from, range.to, dimensions, limit, imported?.siteIds ?? [])),
        async () => (kpiRanges ? kpisOf(siteIds, range, kpiRanges, withImports) : undefined),
        () => Promise.all(propPlans.map((plan) => explore.propValues(plan, filters, limit))),
        async () => (query.propKeys ? explore.filtered.propKeys(request, limit) : undefined),
        () => explore.revenue(siteIds, range, filters, query.goals === true),
      )
      const goalRows = query.goals ? await explore.goalRows(siteIds, range, filters, aggregated.total.visitors) : undefined
      const goals = goalRows?.map((row) => ({ ...row, revenue: revenue.byGoal.get(row.key) ?? [] }))
      const byDimension = new Map<string, BreakdownRow[]>()
      for (const { dimension, ...row } of top) {
        const rows = byDimension.get(dimension) ?? byDimension.set(dimension, []).get(dimension)!
        rows.push(breakdownRow(dimension, row))
      }
      return {
        breakdowns: {
          ...Object.fromEntries(breakdowns.map((name) => [name, byDimension.get(BREAKDOWN_DIMENSIONS[name]) ?? []])),
          ...Object.fromEntries(props.map((prop, index) => [`prop:${prop}`, propRows[index]!])),
          ...(goals ? { goals } : {}),
        },
        filters,
        imported: aggregated.imported,
        interval,
        ...(kpis ? { kpis } : {}),
        ...(propKeys ? { propKeys } : {}),
        ...(propPlans.length > 0 ? { propSources: Object.fromEntries(propPlans.map((plan) => [plan.key, plan.source])) } : {}),
        range,
        series: interval === 'hour' ? await hourlySeries(siteIds, range, timeZone) : buildSeries(aggregated.byDay, range.from, range.to, interval),
        siteTimeZones: zones,
        sites: chosen.map((site) => ({
          ...(siteSeries ? { series: buildSeries(aggregated.bySiteDay.get(String(site.id)) ?? new Map(), range.from, range.to, siteSeries) } : {}),
          site,
          totals: totalsOf(aggregated.bySite.get(String(site.id)) ?? zeroCounters()),
        })),
        timeZone,
        totals: { ...totalsOf(aggregated.total), revenue: revenue.total },
      }
    })
  }

  async function compareStats(query: CompareQuery, caller: StatsCaller): Promise<CompareResult> {
    const { filters, interval } = checkQuery({ ...query, breakdowns: undefined, limit: undefined })
    const chosen = await sites.resolve(caller, query.siteIds)
    const zones = zonesOf(chosen)
    const timeZone = rangeZone(zones)
    const range = asBadQuery(() => resolveRange(query, now(), statsDays, timeZone))
    const previous: ResolvedRange = asBadQuery(() => {
      if (query.compareFrom === undefined && query.compareTo === undefined) return previousRange(range)
      const explicit = checkCustom(query.compareFrom, query.compareTo, 'compareFrom', 'compareTo')
      checkWithinRetention(explicit, todayIn(now(), timeZone), statsDays)
      return explicit
    })
    if (interval === 'hour') {
      checkHourly(range, zones)
      checkHourly(previous, zones)
    }
    const siteIds = idsOf(chosen)
    checkFiltered(filters, siteIds, range)
    // Under filters the previous period may begin before the raw events: the current period is
    // still answered (a filtered "Last 30 days" view), without the comparison.
    const firstRaw = filters.length > 0 ? explore.firstRawDay(siteIds) : null
    const previousUnavailable =
      firstRaw !== null && previous.from < firstRaw
        ? `the previous period (${previous.from} to ${previous.to}) begins before ${firstRaw}, the first day filters can cover (they read raw events)`
        : undefined
    const withImports = query.imports !== false
    const key = { filters, from: range.from, imports: withImports ? await importedKey(siteIds, [range, previous]) : false, interval, name: range.name, previous: [previous.from, previous.to], timeZone, to: range.to }
    const maybeCached = interval === 'hour' ? (compute: () => Promise<CompareResult>) => compute() : (compute: () => Promise<CompareResult>) => cached('compare', key, siteIds, compute)
    return maybeCached(async () => {
      const seriesOf = (aggregated: Aggregated, of: ResolvedRange) =>
        interval === 'hour' ? hourlySeries(siteIds, of, timeZone) : Promise.resolve(buildSeries(aggregated.byDay, of.from, of.to, interval as DayInterval))
      if (previousUnavailable) {
        const current = await aggregate(siteIds, range, withImports, filters)
        const totals = totalsOf(current.total)
        return {
          filters,
          imported: current.imported,
          interval,
          previousAvailable: false,
          previousImported: null,
          previousRange: previous,
          previousUnavailable,
          range,
          series: (await seriesOf(current, range)).map((point) => ({ current: point, previous: null })),
          siteTimeZones: zones,
          sites: chosen,
          timeZone,
          totals: Object.fromEntries(Object.entries(totals).map(([name, value]) => [name, { change: null, current: value, previous: null, relativeChange: null }])) as CompareResult['totals'],
        }
      }
      const [current, before] = await reads(filters.length > 0, () => aggregate(siteIds, range, withImports, filters), () => aggregate(siteIds, previous, withImports, filters))
      const series = alignSeries(await seriesOf(current, range), await seriesOf(before, previous), interval)
      return {
        filters,
        imported: current.imported,
        interval,
        previousAvailable: true,
        previousImported: before.imported,
        previousRange: previous,
        range,
        series,
        siteTimeZones: zones,
        sites: chosen,
        timeZone,
        totals: compareTotals(totalsOf(current.total), totalsOf(before.total)),
      }
    })
  }

  /** One site's funnel over a range within raw retention (`FunnelResult`). */
  async function getFunnel(query: FunnelQuery, caller: StatsCaller): Promise<FunnelResult> {
    const filters = asBadQuery(() => checkFilters(query.filters ?? []))
    const [site] = await sites.resolve(caller, [query.siteId])
    const timeZone = siteTimeZone(site!.id).timeZone
    const range = asBadQuery(() => resolveRange(query, now(), statsDays, timeZone))
    const { goals, name } = explore.funnelGoals(site!.id, query)
    explore.checkRawCoverage([site!.id], range, 'funnels')
    const siteIds = [String(site!.id)]
    const key = { filters, from: range.from, goals, name: range.name, timeZone, to: range.to }
    return cached('funnel', key, siteIds, async () => {
      const request = filters.length > 0 ? explore.requestOf(siteIds, range, filters) : null
      if (request) await checkVisitsCovered(payload, cfg, request)
      const [reached, aggregated] = await Promise.all([
        funnelCounts(payload, cfg, {
          end: localMidnight(addDays(range.to, 1), timeZone),
          siteId: site!.id,
          start: localMidnight(range.from, timeZone),
          steps: goals,
          visits: request ? filteredVisitsCtes(payload, cfg, request) : undefined,
        }),
        // The range's own visitors (the filtered ones under filters), as every visitor figure: funnels read raw events, never imported days.
        aggregate(siteIds, range, false, filters),
      ])
      return { ...funnelSteps(goals.map((goal) => goal.name), reached), filters, name, range, siteId: site!.id, timeZone, visitors: aggregated.total.visitors }
    })
  }

  async function getRealtime(query: { limit?: number; siteIds?: SiteId[]; windowMinutes?: number }, caller: StatsCaller): Promise<RealtimeResult> {
    const windowMinutes = query.windowMinutes ?? REALTIME_WINDOW_MINUTES
    if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || windowMinutes > MAX_REALTIME_WINDOW_MINUTES) {
      throw badQuery(`windowMinutes: a whole number from 1 to ${MAX_REALTIME_WINDOW_MINUTES}`)
    }
    const limit = query.limit ?? DEFAULT_BREAKDOWN_LIMIT
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BREAKDOWN_LIMIT) throw badQuery(`limit: a whole number from 1 to ${MAX_BREAKDOWN_LIMIT}`)
    const chosen = await sites.resolve(caller, query.siteIds)
    const at = now()
    // The asked sites' realtime index holds their last 30 minutes, aggregated or not. A longer
    // window (the drop alert's) reads what lies before that from the stored raw events: the two
    // never overlap in time, so no event counts twice, and visitors are merged by their hash.
    const indexSince = at.getTime() - Math.min(windowMinutes, REALTIME_WINDOW_MINUTES) * 60_000
    const [entries, stored] = await Promise.all([
      deps.buffer.realtime(
        chosen.map((site) => site.id),
        indexSince,
      ),
      windowMinutes > REALTIME_WINDOW_MINUTES
        ? store.rawEventsBetween(idsOf(chosen), new Date(at.getTime() - windowMinutes * 60_000), new Date(indexSince))
        : [],
    ])
    const visitors = new Set<string>()
    const pages = new Map<string, { pageviews: number; visitors: Set<string> }>()
    let pageviews = 0
    const count = (visitor: null | string, path: null | string, views: number) => {
      if (visitor) visitors.add(visitor)
      if (views === 0) return
      pageviews += views
      if (!path) return
      const page = pages.get(path) ?? pages.set(path, { pageviews: 0, visitors: new Set() }).get(path)!
      page.pageviews += views
      if (visitor) page.visitors.add(visitor)
    }
    for (const { pageview, path, visitor } of entries) count(visitor, path, pageview ? 1 : 0)
    for (const row of stored) count(row.visitor, row.path, row.pageviews)
    const topPages = [...pages]
      .map(([key, page]) => ({ key, pageviews: page.pageviews, visitors: page.visitors.size }))
      .sort((x, y) => y.visitors - x.visitors || y.pageviews - x.pageviews || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
      .slice(0, limit)
    const zones = zonesOf(chosen)
    return { generatedAt: at.toISOString(), pageviews, siteTimeZones: zones, timeZone: rangeZone(zones), topPages, visitors: visitors.size, windowMinutes }
  }

  /**
   * The portfolio rows: each site's range in its own zone (month-to-date is its own
   * calendar month up to its own today), sites of one zone read together.
   */
  async function* exportRows(query: StatsQuery, caller: StatsCaller): AsyncGenerator<ExportRow> {
    const at = now()
    // Bad parameters answer 400 before any access check or read.
    asBadQuery(() => resolveRange(query, at, statsDays, cfg.defaults.timeZone))
    const filters = asBadQuery(() => checkFilters(query.filters ?? []))
    const chosen = await sites.resolve(caller, query.siteIds)
    const rangeIn = new Map<string, ResolvedRange>()
    const rangeOf = (timeZone: string) => rangeIn.get(timeZone) ?? rangeIn.set(timeZone, asBadQuery(() => resolveRange(query, at, statsDays, timeZone))).get(timeZone)!
    for (let start = 0; start < chosen.length; start += EXPORT_CHUNK) {
      const chunk = chosen.slice(start, start + EXPORT_CHUNK)
      const zoneOf = new Map(chunk.map((site) => [String(site.id), siteTimeZone(site.id).timeZone]))
      const bySite = new Map<string, Awaited<ReturnType<StatsStore['totalsBySite']>>[number]>()
      for (const timeZone of new Set(zoneOf.values())) {
        const range = rangeOf(timeZone)
        const ids = chunk.filter((site) => zoneOf.get(String(site.id)) === timeZone).map((site) => String(site.id))
        checkFiltered(filters, ids, range)
        const imported = filters.length > 0 ? null : await importedOf(ids, range, query.imports !== false)
        const rows = filters.length > 0 ? sumBySite(await explore.filtered.totalsByDay(explore.requestOf(ids, range, filters)).catch((error: unknown) => Promise.reject(badQueryOf(error)))) : await store.totalsBySite(ids, range.from, range.to, imported?.siteIds ?? [])
        for (const row of rows) bySite.set(row.siteId, row)
      }
      for (const site of chunk) {
        const timeZone = zoneOf.get(String(site.id))!
        const range = rangeOf(timeZone)
        const period = `${range.from}..${range.to}`
        const totals = totalsOf({ ...zeroCounters(), ...bySite.get(String(site.id)), conversions: 0 })
        yield {
          avgVisitDuration: totals.avgVisitDuration,
          bounceRate: totals.bounceRate,
          domain: site.domain,
          importedDays: await importedDaysOf(String(site.id), range, query.imports !== false && filters.length === 0),
          pageviews: totals.pageviews,
          period,
          scrollDepth: totals.scrollDepth,
          siteId: site.id,
          timeOnPage: totals.timeOnPage,
          timeZone,
          viewsPerVisit: totals.viewsPerVisit,
          visitors: totals.visitors,
          visits: totals.visits,
        }
      }
    }
  }

  /** A site's imported days within a range, `from..to`, for its export row ('' when none). */
  const importedDaysOf = async (siteId: string, range: ResolvedRange, withImports: boolean): Promise<string> => {
    const imported = await importedOf([siteId], range, withImports)
    return imported ? `${imported.from}..${imported.to}` : ''
  }

  /** Per site, the sum of its days' counters. */
  function sumBySite(rows: Array<TotalCounters & { day: string; siteId: string }>): Array<TotalCounters & { siteId: string }> {
    const sums = new Map<string, TotalCounters & { siteId: string }>()
    for (const { day: _, ...row } of rows) {
      const sum = sums.get(row.siteId)
      if (!sum) sums.set(row.siteId, { ...row })
      else for (const name of Object.keys(row) as Array<keyof TotalCounters | 'siteId'>) if (name !== 'siteId') sum[name] += row[name]
    }
    return [...sums.values()]
  }

  return {
    compareStats,
    exportRows,
    getFunnel,
    getRealtime,
    getStats,
    invalidate: (siteIds) => cache.invalidate(siteIds === 'all' ? 'all' : siteIds.map(String)),
    readableSites: (caller) => sites.readable(caller),
  }
}
