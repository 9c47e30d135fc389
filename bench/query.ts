/**
 * `npm run bench:query`: latency of `GET /api/analytics/stats` over HTTP for a site with a
 * year of daily statistics — 30 days, 365 days, and 365 days with 5 breakdowns — cold (the
 * site's cached results invalidated before every request, as the aggregation does) and
 * cached; p50/p95/p99 of each.
 *
 * The data: ONE site, 365 UTC days up to today, daily statistics for ~10 million events
 * (~27,500 a day, weekly rhythm and noise) over 20,000 distinct pages (Zipf: page r gets
 * 1/r of the traffic), ~60 sources, UTM tags, ~120 countries, browsers, OSs, devices and
 * custom events. The daily-stats rows are INSERTed directly with these distributions
 * (INSERT … SELECT generate_series, in SQL), NOT computed from 10 million raw events by the
 * aggregation: generating, storing and recomputing 10 M raw events takes tens of minutes on
 * this 2-core machine, and what this benchmark measures — the reads of the stats API — only
 * depends on the rows' number and shape (~16,000 rows a day here, ~6 M in all; page,
 * entry-page and exit-page rows dominate, as in real data). The aggregation's own speed is
 * `npm run bench:aggregate`. The monthly rollup (`analytics-monthly-stats`, read for the
 * whole months of breakdown ranges) is then derived from those daily rows by the SAME code
 * and SQL the aggregation uses (`recomputeMonthlyStats`, one statement per site-month), and
 * the benchmark checks once that breakdowns through the rollup equal the daily-only query.
 *
 * The requests go through Payload's REST handler on node:http, authenticated as the demo
 * super-admin with a JWT, exactly as the admin UI or a script would call them.
 *
 * Environment (optional): BENCH_ITERATIONS=40 (requests per case and mode; the 5-breakdown
 * cold case does a third of them), BENCH_DAYS_PER_STEP=30 (progress granularity of the seed).
 * Progress goes to stdout; the LAST line is one JSON object:
 * `{ "30d": {...}, "365d": {...}, "365d-5breakdowns": {...} }`, each
 * `{ cold: { p50Ms, p95Ms, p99Ms }, cached: { p50Ms, p95Ms, p99Ms } }`.
 * Every process started here is stopped here, by handle, also on failure or Ctrl-C.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { getPayload, handleEndpoints } from 'payload'

import type { PostgresHandle, RedisHandle } from '../scripts/services.js'
import type { HttpHandle } from '../test/helpers/httpServer.js'

import { buildDevConfig } from '../dev/buildConfig.js'
import { DEMO_USERS } from '../dev/seed.js'
import { JOBS_ENV } from '../jobs/scheduler.js'
import { monthOf, nextMonth } from '../src/core/months.js'
import { recomputeMonthlyStats } from '../src/store/recomputeMonthlyStats.js'
import { createStatsStore } from '../src/store/statsQueries.js'
import { freePort, startPostgres, startRedis } from '../scripts/services.js'
import { listen } from '../test/helpers/httpServer.js'
import { envNumber } from './envNumber.js'
import { runBench } from './runBench.js'

process.env[JOBS_ENV] = 'manual'
process.env.NEXT_TELEMETRY_DISABLED = '1'

const ITERATIONS = envNumber('BENCH_ITERATIONS', 40)
const DAYS_PER_STEP = envNumber('BENCH_DAYS_PER_STEP', 30)
const DAYS = 365
const PAGES = 20_000
const EVENTS_PER_DAY = 34_000 // pageviews ≈ 80 % of them; ≈ 10 M events a year
const KEY = 'bench-query'

const log = (message: string) => console.log(`[bench:query] ${message}`)
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

let postgres: null | PostgresHandle = null
let redis: null | RedisHandle = null
let payload: null | Payload = null
let http: HttpHandle | null = null

type Drizzle = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const db = (p: Payload) => (p.db as unknown as { drizzle: Drizzle }).drizzle

const dayAgo = (n: number) => new Date(Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`) - n * 86_400_000).toISOString().slice(0, 10)

/**
 * One breakdown dimension for days [from, to]: keys 1…n with Zipf shares of the day's
 * `base` counter (pageviews for pages, visits otherwise); a key whose expected count is
 * below 1 appears that day with that probability.
 */
function dimensionRows(args: { base: 'pageviews' | 'visits'; dimension: string; from: string; keys: number; prefix: string; site: number | string; tenant: number | string; to: string }) {
  const harmonic = Math.log(args.keys) + 0.5772156649
  return sql`
    INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews, visitors, visits, bounces, total_duration, events)
    SELECT ${args.site}, ${args.tenant}, t.date, ${args.dimension}::enum_analytics_daily_stats_dimension,
      CASE WHEN ${args.dimension}::text = 'source' AND r = 1 THEN '' ELSE ${args.prefix}::text || r::text END,
      CASE WHEN ${args.dimension}::text IN ('exitPage', 'event') THEN 0 WHEN ${args.dimension}::text = 'page' THEN n ELSE round(n * 2.2) END,
      CASE WHEN ${args.dimension}::text = 'exitPage' THEN 0 ELSE ceil(n * 0.8) END,
      CASE WHEN ${args.dimension}::text = 'event' THEN 0 WHEN ${args.dimension}::text = 'page' THEN ceil(n * 0.9) ELSE n END,
      CASE WHEN ${args.dimension}::text IN ('exitPage', 'event', 'page') THEN 0 ELSE floor(n * 0.45) END,
      CASE WHEN ${args.dimension}::text IN ('exitPage', 'event', 'page') THEN 0 ELSE n * 95 END,
      CASE WHEN ${args.dimension}::text = 'event' THEN n ELSE 0 END
    FROM analytics_daily_stats t
    CROSS JOIN generate_series(1, ${args.keys}) AS r
    CROSS JOIN LATERAL (SELECT t.${sql.identifier(args.base)} / (r * ${harmonic}::float8) AS expected) e
    CROSS JOIN LATERAL (SELECT greatest(1, round(e.expected * (0.8 + 0.4 * random())))::int AS n) c
    WHERE t.site_id = ${args.site} AND t.dimension = 'total' AND t.date BETWEEN ${`${args.from}T00:00:00Z`}::timestamptz AND ${`${args.to}T00:00:00Z`}::timestamptz
      AND (e.expected >= 1 OR random() < e.expected)`
}

async function seed(p: Payload, site: { id: number | string; tenant: number | string }) {
  const started = performance.now()
  const first = dayAgo(DAYS - 1)
  // The total rows: a weekly rhythm (weekdays busier) and ±15 % noise.
  await db(p).execute(sql`
    INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews, visitors, visits, bounces, total_duration, events, leads, forms, exports, automation_runs, ai_tokens)
    SELECT ${site.id}, ${site.tenant}, day, 'total', '', pv, round(v * 0.8), v, floor(v * 0.45), v * 95, pv + leads + forms + 40, leads, forms, 10, 20, 150000
    FROM generate_series(${`${first}T00:00:00Z`}::timestamptz, ${`${dayAgo(0)}T00:00:00Z`}::timestamptz, interval '1 day') AS day
    CROSS JOIN LATERAL (SELECT (1 + 0.2 * sin(2 * pi() * extract(dow FROM day) / 7)) * (0.85 + 0.3 * random()) AS f) s
    CROSS JOIN LATERAL (SELECT round(${EVENTS_PER_DAY} * 0.8 * s.f)::int AS pv, round(${EVENTS_PER_DAY} * 0.8 * s.f / 2.2)::int AS v) m
    CROSS JOIN LATERAL (SELECT round(m.v * 0.01)::int AS leads, round(m.v * 0.005)::int AS forms) c`)
  const dimensions = [
    { base: 'pageviews', dimension: 'page', keys: PAGES, prefix: '/docs/page-' },
    { base: 'visits', dimension: 'entryPage', keys: PAGES, prefix: '/docs/page-' },
    { base: 'visits', dimension: 'exitPage', keys: PAGES, prefix: '/docs/page-' },
    { base: 'visits', dimension: 'source', keys: 60, prefix: 'source-' },
    { base: 'visits', dimension: 'utmSource', keys: 15, prefix: 'utm-source-' },
    { base: 'visits', dimension: 'utmMedium', keys: 6, prefix: 'medium-' },
    { base: 'visits', dimension: 'utmCampaign', keys: 25, prefix: 'campaign-' },
    { base: 'visits', dimension: 'country', keys: 120, prefix: 'C' },
    { base: 'visits', dimension: 'browser', keys: 12, prefix: 'Browser ' },
    { base: 'visits', dimension: 'os', keys: 8, prefix: 'OS ' },
    { base: 'visits', dimension: 'device', keys: 4, prefix: 'device-' },
    { base: 'visits', dimension: 'event', keys: 8, prefix: 'custom.event-' },
  ] as const
  for (let start = DAYS - 1; start >= 0; start -= DAYS_PER_STEP) {
    const from = dayAgo(start)
    const to = dayAgo(Math.max(0, start - DAYS_PER_STEP + 1))
    for (const dimension of dimensions) await db(p).execute(dimensionRows({ ...dimension, from, site: site.id, tenant: site.tenant, to }))
    const [count] = (await db(p).execute(sql`SELECT count(*)::int AS n FROM analytics_daily_stats`)).rows
    log(`seeded ${from} … ${to}: ${Number(count?.n).toLocaleString('en-US')} daily-stats rows so far (${round((performance.now() - started) / 1000)} s)`)
  }
  // The monthly rollup of those days, as the aggregation writes it.
  const months = new Set<string>()
  for (let day = first; day <= dayAgo(0); day = nextMonth(day)) months.add(monthOf(day))
  months.add(monthOf(dayAgo(0)))
  const rollup = await recomputeMonthlyStats(
    p,
    p.analytics!.config,
    [...months].map((month) => ({ month, siteId: site.id })),
  )
  log(`monthly rollup: ${rollup.monthsRecomputed} months, ${rollup.rowsWritten.toLocaleString('en-US')} rows (${round((performance.now() - started) / 1000)} s)`)
  await db(p).execute(sql`VACUUM ANALYZE analytics_daily_stats`)
  await db(p).execute(sql`VACUUM ANALYZE analytics_monthly_stats`)
  const [summary] = (
    await db(p).execute(sql`
      SELECT count(*)::int AS rows, (SELECT sum(events)::bigint FROM analytics_daily_stats WHERE dimension = 'total') AS events,
        (SELECT count(DISTINCT key)::int FROM analytics_daily_stats WHERE dimension = 'page') AS pages
      FROM analytics_daily_stats`)
  ).rows
  log(
    `seed done in ${round((performance.now() - started) / 1000)} s: ${Number(summary?.rows).toLocaleString('en-US')} rows, ` +
      `${Number(summary?.events).toLocaleString('en-US')} events over ${DAYS} days, ${summary?.pages} distinct pages`,
  )
}

/** Payload's REST API on node:http for this instance (its getPayload key). */
async function serve(p: Payload): Promise<HttpHandle> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const server = createServer((req, res) => {
    void (async () => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
      const request = new Request(new URL(req.url ?? '/', origin), {
        body: hasBody ? (Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>) : undefined,
        duplex: 'half',
        headers,
        method: req.method,
      } as RequestInit & { duplex: 'half' })
      const response = await handleEndpoints({ config: p.config, payloadInstanceCacheKey: KEY, request })
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    })().catch((error: unknown) => {
      console.error(error)
      res.writeHead(500).end()
    })
  })
  return listen(server, port, '127.0.0.1', origin)
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50Ms: round(percentile(sorted, 50), 2), p95Ms: round(percentile(sorted, 95), 2), p99Ms: round(percentile(sorted, 99), 2) }
}

async function main() {
  ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  const databaseUri = await postgres.createDatabase('bench_query')
  payload = await getPayload({ config: buildDevConfig({ analytics: { redisUrl: redis.url }, databaseUri, push: true, seed: true }), key: KEY })
  const { docs } = await payload.find({ collection: 'sites', depth: 0, where: { domain: { equals: 'shop.acme.test' } } })
  const site = { id: docs[0]!.id, tenant: docs[0]!.tenant as number | string }
  await seed(payload, site)

  http = await serve(payload)
  const login = await fetch(`${http.url}/api/users/login`, {
    body: JSON.stringify(DEMO_USERS.superAdmin),
    headers: { 'content-type': 'application/json' },
    method: 'POST',
  })
  const { token } = (await login.json()) as { token: string }
  const headers = { authorization: `JWT ${token}` }
  const stats = payload.analytics!.stats

  const cases = {
    '30d': `siteId=${site.id}&range=30d`,
    '365d': `siteId=${site.id}&from=${dayAgo(DAYS - 1)}&to=${dayAgo(0)}`,
    '365d-5breakdowns': `siteId=${site.id}&from=${dayAgo(DAYS - 1)}&to=${dayAgo(0)}&breakdown=pages,sources,countries,browsers,devices`,
  } as const
  const timed = async (query: string) => {
    const started = performance.now()
    const response = await fetch(`${http!.url}/api/analytics/stats?${query}`, { headers })
    const body = (await response.json()) as { series?: unknown[]; totals?: { pageviews: number } }
    const ms = performance.now() - started
    if (response.status !== 200 || !body.series) throw new Error(`GET stats?${query}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`)
    return { body, ms }
  }

  const results: Record<string, { cached: ReturnType<typeof summary>; cold: ReturnType<typeof summary> }> = {}
  for (const [name, query] of Object.entries(cases)) {
    const coldRuns = name === '365d-5breakdowns' ? Math.max(5, Math.round(ITERATIONS / 3)) : ITERATIONS
    // Warm Postgres' buffers and the connection pool first: "cold" means the stats cache, not the disk.
    await stats.invalidate([site.id])
    const { body } = await timed(query)
    const cold: number[] = []
    for (let i = 0; i < coldRuns; i++) {
      await stats.invalidate([site.id]) // what the aggregation does when it rewrites the site's stats
      cold.push((await timed(query)).ms)
    }
    const cached: number[] = []
    for (let i = 0; i < ITERATIONS; i++) cached.push((await timed(query)).ms)
    results[name] = { cached: summary(cached), cold: summary(cold) }
    log(
      `${name}: ${body.series!.length} series points, ${body.totals!.pageviews.toLocaleString('en-US')} pageviews — ` +
        `cold p50 ${results[name].cold.p50Ms} ms, p95 ${results[name].cold.p95Ms} ms (${coldRuns} requests); ` +
        `cached p50 ${results[name].cached.p50Ms} ms, p95 ${results[name].cached.p95Ms} ms (${ITERATIONS} requests)`,
    )
  }
  // The rollup changes where sums come from, never what they are.
  const dimensions = ['page', 'source', 'country', 'browser', 'device'] as const
  const [from, to] = [dayAgo(DAYS - 1), dayAgo(0)]
  const viaRollup = await createStatsStore(payload, payload.analytics!.config).topKeys([site.id], from, to, [...dimensions], 10)
  const dailyOnly = await createStatsStore(payload, payload.analytics!.config, { monthlyRollup: false }).topKeys([site.id], from, to, [...dimensions], 10)
  if (JSON.stringify(viaRollup) !== JSON.stringify(dailyOnly)) throw new Error('breakdowns through the monthly rollup differ from the daily-only query')
  log('breakdowns through the monthly rollup equal the daily-only query')
  const target = results['365d']!.cold.p95Ms < 50
  log(`target p95 < 50 ms uncached for 365 days: ${target ? 'met' : 'NOT met'} (${results['365d']!.cold.p95Ms} ms)`)
  return results
}

async function cleanup() {
  await http?.close().catch(() => undefined)
  await payload?.destroy().catch(() => undefined)
  await redis?.stop().catch(() => undefined)
  await postgres?.stop().catch(() => undefined)
}

runBench(main, cleanup, log)
