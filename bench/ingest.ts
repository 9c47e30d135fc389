/**
 * `npm run bench:ingest`: the tracking endpoint's throughput, every subject side by side in
 * one run, over loopback:
 * - `payload`:    the dev app built for production (`next build dev`, `next start dev`) on a
 *                 fresh embedded Postgres database, POST /api/analytics/track;
 * - `standalone`: `payload-analytics ingest` as the package ships it (`npm run build`, then
 *                 dist/src/cli/index.js) in its own process, same Redis;
 * - `ceilingBatched`: the FAIR ceiling — bench/ceilingServer.ts, a bare node:http server that
 *                 batches the bodies and appends each batch with one script call, as the
 *                 product's buffer does, and does nothing else;
 * - `ceiling`:    the naive ceiling, the same server doing one XADD per request;
 * - `payloadCustomServer`: the same Next build behind a custom node:http server that answers
 *                 the ingest routes itself (`createIngestListener`) before Next's router
 *                 (bench/customServer.ts) — what the Payload app's own process can do;
 * - `payloadEvent`, `standaloneEvent`: Plausible's Events API (`POST /api/event`) on the
 *                 same two servers as `payload` (its Pages API route, dev/pages/api/event.ts)
 *                 and `standalone`, fed the same model hits in Plausible's format
 *                 (`plausibleRequestOf`): each is compared with its server's
 *                 /api/analytics/track run of the same round (`ratios.*EventVsTrack`).
 * The requests come from the seeded traffic model (bench/model/): BENCH_REQUESTS distinct
 * tracker requests of 20 sites — pageviews, engagement pings and custom events, with their
 * visitors' user-agents, addresses (X-Forwarded-For, trusted one hop) and country headers —
 * each connection walking the list from its own offset. Crawlers are left out (the server
 * drops them, so they would flatter it and break the stream check below).
 *
 * The load generator (autocannon, bench/ingestLoad.ts) runs in its own process; its CPU is
 * reported, and a run is marked invalid when it used ≥ 85 % of its core (the client, not the
 * server, set the pace) or when neither it nor the server got half a core (other work on the
 * machine did). Redis runs with `appendonly yes, appendfsync everysec`, as the README
 * recommends for production. Each subject gets a warm-up (which also estimates its rate), then
 * a measured run of a fixed number of requests (rate × BENCH_DURATION), so every request sent
 * is answered and the stream's growth can be checked against the 2xx count exactly: the
 * stream's `entries-added` counter must grow by exactly the number of 2xx answers.
 *
 * Environment (all optional):
 *   BENCH_DURATION=15      seconds per measured run        BENCH_WARMUP=3   seconds of warm-up
 *   BENCH_CONNECTIONS=50   concurrent connections          BENCH_ROUNDS=3   rounds (medians reported)
 *   BENCH_SUBJECTS=payload,payloadEvent,standalone,standaloneEvent,ceiling,ceilingBatched,payloadCustomServer
 *                          which to run (without payload and payloadEvent, the sites are published
 *                          to Redis, and no next build)
 *   BENCH_REQUESTS=30000   distinct requests from the model   BENCH_SEED=20261204   its seed
 *   BENCH_REUSE_BUILD=1    skip `next build` when dev/.next exists, and `npm run build` when
 *                          dist/ does (quick tries only: a stale build measures old code)
 *   BENCH_CPU_PROFILE=1    run the servers with --cpu-prof; profiles land in the run's temp dir
 *   BENCH_RATE=N           send N req/s instead of as many as possible, to compare the CPU
 *                          each subject spends per request (details.*.cpuUsPerRequest)
 *
 * Each round measures every subject once, back to back, the order rotated from round to round
 * (a server's two routes together, swapping places each round).
 * Figures are the medians over the rounds; a ratio is the median of the rounds' ratios (each
 * taken side by side, so a busy moment on this shared machine weighs on both terms alike).
 *
 * Progress goes to stdout as it runs; the LAST line is one JSON object with the figures, the
 * references, the ratios, the load average and `valid`. The exit code does not judge targets.
 * Every process started here is stopped here, by PID, also on failure or Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process'
import type { Redis as RedisClient } from 'ioredis'

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'

import type { PostgresHandle, RedisHandle } from '../scripts/services.js'

import { freePort, portOpen, startPostgres, startRedis } from '../scripts/services.js'
import { DEMO_USERS } from '../dev/seed.js'
import { RedisSiteSync } from '../src/ingest/siteDirectory.js'
import { modelSiteSettings } from './model/events.js'
import { plausibleRequestOf, requestOf, TrafficModel } from './model/traffic.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name: string) => path.join(root, 'node_modules/.bin', name)

const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const DURATION_S = envNumber('BENCH_DURATION', 15)
const WARMUP_S = envNumber('BENCH_WARMUP', 3)
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 50))
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 3))
const REUSE_BUILD = process.env.BENCH_REUSE_BUILD === '1'
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE === '1'
/** A fixed request rate instead of as fast as possible: compares CPU cost per request, not throughput. */
const RATE = process.env.BENCH_RATE ? Math.round(envNumber('BENCH_RATE', 1)) : null
/** Easy to extend: a new subject needs a name here, a start function in `main`, and nothing else. */
const ALL_SUBJECTS = ['payload', 'payloadEvent', 'standalone', 'standaloneEvent', 'ceiling', 'ceilingBatched', 'payloadCustomServer'] as const
type SubjectName = (typeof ALL_SUBJECTS)[number]
const SUBJECTS = (process.env.BENCH_SUBJECTS ?? ALL_SUBJECTS.join(','))
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean) as SubjectName[]
for (const name of SUBJECTS) if (!ALL_SUBJECTS.includes(name)) throw new Error(`BENCH_SUBJECTS: unknown subject "${name}"`)

/** Umami 3.1 `/api/send` on this machine as FIELD-NOTES quotes it — NOT measured in this run. */
const UMAMI_QUOTED_RPS = 300
const TARGETS = { eventVsTrack: 0.9, payloadRps: 3_000, standaloneVsFairCeiling: 0.5 }
/** Distinct requests the load generator walks (from the traffic model), and the model's seed and sites. */
const REQUEST_COUNT = Math.round(envNumber('BENCH_REQUESTS', 30_000))
const SEED = Math.round(envNumber('BENCH_SEED', 20261204))
const MODEL_SITES = 20
/** The generator is the bottleneck when it used this share of its one core (autocannon is single-threaded). */
const GENERATOR_BOUND_CPU = 0.85
/** Below this share of a core for both the server and the generator, neither set the pace: the machine did. */
const MIN_BUSY_CPU = 0.5

const SITE = 'shop.acme.test'
const KEY_PREFIX = 'analytics:'
const EVENTS_STREAM = `${KEY_PREFIX}{events}`
const TRACK_PATH = '/api/analytics/track'
const EVENT_PATH = '/api/event'
/** Far above anything one client can send in a minute: the bench measures throughput, not the limiter. */
const NO_LIMIT = 1_000_000_000

const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
/** One pageview of the demo site: only to see that a server is up (the measured requests come from the model). */
const PROBE = {
  body: JSON.stringify({ r: 'https://www.google.com/', s: SITE, t: 'pageview', u: `https://${SITE}/pricing?utm_source=newsletter`, w: 1440 }),
  headers: {
    accept: '*/*',
    'accept-language': 'en-US,en;q=0.9',
    'content-type': 'text/plain;charset=UTF-8',
    origin: `https://${SITE}`,
    referer: `https://${SITE}/pricing?utm_source=newsletter`,
    'user-agent': CHROME_UA,
  },
  method: 'POST' as const,
}
/** The same pageview as Plausible's tracker sends it to /api/event. */
const EVENT_PROBE = {
  ...PROBE,
  body: JSON.stringify({ d: SITE, n: 'pageview', r: 'https://www.google.com/', u: `https://${SITE}/pricing?utm_source=newsletter`, w: 1440 }),
}

const log = (message: string) => console.log(`[bench] ${message}`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const round1 = (value: number) => Math.round(value * 10) / 10

// ---------------------------------------------------------------------------------------
// Processes: everything started here is recorded and stopped by PID in `cleanup`.

const work = mkdtempSync(path.join(os.tmpdir(), 'analytics-bench-'))
const children: Array<{ child: ChildProcess; name: string }> = []
let redisHandle: null | RedisHandle = null
let postgresHandle: null | PostgresHandle = null

function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; logFile: string; output: () => string } {
  const logFile = path.join(work, `${name}.log`)
  const logStream = createWriteStream(logFile)
  let output = ''
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const collect = (chunk: Buffer) => {
    logStream.write(chunk)
    if (output.length < 200_000) output += chunk.toString('utf8')
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  child.once('exit', () => logStream.end())
  children.push({ child, name })
  return { child, logFile, output: () => output }
}

/** The PIDs of a process's descendants (children first), from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = parents.get(ppid) ?? []
      list.push(Number(entry))
      parents.set(ppid, list)
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = []
  const walk = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child)
      walk(child)
    }
  }
  walk(pid)
  return found
}

/** CPU time (user + system) of a process and its descendants, in seconds. */
function cpuSeconds(pid: number): number {
  const ticksPerSecond = 100 // USER_HZ on Linux
  let ticks = 0
  for (const id of [pid, ...descendants(pid)]) {
    try {
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // gone meanwhile
    }
  }
  return ticks / ticksPerSecond
}

const stopProcess = (child: ChildProcess, name: string): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return resolve()
    // Processes this child started itself (if any) are ours too: stop them by PID after it.
    const theirs = descendants(child.pid)
    const timer = setTimeout(() => {
      log(`${name} (pid ${child.pid}) did not stop within 10 s, sending SIGKILL`)
      child.kill('SIGKILL')
    }, 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      for (const pid of theirs) {
        try {
          process.kill(pid, 'SIGTERM')
        } catch {
          // already gone
        }
      }
      resolve()
    })
    child.kill('SIGTERM')
  })

let cleaning: null | Promise<void> = null
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { child, name } of [...children].reverse()) await stopProcess(child, name).catch(() => undefined)
    await redisHandle?.stop().catch(() => undefined)
    await postgresHandle?.stop().catch(() => undefined)
    if (!CPU_PROFILE) rmSync(work, { force: true, recursive: true })
  })()
  return cleaning
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything this bench started…`)
    void cleanup().finally(() => process.exit(130))
  })
}

// ---------------------------------------------------------------------------------------
// Measuring.

interface Figures {
  errors: number
  p50Ms: number
  p99Ms: number
  rps: number
}

interface RunDetail extends Figures {
  accepted: number
  /** The load generator's CPU, in % of one core. */
  cpuGeneratorPct: number
  cpuRedisPct: number
  cpuServerPct: number
  /** CPU time the server process spent per answered request, in µs. */
  cpuUsPerRequest: number
  durationS: number
  /** The generator used most of its core: the run measured the client, not the server. */
  generatorBound: boolean
  /** Neither the server nor the generator got half a core: other work on the machine set the pace. */
  starved: boolean
  requests: number
  stream: { added: number; after: number; before: number; ok: boolean; xlenAfter: number; xlenBefore: number }
}

interface Subject {
  name: SubjectName
  pid: number
  /** The model's requests in this route's format (bench/ingestLoad.ts reads them). */
  requestsFile: string
  streamKey: string
  url: string
}

/** Entries ever added to a stream (Redis ≥ 7 `entries-added`) and its current length. */
async function streamCounters(redis: RedisClient, key: string): Promise<{ added: number; length: number }> {
  const length = await redis.xlen(key)
  try {
    const info = (await redis.call('XINFO', 'STREAM', key)) as unknown[]
    const index = info.indexOf('entries-added')
    if (index !== -1) return { added: Number(info[index + 1]), length }
  } catch {
    // no such stream yet
  }
  return { added: length, length }
}

interface LoadResult {
  cpuSeconds: number
  duration: number
  errors: number
  non2xx: number
  ok2xx: number
  p50: number
  p99: number
  requestsP50: number
  timeouts: number
  total: number
  wallSeconds: number
}

/**
 * The model's requests, written once for the generator: a busy afternoon of every model site,
 * in arrival order — as /api/analytics/track takes them, and the same hits as /api/event does.
 */
function writeModelRequests(): { event: string; track: string } {
  const model = new TrafficModel({ botShare: 0, dailyEvents: 2_000_000, seed: SEED, sites: MODEL_SITES })
  const hits: ReturnType<TrafficModel['slotHits']> = []
  for (let slot = 168; hits.length < REQUEST_COUNT && slot < 288; slot++) {
    hits.push(...model.sites.flatMap((site) => model.slotHits(site.index, '2026-11-18', slot)).sort((a, b) => a.at - b.at))
  }
  hits.length = Math.min(hits.length, REQUEST_COUNT)
  const files = { event: path.join(work, 'requests-event.json'), track: path.join(work, 'requests-track.json') }
  const requests = hits.map(requestOf)
  writeFileSync(files.track, JSON.stringify(requests))
  writeFileSync(files.event, JSON.stringify(hits.map(plausibleRequestOf)))
  const distinct = (header: string) => new Set(requests.map((request) => request.headers[header])).size
  log(`load: ${hits.length} distinct requests from the traffic model (seed ${SEED}), in both routes' formats: ${MODEL_SITES} sites, ${distinct('user-agent')} user-agents, ${distinct('x-forwarded-for')} client addresses, ${distinct('origin')} origins`)
  return files
}

let requestsFiles = { event: '', track: '' }
const modelSiteDomains = () => new TrafficModel({ dailyEvents: 1, seed: SEED, sites: MODEL_SITES }).sites.map((site) => site.domain)

/** Run the load generator (bench/ingestLoad.ts) in its own process; its figures and its own CPU time. */
async function generate(subject: Subject, options: { amount?: number; duration?: number }): Promise<LoadResult> {
  const args = JSON.stringify({ connections: CONNECTIONS, requestsFile: subject.requestsFile, url: subject.url, ...(RATE ? { rate: RATE } : {}), ...options })
  const load = startChild('load', process.execPath, ['--import', 'tsx', path.join(root, 'bench/ingestLoad.ts'), args], { ...process.env, NODE_ENV: 'production' })
  const code = await new Promise<null | number>((resolve) => load.child.once('exit', resolve))
  children.splice(children.findIndex((entry) => entry.child === load.child), 1)
  const line = load.output().trim().split('\n').filter((candidate) => candidate.startsWith('{')).pop()
  if (code !== 0 || !line) throw new Error(`the load generator failed (${code}):\n${load.output().slice(-3_000)}`)
  return JSON.parse(line) as LoadResult
}

async function measure(subject: Subject, redis: RedisClient, redisPid: number): Promise<RunDetail> {
  const warm = await generate(subject, { duration: WARMUP_S })
  // The median of the per-second rates: the first, colder second does not drag it down.
  const warmRate = warm.requestsP50 || warm.total / Math.max(warm.duration, 0.001)
  const amount = Math.max(1_000, Math.round(warmRate * DURATION_S))
  log(`${subject.name}: warm-up ${Math.round(warmRate)} req/s (${warm.ok2xx} 2xx, ${warm.non2xx} non-2xx); measuring ${amount} requests…`)
  await sleep(500) // the warm-up's last requests (cut off by autocannon) finish on the server

  const before = await streamCounters(redis, subject.streamKey)
  const cpuBefore = { redis: cpuSeconds(redisPid), server: cpuSeconds(subject.pid) }
  const started = performance.now()
  const result = await generate(subject, { amount })
  const wall = (performance.now() - started) / 1000
  const cpuAfter = { redis: cpuSeconds(redisPid), server: cpuSeconds(subject.pid) }
  await sleep(300)
  const after = await streamCounters(redis, subject.streamKey)

  const accepted = result.ok2xx
  const errors = result.non2xx + result.errors + result.timeouts
  const added = after.added - before.added
  // The generator's share of its one core while it ran the measured requests (its start-up excluded).
  const generatorCpuShare = Math.round((100 * result.cpuSeconds) / Math.max(result.wallSeconds, 0.001)) / 100
  const detail: RunDetail = {
    accepted,
    cpuGeneratorPct: Math.round(generatorCpuShare * 100),
    cpuRedisPct: Math.round((100 * (cpuAfter.redis - cpuBefore.redis)) / wall),
    cpuServerPct: Math.round((100 * (cpuAfter.server - cpuBefore.server)) / wall),
    cpuUsPerRequest: Math.round((1e6 * (cpuAfter.server - cpuBefore.server)) / Math.max(result.total, 1)),
    durationS: round1(result.duration),
    errors,
    generatorBound: generatorCpuShare >= GENERATOR_BOUND_CPU,
    starved: generatorCpuShare < MIN_BUSY_CPU && (cpuAfter.server - cpuBefore.server) / wall < MIN_BUSY_CPU,
    p50Ms: result.p50,
    p99Ms: result.p99,
    requests: result.total,
    rps: Math.round(result.total / Math.max(result.duration, 0.001)),
    stream: { added, after: after.added, before: before.added, ok: added === accepted, xlenAfter: after.length, xlenBefore: before.length },
  }
  log(
    `${subject.name}: ${detail.rps} req/s, p50 ${detail.p50Ms} ms, p99 ${detail.p99Ms} ms, ${errors} errors; ` +
      `server CPU ${detail.cpuServerPct}% (${detail.cpuUsPerRequest} µs/request), redis CPU ${detail.cpuRedisPct}%, generator CPU ${detail.cpuGeneratorPct}%${detail.generatorBound ? ' (GENERATOR-BOUND: invalid)' : ''}${detail.starved ? ' (STARVED by other work: invalid)' : ''}; ` +
      `stream +${added} for ${accepted} 2xx ${detail.stream.ok ? '✓' : '✗'}`,
  )
  return detail
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

// ---------------------------------------------------------------------------------------
// Subjects.

async function waitForOutput(get: () => string, pattern: RegExp, child: ChildProcess, timeoutMs: number, name: string, logFile: string) {
  const deadline = Date.now() + timeoutMs
  while (!pattern.test(get())) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready; see ${logFile}:\n${get().slice(-3_000)}`)
    if (Date.now() > deadline) throw new Error(`${name} was not ready within ${timeoutMs / 1000} s; see ${logFile}:\n${get().slice(-3_000)}`)
    await sleep(100)
  }
}

async function waitForListening(port: number, started: ReturnType<typeof startChild>, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await portOpen(port))) {
    if (started.child.exitCode !== null) {
      throw new Error(`${name} exited with ${started.child.exitCode}; see ${started.logFile}:\n${started.output().slice(-3_000)}`)
    }
    if (Date.now() > deadline) throw new Error(`${name} did not listen within ${timeoutMs / 1000} s; see ${started.logFile}`)
    await sleep(100)
  }
}

/** POST one pageview until it is accepted (the app boots Payload, migrates and seeds on its first request). */
async function waitUntilAccepting(url: string, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const probe = url.endsWith(EVENT_PATH) ? EVENT_PROBE : PROBE
  let last = ''
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { body: probe.body, headers: probe.headers, method: 'POST' })
      last = `${response.status} ${await response.text()}`
      if (response.status === 202 && !response.headers.get('x-analytics-dropped') && !response.headers.get('x-plausible-dropped')) return
    } catch (error) {
      last = (error as Error).message
    }
    await sleep(500)
  }
  throw new Error(`${name} did not accept a pageview within ${timeoutMs / 1000} s (last answer: ${last})`)
}

const nodeArgs = (name: string) => (CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(work, 'profiles', name)}`] : [])

/** What the dev app needs besides NODE_ENV and REDIS_URL (set by `startPayload`). */
let payloadEnv: Record<string, string> = {}

/** A server's route as a subject: /api/analytics/track with the tracker's requests, or /api/event with Plausible's. */
const routeSubject = (name: SubjectName, pid: number, origin: string, route: 'event' | 'track'): Subject => ({
  name,
  pid,
  requestsFile: requestsFiles[route],
  streamKey: EVENTS_STREAM,
  url: `${origin}${route === 'event' ? EVENT_PATH : TRACK_PATH}`,
})

async function startPayload(redisUrl: string): Promise<{ buildSeconds: null | number; origin: string; pid: number }> {
  postgresHandle = await startPostgres()
  const databaseUri = await postgresHandle.createDatabase(`bench_${randomBytes(4).toString('hex')}`)
  log(`embedded Postgres on port ${postgresHandle.port}, fresh database for this run`)
  payloadEnv = {
    ANALYTICS_RATE_LIMIT_PER_CLIENT: String(NO_LIMIT),
    ANALYTICS_RATE_LIMIT_PER_SITE: String(NO_LIMIT),
    // The model's requests carry their visitor's address in X-Forwarded-For, as a load balancer adds it.
    ANALYTICS_TRUST_PROXY: '1',
    DATABASE_URI: databaseUri,
    NEXT_TELEMETRY_DISABLED: '1',
    PAYLOAD_SECRET: 'bench-secret',
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...payloadEnv, NODE_ENV: 'production', REDIS_URL: redisUrl }

  let buildSeconds: null | number = null
  if (REUSE_BUILD && existsSync(path.join(root, 'dev/.next/BUILD_ID'))) {
    log('reusing the existing production build in dev/.next (BENCH_REUSE_BUILD=1)')
  } else {
    log('building the dev app for production (next build dev)…')
    buildSeconds = await runBuild('next-build', bin('next'), ['build', 'dev'], env, 'next build')
    log(`built in ${buildSeconds} s`)
  }

  const port = await freePort()
  // Node itself runs Next's CLI, so that profiling flags (not allowed in NODE_OPTIONS) reach it.
  const start = startChild(
    'next-start',
    process.execPath,
    [...nodeArgs('payload'), path.join(root, 'node_modules/next/dist/bin/next'), 'start', 'dev', '--port', String(port), '--hostname', '127.0.0.1'],
    env,
  )
  const started = Date.now()
  await waitForListening(port, start, 'next start', 120_000)
  const origin = `http://127.0.0.1:${port}`
  await waitUntilAccepting(`${origin}${TRACK_PATH}`, 'the Payload app', 180_000)
  await waitUntilAccepting(`${origin}${EVENT_PATH}`, "the Payload app's /api/event", 60_000)
  log(`Payload app (next start, pid ${start.child.pid}) accepts pageviews on both routes after ${round1((Date.now() - started) / 1000)} s`)
  return { buildSeconds, origin, pid: start.child.pid! }
}

/** The package as it ships (`npm run build`): the standalone server is measured as `npx payload-analytics ingest` runs it. */
async function buildPackage(): Promise<string> {
  const cli = path.join(root, 'dist/src/cli/index.js')
  if (REUSE_BUILD && existsSync(cli)) {
    log('reusing the existing package build in dist/ (BENCH_REUSE_BUILD=1)')
    return cli
  }
  log('building the package (npm run build)…')
  const seconds = await runBuild('package-build', 'npm', ['run', 'build'], process.env, 'npm run build')
  if (!existsSync(cli)) throw new Error(`npm run build wrote no ${path.relative(root, cli)}`)
  log(`package built in ${seconds} s`)
  return cli
}

/** Run a build step to its end; its duration in seconds, or an error with the end of its log. */
async function runBuild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<number> {
  const started = Date.now()
  const build = startChild(name, command, args, env)
  const code = await new Promise<null | number>((resolve) => build.child.once('exit', resolve))
  if (code !== 0) throw new Error(`${what} failed (${code}); see ${build.logFile}:\n${build.output().slice(-3_000)}`)
  return round1((Date.now() - started) / 1000)
}

async function startStandalone(redisUrl: string): Promise<{ origin: string; pid: number }> {
  const cli = await buildPackage()
  const port = await freePort()
  const args = [
    ...nodeArgs('standalone'),
    cli,
    'ingest',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--redis-url',
    redisUrl,
    '--key-prefix',
    KEY_PREFIX,
    '--rate-limit-per-client',
    String(NO_LIMIT),
    '--rate-limit-per-site',
    String(NO_LIMIT),
    '--trust-proxy',
    '1',
  ]
  const server = startChild('standalone', process.execPath, args, { ...process.env, NODE_ENV: 'production' })
  await waitForOutput(server.output, /listening on/, server.child, 30_000, 'the standalone server', server.logFile)
  const known = /knows (\d+) sites?/.exec(server.output())?.[1]
  const origin = `http://127.0.0.1:${port}`
  await waitUntilAccepting(`${origin}${TRACK_PATH}`, 'the standalone server', 10_000)
  await waitUntilAccepting(`${origin}${EVENT_PATH}`, "the standalone server's /api/event", 10_000)
  log(`standalone ingest server (pid ${server.child.pid}) knows ${known ?? '?'} sites and accepts pageviews on both routes`)
  return { origin, pid: server.child.pid! }
}

async function startCustomServer(redisUrl: string): Promise<Subject> {
  const port = await freePort()
  const server = startChild(
    'custom-server',
    process.execPath,
    [...nodeArgs('payloadCustomServer'), '--import', 'tsx', 'bench/customServer.ts', String(port), redisUrl, KEY_PREFIX],
    { ...process.env, ...payloadEnv, NODE_ENV: 'production', REDIS_URL: redisUrl },
  )
  await waitForOutput(server.output, /listening/, server.child, 120_000, 'the custom server', server.logFile)
  const origin = `http://127.0.0.1:${port}`
  await waitUntilAccepting(`${origin}${TRACK_PATH}`, 'the custom server', 10_000)
  log(`Payload app behind a custom server (pid ${server.child.pid}) accepts pageviews`)
  return routeSubject('payloadCustomServer', server.child.pid!, origin, 'track')
}

async function startCeiling(redisUrl: string, mode: 'batched' | 'naive'): Promise<Subject> {
  const name = mode === 'naive' ? 'ceiling' : 'ceilingBatched'
  const port = await freePort()
  const stream = `bench:${name}{events}`
  const server = startChild(name, process.execPath, [...nodeArgs(name), '--import', 'tsx', 'bench/ceilingServer.ts', String(port), redisUrl, stream, mode], {
    ...process.env,
    NODE_ENV: 'production',
  })
  await waitForOutput(server.output, /listening/, server.child, 30_000, `the ${mode} ceiling server`, server.logFile)
  log(`${mode} ceiling server (pid ${server.child.pid}) listening`)
  return { name, pid: server.child.pid!, requestsFile: requestsFiles.track, streamKey: stream, url: `http://127.0.0.1:${port}/` }
}

/** Without the Payload app: publish the demo site and the model's sites the way it would, so the standalone server knows them. */
async function publishSyntheticSites(redis: RedisClient): Promise<void> {
  const settings = modelSiteSettings('UTC')
  const sites = [SITE, ...modelSiteDomains()].map((domain, index) => ({ domain, id: index + 1, settings, tenantId: 1 }))
  await new RedisSiteSync(redis, { replaceAll: () => undefined } as never, { keyPrefix: KEY_PREFIX }).publish(sites, { complete: true })
  log(`no Payload app in this run: published ${sites.length} synthetic sites to Redis`)
}

/** The model's sites in the Payload app, created through its REST API as the demo super-admin (the app publishes them to Redis itself). */
async function createModelSites(origin: string): Promise<void> {
  const login = await fetch(`${origin}/api/users/login`, { body: JSON.stringify(DEMO_USERS.superAdmin), headers: { 'content-type': 'application/json' }, method: 'POST' })
  const { token } = (await login.json()) as { token?: string }
  if (!token) throw new Error(`could not log in to the Payload app (${login.status})`)
  const headers = { authorization: `JWT ${token}`, 'content-type': 'application/json' }
  const tenants = ((await (await fetch(`${origin}/api/tenants?limit=10&depth=0`, { headers })).json()) as { docs: Array<{ id: number | string }> }).docs
  for (const [index, domain] of modelSiteDomains().entries()) {
    const response = await fetch(`${origin}/api/sites`, { body: JSON.stringify({ domain, name: `Model ${index}`, tenant: tenants[index % tenants.length]?.id }), headers, method: 'POST' })
    if (!response.ok) throw new Error(`creating the model site ${domain}: ${response.status} ${(await response.text()).slice(0, 300)}`)
  }
  log(`created the traffic model's ${modelSiteDomains().length} sites in the Payload app`)
}

// ---------------------------------------------------------------------------------------

async function main() {
  const loadAtStart = os.loadavg().map((value) => round1(value))
  log(
    `subjects ${SUBJECTS.join(', ')}; ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ~${DURATION_S} s each, ` +
      `${ROUNDS} round${ROUNDS === 1 ? '' : 's'}; ${os.cpus().length} cores, load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`,
  )
  mkdirSync(work, { recursive: true })
  redisHandle = await startRedis({ appendonly: true })
  log(`redis-server (pid ${redisHandle.pid}) at ${redisHandle.url}`)
  const redis = new Redis(redisHandle.url)

  try {
    // Start everything first, then measure one after the other, so the runs are side by side.
    // Each server's two routes are next to each other in the list, so they run back to back in every round.
    const subjects: Subject[] = []
    let buildSeconds: null | number = null
    requestsFiles = writeModelRequests()
    const wanted = (...names: SubjectName[]) => names.some((name) => SUBJECTS.includes(name))
    if (wanted('payload', 'payloadEvent')) {
      const payload = await startPayload(redisHandle.url)
      buildSeconds = payload.buildSeconds
      if (wanted('payload')) subjects.push(routeSubject('payload', payload.pid, payload.origin, 'track'))
      if (wanted('payloadEvent')) subjects.push(routeSubject('payloadEvent', payload.pid, payload.origin, 'event'))
      await createModelSites(payload.origin)
    } else if (wanted('standalone', 'standaloneEvent')) {
      await publishSyntheticSites(redis)
    }
    if (wanted('standalone', 'standaloneEvent')) {
      const standalone = await startStandalone(redisHandle.url)
      if (wanted('standalone')) subjects.push(routeSubject('standalone', standalone.pid, standalone.origin, 'track'))
      if (wanted('standaloneEvent')) subjects.push(routeSubject('standaloneEvent', standalone.pid, standalone.origin, 'event'))
    }
    if (SUBJECTS.includes('ceiling')) subjects.push(await startCeiling(redisHandle.url, 'naive'))
    if (SUBJECTS.includes('ceilingBatched')) subjects.push(await startCeiling(redisHandle.url, 'batched'))
    if (SUBJECTS.includes('payloadCustomServer')) {
      if (!wanted('payload', 'payloadEvent')) throw new Error('BENCH_SUBJECTS: payloadCustomServer needs payload (the build and the database)')
      subjects.push(await startCustomServer(redisHandle.url))
    }

    const runs = new Map<SubjectName, RunDetail[]>(subjects.map((subject) => [subject.name, []]))
    // A server's routes (track and event: one process) form one group, so they always run back to back.
    const byServer = new Map<number, Subject[]>()
    for (const subject of subjects) byServer.set(subject.pid, [...(byServer.get(subject.pid) ?? []), subject])
    const groups = [...byServer.values()]
    for (let round = 1; round <= ROUNDS; round++) {
      // Groups in turn, the order rotated each round: no subject always runs first (cold) or last;
      // within a group, the routes swap places each round.
      const order = groups
        .map((_, index) => groups[(index + round - 1) % groups.length]!)
        .flatMap((group) => (round % 2 ? group : [...group].reverse()))
      log(`round ${round} of ${ROUNDS}: ${order.map((subject) => subject.name).join(', ')}`)
      for (const subject of order) {
        runs.get(subject.name)!.push(await measure(subject, redis, redisHandle.pid))
        await sleep(1_000)
      }
    }

    const summary = (name: SubjectName): (Figures & { cpuUsPerRequest: number }) | null => {
      const list = runs.get(name)
      if (!list?.length) return null
      return {
        cpuUsPerRequest: Math.round(median(list.map((run) => run.cpuUsPerRequest))),
        errors: list.reduce((sum, run) => sum + run.errors, 0),
        p50Ms: median(list.map((run) => run.p50Ms)),
        p99Ms: median(list.map((run) => run.p99Ms)),
        rps: Math.round(median(list.map((run) => run.rps))),
      }
    }
    const payload = summary('payload')
    const payloadEvent = summary('payloadEvent')
    const standalone = summary('standalone')
    const standaloneEvent = summary('standaloneEvent')
    const ceiling = summary('ceiling')
    const ceilingBatched = summary('ceilingBatched')
    const payloadCustomServer = summary('payloadCustomServer')
    const streamCheck = Object.fromEntries(
      [...runs].map(([name, list]) => {
        const accepted = list.reduce((sum, run) => sum + run.accepted, 0)
        const added = list.reduce((sum, run) => sum + run.stream.added, 0)
        const key = subjects.find((subject) => subject.name === name)!.streamKey
        return [name, { accepted2xx: accepted, grew: added, ok: list.every((run) => run.stream.ok), stream: key, xlenAfter: list.at(-1)!.stream.xlenAfter }]
      }),
    )
    const perRound = (numerator: SubjectName, denominator: SubjectName, figure: 'cpuUsPerRequest' | 'rps' = 'rps'): null | number => {
      const top = runs.get(numerator)
      const bottom = runs.get(denominator)
      if (!top?.length || !bottom?.length) return null
      return Math.round(100 * median(top.map((run, index) => run[figure] / bottom[index]![figure]))) / 100
    }
    const ratios = {
      /** Plausible's /api/event over /api/analytics/track on the same server, side by side in each round. */
      payloadEventVsTrack: perRound('payloadEvent', 'payload'),
      payloadVsFairCeiling: perRound('payload', 'ceilingBatched'),
      standaloneEventVsTrack: perRound('standaloneEvent', 'standalone'),
      /** The same pairs' server CPU per request, event over track (below 1: /api/event costs less). */
      cpuPerRequestPayloadEventVsTrack: perRound('payloadEvent', 'payload', 'cpuUsPerRequest'),
      cpuPerRequestStandaloneEventVsTrack: perRound('standaloneEvent', 'standalone', 'cpuUsPerRequest'),
      standaloneVsFairCeiling: perRound('standalone', 'ceilingBatched'),
      standaloneVsNaiveCeiling: perRound('standalone', 'ceiling'),
    }
    const allRuns = [...runs.values()].flat()
    const generatorBoundRuns = allRuns.filter((run) => run.generatorBound).length
    const starvedRuns = allRuns.filter((run) => run.starved).length
    const valid = generatorBoundRuns === 0 && starvedRuns === 0 && Object.values(streamCheck).every((check) => check.ok)
    const eventWithin10Pct = (ratio: null | number) => (ratio === null ? null : ratio >= TARGETS.eventVsTrack)
    const targets = {
      payloadAtLeast3000: payload ? payload.rps >= TARGETS.payloadRps : null,
      payloadEventWithin10PctOfTrack: eventWithin10Pct(ratios.payloadEventVsTrack),
      standaloneEventWithin10PctOfTrack: eventWithin10Pct(ratios.standaloneEventVsTrack),
      standaloneAtLeastHalfOfFairCeiling: ratios.standaloneVsFairCeiling === null ? null : ratios.standaloneVsFairCeiling >= TARGETS.standaloneVsFairCeiling,
    }
    log(
      `/api/event vs /api/analytics/track: payload ${payloadEvent?.rps ?? '-'} vs ${payload?.rps ?? '-'} req/s (×${ratios.payloadEventVsTrack ?? '-'}), ` +
        `standalone ${standaloneEvent?.rps ?? '-'} vs ${standalone?.rps ?? '-'} req/s (×${ratios.standaloneEventVsTrack ?? '-'})`,
    )
    log(
      `payload ${payload?.rps ?? '-'} req/s, standalone ${standalone?.rps ?? '-'} req/s (${ratios.standaloneVsFairCeiling ?? '-'} of the fair ceiling's ${ceilingBatched?.rps ?? '-'}, ` +
        `${ratios.standaloneVsNaiveCeiling ?? '-'} of the naive one's ${ceiling?.rps ?? '-'}); ${generatorBoundRuns} of ${allRuns.length} runs generator-bound, ${starvedRuns} starved → ${valid ? 'valid' : 'INVALID'}`,
    )
    if (CPU_PROFILE) log(`CPU profiles are written to ${path.join(work, 'profiles')} as the servers stop`)
    const report = {
      bench: 'ingest',
      valid,
      generatorBoundRuns,
      starvedRuns,
      loadAverage: { end: os.loadavg().map((value) => round1(value)), start: loadAtStart },
      payload,
      standalone,
      payloadCustomServer,
      payloadEvent,
      standaloneEvent,
      reference: { ceiling, ceilingBatched, umamiQuotedRps: UMAMI_QUOTED_RPS, umamiNote: 'FIELD-NOTES figure, not measured in this run' },
      ratios,
      streamCheck,
      targets,
      details: Object.fromEntries([...runs].map(([name, list]) => [name, list.map(({ stream: _stream, ...rest }) => rest)])),
      setup: {
        buildSeconds,
        connections: CONNECTIONS,
        cores: os.cpus().length,
        durationS: DURATION_S,
        modelRequests: REQUEST_COUNT,
        redis: 'appendonly yes, appendfsync everysec',
        rounds: ROUNDS,
        seed: SEED,
        warmupS: WARMUP_S,
      },
    }
    redis.disconnect()
    await cleanup()
    console.log(JSON.stringify(report))
  } finally {
    redis.disconnect()
    await cleanup()
  }
}

main().catch(async (error: unknown) => {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  await cleanup()
  process.exit(1)
})
