/**
 * Matomo's Reporting API: one `API.getBulkRequest` per day holding `VisitsSummary.get`,
 * `Actions.get`, the page URLs, the referrers, the countries and the device types, each with
 * `format_metrics=0` (plain numbers) and `filter_limit=-1` (every row). The `token_auth`
 * travels in the POST body only — never in the URL, where proxies and logs keep it. An answer
 * `{"result":"error"}` — whole or for one report — is an error whatever the HTTP status.
 */
import type { ImportedDay, ImportedRow } from '../imports/store.js'
import type { SiteSyncContext } from './sync.js'

import { importDays } from './importRun.js'
import { SourceError } from './http.js'

type MatomoRow = Record<string, unknown> & { label?: string }

const REPORTS = ['VisitsSummary.get', 'Actions.get', 'Actions.getPageUrls', 'Referrers.getAll', 'UserCountry.getCountry', 'DevicesDetection.getType'] as const

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : Number(value) || 0)

const isError = (value: unknown): value is { message?: string; result: 'error' } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { result?: unknown }).result === 'error'

/** The endpoint of a Matomo base URL (`https://matomo.example.com` or `…/index.php`). */
export const matomoEndpoint = (baseUrl: string) => (/\.php$/.test(baseUrl) ? baseUrl : `${baseUrl.replace(/\/+$/, '')}/index.php`)

export async function matomoBulk(baseUrl: string, token: string, idSite: string, day: string): Promise<unknown[]> {
  const body = new URLSearchParams({ format: 'json', method: 'API.getBulkRequest', module: 'API', token_auth: token })
  REPORTS.forEach((method, index) => {
    const query = new URLSearchParams({ date: day, filter_limit: '-1', format_metrics: '0', idSite, method, period: 'day' })
    if (method === 'Actions.getPageUrls') query.set('flat', '1')
    body.set(`urls[${index}]`, query.toString())
  })
  let response: Response
  try {
    response = await fetch(matomoEndpoint(baseUrl), { body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, method: 'POST' })
  } catch (error) {
    throw new SourceError(`Matomo did not answer (${(error as Error).message})`, 'network')
  }
  const answer = (await response.json().catch(() => null)) as unknown
  if (isError(answer)) throw new SourceError(`Matomo answered an error: ${String(answer.message ?? '').slice(0, 200)}`, 'remote', response.status)
  if (!response.ok) throw new SourceError(`Matomo answered ${response.status}`, response.status === 429 ? 'quota' : 'http', response.status)
  if (!Array.isArray(answer) || answer.length !== REPORTS.length) throw new SourceError('Matomo’s answer is not the expected list of reports', 'remote', response.status)
  answer.forEach((part, index) => {
    if (isError(part)) throw new SourceError(`Matomo answered an error for ${REPORTS[index]}: ${String(part.message ?? '').slice(0, 200)}`, 'remote', response.status)
  })
  return answer
}

const rowsOf = (value: unknown): MatomoRow[] => (Array.isArray(value) ? (value as MatomoRow[]) : [])
/** A report of one day is an object (or, in some versions, a list of one). */
const objectOf = (value: unknown): MatomoRow => (Array.isArray(value) ? ((value[0] as MatomoRow | undefined) ?? {}) : ((value as MatomoRow | null) ?? {}))

const pathOf = (row: MatomoRow) => {
  if (typeof row.url === 'string') {
    try {
      return new URL(row.url).pathname
    } catch {
      // not a URL: fall back to the label
    }
  }
  const label = String(row.label ?? '')
  return label.startsWith('/') ? label : `/${label}`
}

const DEVICE_OF: Record<string, string> = { desktop: 'desktop', 'feature phone': 'mobile', phablet: 'mobile', smartphone: 'mobile', tablet: 'tablet' }

/** Matomo's reports of one day as an imported day. */
export function matomoDay(day: string, reports: unknown[]): ImportedDay {
  const [summary, actions, pages, referrers, countries, devices] = reports
  const visits = objectOf(summary)
  const row = (key: string, r: MatomoRow): ImportedRow => ({ key, visitors: num(r.nb_uniq_visitors), visits: num(r.nb_visits) })
  return {
    countries: rowsOf(countries).map((r) => row(String(r.code ?? '').toUpperCase() === 'XX' ? '' : String(r.code ?? '').toUpperCase(), r)),
    date: day,
    devices: rowsOf(devices).map((r) => row(DEVICE_OF[String(r.label ?? '').toLowerCase()] ?? 'other', r)),
    pages: rowsOf(pages).map((r) => ({ ...row(pathOf(r), r), pageviews: num(r.nb_hits) })),
    // Referrer type 1 is a direct entry: our source '' (Direct / None).
    sources: rowsOf(referrers).map((r) => row(num(r.referer_type) === 1 ? '' : String(r.label ?? ''), r)),
    totals: {
      bounces: num(visits.bounce_count),
      pageviews: num(objectOf(actions).nb_pageviews),
      visitDuration: num(visits.sum_visit_length),
      visitors: num(visits.nb_uniq_visitors),
      visits: num(visits.nb_visits),
    },
  }
}

export async function syncMatomoSite(context: SiteSyncContext): Promise<{ days: number; rows: number }> {
  const { credential, remoteId, source } = context
  if (!source.baseUrl) throw new SourceError('The Matomo connection has no base URL', 'http')
  if (!credential) throw new SourceError('The Matomo connection has no token', 'auth')
  return importDays(context, 'matomo', async (day) => matomoDay(day, await matomoBulk(source.baseUrl!, credential, remoteId, day)))
}
