import type { Endpoint, PayloadHandler, PayloadRequest } from 'payload'

import type { ExportFormat } from '../core/statsQuerySchema.js'
import type { ExportRow, StatsCaller, StatsQuery } from '../stats/types.js'

import { firstRefused } from '../access/actions.js'
import { canAccessSite } from '../access/siteAccess.js'
import { audit, viaOf } from '../audit.js'
import { ENDPOINT_PREFIX } from '../constants.js'
import { exportCsvLine, exportHeaderLine, exportRecord } from '../core/csv.js'
import { parseCompareParams, parseExportParams, parseFunnelParams, parseRealtimeParams, parseStatsParams } from '../core/statsQuerySchema.js'
import { StatsInputError } from '../core/statsRange.js'
import { isRefusal } from '../apiKeys/authenticate.js'
import { badQuery, StatsError } from '../stats/errors.js'
import { rotateShareToken } from '../stats/shareLink.js'
import { outageBehind, outageResponse, presentsCredentials } from './outage.js'

/** Per user (or per share link), and live data: no shared or stored copies. */
const PRIVATE = { 'Cache-Control': 'private, no-store' }

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response => Response.json(body, { headers: { ...PRIVATE, ...headers }, status })

const searchParams = (req: PayloadRequest): URLSearchParams => req.searchParams ?? new URL(req.url ?? '', 'http://localhost').searchParams

/**
 * Thin handlers: parse → service → respond; the caller's mistakes as JSON 4xx, an outage of
 * Postgres or Redis as a 503 with Retry-After (also when it made a valid login unreadable,
 * which Payload reports as no user), bugs as a logged 500.
 */
const handle =
  (run: (req: PayloadRequest, stats: NonNullable<PayloadRequest['payload']['analytics']>['stats']) => Promise<Response>, options: { apiKeys?: boolean } = {}): PayloadHandler =>
  async (req) => {
    const runtime = req.payload.analytics
    if (!runtime) return Response.json({ error: 'Analytics is starting, retry shortly' }, { headers: { 'Retry-After': '5' }, status: 503 })
    try {
      // A read may be made with an API key (`stats:read`) instead of a login: it reads as the key's owner.
      if (options.apiKeys && !req.user) {
        const key = await runtime.apiKeys.authenticate(req, 'stats:read')
        if (key && isRefusal(key)) return json({ error: key.error }, key.status, key.headers)
      }
      return await run(req, runtime.stats)
    } catch (error) {
      if (error instanceof StatsInputError) return json({ error: error.message }, 400)
      const refused = error instanceof StatsError && !(error.status === 401 && presentsCredentials(req))
      const outage = refused ? null : await outageBehind(req, error)
      if (outage) return outageResponse(outage, PRIVATE)
      if (error instanceof StatsError) return json({ error: error.message }, error.status)
      req.payload.logger.error({ err: error, msg: 'analytics: stats request failed' })
      return json({ error: 'Internal error while reading analytics' }, 500)
    }
  }

const userCaller = (req: PayloadRequest): StatsCaller => ({ req })
const shareCaller = (req: PayloadRequest): StatsCaller => ({ shareToken: String(req.routeParams?.token ?? '') })

const statsHandler = (caller: (req: PayloadRequest) => StatsCaller) =>
  handle(async (req, stats) => json(await stats.getStats(parseStatsParams(searchParams(req)), caller(req))), { apiKeys: caller === userCaller })

const compareHandler = (caller: (req: PayloadRequest) => StatsCaller) =>
  handle(async (req, stats) => json(await stats.compareStats(parseCompareParams(searchParams(req)), caller(req))), { apiKeys: caller === userCaller })

/** `month-to-date.csv`, `year-to-date.csv`, or the range's days. */
export function exportFileName(query: Pick<StatsQuery, 'range'>, period: { from: string; to: string } | null, format: ExportFormat): string {
  if (query.range === 'month') return `month-to-date.${format}`
  if (query.range === 'year') return `year-to-date.${format}`
  return period ? `analytics-${period.from}-to-${period.to}.${format}` : `analytics.${format}`
}

/** The rows as a byte stream, CSV or a JSON array, written as they come (never the whole file in memory). */
export function exportStream(first: IteratorResult<ExportRow>, rows: AsyncIterator<ExportRow>, format: ExportFormat): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let pending: IteratorResult<ExportRow> | null = first
  let started = false
  let index = 0
  return new ReadableStream<Uint8Array>({
    async cancel() {
      await rows.return?.()
    },
    async pull(controller) {
      let chunk = ''
      if (!started) {
        started = true
        chunk += format === 'csv' ? exportHeaderLine() : '['
      }
      // A few rows per pull keeps the chunks reasonably large.
      for (let n = 0; n < 50; n++) {
        const next: IteratorResult<ExportRow> = pending ?? (await rows.next())
        pending = null
        if (next.done) {
          if (format === 'json') chunk += index === 0 ? ']\n' : '\n]\n'
          if (chunk) controller.enqueue(encoder.encode(chunk))
          controller.close()
          return
        }
        chunk += format === 'csv' ? exportCsvLine(next.value) : `${index === 0 ? '\n' : ',\n'}${JSON.stringify(exportRecord(next.value))}`
        index++
      }
      controller.enqueue(encoder.encode(chunk))
    },
  })
}

const exportHandler = handle(
  async (req, stats) => {
  const { format, ...query } = parseExportParams(searchParams(req))
  // `access.export`, for every site the file would hold (after the parameters are checked).
  const siteIds = query.siteIds ?? (await stats.readableSites(userCaller(req))).map((site) => site.id)
  const refused = await firstRefused(req, req.payload.analytics!.config, 'export', siteIds)
  if (refused !== null) {
    // A site the user may not even read stays "not found" (the service says so below).
    if (await canAccessSite(req, req.payload.analytics!.config, refused, 'read')) throw new StatsError(`You may not export the analytics of site ${String(refused)}.`, 403)
  }
  const rows = stats.exportRows(query, userCaller(req))[Symbol.asyncIterator]()
  // The first row before the answer starts: access and parameter errors are still a 4xx.
  const first = await rows.next()
  const period = first.done ? null : parsePeriod(first.value.period)
  await audit(req.payload, {
    action: 'export',
    details: { filters: query.filters ?? [], format, from: period?.from ?? null, range: query.range ?? null, sites: query.siteIds ?? 'all', to: period?.to ?? null },
    req,
    siteId: query.siteIds?.length === 1 ? query.siteIds[0] : null,
    via: viaOf(req),
  })
  return new Response(exportStream(first, rows, format), {
    headers: {
      ...PRIVATE,
      'Content-Disposition': `attachment; filename="${exportFileName(query, period, format)}"`,
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    },
    status: 200,
  })
  },
  { apiKeys: true },
)

const parsePeriod = (period: string): { from: string; to: string } => {
  const [from = '', to = ''] = period.split('..')
  return { from, to }
}

/** `GET /api/analytics/funnel?siteId=&funnel=|steps=`: one site's funnel (docs/explore.md). */
const funnelHandler = handle(async (req, stats) => json(await stats.getFunnel(parseFunnelParams(searchParams(req)), userCaller(req))), { apiKeys: true })

const realtimeHandler = handle(async (req, stats) => json(await stats.getRealtime(parseRealtimeParams(searchParams(req)), userCaller(req))), { apiKeys: true })

/** `POST /api/analytics/share/rotate?siteId=`: a new share token for the site; the old link stops working. */
const rotateHandler = handle(async (req) => {
  const params = searchParams(req)
  const siteId = params.get('siteId') ?? ''
  if (params.getAll('siteId').length !== 1 || !/^[\w-]{1,64}$/.test(siteId)) throw badQuery('siteId: one site id')
  return json(await rotateShareToken(req, req.payload.analytics!.config, siteId))
})

/**
 * The stats API: `stats`, `compare`, `realtime`, `funnel`, `export` for logged-in users (the sites
 * their sites collection lets them read), and the public share link's `stats` and `compare`.
 */
export const statsEndpoints: Endpoint[] = [
  { handler: statsHandler(userCaller), method: 'get', path: `${ENDPOINT_PREFIX}/stats` },
  { handler: compareHandler(userCaller), method: 'get', path: `${ENDPOINT_PREFIX}/compare` },
  { handler: realtimeHandler, method: 'get', path: `${ENDPOINT_PREFIX}/realtime` },
  { handler: funnelHandler, method: 'get', path: `${ENDPOINT_PREFIX}/funnel` },
  { handler: exportHandler, method: 'get', path: `${ENDPOINT_PREFIX}/export` },
  { handler: statsHandler(shareCaller), method: 'get', path: `${ENDPOINT_PREFIX}/share/:token/stats` },
  { handler: compareHandler(shareCaller), method: 'get', path: `${ENDPOINT_PREFIX}/share/:token/compare` },
  { handler: rotateHandler, method: 'post', path: `${ENDPOINT_PREFIX}/share/rotate` },
]
