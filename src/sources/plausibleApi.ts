/**
 * Plausible's Stats API v2 (`POST /api/v2/query`, cloud or self-hosted): for each day of a
 * mapped site, the day's totals and one query per dimension (sources, pages, entry and exit
 * pages, countries, devices, browsers, operating systems), paged by `pagination: {limit, offset}`
 * past Plausible's 10,000 rows a query. The API key is a Bearer header. Requests of one connection are paced under
 * Plausible's 600 an hour (`sources.plausibleRequestsPerHour`); a 429 backs off (its
 * `Retry-After` first). Averages come back as averages (bounce rate, visit duration) and are
 * turned into the totals the import stores.
 */
import type { ImportedDay, ImportedRow } from '../imports/store.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { Pacer, RetryPolicy } from './http.js'
import type { SiteSyncContext } from './sync.js'

import { importDays } from './importRun.js'
import { backoffDelayMs, createPacer, retryAfterSeconds, sleep, SourceError } from './http.js'

interface QueryResult {
  dimensions: string[]
  metrics: number[]
}

const pacers = new WeakMap<SanitizedAnalyticsConfig, Pacer>()

export async function plausibleQuery(
  deps: { apiKey: string; baseUrl: string; key: string; pacer: Pacer; retry: RetryPolicy },
  body: Record<string, unknown>,
): Promise<QueryResult[]> {
  const url = `${deps.baseUrl.replace(/\/+$/, '')}/api/v2/query`
  for (let attempt = 0; ; attempt++) {
    await deps.pacer.wait(deps.key)
    let response: Response
    try {
      response = await fetch(url, { body: JSON.stringify(body), headers: { authorization: `Bearer ${deps.apiKey}`, 'content-type': 'application/json' }, method: 'POST' })
    } catch (error) {
      throw new SourceError(`Plausible did not answer (${(error as Error).message})`, 'network')
    }
    const answer = (await response.json().catch(() => null)) as { error?: string; results?: QueryResult[] } | null
    if (response.ok && answer && Array.isArray(answer.results)) return answer.results
    if (response.status === 429 && attempt + 1 < deps.retry.maxAttempts) {
      await sleep(backoffDelayMs(attempt, { ...deps.retry, retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')) }))
      continue
    }
    const detail = answer?.error ? `: ${String(answer.error).slice(0, 200)}` : ''
    throw new SourceError(`Plausible answered ${response.status}${detail}`, response.status === 429 ? 'quota' : response.status === 401 ? 'auth' : 'http', response.status)
  }
}

/** Rows asked for per query: Plausible's default (and our v2's most), so a page shorter than this is the last. */
export const PLAUSIBLE_PAGE_LIMIT = 10_000
/** Pages read per dimension and day at most (a million rows): a server that ignores `offset` must not loop forever. */
const MAX_PAGES = 100

/** Every row of a breakdown query, page after page until a short one. */
async function allPages(deps: Parameters<typeof plausibleQuery>[0], body: Record<string, unknown>): Promise<QueryResult[]> {
  const rows: QueryResult[] = []
  for (let page = 0; page < MAX_PAGES; page++) {
    const results = await plausibleQuery(deps, { ...body, pagination: { limit: PLAUSIBLE_PAGE_LIMIT, offset: page * PLAUSIBLE_PAGE_LIMIT } })
    rows.push(...results)
    if (results.length < PLAUSIBLE_PAGE_LIMIT) return rows
  }
  throw new SourceError(`Plausible answered more than ${MAX_PAGES} pages of ${PLAUSIBLE_PAGE_LIMIT} rows for ${String(body.dimensions)} (does it ignore pagination.offset?)`, 'http')
}

/**
 * The breakdowns read, each with visitors, visits and pageviews (pages: their own pageviews;
 * visit dimensions: all pageviews of those visits — what our breakdown rows hold). One query
 * each per day: Plausible's API can group by time and a dimension at once, ours cannot, and
 * the importer must read both.
 */
const DIMENSIONS = [
  { dimension: 'visit:source', field: 'sources' },
  { dimension: 'event:page', field: 'pages' },
  { dimension: 'visit:entry_page', field: 'entryPages' },
  { dimension: 'visit:exit_page', field: 'exitPages' },
  { dimension: 'visit:country', field: 'countries' },
  { dimension: 'visit:device', field: 'devices' },
  { dimension: 'visit:browser', field: 'browsers' },
  { dimension: 'visit:os', field: 'operatingSystems' },
] as const
const ROW_METRICS = ['visitors', 'visits', 'pageviews']

const DEVICE_OF: Record<string, string> = { desktop: 'desktop', mobile: 'mobile', tablet: 'tablet' }
/** Plausible's "(none)" values and Direct / None are our empty key. */
const keyOf = (field: string, value: string) => {
  if (field === 'sources') return value === 'Direct / None' ? '' : value
  if (field === 'devices') return DEVICE_OF[value.toLowerCase()] ?? 'other'
  if (field === 'countries') return value.length === 2 ? value.toUpperCase() : ''
  return value
}

export async function syncPlausibleSite(context: SiteSyncContext): Promise<{ days: number; rows: number }> {
  const { cfg, credential, remoteId, source } = context
  if (!source.baseUrl) throw new SourceError('The Plausible connection has no base URL', 'http')
  if (!credential) throw new SourceError('The Plausible connection has no API key', 'auth')
  let pacer = pacers.get(cfg)
  if (!pacer) pacers.set(cfg, (pacer = createPacer(3_600_000 / cfg.sources.plausibleRequestsPerHour)))
  const deps = { apiKey: credential, baseUrl: source.baseUrl, key: String(source.id), pacer, retry: context.retry }
  return importDays(context, 'plausible-api', async (day) => {
    const range = [day, day]
    // `include.imports`: the site's history as its dashboard shows it, imported days included.
    const base = { date_range: range, include: { imports: true }, site_id: remoteId }
    const [totals] = await plausibleQuery(deps, { ...base, metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'] })
    const [visitors = 0, visits = 0, pageviews = 0, bounceRate = 0, visitDuration = 0] = totals?.metrics ?? []
    const imported: ImportedDay = {
      date: day,
      // Averages back to totals: bounce rate in percent of visits, duration in seconds per visit.
      totals: { bounces: Math.round((bounceRate / 100) * visits), pageviews, visitDuration: Math.round(visitDuration * visits), visitors, visits },
    }
    for (const { dimension, field } of DIMENSIONS) {
      const results = await allPages(deps, { ...base, dimensions: [dimension], metrics: ROW_METRICS })
      imported[field] = results.map((result): ImportedRow => {
        const [rowVisitors = 0, rowVisits = 0, rowPageviews = 0] = result.metrics
        return { key: keyOf(field, String(result.dimensions[0] ?? '')), pageviews: rowPageviews, visitors: rowVisitors, visits: rowVisits }
      })
    }
    return imported
  })
}
