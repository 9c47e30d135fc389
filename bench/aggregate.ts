/**
 * `npm run bench:aggregate`: the aggregation job's throughput, buffer → AnalyticsEvents →
 * AnalyticsDailyStats, and the worker's peak memory.
 *
 * This process starts an embedded Postgres and a redis-server, boots Payload once (schema
 * push, seed, 10 sites) and, for each run, appends BENCH_EVENTS generated events over 10 sites
 * and 30 UTC days to the Redis buffer; then it spawns bench/aggregateWorker.ts, a process that
 * boots Payload as `payload-analytics worker` does (`PAYLOAD_ANALYTICS_JOBS=manual`) and runs
 * `payload.analytics.aggregateNow()` once. Its RSS is sampled here from /proc/<pid>/status
 * every 100 ms (VmRSS, and VmHWM: the kernel's own high-water mark). events/s = events /
 * duration of `aggregateNow()` (boot excluded). The CPU time of the run is measured too: the
 * worker's own (`process.cpuUsage()` around `aggregateNow()`), and Postgres's (postmaster and
 * backends) and Redis's from /proc between the worker's "booted" and result lines; events
 * per CPU second hardly move with the load of other processes, events/s do. Then the results are checked against the
 * ground truth: the events table holds every generated event, and the daily stats' total
 * pageviews add up to the generated pageviews.
 *
 * Two runs on emptied tables: BENCH_EVENTS events, then a quarter of them, so the peak RSS of
 * both shows whether the worker's memory grows with the total events (it should not: it is
 * bounded by the batch size).
 *
 * Environment (optional): BENCH_EVENTS=1000000 (e.g. 200000 for a quick try),
 * BENCH_BATCH_SIZE=5000 (aggregation.batchSize of the worker), BENCH_SMALL_RUN=0 (skip the second run),
 * BENCH_WORKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (extra node flags for the worker, e.g. to profile it).
 * Progress goes to stdout; the LAST line is one JSON object with the figures.
 * Every process started here is stopped here, by PID or handle, also on failure or Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process'
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getPayload } from 'payload'

import type { PostgresHandle, RedisHandle } from '../scripts/services.js'

import { buildDevConfig } from '../dev/buildConfig.js'
import { JOBS_ENV } from '../jobs/scheduler.js'
import { startPostgres, startRedis } from '../scripts/services.js'
import { benchDays, benchSites, siteDayEvents } from './events.js'
import { envNumber } from './envNumber.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// This process only appends to the buffer: no scheduler, no inline worker.
process.env[JOBS_ENV] = 'manual'
process.env.NEXT_TELEMETRY_DISABLED = '1'

const EVENTS = envNumber('BENCH_EVENTS', 1_000_000)
const BATCH_SIZE = envNumber('BENCH_BATCH_SIZE', 5_000)
const SMALL_RUN = process.env.BENCH_SMALL_RUN !== '0'
const SITES = 10
const DAYS = 30
const SAMPLE_MS = 100
/** The issue's target on this 2-core machine. */
const TARGET_EVENTS_PER_SECOND = 50_000

const log = (message: string) => console.log(`[bench:aggregate] ${message}`)
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

let postgres: null | PostgresHandle = null
let redis: null | RedisHandle = null
let payload: null | Payload = null
let worker: ChildProcess | null = null

type Drizzle = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const drizzle = (p: Payload) => (p.db as unknown as { drizzle: Drizzle }).drizzle

/** VmRSS and VmHWM of a process, in kB (null once it is gone). */
function memoryOf(pid: number): null | { hwm: number; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') }
  } catch {
    return null
  }
}

const CLOCK_TICKS = 100

/** utime + stime (+ cutime + cstime: reaped children) of a process, in seconds; 0 once it is gone. */
function cpuOf(pid: number, withReapedChildren = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) + (withReapedChildren ? Number(fields[13]) + Number(fields[14]) : 0)
    return ticks / CLOCK_TICKS
  } catch {
    return 0
  }
}

/** CPU seconds used so far by Postgres: the postmaster, its live backends, and the ones that have exited. */
function postgresCpu(postmaster: number): number {
  let total = cpuOf(postmaster, true)
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.split(') ')[1]!.split(' ')[1]) === postmaster) total += cpuOf(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return total
}

/** Append `total` generated events over the sites and days to the buffer; the ground truth. */
async function appendEvents(p: Payload, total: number, seedBase: number) {
  const sites = await benchSites(p, SITES)
  const days = benchDays(DAYS)
  const perPair = Math.ceil(total / (SITES * DAYS))
  let events = 0
  let pageviews = 0
  for (let s = 0; s < SITES; s++) {
    for (let d = 0; d < DAYS && events < total; d++) {
      const batch = siteDayEvents(sites[s]!, days[d]!, perPair, seedBase + s * 100 + d).slice(0, Math.min(perPair, total - events))
      await p.analytics!.buffer.append(batch)
      events += batch.length
      for (const event of batch) if (event.type === 'pageview') pageviews++
    }
  }
  return { events, pageviews }
}

interface WorkerReport {
  batchSize: number
  claimed: number
  cpuSeconds: number
  daysRecomputed: number
  durationMs: number
  inserted: number
  rowsWritten: number
  rssBootMB: number
  skipped: number
}

/** Spawn the worker, sample its memory until it exits, return its report and memory figures. */
async function runWorker(env: NodeJS.ProcessEnv) {
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, ['--no-deprecation', ...nodeArgs, '--import', 'tsx', path.join(root, 'bench/aggregateWorker.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  worker = child
  const pid = child.pid!
  let output = ''
  let errors = ''
  // Postgres's and Redis's CPU while the worker aggregates: from its "booted" line to its result line.
  const servicesCpu = () => ({ postgres: postgresCpu(postgres!.pid), redis: cpuOf(redis!.pid) })
  let cpuAtStart: null | ReturnType<typeof servicesCpu> = null
  let cpuAtEnd: null | ReturnType<typeof servicesCpu> = null
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
    if (!cpuAtStart && output.includes('[worker] booted')) cpuAtStart = servicesCpu()
    if (cpuAtStart && !cpuAtEnd && /^\{/m.test(output)) cpuAtEnd = servicesCpu()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    if (errors.length < 100_000) errors += chunk.toString('utf8')
  })
  let peakRssKb = 0
  let peakHwmKb = 0
  let peakRssAggregatingKb = 0
  const sample = () => {
    const memory = memoryOf(pid)
    if (!memory) return
    peakRssKb = Math.max(peakRssKb, memory.rss)
    peakHwmKb = Math.max(peakHwmKb, memory.hwm)
    if (output.includes('[worker] booted')) peakRssAggregatingKb = Math.max(peakRssAggregatingKb, memory.rss)
  }
  const sampler = setInterval(sample, SAMPLE_MS)
  const code = await new Promise<null | number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)))
  clearInterval(sampler)
  worker = null
  if (code !== 0) throw new Error(`the worker (pid ${pid}) exited with ${code}:\n${output.slice(-4_000)}\n${errors.slice(-4_000)}`)
  const last = output.trim().split('\n').filter((line) => line.startsWith('{')).pop()
  if (!last) throw new Error(`the worker printed no result:\n${output.slice(-4_000)}`)
  const report = JSON.parse(last) as WorkerReport
  const mb = (kb: number) => Math.round(kb / 1024)
  const start = cpuAtStart as null | ReturnType<typeof servicesCpu>
  const end = cpuAtEnd as null | ReturnType<typeof servicesCpu>
  const cpuSeconds = {
    postgres: start && end ? round(end.postgres - start.postgres, 2) : null,
    redis: start && end ? round(end.redis - start.redis, 2) : null,
    worker: round(report.cpuSeconds, 2),
  }
  return { cpuSeconds, peakRssAggregatingMB: mb(peakRssAggregatingKb), peakRssMB: mb(Math.max(peakRssKb, peakHwmKb)), pid, report }
}

async function run(p: Payload, databaseUri: string, redisUrl: string, total: number, seedBase: number) {
  await drizzle(p).execute(sql`TRUNCATE analytics_events, analytics_daily_stats CASCADE`)
  const appendStarted = performance.now()
  const truth = await appendEvents(p, total, seedBase)
  log(`appended ${truth.events} events (${truth.pageviews} pageviews) to the Redis buffer in ${round((performance.now() - appendStarted) / 1000)} s`)

  const { cpuSeconds, peakRssAggregatingMB, peakRssMB, pid, report } = await runWorker({
    ...process.env,
    BENCH_BATCH_SIZE: String(BATCH_SIZE),
    DATABASE_URI: databaseUri,
    REDIS_URL: redisUrl,
  })
  const durationS = report.durationMs / 1000
  const eventsPerSecond = Math.round(report.claimed / durationS)
  const cpuTotal = cpuSeconds.worker + (cpuSeconds.postgres ?? 0) + (cpuSeconds.redis ?? 0)
  // Events per second of CPU (worker + Postgres + Redis): what the run would reach with one
  // core to itself; unlike events/s, hardly moved by other processes on a shared machine.
  const eventsPerCpuSecond = Math.round(report.claimed / cpuTotal)
  log(
    `worker (pid ${pid}): aggregateNow() claimed ${report.claimed} events, recomputed ${report.daysRecomputed} (site, day)s in ${round(durationS, 2)} s ` +
      `→ ${eventsPerSecond} events/s; CPU: worker ${cpuSeconds.worker} s, Postgres ${cpuSeconds.postgres} s, Redis ${cpuSeconds.redis} s ` +
      `(${eventsPerCpuSecond} events per CPU second); load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}; RSS after boot ${report.rssBootMB} MB, peak ${peakRssMB} MB (while aggregating ${peakRssAggregatingMB} MB)`,
  )

  const [counted] = (await drizzle(p).execute(sql`SELECT count(*)::bigint AS n FROM analytics_events`)).rows
  const [summed] = (await drizzle(p).execute(sql`SELECT coalesce(sum(pageviews), 0)::bigint AS n FROM analytics_daily_stats WHERE dimension = 'total'`)).rows
  const eventsInTable = Number(counted?.n)
  const statsPageviews = Number(summed?.n)
  const correct = eventsInTable === truth.events && statsPageviews === truth.pageviews && report.claimed === truth.events
  log(
    `check: events table ${eventsInTable} / ${truth.events} generated; daily stats total pageviews ${statsPageviews} / ${truth.pageviews} generated → ${correct ? 'OK' : 'MISMATCH'}`,
  )
  return {
    batchSize: report.batchSize,
    check: { correct, eventsInTable, generatedEvents: truth.events, generatedPageviews: truth.pageviews, statsPageviews },
    claimed: report.claimed,
    cpuSeconds,
    daysRecomputed: report.daysRecomputed,
    durationS: round(durationS, 2),
    events: truth.events,
    eventsPerCpuSecond,
    eventsPerSecond,
    loadAverage1m: round(loadavg()[0]!, 2),
    peakRssAggregatingMB,
    peakRssMB,
    rowsWritten: report.rowsWritten,
    rssBootMB: report.rssBootMB,
    skipped: report.skipped,
  }
}

async function main() {
  log(`${EVENTS} events over ${SITES} sites × ${DAYS} days, batch size ${BATCH_SIZE}${SMALL_RUN ? `, then ${Math.round(EVENTS / 4)}` : ''}`)
  ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  const databaseUri = await postgres.createDatabase('bench_aggregate')
  const config = buildDevConfig({ analytics: { redisUrl: redis.url }, databaseUri, push: true, seed: true })
  payload = await getPayload({ config, key: 'bench-aggregate' })
  // Stopping Postgres at the end closes the pool's idle connections under it.
  ;(payload.db as unknown as { pool?: { on: (event: 'error', listener: () => void) => void } }).pool?.on('error', () => undefined)
  log(`Postgres on port ${postgres.port}, redis-server pid ${redis.pid}; schema pushed, ${SITES} sites`)

  const full = await run(payload, databaseUri, redis.url, EVENTS, 50_000)
  const small = SMALL_RUN ? await run(payload, databaseUri, redis.url, Math.round(EVENTS / 4), 90_000) : null

  // Printed after everything is stopped, so no late log line (e.g. the Postgres pool noticing the
  // server going away) can follow it: the JSON stays the last line.
  resultLine = JSON.stringify({
    ...full,
    correct: full.check.correct && (small?.check.correct ?? true),
    days: DAYS,
    sites: SITES,
    ...(small ? { smallRun: { events: small.events, eventsPerCpuSecond: small.eventsPerCpuSecond, eventsPerSecond: small.eventsPerSecond, peakRssAggregatingMB: small.peakRssAggregatingMB, peakRssMB: small.peakRssMB, check: small.check } } : {}),
    targetEventsPerSecond: TARGET_EVENTS_PER_SECOND,
  })
  if (!full.check.correct || (small && !small.check.correct)) process.exitCode = 1
}

let resultLine: null | string = null

async function cleanup() {
  if (worker?.pid && worker.exitCode === null && worker.signalCode === null) {
    const child = worker
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
  await payload?.destroy().catch(() => undefined)
  payload = null
  await redis?.stop().catch(() => undefined)
  redis = null
  await postgres?.stop().catch(() => undefined)
  postgres = null
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`)
    void cleanup().finally(() => process.exit(130))
  })
}

main()
  .catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(async () => {
    await cleanup()
    if (resultLine) console.log(resultLine)
    // Payload's Postgres adapter keeps a pool client checked out: exit explicitly.
    process.exit(process.exitCode ?? 0)
  })
