/**
 * `npm run bench:query-profile`: where a cold `GET /api/analytics/stats` of bench:query spends its
 * time, in-process (no Next): Payload's authentication of the JWT (its auth strategies, as its REST
 * handler runs them), the stats service's call, and
 * every SQL statement it sends — each with its round-trip time, and for the statements of the
 * 365-day cases their `EXPLAIN (ANALYZE, BUFFERS)` on a fresh connection (planning and execution
 * on the server, buffers hit/read). Same data as bench:query (bench/yearData.ts, same knobs).
 *
 * Cold, as bench:query: the stats cache emptied and every backend of the database terminated, so
 * the service's pool connects anew. BENCH_PROFILE_SAMPLES (20) cold calls per case, interleaved;
 * medians are reported. The plans go to stdout above the JSON line.
 *
 * BENCH_PROFILE_CASES picks the cases (default `30d,365d,365d-5breakdowns`: bench:query's, the
 * busiest site); `view-30d` and `view-365d` are the Analytics view's one stats call over every
 * site (8 breakdowns, goals, KPI periods, a monthly series per site: what bench:admin's
 * `serviceColdMs.stats` times), e.g. `BENCH_PROFILE_CASES=view-365d BENCH_PROFILE_SAMPLES=5`.
 */
import type { Payload, PayloadRequest } from 'payload'

import pg from 'pg'
import { createLocalReq, executeAuthStrategies, getPayload } from 'payload'

import type { StatsQuery } from '../src/stats/types.js'
import type { YearData } from './yearData.js'

import { dashboardStatsQuery } from '../admin/Dashboard/loadDashboard.js'
import { buildDevConfig } from '../dev/buildConfig.js'
import { DEMO_USERS } from '../dev/seed.js'
import { JOBS_ENV } from '../jobs/scheduler.js'
import { parseStatsParams } from '../src/core/statsQuerySchema.js'
import { envNumber } from './envNumber.js'
import { load, round, summary } from './readBench.js'
import { runBench } from './runBench.js'
import { openYearData, yearDataOptions } from './yearData.js'

const SAMPLES = envNumber('BENCH_PROFILE_SAMPLES', 20)
const log = (message: string) => console.log(`[bench:query-profile] ${message}`)
const dayBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) - n * 86_400_000).toISOString().slice(0, 10)

interface Statement {
  ms: number
  text: string
  values: unknown[]
}

/** Every statement and connection of this process while `trace` is set (pg's client, which drizzle and Payload use). */
let trace: null | { connects: number[]; statements: Statement[] } = null
const originalQuery = pg.Client.prototype.query
const originalConnect = pg.Client.prototype.connect
/** Calls `record(ms)` when a pg call ends, whether it takes a callback or returns a promise. */
function timedCall(original: (...a: unknown[]) => unknown, self: unknown, args: unknown[], record: (ms: number) => void): unknown {
  const started = performance.now()
  const last = args[args.length - 1]
  if (typeof last === 'function') {
    const callback = last as (...a: unknown[]) => unknown
    args[args.length - 1] = (...result: unknown[]) => {
      if (!result[0]) record(performance.now() - started)
      return callback(...result)
    }
    return original.apply(self, args)
  }
  const result = original.apply(self, args)
  if (result && typeof (result as Promise<unknown>).then === 'function') {
    void (result as Promise<unknown>).then(
      () => record(performance.now() - started),
      () => undefined,
    )
  }
  return result
}
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const config = args[0] as string | { text?: string; values?: unknown[] }
  const text = typeof config === 'string' ? config : (config?.text ?? '')
  // drizzle passes `({ text, types }, values)`, Payload's own pool calls `(text, values)`.
  const values = ((typeof config === 'object' ? config?.values : undefined) ?? (Array.isArray(args[1]) ? args[1] : [])) as unknown[]
  const recording = trace
  return timedCall(originalQuery as (...a: unknown[]) => unknown, this, args, (ms) => recording?.statements.push({ ms, text, values }))
} as typeof pg.Client.prototype.query
pg.Client.prototype.connect = function (this: pg.Client, ...args: unknown[]) {
  const recording = trace
  return timedCall(originalConnect as (...a: unknown[]) => unknown, this, args, (ms) => recording?.connects.push(ms))
} as typeof pg.Client.prototype.connect

/** A statement's shape, for grouping (numbers and parameters vary). */
const shapeOf = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 110)

let data: null | YearData = null
let payload: null | Payload = null

async function main() {
  const loadAtStart = load()
  data = await openYearData(yearDataOptions(), log)
  process.env[JOBS_ENV] = 'manual'
  payload = await getPayload({ config: buildDevConfig({ databaseUri: data.databaseUri, push: false, seed: false }), key: `query-profile:${data.databaseUri}` })
  const site = data.meta.siteIds[0]!
  const today = new Date().toISOString().slice(0, 10)
  const url = (params: string) => () => parseStatsParams(new URLSearchParams(params))
  // The Analytics view's one stats call over every site (as loadDashboard asks it; what bench:admin's `serviceColdMs.stats` times).
  const view = (days: number) => () => dashboardStatsQuery({ from: dayBefore(today, days - 1), range: 'custom', to: today }, 'month')
  const allCases = {
    '30d': url(`siteId=${site}&from=${dayBefore(today, 29)}&to=${today}`),
    '365d': url(`siteId=${site}&from=${dayBefore(today, 364)}&to=${today}`),
    '365d-5breakdowns': url(`siteId=${site}&from=${dayBefore(today, 364)}&to=${today}&breakdown=pages,sources,countries,browsers,devices`),
    'view-30d': view(30),
    'view-365d': view(365),
  } as const
  type Case = keyof typeof allCases
  const asked = (process.env.BENCH_PROFILE_CASES ?? '30d,365d,365d-5breakdowns').split(',').map((name) => name.trim())
  const unknown = asked.filter((name) => !(name in allCases))
  if (unknown.length) throw new Error(`BENCH_PROFILE_CASES: unknown case(s) ${unknown.join(', ')} (known: ${Object.keys(allCases).join(', ')})`)
  const names = asked as Case[]
  const cases = Object.fromEntries(names.map((name) => [name, allCases[name]])) as Record<Case, () => StatsQuery>
  const { token } = await payload.login({ collection: 'users', data: DEMO_USERS.superAdmin })
  const headers = new Headers({ authorization: `JWT ${token}` })
  const stats = payload.analytics!.stats
  const database = new URL(data.databaseUri).pathname.slice(1)
  const admin = new pg.Client({ connectionString: data.postgres.uri('postgres') })
  admin.on('error', () => undefined)
  await admin.connect()
  const cold = async () => {
    await stats.invalidate('all')
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database])
    for (let i = 0; i < 100; i++) {
      const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database])
      if (rows[0]!.n === 0) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const once = async (name: Case) => {
    trace = { connects: [], statements: [] }
    const started = performance.now()
    // As Payload's REST handler authenticates a request (`createPayloadRequest`): the strategies only, no permissions.
    const req = await createLocalReq({}, payload!)
    const { user } = await executeAuthStrategies({ canSetHeaders: false, headers, isGraphQL: false, payload: payload!, req } as Parameters<typeof executeAuthStrategies>[0])
    req.user = user
    const authMs = performance.now() - started
    const serviceStarted = performance.now()
    await stats.getStats(cases[name](), { req: req as PayloadRequest })
    const serviceMs = performance.now() - serviceStarted
    // Let the last statements' callbacks record.
    await new Promise((resolve) => setTimeout(resolve, 5))
    const recorded = trace
    trace = null
    return { authMs, connects: recorded.connects, serviceMs, statements: recorded.statements, totalMs: performance.now() - started }
  }

  for (const name of names) await once(name) // module loading, JIT
  const runs = Object.fromEntries(names.map((name) => [name, [] as Array<Awaited<ReturnType<typeof once>>>])) as Record<Case, Array<Awaited<ReturnType<typeof once>>>>
  for (let round_ = 0; round_ < SAMPLES; round_++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round_ + i) % names.length]!
      await cold()
      runs[name].push(await once(name))
    }
  }
  const median = (values: number[]) => summary(values).p50Ms
  const figures = Object.fromEntries(
    names.map((name) => {
      const byShape = new Map<string, number[]>()
      for (const run of runs[name]) for (const statement of run.statements) byShape.set(shapeOf(statement.text), [...(byShape.get(shapeOf(statement.text)) ?? []), statement.ms])
      return [
        name,
        {
          authMs: median(runs[name].map((run) => run.authMs)),
          connections: median(runs[name].map((run) => run.connects.length)),
          connectMs: median(runs[name].flatMap((run) => run.connects)),
          serviceMs: summary(runs[name].map((run) => run.serviceMs)),
          statements: [...byShape].map(([shape, ms]) => ({ medianMs: median(ms), perCall: round(ms.length / runs[name].length, 2), shape })),
          totalMs: summary(runs[name].map((run) => run.totalMs)),
        },
      ]
    }),
  )
  for (const name of names) log(`${name}: ${JSON.stringify(figures[name])}`)

  // The plans of the statements of the 365-day cases, each on a fresh connection (as cold requests run them).
  const plans: Record<string, Array<{ executionMs: number; planningMs: number; shape: string }>> = {}
  for (const name of names.filter((name) => name !== '30d')) {
    await cold()
    const { statements } = await once(name)
    plans[name] = []
    for (const statement of statements) {
      if (!/^\s*(SELECT|WITH)\b/i.test(statement.text) || /pg_terminate_backend|set_config/i.test(statement.text)) continue
      const client = new pg.Client({ connectionString: data.databaseUri })
      client.on('error', () => undefined)
      await client.connect()
      try {
        await client.query("SET work_mem = '64MB'")
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.values)
        const lines = rows.map((row) => row['QUERY PLAN'])
        const ms = (label: string) => Number(lines.find((line) => line.startsWith(label))?.match(/([\d.]+) ms/)?.[1] ?? NaN)
        plans[name].push({ executionMs: ms('Execution Time'), planningMs: ms('Planning Time'), shape: shapeOf(statement.text) })
        log(`${name} — ${shapeOf(statement.text)}\n${lines.join('\n')}\n`)
      } catch (error) {
        log(`${name} — ${shapeOf(statement.text)}: not explained (${(error as Error).message})`)
      } finally {
        await client.end()
      }
    }
  }
  await admin.end()
  return { bench: 'query-profile', figures, loadAverage: { end: load(), start: loadAtStart }, plans, samples: SAMPLES, valid: true }
}

async function cleanup() {
  await payload?.destroy().catch(() => undefined)
  await data?.stop().catch(() => undefined)
  payload = null
  data = null
}

runBench(main, cleanup, log)
