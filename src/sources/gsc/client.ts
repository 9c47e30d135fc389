/**
 * Search Console's `searchAnalytics.query`, one day per request, paged by 25,000 rows,
 * `dataState: all` (so the last days come, marked incomplete, and are fetched again later).
 * Each property's requests go through a pacer under Google's per-minute quota; 429s and
 * quota 403s back off exponentially with jitter; a 401 refreshes the access token once.
 */
import type { GscApiRow, SearchDimension, SearchRow } from '../../core/searchStats.js'
import type { Pacer, RetryPolicy } from '../http.js'

import { searchRowsOf, searchTotalOf } from '../../core/searchStats.js'
import { backoffDelayMs, retryAfterSeconds, sleep, SourceError } from '../http.js'

/** Rows per page: the API's maximum `rowLimit`. */
export const GSC_PAGE_ROWS = 25_000

export interface GscClientDeps {
  apiUrl: string
  /** A valid access token (`fresh: true`: refresh it first, after a 401). */
  accessToken: (fresh: boolean) => Promise<string>
  pacer: Pacer
  retry: RetryPolicy
}

interface QueryAnswer {
  metadata?: { firstIncompleteDate?: string }
  rows?: GscApiRow[]
}

interface GoogleError {
  error?: { errors?: Array<{ reason?: string }>; message?: string; status?: string }
}

/** A 403 that is about quota (retry later), not about permission (the property is not this account's). */
const isQuota403 = (body: GoogleError) => {
  const reasons = (body.error?.errors ?? []).map((error) => error.reason ?? '')
  return reasons.some((reason) => /quota|rateLimit/i.test(reason)) || /quota/i.test(body.error?.message ?? '') || body.error?.status === 'RESOURCE_EXHAUSTED'
}

export function createGscClient(deps: GscClientDeps) {
  async function query(property: string, body: Record<string, unknown>): Promise<QueryAnswer> {
    const url = `${deps.apiUrl}/sites/${encodeURIComponent(property)}/searchAnalytics/query`
    let refreshed = false
    for (let attempt = 0; ; attempt++) {
      // The token first: its refresh must not eat into the paced slot.
      const token = await deps.accessToken(false)
      await deps.pacer.wait(property)
      let response: Response
      try {
        response = await fetch(url, { body: JSON.stringify(body), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, method: 'POST' })
      } catch (error) {
        throw new SourceError(`Search Console did not answer (${(error as Error).message})`, 'network')
      }
      if (response.ok) {
        try {
          return (await response.json()) as QueryAnswer
        } catch {
          throw new SourceError(`Search Console answered ${response.status} with a body that is not JSON for ${property}`, 'remote', response.status)
        }
      }
      const answer = (await response.json().catch(() => ({}))) as GoogleError
      if (response.status === 401 && !refreshed) {
        refreshed = true
        await deps.accessToken(true)
        continue
      }
      const quota = response.status === 429 || (response.status === 403 && isQuota403(answer))
      if (quota && attempt + 1 < deps.retry.maxAttempts) {
        await sleep(backoffDelayMs(attempt, { ...deps.retry, retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')) }))
        continue
      }
      const detail = answer.error?.message ? `: ${answer.error.message.slice(0, 200)}` : ''
      throw new SourceError(`Search Console answered ${response.status} for ${property}${detail}`, quota ? 'quota' : response.status === 401 ? 'auth' : 'http', response.status)
    }
  }

  /** Every row of one breakdown of one day, page after page. */
  async function allRows(property: string, day: string, dimension: Exclude<SearchDimension, 'total'>): Promise<GscApiRow[]> {
    const rows: GscApiRow[] = []
    for (let startRow = 0; ; startRow += GSC_PAGE_ROWS) {
      const answer = await query(property, { dataState: 'all', dimensions: [dimension], endDate: day, rowLimit: GSC_PAGE_ROWS, startDate: day, startRow, type: 'web' })
      const page = answer.rows ?? []
      rows.push(...page)
      if (page.length < GSC_PAGE_ROWS) return rows
    }
  }

  /**
   * One day of a property: its totals (grouped by date, so Google says whether the day is
   * complete) and its top queries, pages, countries and devices.
   */
  async function fetchDay(property: string, day: string): Promise<{ final: boolean; rows: SearchRow[] }> {
    const totals = await query(property, { dataState: 'all', dimensions: ['date'], endDate: day, startDate: day, type: 'web' })
    const incompleteFrom = totals.metadata?.firstIncompleteDate
    const rows: SearchRow[] = [searchTotalOf(totals.rows ?? [])]
    for (const dimension of ['query', 'page', 'country', 'device'] as const) rows.push(...searchRowsOf(dimension, await allRows(property, day, dimension)))
    return { final: !incompleteFrom || day < incompleteFrom, rows: rows.filter((row) => row.dimension === 'total' || row.impressions > 0 || row.clicks > 0) }
  }

  return { fetchDay, query }
}

export type GscClient = ReturnType<typeof createGscClient>
