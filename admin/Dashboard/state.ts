/**
 * The dashboard's state lives in the URL (`?range=30d&site=3`), so a view can be bookmarked
 * and sent to a colleague. Pure: no React, no Payload — the server view parses it, the
 * client controls write it.
 */
import type { StatsFilter } from '../../src/core/filters.js'
import type { NamedRange } from '../../src/stats/types.js'

import { NAMED_RANGES } from '../../src/stats/types.js'
import { filterParam, parseUrlFilters } from './filterState.js'

export interface DashboardState {
  /** Filters (`filter=<dimension>:<op>:<value>`, repeatable; the REST API's syntax): every panel shows only what they select. */
  filters?: StatsFilter[]
  /** The chosen saved funnel's name (one site's view); absent: its first funnel. */
  funnel?: string
  /** Custom range start, `YYYY-MM-DD` (only with `range: 'custom'`). */
  from?: string
  range: NamedRange
  /** One site's id; absent: every site the user may read (or the selected tenant's). */
  site?: string
  /** Show charts as tables (the text alternative). */
  table?: boolean
  /** Custom range end, `YYYY-MM-DD`. */
  to?: string
}

export const DEFAULT_RANGE: NamedRange = '30d'

export const RANGE_LABELS: Record<NamedRange, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom',
  month: 'Month to date',
  today: 'Today',
  year: 'Year to date',
}

type SearchParams = Record<string, string | string[] | undefined> | undefined

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value)
const isDay = (value: string | undefined): value is string => Boolean(value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)))

/**
 * Read the state from the page's search params. Unknown or malformed values fall back to
 * the defaults (a hand-edited URL still opens a dashboard); a custom range needs both days.
 */
export function parseDashboardState(searchParams: SearchParams): DashboardState {
  const rangeParam = first(searchParams?.range)
  let range: NamedRange = (NAMED_RANGES as readonly string[]).includes(rangeParam ?? '') ? (rangeParam as NamedRange) : DEFAULT_RANGE
  const from = first(searchParams?.from)
  const to = first(searchParams?.to)
  const state: DashboardState = { range }
  if (range === 'custom') {
    if (isDay(from) && isDay(to)) {
      // Reversed days are a slip of the hand, not a different question.
      ;[state.from, state.to] = from <= to ? [from, to] : [to, from]
    } else {
      range = DEFAULT_RANGE
      state.range = range
    }
  }
  const site = first(searchParams?.site)
  if (site && /^[\w-]{1,64}$/.test(site)) state.site = site
  if (first(searchParams?.view) === 'table') state.table = true
  const funnel = first(searchParams?.funnel)
  if (funnel && funnel.length <= 200) state.funnel = funnel
  const filterParams = searchParams?.filter
  const filters = parseUrlFilters(filterParams === undefined ? [] : Array.isArray(filterParams) ? filterParams : [filterParams])
  if (filters.length > 0) state.filters = filters
  return state
}

/** The search string (`?…`, or empty) for a state; defaults are left out to keep URLs short. */
export function dashboardSearch(state: DashboardState): string {
  const params = new URLSearchParams()
  if (state.range !== DEFAULT_RANGE) params.set('range', state.range)
  if (state.range === 'custom' && state.from && state.to) {
    params.set('from', state.from)
    params.set('to', state.to)
  }
  if (state.site) params.set('site', state.site)
  if (state.table) params.set('view', 'table')
  if (state.funnel) params.set('funnel', state.funnel)
  for (const filter of state.filters ?? []) params.append('filter', filterParam(filter))
  const search = params.toString()
  return search ? `?${search}` : ''
}

/** The stats query of a state (what the REST API is asked for the same view). */
export function statsRange(state: DashboardState): { filters?: StatsFilter[]; from?: string; range: NamedRange; to?: string } {
  const range = state.range === 'custom' ? { from: state.from, range: 'custom' as const, to: state.to } : { range: state.range }
  // Without filters the query has none at all: unfiltered views stay on the rollups.
  return state.filters?.length ? { ...range, filters: state.filters } : range
}

