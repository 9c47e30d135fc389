/**
 * `npm run bench:admin`: the server render time of Admin → Analytics for a 365-day range
 * over 20 sites, on the dev app built for production (`next build` + `next start`).
 *
 * Setup: embedded Postgres, a redis-server, the app (migrations, seed), 20 sites, and a year
 * of events (about BENCH_EVENTS_PER_DAY per site and day) appended to the buffer and turned
 * into daily stats by `aggregateNow()` — in this process's own Payload (jobs on manual), with
 * a raw retention of 400 days so the old days are aggregated too.
 *
 * Measured: the time from sending `GET /admin/analytics?range=custom&from=…&to=…` (as the
 * super-admin, every site) to the last byte of the HTML — the whole server render: access,
 * stats queries, sparklines of the 20 sites, React rendering. `cold` empties the stats cache
 * before each request (as after an aggregation run), `warm` repeats the request within the
 * cache's 5 minutes. `baseline` is the sites list view of the same admin, for scale.
 * BENCH_RUNS requests each (default 7); medians are reported.
 *
 * `serviceColdMedianMs` splits the cold render's data loading: the stats-service calls the
 * view makes, timed one kind at a time in this process (stats cache emptied before each,
 * trusted caller, no HTTP or React): the 8-breakdown stats of all sites with a series per
 * site (the sparklines), the compare, and both at once as the view starts them.
 *
 * Build: reuses dev/.next when BENCH_REUSE_BUILD=1 (after `npm run test:e2e` or `npm run dev:prod`).
 * The LAST line is one JSON object with the figures.
 */
import { performance } from 'node:perf_hooks'

import { BREAKDOWN_LIMIT, BREAKDOWN_LISTS } from '../admin/Dashboard/metrics.js'
import { DEMO_USERS } from '../dev/seed.js'
import { startApp } from '../scripts/prodApp.js'
import { benchDays, benchSites, siteDayEvents } from './events.js'

const SITES = 20
const DAYS = 365
const TARGET_MS = 500
const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const EVENTS_PER_DAY = Number(process.env.BENCH_EVENTS_PER_DAY ?? 40)

const log = (message: string) => console.log(`[bench:admin] ${message}`)
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const round = (ms: number) => Math.round(ms * 10) / 10

if (process.env.BENCH_REUSE_BUILD === '1') process.env.E2E_REUSE_BUILD = '1'
const app = await startApp({ analytics: { retention: { eventsDays: 400 } } })
const stop = async (code: number) => {
  await app.stop()
  process.exit(code)
}
process.on('SIGINT', () => void stop(130))
process.on('SIGTERM', () => void stop(143))

try {
  const sites = await benchSites(app.payload, SITES)
  const days = benchDays(DAYS)
  log(`appending ~${(SITES * DAYS * EVENTS_PER_DAY).toLocaleString('en-US')} events (${SITES} sites × ${DAYS} days) to the buffer…`)
  let seed = 1
  for (const site of sites) {
    const events = days.flatMap((day) => siteDayEvents(site, day, EVENTS_PER_DAY, seed++))
    await app.payload.analytics!.buffer.append(events)
  }
  let started = performance.now()
  const aggregation = await app.payload.analytics!.aggregateNow()
  log(`aggregated in ${((performance.now() - started) / 1000).toFixed(1)} s (${aggregation.recomputed.length} site-days)`)

  const login = await fetch(`${app.url}/api/users/login`, {
    body: JSON.stringify(DEMO_USERS.superAdmin),
    headers: { 'content-type': 'application/json' },
    method: 'POST',
  })
  const { token } = (await login.json()) as { token: string }
  const headers = { cookie: `payload-token=${token}` }
  const viewPath = `/admin/analytics?range=custom&from=${days[0]}&to=${days.at(-1)}`

  const timed = async (pathAndQuery: string): Promise<{ bytes: number; ms: number }> => {
    started = performance.now()
    const response = await fetch(`${app.url}${pathAndQuery}`, { headers })
    const html = await response.text()
    const ms = performance.now() - started
    if (response.status !== 200) throw new Error(`${pathAndQuery} answered ${response.status}`)
    return { bytes: html.length, ms }
  }

  // First requests compile nothing in production, but warm Node's and React's code paths.
  const first = await timed(viewPath)
  const check = await fetch(`${app.url}${viewPath}`, { headers }).then((response) => response.text())
  const comparisonRows = (check.match(/data-site="/g) ?? []).length
  if (!check.includes('data-testid="analytics-dashboard"') || comparisonRows < SITES) {
    throw new Error(`the view did not render the dashboard with ${SITES} sites (found ${comparisonRows} rows)`)
  }
  await timed('/admin/collections/sites')

  const cold: number[] = []
  const warm: number[] = []
  const baseline: number[] = []
  for (let run = 0; run < RUNS; run++) {
    await app.payload.analytics!.stats.invalidate('all')
    cold.push((await timed(viewPath)).ms)
    warm.push((await timed(viewPath)).ms)
    baseline.push((await timed('/admin/collections/sites')).ms)
  }
  // Where the cold render's time goes: the view's stats calls, one kind at a time, then together.
  const service = app.payload.analytics!.stats
  const caller = { overrideAccess: true } as const
  const range = { from: days[0]!, range: 'custom', to: days.at(-1)! } as const
  const siteIds = sites.map((site) => site.id)
  // As loadDashboard asks: the 8-breakdown stats with a series per site (the sparklines), and the compare.
  const calls = {
    compare: () => service.compareStats({ ...range, siteIds }, caller),
    stats: () =>
      service.getStats(
        { ...range, breakdowns: BREAKDOWN_LISTS.map((list) => list.breakdown), limit: BREAKDOWN_LIMIT, siteIds, siteSeriesInterval: 'month' },
        caller,
      ),
  }
  const serviceRuns: Record<'all' | keyof typeof calls, number[]> = { all: [], compare: [], stats: [] }
  for (let run = 0; run < RUNS; run++) {
    for (const name of ['stats', 'compare'] as const) {
      await service.invalidate('all')
      started = performance.now()
      await calls[name]()
      serviceRuns[name].push(performance.now() - started)
    }
    await service.invalidate('all')
    started = performance.now()
    await Promise.all(Object.values(calls).map((call) => call()))
    serviceRuns.all.push(performance.now() - started)
  }
  const serviceColdMedianMs = Object.fromEntries(Object.entries(serviceRuns).map(([name, runs]) => [name, round(median(runs))]))
  log(`stats-service calls of the view, cold (median ms): ${JSON.stringify(serviceColdMedianMs)}`)

  const result = {
    baselineSitesListMedianMs: round(median(baseline)),
    coldMedianMs: round(median(cold)),
    coldRunsMs: cold.map(round),
    days: DAYS,
    firstRequestMs: round(first.ms),
    htmlBytes: first.bytes,
    pass: median(cold) < TARGET_MS,
    runs: RUNS,
    serviceColdMedianMs,
    sites: SITES,
    targetMs: TARGET_MS,
    warmMedianMs: round(median(warm)),
    warmRunsMs: warm.map(round),
  }
  log(`cold ${result.coldMedianMs} ms, warm ${result.warmMedianMs} ms (median of ${RUNS}); the sites list: ${result.baselineSitesListMedianMs} ms`)
  // After everything is stopped, so no shutdown log line can follow it: the JSON is the last line.
  await app.stop()
  console.log(JSON.stringify(result))
  process.exit(result.pass ? 0 : 1)
} catch (error) {
  console.error(error)
  await stop(1)
}
