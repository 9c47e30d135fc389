/**
 * `npm run bench:explore`: latency of the questions that read raw events — 30-day stats with
 * one filter and with three, a goal breakdown over 365 days, a 4-step funnel over 30 days —
 * and of the same 30-day stats unfiltered (the rollups) as the reference, in one run.
 *
 * The data: ONE site with BENCH_EVENTS (default 1,000,000) raw events spread over the last 30
 * UTC days (`bench/events.ts`: sessions of 1–7 events, 40 pages, sources, countries, devices,
 * custom events), written through the aggregation's own insert (`insertEvents`) and rolled up
 * by its own recompute (`recomputeDailyStats`, with the site's goals). The site has four goals
 * (two event names, two pages), rolled up as the background job leaves them, and the funnel
 * runs over them.
 *
 * The questions go to the stats service (`payload.analytics.stats`, what the REST endpoints
 * call), uncached (the site's cached results invalidated before each, as the aggregation
 * does) and cached. Environment (optional): BENCH_EVENTS, BENCH_ITERATIONS=20.
 * The LAST line is one JSON object: per case `{ uncached: { p50Ms, p95Ms }, cached: { p50Ms, p95Ms } }`,
 * plus `events`, `targets` (each target met or not), the unfiltered case again as `reference`, the load
 * average and `valid`: every answer timed is a plausible one (each filter narrows the visitors, the year
 * has conversions, the funnel's steps never grow).
 * Every process started here is stopped here, by handle, also on failure or Ctrl-C.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { getPayload } from 'payload'

import type { FunnelResult, StatsQuery, StatsResult } from '../src/stats/types.js'
import type { PostgresHandle, RedisHandle } from '../scripts/services.js'

import { buildDevConfig } from '../dev/buildConfig.js'
import { JOBS_ENV } from '../jobs/scheduler.js'
import { siteDaysOf } from '../src/core/dailyStats.js'
import { addDays } from '../src/core/statsRange.js'
import { insertEvents } from '../src/store/insertEvents.js'
import { recomputeDailyStats } from '../src/store/recomputeDailyStats.js'
import { startPostgres, startRedis } from '../scripts/services.js'
import { envNumber } from './envNumber.js'
import { load } from './readBench.js'
import { runBench } from './runBench.js'
import { benchDays, siteDayEvents } from './events.js'

process.env[JOBS_ENV] = 'manual'
process.env.NEXT_TELEMETRY_DISABLED = '1'

const EVENTS = envNumber('BENCH_EVENTS', 1_000_000)
const ITERATIONS = envNumber('BENCH_ITERATIONS', 20)
const DAYS = 30
const GOALS = [
  { event: 'signup' },
  { event: 'video.play' },
  { name: 'Page 1', page: '/page/1' },
  { name: 'Page 2', page: '/page/2' },
]
const FUNNEL = ['Page 1', 'Page 2', 'video.play', 'signup']

const log = (message: string) => console.log(`[bench:explore] ${message}`)
const round = (value: number) => Math.round(value * 100) / 100

let postgres: null | PostgresHandle = null
let redis: null | RedisHandle = null
let payload: null | Payload = null

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)) }
}

async function main() {
  const loadAtStart = load()
  ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  const databaseUri = await postgres.createDatabase('bench_explore')
  payload = await getPayload({ config: buildDevConfig({ analytics: { redisUrl: redis.url }, databaseUri, push: true, seed: true }), key: 'bench-explore' })
  const cfg = payload.analytics!.config
  const { docs } = await payload.find({ collection: 'sites', depth: 0, where: { domain: { equals: 'shop.acme.test' } } })
  const site = { id: docs[0]!.id, tenant: docs[0]!.tenant as number | string }
  await payload.create({ collection: cfg.slugs.settings, data: { funnels: [{ name: 'Bench', steps: FUNNEL }], goals: GOALS, scope: 'site', site: site.id } as never })
  // The goals' rollup state, as the background job leaves it after goals are saved (`jobs/goalRollup.ts`).
  await payload.analytics!.jobs.rezone([site.id])
  await payload.analytics!.refreshSites()
  const goals = payload.analytics!.sites.get(String(site.id))!.settings.goals

  const days = benchDays(DAYS)
  const started = performance.now()
  let inserted = 0
  for (const [index, day] of days.entries()) {
    const events = siteDayEvents(site, day, Math.round(EVENTS / DAYS), 1_000 + index).filter((event) => Date.parse(event.timestamp) < Date.now())
    for (let at = 0; at < events.length; at += 20_000) inserted += (await insertEvents(payload, cfg, events.slice(at, at + 20_000))).inserted
    await recomputeDailyStats(payload, cfg, siteDaysOf(events), { rollupsOf: () => ({ goals, props: [] }) })
    if (index % 5 === 4) log(`${index + 1}/${DAYS} days, ${inserted.toLocaleString('en-US')} events (${Math.round((performance.now() - started) / 1000)} s)`)
  }
  log(`${inserted.toLocaleString('en-US')} raw events in ${Math.round((performance.now() - started) / 1000)} s; ANALYZE`)
  await (payload.db as unknown as { drizzle: { execute: (query: unknown) => Promise<unknown> } }).drizzle.execute(sql`ANALYZE`)

  const stats = payload.analytics!.stats
  const caller = { overrideAccess: true } as const
  const today = days[days.length - 1]!
  const base: StatsQuery = { range: '30d', siteIds: [site.id] }
  const cases: Record<string, () => Promise<unknown>> = {
    'stats-30d-unfiltered': () => stats.getStats(base, caller),
    'stats-30d-1filter': () => stats.getStats({ ...base, filters: [{ dimension: 'source', op: 'is', values: ['Google'] }] }, caller),
    'stats-30d-3filters': () =>
      stats.getStats(
        {
          ...base,
          filters: [
            { dimension: 'source', op: 'is', values: ['Google'] },
            { dimension: 'device', op: 'is', values: ['desktop'] },
            { dimension: 'page', op: 'contains', values: ['/page/1'] },
          ],
        },
        caller,
      ),
    'goals-365d': () => stats.getStats({ from: addDays(today, -364), goals: true, siteIds: [site.id], to: today }, caller),
    'funnel-30d-4steps': () => stats.getFunnel({ funnel: 'Bench', range: '30d', siteId: site.id }, caller),
  }

  const results: Record<string, { cached: ReturnType<typeof summary>; uncached: ReturnType<typeof summary> }> = {}
  const answers: Record<string, unknown> = {}
  for (const [name, run] of Object.entries(cases)) {
    await stats.invalidate([site.id])
    answers[name] = await run() // warm Postgres' buffers: "uncached" means the stats cache, not the disk
    const uncached: number[] = []
    for (let i = 0; i < ITERATIONS; i++) {
      await stats.invalidate([site.id])
      const t = performance.now()
      await run()
      uncached.push(performance.now() - t)
    }
    const cached: number[] = []
    for (let i = 0; i < ITERATIONS; i++) {
      const t = performance.now()
      await run()
      cached.push(performance.now() - t)
    }
    results[name] = { cached: summary(cached), uncached: summary(uncached) }
    log(`${name}: uncached p50 ${results[name].uncached.p50Ms} ms, p95 ${results[name].uncached.p95Ms} ms; cached p50 ${results[name].cached.p50Ms} ms, p95 ${results[name].cached.p95Ms} ms`)
  }
  const targets = {
    'funnel p95 < 600 ms': results['funnel-30d-4steps']!.uncached.p95Ms < 600,
    'goals over a year p95 < 100 ms': results['goals-365d']!.uncached.p95Ms < 100,
    'stats 1 filter p95 < 300 ms': results['stats-30d-1filter']!.uncached.p95Ms < 300,
    'stats 3 filters p95 < 300 ms': results['stats-30d-3filters']!.uncached.p95Ms < 300,
  }
  for (const [target, met] of Object.entries(targets)) log(`target ${target}: ${met ? 'met' : 'NOT met'}`)
  // The answers timed are answers: each filter narrows the visitors, the year has conversions, a funnel's steps never grow.
  const visitors = (name: string) => (answers[name] as StatsResult).totals.visitors
  const steps = (answers['funnel-30d-4steps'] as FunnelResult).steps.map((step) => step.visitors)
  const check = {
    filtersNarrow: visitors('stats-30d-unfiltered') >= visitors('stats-30d-1filter') && visitors('stats-30d-1filter') >= visitors('stats-30d-3filters') && visitors('stats-30d-3filters') > 0,
    funnelNarrows: steps.length === FUNNEL.length && steps[0]! > 0 && steps.every((n, i) => i === 0 || n <= steps[i - 1]!),
    goalsConvert: ((answers['goals-365d'] as StatsResult).breakdowns.goals ?? []).some((goal) => goal.conversions > 0),
  }
  for (const [name, ok] of Object.entries(check)) if (!ok) log(`check ${name} FAILED`)
  return {
    bench: 'explore',
    valid: Object.values(check).every(Boolean),
    loadAverage: { end: load(), start: loadAtStart },
    events: inserted,
    iterations: ITERATIONS,
    ...results,
    reference: { what: 'the same 30 days unfiltered: the daily rollups', ...results['stats-30d-unfiltered'] },
    ratios: { threeFiltersVsUnfilteredP95: round(results['stats-30d-3filters']!.uncached.p95Ms / results['stats-30d-unfiltered']!.uncached.p95Ms) },
    check,
    targets,
  }
}

async function cleanup() {
  await payload?.destroy().catch(() => undefined)
  await redis?.stop().catch(() => undefined)
  await postgres?.stop().catch(() => undefined)
}

runBench(main, cleanup, log)
