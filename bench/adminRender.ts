/**
 * `npm run bench:admin`: Admin → Analytics for a 365-day range over every site (the demo
 * super-admin: the 20 model sites and the demo ones) in headless Chromium (Debian's `chromium`,
 * driven by playwright-core), on the dev app built for production (`next start`), over the
 * year of pipeline-made data of bench/yearData.ts (the same data as bench:query).
 *
 * Measured: from `page.goto(…/admin/analytics?range=custom&from=…&to=…)` to the KPI cards
 * rendered with their values — what the user waits for. Interleaved: each round one **cold**
 * view (our stats cache emptied and every Postgres backend of the database terminated: the view
 * pays a new connection too) and at once one **warm** (the same URL again: cached results),
 * in a fresh tab each (the browser's HTTP cache, like a returning user's, keeps the static
 * assets); and the **reference**, the sites list of the same admin (a plain Payload list view),
 * cold and warm alike. BENCH_ADMIN_SAMPLES rounds (≥ 200 for percentiles). Then BENCH_RESTARTS
 * cold views right after a Postgres restart, reported apart.
 *
 * `serviceColdMs` splits the cold view's data loading: the stats-service calls the view
 * makes, timed in this process (stats cache emptied and connections renewed before each;
 * trusted caller, no HTTP or React): the 8-breakdown stats of all sites with a series per site
 * (the sparklines), the compare, and both at once as the view starts them.
 *
 * Environment (optional): BENCH_ADMIN_SAMPLES=200, BENCH_RESTARTS=5, BENCH_SERVICE_RUNS=20,
 * BENCH_REUSE_BUILD=1, CHROMIUM_PATH, and the data's knobs (see bench/query.ts).
 * The LAST line is one JSON object with the figures, the reference, the load average, the
 * target and `valid`. The exit code is 0 unless the bench itself failed.
 */
import type { Browser, BrowserContext } from 'playwright-core'

import { chromium } from 'playwright-core'

import type { ReadBench } from './readBench.js'

import { BREAKDOWN_LIMIT, BREAKDOWN_LISTS, KPIS } from '../admin/Dashboard/metrics.js'
import { envNumber } from './envNumber.js'
import { load, round, startReadBench, summary } from './readBench.js'
import { runBench } from './runBench.js'

process.env.NEXT_TELEMETRY_DISABLED = '1'

const SAMPLES = envNumber('BENCH_ADMIN_SAMPLES', 200)
const RESTARTS = envNumber('BENCH_RESTARTS', 5)
const SERVICE_RUNS = envNumber('BENCH_SERVICE_RUNS', 20)
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
/** The issue's target: the view cold, in ms (p95 read from the JSON; the exit code does not judge it). */
const TARGET_MS = 500

const log = (message: string) => console.log(`[bench:admin] ${message}`)

let bench: null | ReadBench = null
let browser: Browser | null = null

async function main() {
  const loadAtStart = load()
  const launching = chromium.launch({ args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], executablePath: CHROMIUM })
  bench = await startReadBench(log)
  browser = await launching
  const { app, data, token } = bench
  const { meta } = data
  // The last 365 days up to today, as the stats retention (365 days) allows; the data's year ends yesterday.
  const today = new Date().toISOString().slice(0, 10)
  const firstDay = new Date(Date.parse(`${today}T00:00:00.000Z`) - 364 * 86_400_000).toISOString().slice(0, 10)
  const context: BrowserContext = await browser.newContext({ viewport: { height: 1000, width: 1600 } })
  await context.addCookies([
    { name: 'payload-theme', url: app.url, value: 'light' },
    { name: 'payload-token', url: app.url, value: token },
  ])
  const views = {
    analytics: { path: `/admin/analytics?range=custom&from=${firstDay}&to=${today}`, ready: '[data-testid="analytics-kpi"] .pa-kpi-value' },
    reference: { path: '/admin/collections/sites', ready: 'table tbody tr' },
  } as const
  type View = keyof typeof views
  let failures = 0
  /** ms from navigation to the view's content rendered (the KPI cards: all of them, with values). */
  const timed = async (name: View) => {
    const page = await context.newPage()
    try {
      const started = performance.now()
      const response = await page.goto(`${app.url}${views[name].path}`, { waitUntil: 'commit' })
      if (name === 'analytics') {
        await page.waitForFunction(
          ({ count, selector }) => [...document.querySelectorAll(selector)].filter((node) => node.textContent?.trim()).length >= count,
          { count: KPIS.length, selector: views.analytics.ready },
          { polling: 'raf', timeout: 60_000 },
        )
      } else await page.locator(views.reference.ready).first().waitFor({ timeout: 60_000 })
      const ms = performance.now() - started
      if (response?.status() !== 200) throw new Error(`${views[name].path} answered ${response?.status()}`)
      return ms
    } catch (error) {
      failures++
      log(`${name}: ${(error as Error).message.split('\n')[0]}`)
      return Number.NaN
    } finally {
      await page.close()
    }
  }

  // The first views load the app's code and the browser's assets: no one's latency.
  for (const name of ['analytics', 'reference', 'analytics'] as const) await timed(name)
  const names = Object.keys(views) as View[]
  const samples = Object.fromEntries(names.map((name) => [name, { cold: [] as number[], warm: [] as number[] }])) as Record<View, { cold: number[]; warm: number[] }>
  const sampleStarted = performance.now()
  for (let i = 0; i < SAMPLES; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length]!
      await bench.cold()
      samples[name].cold.push(await timed(name))
      samples[name].warm.push(await timed(name))
    }
    if (i % 25 === 24) log(`${i + 1}/${SAMPLES} rounds (${round((performance.now() - sampleStarted) / 1000)} s; load ${load().join(' ')})`)
  }
  const ok = (values: number[]) => values.filter((value) => Number.isFinite(value))
  const results = Object.fromEntries(names.map((name) => [name, { cold: summary(ok(samples[name].cold)), warm: summary(ok(samples[name].warm)) }])) as Record<View, { cold: ReturnType<typeof summary>; warm: ReturnType<typeof summary> }>
  for (const name of names) log(`${name}: cold p50 ${results[name].cold.p50Ms} ms, p95 ${results[name].cold.p95Ms} ms; warm p50 ${results[name].warm.p50Ms} ms, p95 ${results[name].warm.p95Ms} ms`)

  const afterRestart: number[] = []
  for (let i = 0; i < RESTARTS; i++) {
    await bench.restartPostgres()
    afterRestart.push(await timed('analytics'))
  }
  log(`after a Postgres restart: ${afterRestart.map((ms) => round(ms)).join(', ')} ms`)

  // Where the cold view's time goes: its stats calls, one kind at a time, then together.
  const service = app.payload.analytics!.stats
  const caller = { overrideAccess: true } as const
  const range = { from: firstDay, range: 'custom', to: today } as const
  const { docs } = await app.payload.find({ collection: 'sites', depth: 0, limit: 1000, pagination: false })
  const siteIds = docs.map((doc) => doc.id)
  // As loadDashboard asks: the 8-breakdown stats with a series per site (the sparklines), and the compare.
  const calls = {
    compare: () => service.compareStats({ ...range, siteIds }, caller),
    stats: () =>
      service.getStats({ ...range, breakdowns: BREAKDOWN_LISTS.map((list) => list.breakdown), limit: BREAKDOWN_LIMIT, siteIds, siteSeriesInterval: 'month' }, caller),
  }
  const serviceRuns: Record<'all' | keyof typeof calls, number[]> = { all: [], compare: [], stats: [] }
  for (let run = 0; run < SERVICE_RUNS; run++) {
    for (const name of ['stats', 'compare'] as const) {
      await bench.cold()
      const started = performance.now()
      await calls[name]()
      serviceRuns[name].push(performance.now() - started)
    }
    await bench.cold()
    const started = performance.now()
    await Promise.all(Object.values(calls).map((call) => call()))
    serviceRuns.all.push(performance.now() - started)
  }
  const serviceColdMs = Object.fromEntries(Object.entries(serviceRuns).map(([name, runs]) => [name, summary(runs)]))
  log(`the view's stats-service calls, cold (p50 ms): ${Object.entries(serviceColdMs).map(([name, s]) => `${name} ${s.p50Ms}`).join(', ')}`)

  return {
    bench: 'admin',
    valid: failures === 0,
    loadAverage: { end: load(), start: loadAtStart },
    figures: { analytics: results.analytics },
    reference: { what: 'the sites list view of the same admin (GET /admin/collections/sites, rows rendered)', ...results.reference },
    afterPostgresRestart: { maxMs: round(Math.max(...afterRestart)), medianMs: summary(ok(afterRestart)).p50Ms, runsMs: afterRestart.map((ms) => round(ms)) },
    serviceColdMs,
    targets: { analyticsCold: { met: results.analytics.cold.p95Ms < TARGET_MS, p50ColdMs: results.analytics.cold.p50Ms, p95ColdMs: results.analytics.cold.p95Ms, targetMs: TARGET_MS } },
    check: { failures },
    setup: {
      cold: 'stats cache emptied + every Postgres backend of the database terminated (a new connection per cold view)',
      data: { ...meta.options, events: meta.eventsPerSite.reduce((a, b) => a + b, 0), firstDay: meta.firstDay, lastDay: meta.lastDay, range: { from: firstDay, to: today }, sitesShown: siteIds.length },
      measured: 'page.goto → every KPI card rendered with its value (headless Chromium)',
      restarts: RESTARTS,
      route: 'next start (dev app, production build) → /admin/analytics',
      samples: SAMPLES,
    },
  }
}

async function cleanup() {
  await browser?.close().catch(() => undefined)
  browser = null
  await bench?.stop()
  bench = null
}

runBench(main, cleanup, log)
