/**
 * `npm run bench:aggregate`: the aggregation job (buffer → AnalyticsEvents → daily and monthly
 * statistics) on traffic from the seeded model (bench/model/), with Postgres at its production
 * durability (fsync, synchronous_commit and full_page_writes on) and Redis with
 * `appendonly yes, appendfsync everysec`. Two figures:
 *
 * 1. **Backlog drain.** The events table already holds 29 local days of every model site's
 *    traffic (BENCH_HISTORY_DAILY_EVENTS a day over BENCH_SITES sites, stored by the product's
 *    own `insertEvents`); then a day's backlog of BENCH_EVENTS events (the last local day of
 *    every site, in arrival order across sites) waits in the Redis buffer, as after an outage
 *    of the worker, and one `aggregateNow()` in a worker process drains it: claim, insert,
 *    recompute the touched days and months. Its reference, in the same run: a bare `COPY` of
 *    the very same rows (exported from the table) into a copy of the table with the same
 *    indexes and the same 29 days in it — the storage's own limit — and the ratio.
 * 2. **Steady state.** For each K in BENCH_STEADY_K: a site (Europe/Berlin) whose day already
 *    holds K raw events (and its statistics) receives five minutes' worth of new events (one
 *    5-minute slot of the model, K/288 on average) and one scheduled run is timed —
 *    BENCH_STEADY_RUNS times, a fresh slot each — with the CPU seconds of the worker, of
 *    Postgres and of Redis. Each run recomputes the whole day from its raw events, so its cost
 *    grows with K, not with the new events; the recompute of that day alone is timed too.
 *
 * Correctness: the stored daily rows of EVERY dimension equal the reference computed from the
 * events that went in (bench/statsCheck.ts: `referenceDailyStats`, and `referenceRollups.ts` for
 * the revenue rows and those of each site's goals and listed property keys) — for the drain, and for the smallest
 * steady-state day (regenerated from its seed) — and every monthly row equals the sum of its
 * month's daily rows. History days get no statistics (the drain never reads them).
 *
 * Environment (optional): BENCH_EVENTS=300000 (backlog), BENCH_HISTORY_DAILY_EVENTS=50000,
 * BENCH_SITES=20, BENCH_STEADY_K=100000,1000000 (add 5000000 for the 5 M day; each K costs
 * about K × 0.1–0.4 ms to generate and store first), BENCH_STEADY_RUNS=3, BENCH_BATCH_SIZE=5000,
 * BENCH_SEED=20261204, BENCH_WORKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'; the experiment
 * BENCH_DROP_ROLLUP_FKS=1 drops the daily and monthly rollups' foreign keys first (not the product's
 * schema: it shows what their row-by-row checks cost; the JSON's `setup.experiment` says so).
 * Progress goes to stdout; the LAST line is one JSON object with the figures, the reference,
 * the ratio, the load average and `valid`. The exit code is 0 unless the bench itself failed.
 * Every process started here is stopped here, by PID or handle, also on failure or Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process'
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { getPayload } from 'payload'

import type { AnalyticsEvent } from '../src/core/event.js'
import type { PostgresHandle, RedisHandle } from '../scripts/services.js'
import type { StoredSite } from './model/events.js'

import { buildDevConfig } from '../dev/buildConfig.js'
import { JOBS_ENV } from '../jobs/scheduler.js'
import { startPostgres, startRedis } from '../scripts/services.js'
import { dayBounds } from '../src/core/dailyStats.js'
import { localDayOf } from '../src/core/timeZone.js'
import { insertEvents } from '../src/store/insertEvents.js'
import { collectionTable } from '../src/store/db.js'
import { recomputeDailyStats } from '../src/store/recomputeDailyStats.js'
import { envNumber } from './envNumber.js'
import { compareRows } from './incremental/compareRows.js'
import { mergeDay } from './incremental/mergeDay.js'
import { createStateTables } from './incremental/stateTables.js'
import { WEEKDAY_FACTOR } from './model/catalog.js'
import { eventsOf, storeModelSites } from './model/events.js'
import { SLOTS_PER_DAY, TrafficModel } from './model/traffic.js'
import { checkDailyStats, checkMonthlyRollup, onLocalDays, siteRollupsOf } from './statsCheck.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// This process only fills the table and the buffer: no scheduler, no inline worker.
process.env[JOBS_ENV] = 'manual'
process.env.NEXT_TELEMETRY_DISABLED = '1'

const BACKLOG_EVENTS = envNumber('BENCH_EVENTS', 300_000)
const HISTORY_DAILY_EVENTS = envNumber('BENCH_HISTORY_DAILY_EVENTS', 50_000)
const SITES = envNumber('BENCH_SITES', 20)
const STEADY_K = (process.env.BENCH_STEADY_K ?? '100000,1000000').split(',').map((value) => Number(value.trim()))
if (STEADY_K.some((k) => !Number.isInteger(k) || k <= 0)) throw new Error('BENCH_STEADY_K must be positive whole numbers, comma-separated')
const STEADY_RUNS = envNumber('BENCH_STEADY_RUNS', 3)
const BATCH_SIZE = envNumber('BENCH_BATCH_SIZE', 5_000)
const SEED = envNumber('BENCH_SEED', 20261204)
/** Experiment: drop the daily and monthly rollups' foreign keys before the run (docs/benchmarks.md, "Where the drain's time goes"). */
const DROP_ROLLUP_FKS = process.env.BENCH_DROP_ROLLUP_FKS === '1'
const HISTORY_DAYS = 29
const STEADY_ZONE = 'Europe/Berlin'
/** The new events' slots: 14:00, 14:05, … local time — busy, but not the busiest. */
const FIRST_NEW_SLOT = 168
const SAMPLE_MS = 100
const CLOCK_TICKS = 100
/** The issue's targets (read from the JSON; the exit code does not judge them). */
const TARGETS = { drainVsCopy: 0.5, steadyRunSecondsAt5M: 60 }

const log = (message: string) => console.log(`[bench:aggregate] ${message}`)
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const load = () => loadavg().map((value) => round(value, 2))
const dayBefore = (day: string, n = 1) => new Date(Date.parse(`${day}T00:00:00.000Z`) - n * 86_400_000).toISOString().slice(0, 10)

let postgres: null | PostgresHandle = null
let redis: null | RedisHandle = null
let payload: null | Payload = null
let worker: ChildProcess | null = null

type Drizzle = {
  dialect: { sqlToQuery: (query: unknown) => { params: unknown[]; sql: string } }
  execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }>
}
const drizzle = (p: Payload) => (p.db as unknown as { drizzle: Drizzle }).drizzle

// ---------------------------------------------------------------------------------------
// Processes and their CPU.

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

const servicesCpu = () => ({ postgres: postgresCpu(postgres!.pid), redis: cpuOf(redis!.pid) })

/** VmRSS of a process in MB (0 once it is gone). */
function rssOf(pid: number): number {
  try {
    return Math.round(Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024)
  } catch {
    return 0
  }
}

interface WorkerReport {
  claimed: number
  /** Attempts of the run that failed before one succeeded (see bench/aggregateWorker.ts). */
  failedAttempts: number
  failures: string[]
  cpuSeconds: number
  /** Wall-clock seconds per phase, summed over the run's lanes (bench/aggregateWorker.ts). */
  phaseSeconds: Record<'ack' | 'claim' | 'insert' | 'recompute', number>
  daysRecomputed: number
  durationMs: number
  inserted: number
  rowsWritten: number
  skipped: number
}

/** The worker process: booted once, then one `aggregateNow()` per `run()`. */
async function startWorker(env: NodeJS.ProcessEnv) {
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, ['--no-deprecation', ...nodeArgs, '--import', 'tsx', path.join(root, 'bench/aggregateWorker.ts')], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  worker = child
  let output = ''
  let errors = ''
  const waiters: Array<() => void> = []
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
    for (const wake of waiters.splice(0)) wake()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    if (errors.length < 100_000) errors += chunk.toString('utf8')
  })
  child.once('exit', () => {
    for (const wake of waiters.splice(0)) wake()
  })
  const waitFor = async (test: () => boolean) => {
    while (!test()) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the worker (pid ${child.pid}) stopped (${child.exitCode ?? child.signalCode}):\n${output.slice(-3_000)}\n${errors.slice(-3_000)}`)
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  await waitFor(() => output.includes('[worker] booted'))
  log(`worker (pid ${child.pid}) booted`)
  return {
    pid: child.pid!,
    /** One run, timed: the worker's own report, Postgres's and Redis's CPU over it, the worker's peak RSS. */
    async run() {
      const results = () => output.split('\n').filter((line) => line.startsWith('{')).length
      const before = results()
      let peakRssMB = rssOf(child.pid!)
      const sampler = setInterval(() => (peakRssMB = Math.max(peakRssMB, rssOf(child.pid!))), SAMPLE_MS)
      const cpuBefore = servicesCpu()
      child.stdin!.write('run\n')
      await waitFor(() => results() > before && output.endsWith('\n'))
      const cpuAfter = servicesCpu()
      clearInterval(sampler)
      const report = JSON.parse(output.split('\n').filter((line) => line.startsWith('{'))[before]!) as WorkerReport
      const cpuSeconds = { postgres: round(cpuAfter.postgres - cpuBefore.postgres, 2), redis: round(cpuAfter.redis - cpuBefore.redis, 2), worker: round(report.cpuSeconds, 2) }
      return { cpuSeconds, peakRssMB, report }
    },
    async stop() {
      child.stdin!.end('exit\n')
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))
      worker = null
    },
  }
}

// ---------------------------------------------------------------------------------------
// Filling the table and the buffer.

/** Store events through the product's insert (one COPY per batch), as the worker would. */
async function storeEvents(p: Payload, events: readonly AnalyticsEvent[]) {
  for (let start = 0; start < events.length; start += BATCH_SIZE) {
    const { inserted } = await insertEvents(p, p.analytics!.config, events.slice(start, start + BATCH_SIZE))
    if (inserted !== Math.min(BATCH_SIZE, events.length - start)) throw new Error(`insertEvents stored ${inserted} of ${Math.min(BATCH_SIZE, events.length - start)} events`)
  }
}

/**
 * Append to the buffer as the ingest would, in chunks of 1,000. The buffer's client gives up on
 * a command after 1 s (FAIL_FAST_REDIS_OPTIONS); on this shared machine a starved process can
 * miss that for a reply that did arrive, so a failed chunk is tried again (an entry appended
 * twice is stored once: the insert skips a known event id, as after any redelivery).
 */
async function appendToBuffer(p: Payload, events: readonly AnalyticsEvent[]) {
  for (let start = 0; start < events.length; start += 1_000) {
    for (let attempt = 1; ; attempt++) {
      try {
        await p.analytics!.buffer.append(events.slice(start, start + 1_000))
        break
      } catch (error) {
        if (attempt >= 5) throw error
        log(`append failed (${(error as Error).message}); trying again`)
        await new Promise((resolve) => setTimeout(resolve, 1_000))
      }
    }
  }
}

const byTime = (a: AnalyticsEvent, b: AnalyticsEvent) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0)

// ---------------------------------------------------------------------------------------
// 1. The backlog drain and its reference.

/** COPY of the drained rows into a copy of the table (same columns, indexes and history): seconds and Postgres CPU. */
async function bareCopy(databaseUri: string, firstDrainedId: number) {
  const client = new pg.Client({ connectionString: databaseUri })
  await client.connect()
  try {
    const text = (query: unknown) => drizzle(payload!).dialect.sqlToQuery(query)
    await client.query(text(sql`DROP TABLE IF EXISTS bench_copy_reference`).sql)
    await client.query(text(sql`CREATE TABLE bench_copy_reference (LIKE analytics_events INCLUDING ALL)`).sql)
    const history = text(sql`INSERT INTO bench_copy_reference SELECT * FROM analytics_events WHERE id < ${firstDrainedId}`)
    await client.query(history.sql, history.params)
    await client.query(text(sql`VACUUM ANALYZE bench_copy_reference`).sql)
    // The drained rows exactly as stored (ids included), in COPY's own text format.
    const chunks: Buffer[] = []
    const exported = text(sql`COPY (SELECT * FROM analytics_events WHERE id >= ${sql.raw(String(Math.trunc(firstDrainedId)))} ORDER BY id) TO STDOUT`)
    const stream = client.query(copyTo(exported.sql))
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    const data = Buffer.concat(chunks)
    const rows = data.toString('utf8').split('\n').length - 1
    const cpuBefore = servicesCpu()
    const started = performance.now()
    await pipeline(Readable.from([data]), client.query(copyFrom(text(sql`COPY bench_copy_reference FROM STDIN`).sql)))
    const seconds = (performance.now() - started) / 1000
    const postgresCpuSeconds = round(servicesCpu().postgres - cpuBefore.postgres, 2)
    await client.query(text(sql`DROP TABLE bench_copy_reference`).sql)
    return { eventsPerSecond: Math.round(rows / seconds), mb: round(data.length / 2 ** 20), postgresCpuSeconds, rows, seconds: round(seconds, 2) }
  } finally {
    await client.end()
  }
}

async function drain(p: Payload, sites: StoredSite[], runWorker: () => ReturnType<Awaited<ReturnType<typeof startWorker>>['run']>, databaseUri: string) {
  const history = new TrafficModel({ dailyEvents: HISTORY_DAILY_EVENTS, seed: SEED, sites: SITES })
  const backlog = new TrafficModel({ dailyEvents: BACKLOG_EVENTS, seed: SEED + 1, sites: SITES })
  const zoneOf = new Map(sites.map((site, index) => [String(site.ref.id), history.sites[index]!.timeZone]))
  const timeZoneOf = (siteId: number | string) => zoneOf.get(String(siteId)) ?? 'UTC'
  const now = Date.now()
  // Each site's last whole local day is the backlog's; the 29 before it are history.
  const backlogDays = history.sites.map((site) => dayBefore(localDayOf(now, site.timeZone)))

  const started = performance.now()
  let historyEvents = 0
  /** History events that fall on the backlog's day or later (sessions past midnight): the drain recomputes those days. */
  const spill: AnalyticsEvent[] = []
  for (const site of history.sites) {
    const events: AnalyticsEvent[] = []
    for (let back = HISTORY_DAYS; back >= 1; back--) events.push(...eventsOf(history, history.dayHits(site.index, dayBefore(backlogDays[site.index]!, back)), sites))
    const kept = events.filter((event) => localDayOf(Date.parse(event.timestamp), site.timeZone) >= backlogDays[site.index]!)
    spill.push(...kept)
    await storeEvents(p, events)
    historyEvents += events.length
    log(`history: site ${site.index} (${site.timeZone}) ${events.length.toLocaleString('en-US')} events over ${HISTORY_DAYS} days stored (${round((performance.now() - started) / 1000)} s)`)
  }
  await drizzle(p).execute(sql`VACUUM ANALYZE analytics_events`)
  const [maxRow] = (await drizzle(p).execute(sql`SELECT coalesce(max(id), 0)::bigint AS id FROM analytics_events`)).rows
  const firstDrainedId = Number(maxRow?.id) + 1

  const events = history.sites.flatMap((site) => eventsOf(backlog, backlog.dayHits(site.index, backlogDays[site.index]!), sites)).sort(byTime)
  await appendToBuffer(p, events)
  log(`backlog: ${events.length.toLocaleString('en-US')} events of every site's last local day in the Redis buffer; the table holds ${historyEvents.toLocaleString('en-US')} (${round((performance.now() - started) / 1000)} s to prepare)`)

  const loadBefore = load()
  const run = await runWorker()
  const { report } = run
  const seconds = report.durationMs / 1000
  const cpuTotal = run.cpuSeconds.worker + run.cpuSeconds.postgres + run.cpuSeconds.redis
  if (report.failedAttempts > 0) log(`drain: ${report.failedAttempts} failed attempt(s) before the run went through: ${report.failures.join(' | ')}`)
  log(
    `drain: ${report.claimed.toLocaleString('en-US')} events, ${report.daysRecomputed} (site, day)s recomputed in ${round(seconds, 2)} s → ${Math.round(report.claimed / seconds)} events/s; ` +
      `CPU worker ${run.cpuSeconds.worker} s, Postgres ${run.cpuSeconds.postgres} s, Redis ${run.cpuSeconds.redis} s; phases (s, summed over lanes) ${JSON.stringify(report.phaseSeconds)}; load ${load().join(' ')}`,
  )
  const reference = await bareCopy(databaseUri, firstDrainedId)
  log(`reference: bare COPY of the same ${reference.rows.toLocaleString('en-US')} rows (${reference.mb} MB) into a copy of the table with its indexes and history: ${reference.seconds} s → ${reference.eventsPerSecond} rows/s (Postgres CPU ${reference.postgresCpuSeconds} s)`)

  const daily = await checkDailyStats(p, onLocalDays([...spill, ...events], timeZoneOf), await siteRollupsOf(p))
  log(`check: ${daily.rows.toLocaleString('en-US')} daily rows over ${daily.dimensions} dimensions vs the reference → ${daily.ok ? 'OK' : `${daily.mismatches} MISMATCHES: ${daily.sample.join('; ')}`}`)
  const eventsPerSecond = Math.round(report.claimed / seconds)
  return {
    check: { daily, eventsStored: report.inserted === events.length },
    cpuSeconds: run.cpuSeconds,
    daysRecomputed: report.daysRecomputed,
    durationS: round(seconds, 2),
    events: events.length,
    eventsPerCpuSecond: Math.round(report.claimed / cpuTotal),
    eventsPerSecond,
    historyEvents,
    loadAverageBefore: loadBefore,
    peakRssMB: run.peakRssMB,
    phaseSeconds: report.phaseSeconds,
    failedAttempts: report.failedAttempts,
    failures: report.failures.slice(0, 3),
    ratioVsCopy: round(eventsPerSecond / reference.eventsPerSecond, 2),
    reference: { what: 'one COPY FROM STDIN of the same rows into a table with the same indexes and history', ...reference },
    rowsWritten: report.rowsWritten,
  }
}

// ---------------------------------------------------------------------------------------
// 2. The steady state.

async function steady(p: Payload, k: number, index: number, runWorker: () => ReturnType<Awaited<ReturnType<typeof startWorker>>['run']>, check: boolean) {
  const share = STEADY_RUNS / SLOTS_PER_DAY
  const day = dayBefore(localDayOf(Date.now(), STEADY_ZONE))
  // The model's weekday rhythm taken out: the day holds about K events whatever the weekday.
  const weekday = WEEKDAY_FACTOR[new Date(`${day}T12:00:00.000Z`).getUTCDay()]!
  const model = new TrafficModel({ dailyEvents: k / (1 - share) / weekday, name: `steady${index}`, seed: SEED + 10 + index, sites: 1, timeZones: [STEADY_ZONE] })
  const [site] = await storeModelSites(p, model)
  const newSlots = Array.from({ length: STEADY_RUNS }, (_, run) => FIRST_NEW_SLOT + run)
  const started = performance.now()
  let stored = 0
  let pending: AnalyticsEvent[] = []
  for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
    if (newSlots.includes(slot)) continue
    pending.push(...eventsOf(model, model.slotHits(0, day, slot), [site!]))
    if (pending.length >= 50_000 || slot === SLOTS_PER_DAY - 1) {
      await storeEvents(p, pending)
      stored += pending.length
      pending = []
    }
  }
  // Its statistics as the runs before would have left them (and the month's rollup).
  const timeZoneOf = () => STEADY_ZONE
  // The site's goals and listed property keys, as the worker's runs roll them up (every
  // recompute here must give them, or it would drop the `goal` rows the runs write).
  const rollupsOf = await siteRollupsOf(p)
  const { goals } = rollupsOf(String(site!.ref.id))
  const pairs = [day, localDayOf(Date.now(), STEADY_ZONE)].map((d) => ({ day: d, siteId: site!.ref.id }))
  await recomputeDailyStats(p, p.analytics!.config, pairs, { rollupsOf: (siteId) => rollupsOf(String(siteId)), timeZoneOf })
  await drizzle(p).execute(sql`ANALYZE analytics_events`)
  log(`steady state K=${k.toLocaleString('en-US')}: ${stored.toLocaleString('en-US')} events on ${day} (${STEADY_ZONE}) stored and aggregated (${round((performance.now() - started) / 1000)} s)`)

  // The incremental prototype (bench/incremental/): its state built from the day's events as
  // they would have arrived — hour by hour, so visits continue across merges — then checked.
  const eventsTable = collectionTable(p, p.analytics!.config.slugs.events)
  const statsTable = collectionTable(p, p.analytics!.config.slugs.dailyStats)
  for (const statement of createStateTables(eventsTable)) await drizzle(p).execute(statement)
  const merge = async (fresh: ReturnType<typeof sql>) => {
    const cpuBefore = servicesCpu().postgres
    const nodeBefore = process.cpuUsage()
    const mergeStarted = performance.now()
    const merged = await mergeDay(p, { day, events: eventsTable, fresh, goals, siteId: site!.ref.id, timeZone: STEADY_ZONE })
    const node = process.cpuUsage(nodeBefore)
    return {
      ...merged,
      cpuSeconds: { node: round((node.user + node.system) / 1e6, 2), postgres: round(servicesCpu().postgres - cpuBefore, 2) },
      durationS: round((performance.now() - mergeStarted) / 1000, 2),
    }
  }
  const ts = eventsTable.id('timestamp')
  const { end: dayEnd, start: dayStart } = dayBounds(day, STEADY_ZONE)
  const bootstrapStarted = performance.now()
  for (let from = dayStart.getTime(); from < dayEnd.getTime(); from += 3_600_000) {
    const to = Math.min(from + 3_600_000, dayEnd.getTime())
    await merge(sql`e.${ts} >= ${new Date(from).toISOString()}::timestamptz AND e.${ts} < ${new Date(to).toISOString()}::timestamptz`)
  }
  const bootstrapS = round((performance.now() - bootstrapStarted) / 1000, 1)
  const bootstrapCheck = await compareRows(p, statsTable, site!.ref.id, day)
  log(`  incremental prototype: state built hour by hour in ${bootstrapS} s; rows vs the full recompute: ${bootstrapCheck.ok ? 'equal' : `${bootstrapCheck.mismatches} MISMATCHES ${bootstrapCheck.sample.join(' ')}`} (${bootstrapCheck.rows} rows)`)

  const runs: Array<{ cpuSeconds: Record<'postgres' | 'redis' | 'worker', number>; durationS: number; failedAttempts: number; newEvents: number; rowsWritten: number }> = []
  const incrementalRuns: Array<Awaited<ReturnType<typeof merge>>> = []
  const added: AnalyticsEvent[] = []
  const eventId = eventsTable.id('id')
  for (const slot of newSlots) {
    const events = eventsOf(model, model.slotHits(0, day, slot), [site!])
    added.push(...events)
    await appendToBuffer(p, events)
    const [before] = (await drizzle(p).execute(sql`SELECT coalesce(max(${eventId}), 0)::bigint AS id FROM ${eventsTable.ref}`)).rows
    const run = await runWorker()
    runs.push({ cpuSeconds: run.cpuSeconds, durationS: round(run.report.durationMs / 1000, 2), failedAttempts: run.report.failedAttempts, newEvents: run.report.claimed, rowsWritten: run.report.rowsWritten })
    log(`  run: ${run.report.failedAttempts ? `(${run.report.failedAttempts} failed attempt(s): ${run.report.failures[0]}) ` : ''}${run.report.claimed} new events, ${run.report.daysRecomputed} day(s) recomputed in ${round(run.report.durationMs / 1000, 2)} s; CPU worker ${run.cpuSeconds.worker} s, Postgres ${run.cpuSeconds.postgres} s, Redis ${run.cpuSeconds.redis} s; load ${load().join(' ')}`)
    // The same new events (the ids the run inserted) merged by the prototype.
    const merged = await merge(sql`e.${eventId} > ${Number(before?.id)}`)
    incrementalRuns.push(merged)
    log(`  incremental merge of the same ${merged.freshEvents} events (${merged.touchedVisits} visits touched): ${merged.durationS} s; CPU Postgres ${merged.cpuSeconds.postgres} s, Node ${merged.cpuSeconds.node} s; steps (ms) ${JSON.stringify(merged.steps)}`)
  }
  const incrementalCheck = await compareRows(p, statsTable, site!.ref.id, day)
  log(`  incremental prototype vs the full recompute after the runs: ${incrementalCheck.ok ? 'equal' : `${incrementalCheck.mismatches} MISMATCHES ${incrementalCheck.sample.join(' ')}`} (${incrementalCheck.rows} rows, ${Object.keys(incrementalCheck.dimensions).length} dimensions)`)
  // Where the time goes: the recompute of that one day alone (nothing changed: it writes nothing).
  const recomputeStarted = performance.now()
  await recomputeDailyStats(p, p.analytics!.config, [{ day, siteId: site!.ref.id }], { rollupsOf: (siteId) => rollupsOf(String(siteId)), timeZoneOf })
  const recomputeAloneS = round((performance.now() - recomputeStarted) / 1000, 2)

  let daily = null
  if (check) {
    // Every event of the site, again from the seed: the prefill, and the runs' new ones.
    const all: AnalyticsEvent[] = []
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) if (!newSlots.includes(slot)) all.push(...eventsOf(model, model.slotHits(0, day, slot), [site!]))
    daily = await checkDailyStats(p, onLocalDays([...all, ...added], timeZoneOf), rollupsOf)
    log(`  check: ${daily.rows.toLocaleString('en-US')} daily rows over ${daily.dimensions} dimensions vs the reference → ${daily.ok ? 'OK' : `${daily.mismatches} MISMATCHES: ${daily.sample.join('; ')}`}`)
  }
  const cpu = (name: 'postgres' | 'redis' | 'worker') => round(median(runs.map((run) => run.cpuSeconds[name])), 2)
  return {
    check: daily,
    cpuSecondsMedian: { postgres: cpu('postgres'), redis: cpu('redis'), worker: cpu('worker') },
    durationSMedian: round(median(runs.map((run) => run.durationS)), 2),
    eventsInDay: stored,
    incremental: {
      bootstrapS,
      check: { afterBootstrap: bootstrapCheck.ok, afterRuns: incrementalCheck.ok, dimensions: incrementalCheck.dimensions, mismatches: bootstrapCheck.mismatches + incrementalCheck.mismatches, rows: incrementalCheck.rows, sample: [...bootstrapCheck.sample, ...incrementalCheck.sample].slice(0, 4) },
      cpuSecondsMedian: { node: round(median(incrementalRuns.map((r) => r.cpuSeconds.node)), 2), postgres: round(median(incrementalRuns.map((r) => r.cpuSeconds.postgres)), 2) },
      durationSMedian: round(median(incrementalRuns.map((r) => r.durationS)), 2),
      runs: incrementalRuns,
    },
    k,
    newEventsMedian: median(runs.map((run) => run.newEvents)),
    recomputeAloneS,
    runs,
  }
}

// ---------------------------------------------------------------------------------------

async function main() {
  const loadAtStart = load()
  log(
    `backlog ${BACKLOG_EVENTS.toLocaleString('en-US')} events over ${SITES} sites into ${HISTORY_DAYS} days of history (${HISTORY_DAILY_EVENTS.toLocaleString('en-US')} a day); ` +
      `steady state at K = ${STEADY_K.join(', ')}; batch size ${BATCH_SIZE}; seed ${SEED}; load ${loadAtStart.join(' ')}`,
  )
  ;[postgres, redis] = await Promise.all([startPostgres({ durable: true }), startRedis({ appendonly: true })])
  const databaseUri = await postgres.createDatabase('bench_aggregate')
  const config = buildDevConfig({ analytics: { redisUrl: redis.url }, databaseUri, push: true, seed: true })
  payload = await getPayload({ config, key: 'bench-aggregate' })
  // Stopping Postgres at the end closes the pool's idle connections under it.
  ;(payload.db as unknown as { pool?: { on: (event: 'error', listener: () => void) => void } }).pool?.on('error', () => undefined)
  const [settings] = (await drizzle(payload).execute(sql`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync, current_setting('full_page_writes') AS fpw`)).rows
  const durability = `fsync=${settings?.fsync}, synchronous_commit=${settings?.sync}, full_page_writes=${settings?.fpw}`
  log(`Postgres on port ${postgres.port} (${durability}), redis-server pid ${redis.pid} (appendonly yes, appendfsync everysec)`)
  if (DROP_ROLLUP_FKS) {
    // An experiment, not the product: what the rollups' row-by-row foreign-key checks cost the drain.
    for (const slug of [payload.analytics!.config.slugs.dailyStats, payload.analytics!.config.slugs.monthlyStats]) {
      const table = collectionTable(payload, slug).name
      const { rows } = await drizzle(payload).execute(sql`SELECT conname FROM pg_constraint WHERE conrelid = ${table}::regclass AND contype = 'f'`)
      for (const row of rows) await drizzle(payload).execute(sql`ALTER TABLE ${sql.identifier(table)} DROP CONSTRAINT ${sql.identifier(String(row.conname))}`)
      log(`EXPERIMENT (BENCH_DROP_ROLLUP_FKS): the ${rows.length} foreign keys of ${table} dropped`)
    }
  }
  const sites = await storeModelSites(payload, new TrafficModel({ dailyEvents: HISTORY_DAILY_EVENTS, seed: SEED, sites: SITES }))

  const aggregator = await startWorker({ ...process.env, BENCH_BATCH_SIZE: String(BATCH_SIZE), DATABASE_URI: databaseUri, REDIS_URL: redis.url })
  const drained = await drain(payload, sites, () => aggregator.run(), databaseUri)
  const steadyStates = []
  for (const [index, k] of STEADY_K.entries()) steadyStates.push(await steady(payload, k, index, () => aggregator.run(), k === Math.min(...STEADY_K)))
  await aggregator.stop()
  const monthly = await checkMonthlyRollup(payload)
  log(`check: ${monthly.monthlyRows.toLocaleString('en-US')} monthly rows vs the sums of their daily rows → ${monthly.ok ? 'OK' : `${monthly.mismatches} MISMATCHES`}`)

  // Linear in K (each run recomputes the whole day): what a 5 M-event day would take, from the two largest measured days.
  const measured = steadyStates.filter((state) => state.runs.length > 0).sort((a, b) => a.eventsInDay - b.eventsInDay)
  const at5M = measured.find((state) => state.k >= 5_000_000)
  const cpuOfRun = (state: (typeof measured)[number]) => state.cpuSecondsMedian.postgres + state.cpuSecondsMedian.redis + state.cpuSecondsMedian.worker
  let estimate5M: null | { cpuSeconds: number; durationS: number } = null
  if (!at5M && measured.length >= 2) {
    const [a, b] = measured.slice(-2) as [(typeof measured)[number], (typeof measured)[number]]
    const extrapolate = (x: number, y: number) => round(y + ((y - x) / (b.eventsInDay - a.eventsInDay)) * (5_000_000 - b.eventsInDay), 1)
    // CPU seconds first: unlike the duration, they hardly move with the load of other processes.
    estimate5M = { cpuSeconds: extrapolate(cpuOfRun(a), cpuOfRun(b)), durationS: extrapolate(a.durationSMedian, b.durationSMedian) }
  }
  const failedRuns = drained.failedAttempts + steadyStates.reduce((sum, state) => sum + state.runs.reduce((n, run) => n + run.failedAttempts, 0), 0)
  const valid = failedRuns === 0 && drained.check.daily.ok && drained.check.eventsStored && monthly.ok && steadyStates.every((state) => (state.check?.ok ?? true) && state.incremental.check.afterBootstrap && state.incremental.check.afterRuns)
  resultLine = JSON.stringify({
    bench: 'aggregate',
    valid,
    loadAverage: { end: load(), start: loadAtStart },
    drain: drained,
    steadyState: steadyStates.map(({ check, ...state }) => ({ ...state, check: check ? { mismatches: check.mismatches, ok: check.ok, rows: check.rows } : null })),
    failedRuns,
    // The prototype's run grows with the new events and the visits they touch, not with K: its
    // figure at 5 M, when not measured, from the slope between the two largest days.
    incrementalRunAt5M: incrementalAt5M(measured),
    steadyRunAt5M: at5M ? { measuredCpuSeconds: round(cpuOfRun(at5M), 2), measuredDurationS: at5M.durationSMedian } : { estimatedLinear: estimate5M },
    check: { daily: drained.check.daily.ok, monthlyRollup: monthly, steadyDay: steadyStates.map((state) => state.check?.ok ?? null) },
    targets: {
      drainVsCopy: { met: drained.ratioVsCopy >= TARGETS.drainVsCopy, ratio: drained.ratioVsCopy, target: TARGETS.drainVsCopy },
      steadyRunAt5M: {
        met: at5M ? at5M.durationSMedian <= TARGETS.steadyRunSecondsAt5M : estimate5M === null ? null : Math.max(estimate5M.cpuSeconds / 2, estimate5M.durationS) <= TARGETS.steadyRunSecondsAt5M,
        targetS: TARGETS.steadyRunSecondsAt5M,
      },
    },
    setup: { batchSize: BATCH_SIZE, durability, ...(DROP_ROLLUP_FKS ? { experiment: 'rollup foreign keys dropped' } : {}), historyDays: HISTORY_DAYS, redis: 'appendonly yes, appendfsync everysec', seed: SEED, sites: SITES, steadyRuns: STEADY_RUNS, steadyZone: STEADY_ZONE },
  })
}

function incrementalAt5M(measured: Array<{ eventsInDay: number; incremental: { cpuSecondsMedian: { node: number; postgres: number }; durationSMedian: number } }>) {
  const cpu = (state: (typeof measured)[number]) => state.incremental.cpuSecondsMedian.node + state.incremental.cpuSecondsMedian.postgres
  const at5M = measured.find((state) => state.eventsInDay >= 4_500_000)
  if (at5M) return { measuredCpuSeconds: round(cpu(at5M), 2), measuredDurationS: at5M.incremental.durationSMedian }
  if (measured.length < 2) return null
  const [a, b] = measured.slice(-2) as [(typeof measured)[number], (typeof measured)[number]]
  const extrapolate = (x: number, y: number) => round(Math.max(y, y + ((y - x) / (b.eventsInDay - a.eventsInDay)) * (5_000_000 - b.eventsInDay)), 2)
  return { estimatedLinear: { cpuSeconds: extrapolate(cpu(a), cpu(b)), durationS: extrapolate(a.incremental.durationSMedian, b.incremental.durationSMedian) } }
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
    // Printed after everything is stopped, so no late log line can follow it: the JSON stays the last line.
    if (resultLine) console.log(resultLine)
    // Payload's Postgres adapter keeps a pool client checked out: exit explicitly.
    process.exit(process.exitCode ?? 0)
  })
