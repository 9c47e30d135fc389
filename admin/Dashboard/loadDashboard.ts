/**
 * Server side of every dashboard (the Analytics view, a site's tab, the public share page):
 * one call to the stats service per question, the same service the REST API answers from.
 * No SQL here; access is the service's business (it gets the caller).
 */
import type { Payload, PayloadRequest } from 'payload'

import type {
  CompareResult,
  DayInterval,
  FunnelResult,
  RealtimeResult,
  SiteId,
  StatsCaller,
  StatsQuery,
  StatsResult,
  StatsService,
  StatsSite,
} from '../../src/stats/types.js'
import type { DashboardSearch } from './loadSearch.js'
import type { DashboardState } from './state.js'
import type { StatsError } from '../../src/stats/errors.js'
import type { SourceOutage } from '../../src/sourceHealth.js'

import { firstRefused } from '../../src/access/actions.js'
import { getAnalyticsConfig } from '../../src/analyticsConfig.js'
import { BREAKDOWN_LIMIT, BREAKDOWN_LISTS } from './metrics.js'
import { filterParam } from './filterState.js'
import { loadSearch } from './loadSearch.js'
import { statsRange } from './state.js'

/** Sparklines of the comparison table: above this many sites the table shows numbers only. */
export const SPARKLINE_SITE_LIMIT = 50

/** One site's saved funnels: their names (the chooser), the chosen one's figures or why they cannot be shown. */
export interface DashboardFunnels {
  chosen: string
  /** The API's message when the funnel cannot be computed (a range beyond raw retention). */
  message: null | string
  names: string[]
  result: FunnelResult | null
}

export interface DashboardData {
  /** Whether the Export button shows: `access.export` allows every site in view (never on a share page). */
  canExport: boolean
  compare: CompareResult
  /** One site in view with saved funnels: the funnel chart's data; else null. */
  funnels: DashboardFunnels | null
  /** A source that is down (Redis: tracking refused, realtime off), shown above the figures. */
  outage: null | SourceOutage
  /** Query string of the stats endpoints for this view (`/export`, `/realtime`). */
  query: string
  realtime: null | RealtimeResult
  /** One site in view in the admin (never on a share page): its Search Console figures over the range; else null. */
  search: DashboardSearch | null
  /** Sites in this view (the switcher's selection, or all of the list). */
  selected: SiteId[]
  /** The site switcher's list: the sites the user may read, narrowed to the selected tenant. */
  sites: StatsSite[]
  /** Visitors per period, per site (comparison table); absent above `SPARKLINE_SITE_LIMIT` sites. */
  sparklines: null | Record<string, number[]>
  state: DashboardState
  stats: StatsResult
  /** Name of the tenant the multi-tenant selector narrows the view to. */
  tenant: null | string
}

export type DashboardResult = { data: DashboardData; ok: true } | { message: string; ok: false; status: number }

/** The stats service of a running instance (set by the plugin at init). */
export function statsService(payload: Payload): StatsService {
  const stats = payload.analytics?.stats
  if (!stats) throw new Error('The analytics stats service is not running (is the plugin enabled?).')
  return stats
}

/** The source of the analytics that is down right now, if any (the dashboards and the home widget say so). */
export async function currentOutage(payload: Payload): Promise<null | SourceOutage> {
  return (await payload.analytics?.health.outage().catch(() => null)) ?? null
}

/**
 * A caller's mistake from the stats service. Not `instanceof`: Next bundles the admin
 * components apart from the Payload config, so the service's `StatsError` class and the one
 * this module would import can be two copies of the same class.
 */
const isStatsError = (error: unknown): error is StatsError =>
  error instanceof Error && error.name === 'StatsError' && typeof (error as { status?: unknown }).status === 'number'

/**
 * The view's one stats question: its range and sites (`base`), every ranked list, goals and the
 * KPI cards' periods, and a series per site for the sparklines (`siteSeriesInterval`; none
 * without them). The benches ask it the same way (bench:admin, bench:query-profile).
 */
export const dashboardStatsQuery = (base: StatsQuery, siteSeriesInterval?: DayInterval): StatsQuery => ({
  ...base,
  breakdowns: BREAKDOWN_LISTS.map((list) => list.breakdown),
  goals: true,
  // The cards' trend, 7-day average and month projection (the service leaves them out under filters).
  kpis: true,
  limit: BREAKDOWN_LIMIT,
  siteSeriesInterval,
})

/** Sparklines stay legible: daily up to two months, then weekly, then monthly. */
const sparklineInterval = (days: number): DayInterval => (days <= 62 ? 'day' : days <= 190 ? 'week' : 'month')
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1

/** Days a range covers (UTC), known before the service resolves it. */
export function rangeDays(state: DashboardState, now: Date): number {
  const today = now.toISOString().slice(0, 10)
  switch (state.range) {
    case 'today':
      return 1
    case '7d':
      return 7
    case '30d':
      return 30
    case 'month':
      return now.getUTCDate()
    case 'year':
      return daysBetween(`${today.slice(0, 4)}-01-01`, today)
    case 'custom':
      return state.from && state.to ? daysBetween(state.from, state.to) : 30
  }
}

/**
 * The sites of the tenant the multi-tenant plugin's selector has chosen (its cookie), among
 * those the user may read; null when there is no tenant selection.
 */
async function tenantSites(req: PayloadRequest, cookies: Map<string, string> | undefined): Promise<null | { ids: string[]; name: string }> {
  const tenantId = cookies?.get('payload-tenant')
  const cfg = req.payload.analytics?.config
  if (!tenantId || !cfg?.tenantsCollection || !req.user) return null
  const [{ docs }, tenant] = await Promise.all([
    req.payload.find({
      collection: cfg.slugs.sites,
      depth: 0,
      overrideAccess: false,
      pagination: false,
      req,
      user: req.user,
      where: { [cfg.sites.tenantField]: { equals: tenantId } },
    }),
    req.payload
      .findByID({ id: tenantId, collection: cfg.tenantsCollection, depth: 0, disableErrors: true, overrideAccess: false, req, user: req.user })
      .catch(() => null),
  ])
  if (!tenant) return null
  const record = tenant as unknown as Record<string, unknown>
  const name = typeof record.name === 'string' ? record.name : typeof record.title === 'string' ? record.title : String(tenantId)
  return { ids: docs.map((doc) => String(doc.id)), name }
}

/**
 * The funnel chart of a one-site view (after its stats were read: the caller may read the
 * site). A funnel the service refuses (its range begins before the raw events) shows the
 * service's message in place of the chart, not an error page.
 */
async function loadFunnels(payload: Payload, caller: StatsCaller, siteId: SiteId, state: DashboardState): Promise<DashboardFunnels | null> {
  const names = (payload.analytics?.sites.get(String(siteId))?.settings.funnels ?? []).map((funnel) => funnel.name)
  if (names.length === 0) return null
  const chosen = state.funnel !== undefined && names.includes(state.funnel) ? state.funnel : names[0]!
  try {
    // The view's filter chips apply to the funnel as to every panel (the visits they keep).
    const result = await statsService(payload).getFunnel({ ...statsRange(state), funnel: chosen, siteId }, caller)
    return { chosen, message: null, names, result }
  } catch (error) {
    if (isStatsError(error) && error.status < 500) return { chosen, message: error.message, names, result: null }
    throw error
  }
}

export interface LoadOptions {
  caller: StatsCaller
  /** Cookies of the admin request (the tenant selector's choice). */
  cookies?: Map<string, string>
  /** A site's own tab or share page: the view is fixed to it. */
  fixedSite?: SiteId
  payload: Payload
  state: DashboardState
}

/**
 * Everything a dashboard shows, or the message of what went wrong. A caller's mistake (a
 * site they may not read, a bad range) is a `StatsError` with its message; anything else
 * is logged and reported plainly.
 */
export async function loadDashboard({ caller, cookies, fixedSite, payload, state }: LoadOptions): Promise<DashboardResult> {
  try {
    const stats = statsService(payload)
    const [readable, scoped] = await Promise.all([
      stats.readableSites(caller),
      'req' in caller && fixedSite === undefined ? tenantSites(caller.req, cookies) : null,
    ])
    let sites = readable
    let tenant: null | string = null
    if (scoped) {
      tenant = scoped.name
      const ids = new Set(scoped.ids)
      sites = sites.filter((site) => ids.has(String(site.id)))
    }

    const siteParam = fixedSite !== undefined ? String(fixedSite) : state.site
    // A site id typed into the URL goes to the service as asked: if the caller may not read
    // it, the service says "Site not found" — the view never decides access by itself.
    const selected: SiteId[] = siteParam !== undefined ? [siteParam] : sites.map((site) => site.id)
    if (selected.length === 0) {
      return { message: 'You have no sites with analytics to read.', ok: false, status: 404 }
    }
    const range = statsRange(state)
    const base: StatsQuery = { ...range, siteIds: selected }
    // The sparklines come with the main stats (a series per site from the same rows), and the
    // compare's current totals are the stats' own (the service shares them while in flight).
    const sparklinesShown = selected.length > 1 && selected.length <= SPARKLINE_SITE_LIMIT
    const siteSeriesInterval = sparklinesShown ? sparklineInterval(rangeDays(state, new Date())) : undefined
    const [result, compare, realtime, outage, canExport] = await Promise.all([
      stats.getStats(dashboardStatsQuery(base, siteSeriesInterval), caller),
      // One day (today, or a custom day such as yesterday) by hour, against the day before's
      // hours; sites in several zones have no common hours: by day.
      state.range === 'today' || (state.range === 'custom' && state.from !== undefined && state.from === state.to)
        ? stats.compareStats({ ...base, interval: 'hour' }, caller).catch((error: unknown) => {
            if (isStatsError(error) && error.status === 400) return stats.compareStats(base, caller)
            throw error
          })
        : stats.compareStats(base, caller),
      stats.getRealtime({ siteIds: selected }, caller).catch((error: unknown) => {
        // The realtime badge is a nicety: a dashboard without it is still a dashboard.
        if (!isStatsError(error)) payload.logger.warn(`analytics: realtime counts failed: ${(error as Error).message}`)
        return null
      }),
      // Asked every time: a Redis outage leaves the figures readable but stops them moving.
      currentOutage(payload),
      'req' in caller ? firstRefused(caller.req, getAnalyticsConfig(payload.config), 'export', selected).then((refused) => refused === null) : false,
    ])
    const sparklines: DashboardData['sparklines'] = sparklinesShown
      ? Object.fromEntries(result.sites.map((row) => [String(row.site.id), (row.series ?? []).map((point) => point.visitors)]))
      : null

    // The per-site series went into `sparklines`: not sent to the browser twice.
    const shown: StatsResult = { ...result, sites: result.sites.map(({ site, totals }) => ({ site, totals })) }
    const query = new URLSearchParams({ from: result.range.from, range: 'custom', to: result.range.to })
    if (siteParam !== undefined || tenant) query.set('siteId', selected.map(String).join(','))
    // Export CSV (and anything else built on `query`) answers the same filtered question.
    for (const filter of state.filters ?? []) query.append('filter', filterParam(filter))
    // After the stats: the service has said the caller may read the one site.
    const [funnels, search] = selected.length === 1
      ? await Promise.all([loadFunnels(payload, caller, selected[0]!, state), 'req' in caller ? loadSearch(payload, selected[0]!, result.range) : null])
      : [null, null]
    return {
      data: { canExport, compare, funnels, outage, query: query.toString(), realtime, search, selected, sites, sparklines, state, stats: shown, tenant },
      ok: true,
    }
  } catch (error) {
    if (isStatsError(error)) return { message: error.message, ok: false, status: error.status }
    // An outage is said as one: which source is down, not "try again" and a log line.
    const outage = await currentOutage(payload)
    if (outage) return { message: outage.message, ok: false, status: 503 }
    payload.logger.error({ err: error, msg: 'analytics: the dashboard could not load its stats' })
    return { message: 'The analytics could not be loaded. Try again in a moment; if it persists, the server log says why.', ok: false, status: 500 }
  }
}
