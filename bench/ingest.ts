/**
 * `npm run bench:ingest`: the tracking endpoint's throughput, four subjects side by side in
 * one run, driven by autocannon from this process over loopback:
 * - `payload`:    the dev app built for production (`next build dev`, `next start dev`) on a
 *                 fresh embedded Postgres database, POST /api/analytics/track;
 * - `standalone`: `payload-analytics ingest` as the package ships it (`npm run build`, then
 *                 dist/src/cli/index.js) in its own process, same Redis;
 * - `ceiling`:    bench/ceilingServer.ts, a bare node:http server doing one XADD per request;
 * - `payloadCustomServer`: the same Next build behind a custom node:http server that answers
 *                 the ingest routes itself (`createIngestListener`) before Next's router
 *                 (bench/customServer.ts) — what the Payload app's own process can do.
 * Every request is a browser pageview as the tracker sends it (Chrome user-agent, text/plain,
 * `{ s, t: 'pageview', u }`), so it passes the bot filter and is enriched and buffered.
 *
 * Each subject gets a warm-up (which also estimates its rate), then a measured run of a
 * fixed number of requests (rate × BENCH_DURATION), so every request sent is answered and
 * the stream's growth can be checked against the 2xx count exactly: the stream's
 * `entries-added` counter (XINFO STREAM, unaffected by trimming or acknowledged deletes)
 * must grow by exactly the number of 2xx answers.
 *
 * Environment (all optional):
 *   BENCH_DURATION=15      seconds per measured run        BENCH_WARMUP=3   seconds of warm-up
 *   BENCH_CONNECTIONS=50   concurrent connections          BENCH_ROUNDS=3   rounds (medians reported)
 *   BENCH_SUBJECTS=payload,standalone,ceiling,payloadCustomServer   which to run (without
 *                          payload, a synthetic site is published to Redis, and no build)
 *   BENCH_REUSE_BUILD=1    skip `next build` when dev/.next exists, and `npm run build` when
 *                          dist/ does (quick tries only: a stale build measures old code)
 *   BENCH_CPU_PROFILE=1    run the servers with --cpu-prof; profiles land in the run's temp dir
 *   BENCH_RATE=N           send N req/s instead of as many as possible, to compare the CPU
 *                          each subject spends per request (details.*.cpuUsPerRequest)
 *
 * Each round measures every subject once, back to back. Figures are the medians over the
 * rounds; a ratio is the median of the rounds' ratios (each taken side by side, so a busy
 * moment on this shared machine weighs on both terms alike).
 *
 * Progress goes to stdout as it runs; the LAST line is one JSON object with the figures.
 * Every process started here is stopped here, by PID, also on failure or Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process'
import type { Redis as RedisClient } from 'ioredis'

import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'

import type { PostgresHandle, RedisHandle } from '../scripts/services.js'

import { freePort, portOpen, startPostgres, startRedis } from '../scripts/services.js'
import { DEFAULT_CONVERSION_EVENTS } from '../src/core/eventTypes.js'
import { resolveSiteSettings } from '../src/core/siteSettings.js'
import { RedisSiteSync } from '../src/ingest/siteDirectory.js'

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
const ALL_SUBJECTS = ['payload', 'standalone', 'ceiling', 'payloadCustomServer'] as const
type SubjectName = (typeof ALL_SUBJECTS)[number]
const SUBJECTS = (process.env.BENCH_SUBJECTS ?? ALL_SUBJECTS.join(','))
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean) as SubjectName[]
for (const name of SUBJECTS) if (!ALL_SUBJECTS.includes(name)) throw new Error(`BENCH_SUBJECTS: unknown subject "${name}"`)

/** Umami 3.1 `/api/send` on this machine (FIELD-NOTES), the figure the issue compares against. */
const UMAMI_RPS = 300
const TARGETS = { payloadRps: 3_000, standaloneVsCeiling: 0.5 }

const SITE = 'shop.acme.test'
const KEY_PREFIX = 'analytics:'
const EVENTS_STREAM = `${KEY_PREFIX}{events}`
const CEILING_STREAM = `bench:ceiling{events}`
/** Far above anything one client can send in a minute: the bench measures throughput, not the limiter. */
const NO_LIMIT = 1_000_000_000

const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const REQUEST = {
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
  cpuRedisPct: number
  cpuServerPct: number
  /** CPU time the server process spent per answered request, in µs. */
  cpuUsPerRequest: number
  durationS: number
  requests: number
  stream: { added: number; after: number; before: number; ok: boolean; xlenAfter: number; xlenBefore: number }
}

interface Subject {
  name: SubjectName
  pid: number
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

const cannon = (url: string, options: { amount?: number; duration?: number }) =>
  autocannon({ ...REQUEST, connections: CONNECTIONS, url, ...(RATE ? { overallRate: RATE } : {}), ...options })

async function measure(subject: Subject, redis: RedisClient, redisPid: number): Promise<RunDetail> {
  const warm = await cannon(subject.url, { duration: WARMUP_S })
  // The median of the per-second rates: the first, colder second does not drag it down.
  const warmRate = warm.requests.p50 || warm.requests.total / Math.max(warm.duration, 0.001)
  const amount = Math.max(1_000, Math.round(warmRate * DURATION_S))
  log(`${subject.name}: warm-up ${Math.round(warmRate)} req/s (${warm['2xx']} 2xx, ${warm.non2xx} non-2xx); measuring ${amount} requests…`)
  await sleep(500) // the warm-up's last requests (cut off by autocannon) finish on the server

  const before = await streamCounters(redis, subject.streamKey)
  const cpuBefore = { redis: cpuSeconds(redisPid), server: cpuSeconds(subject.pid) }
  const started = performance.now()
  const result = await cannon(subject.url, { amount })
  const wall = (performance.now() - started) / 1000
  const cpuAfter = { redis: cpuSeconds(redisPid), server: cpuSeconds(subject.pid) }
  await sleep(300)
  const after = await streamCounters(redis, subject.streamKey)

  const accepted = result['2xx']
  const errors = result.non2xx + result.errors + result.timeouts
  const added = after.added - before.added
  const detail: RunDetail = {
    accepted,
    cpuRedisPct: Math.round((100 * (cpuAfter.redis - cpuBefore.redis)) / wall),
    cpuServerPct: Math.round((100 * (cpuAfter.server - cpuBefore.server)) / wall),
    cpuUsPerRequest: Math.round((1e6 * (cpuAfter.server - cpuBefore.server)) / Math.max(result.requests.total, 1)),
    durationS: round1(result.duration),
    errors,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    rps: Math.round(result.requests.total / Math.max(result.duration, 0.001)),
    stream: { added, after: after.added, before: before.added, ok: added === accepted, xlenAfter: after.length, xlenBefore: before.length },
  }
  log(
    `${subject.name}: ${detail.rps} req/s, p50 ${detail.p50Ms} ms, p99 ${detail.p99Ms} ms, ${errors} errors; ` +
      `server CPU ${detail.cpuServerPct}% (${detail.cpuUsPerRequest} µs/request), redis CPU ${detail.cpuRedisPct}%; stream +${added} for ${accepted} 2xx ${detail.stream.ok ? '✓' : '✗'}`,
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
  let last = ''
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { body: REQUEST.body, headers: REQUEST.headers, method: 'POST' })
      last = `${response.status} ${await response.text()}`
      if (response.status === 202 && !response.headers.get('x-analytics-dropped')) return
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

async function startPayload(redisUrl: string): Promise<{ buildSeconds: null | number; subject: Subject }> {
  postgresHandle = await startPostgres()
  const databaseUri = await postgresHandle.createDatabase(`bench_${randomBytes(4).toString('hex')}`)
  log(`embedded Postgres on port ${postgresHandle.port}, fresh database for this run`)
  payloadEnv = {
    ANALYTICS_RATE_LIMIT_PER_CLIENT: String(NO_LIMIT),
    ANALYTICS_RATE_LIMIT_PER_SITE: String(NO_LIMIT),
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
  const url = `http://127.0.0.1:${port}/api/analytics/track`
  await waitUntilAccepting(url, 'the Payload app', 180_000)
  log(`Payload app (next start, pid ${start.child.pid}) accepts pageviews after ${round1((Date.now() - started) / 1000)} s`)
  return { buildSeconds, subject: { name: 'payload', pid: start.child.pid!, streamKey: EVENTS_STREAM, url } }
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

async function startStandalone(redisUrl: string): Promise<Subject> {
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
  ]
  const server = startChild('standalone', process.execPath, args, { ...process.env, NODE_ENV: 'production' })
  await waitForOutput(server.output, /listening on/, server.child, 30_000, 'the standalone server', server.logFile)
  const known = /knows (\d+) sites?/.exec(server.output())?.[1]
  const url = `http://127.0.0.1:${port}/api/analytics/track`
  await waitUntilAccepting(url, 'the standalone server', 10_000)
  log(`standalone ingest server (pid ${server.child.pid}) knows ${known ?? '?'} sites and accepts pageviews`)
  return { name: 'standalone', pid: server.child.pid!, streamKey: EVENTS_STREAM, url }
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
  const url = `http://127.0.0.1:${port}/api/analytics/track`
  await waitUntilAccepting(url, 'the custom server', 10_000)
  log(`Payload app behind a custom server (pid ${server.child.pid}) accepts pageviews`)
  return { name: 'payloadCustomServer', pid: server.child.pid!, streamKey: EVENTS_STREAM, url }
}

async function startCeiling(redisUrl: string): Promise<Subject> {
  const port = await freePort()
  const server = startChild(
    'ceiling',
    process.execPath,
    [...nodeArgs('ceiling'), '--import', 'tsx', 'bench/ceilingServer.ts', String(port), redisUrl, CEILING_STREAM],
    { ...process.env, NODE_ENV: 'production' },
  )
  await waitForOutput(server.output, /listening/, server.child, 30_000, 'the ceiling server', server.logFile)
  log(`ceiling server (pid ${server.child.pid}) listening`)
  return { name: 'ceiling', pid: server.child.pid!, streamKey: CEILING_STREAM, url: `http://127.0.0.1:${port}/` }
}

/** Without the Payload app: publish the demo site the way it would, so the standalone server knows it. */
async function publishSyntheticSite(redis: RedisClient): Promise<void> {
  const settings = resolveSiteSettings(
    {},
    {
      allowedHostnames: [],
      conversionEvents: [...DEFAULT_CONVERSION_EVENTS],
      excludedPaths: [],
      ipAnonymization: 'standard',
      respectDoNotTrack: true,
      timeZone: 'UTC',
      retentionDays: 30,
      trackAutomation: false,
      trackingEnabled: true,
    },
  )
  await new RedisSiteSync(redis, { replaceAll: () => undefined } as never, { keyPrefix: KEY_PREFIX }).publish(
    [{ domain: SITE, id: 1, settings, tenantId: 1 }],
    { complete: true },
  )
  log(`no Payload app in this run: published a synthetic site "${SITE}" to Redis`)
}

// ---------------------------------------------------------------------------------------

async function main() {
  log(
    `subjects ${SUBJECTS.join(', ')}; ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ~${DURATION_S} s each, ` +
      `${ROUNDS} round${ROUNDS === 1 ? '' : 's'}; ${os.cpus().length} cores, load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`,
  )
  mkdirSync(work, { recursive: true })
  redisHandle = await startRedis()
  log(`redis-server (pid ${redisHandle.pid}) at ${redisHandle.url}`)
  const redis = new Redis(redisHandle.url)

  try {
    // Start everything first, then measure one after the other, so the runs are side by side.
    const subjects: Subject[] = []
    let buildSeconds: null | number = null
    if (SUBJECTS.includes('payload')) {
      const payload = await startPayload(redisHandle.url)
      buildSeconds = payload.buildSeconds
      subjects.push(payload.subject)
    } else if (SUBJECTS.includes('standalone')) {
      await publishSyntheticSite(redis)
    }
    if (SUBJECTS.includes('standalone')) subjects.push(await startStandalone(redisHandle.url))
    if (SUBJECTS.includes('ceiling')) subjects.push(await startCeiling(redisHandle.url))
    if (SUBJECTS.includes('payloadCustomServer')) {
      if (!SUBJECTS.includes('payload')) throw new Error('BENCH_SUBJECTS: payloadCustomServer needs payload (the build and the database)')
      subjects.push(await startCustomServer(redisHandle.url))
    }

    const runs = new Map<SubjectName, RunDetail[]>(subjects.map((subject) => [subject.name, []]))
    for (let round = 1; round <= ROUNDS; round++) {
      if (ROUNDS > 1) log(`round ${round} of ${ROUNDS}`)
      // The cheapest subject first: it also warms Redis up.
      for (const name of ['ceiling', 'standalone', 'payload', 'payloadCustomServer'] as const) {
        const subject = subjects.find((candidate) => candidate.name === name)
        if (subject) runs.get(name)!.push(await measure(subject, redis, redisHandle.pid))
        await sleep(1_000)
      }
    }

    const summary = (name: SubjectName): Figures | null => {
      const list = runs.get(name)
      if (!list?.length) return null
      return {
        errors: list.reduce((sum, run) => sum + run.errors, 0),
        p50Ms: median(list.map((run) => run.p50Ms)),
        p99Ms: median(list.map((run) => run.p99Ms)),
        rps: Math.round(median(list.map((run) => run.rps))),
      }
    }
    const payload = summary('payload')
    const standalone = summary('standalone')
    const ceiling = summary('ceiling')
    const payloadCustomServer = summary('payloadCustomServer')
    const streamCheck = Object.fromEntries(
      [...runs].map(([name, list]) => {
        const accepted = list.reduce((sum, run) => sum + run.accepted, 0)
        const added = list.reduce((sum, run) => sum + run.stream.added, 0)
        const key = subjects.find((subject) => subject.name === name)!.streamKey
        return [name, { accepted2xx: accepted, grew: added, ok: list.every((run) => run.stream.ok), stream: key, xlenAfter: list.at(-1)!.stream.xlenAfter }]
      }),
    )
    const perRound = (numerator: SubjectName, denominator: SubjectName): null | number => {
      const top = runs.get(numerator)
      const bottom = runs.get(denominator)
      if (!top?.length || !bottom?.length) return null
      return Math.round(100 * median(top.map((run, index) => run.rps / bottom[index]!.rps))) / 100
    }
    const ratios = {
      payloadCustomServerVsUmami: payloadCustomServer ? round1(payloadCustomServer.rps / UMAMI_RPS) : null,
      payloadVsUmami: payload ? round1(payload.rps / UMAMI_RPS) : null,
      standaloneVsCeiling: perRound('standalone', 'ceiling'),
    }
    const targets = {
      payloadAtLeast3000: payload ? payload.rps >= TARGETS.payloadRps : null,
      standaloneAtLeastHalfOfCeiling: ratios.standaloneVsCeiling === null ? null : ratios.standaloneVsCeiling >= TARGETS.standaloneVsCeiling,
    }
    log(`payload ${payload?.rps ?? '-'} req/s (${ratios.payloadVsUmami ?? '-'}× Umami's ${UMAMI_RPS}), standalone ${standalone?.rps ?? '-'} req/s (${ratios.standaloneVsCeiling ?? '-'} of the ceiling's ${ceiling?.rps ?? '-'})`)
    if (CPU_PROFILE) log(`CPU profiles are written to ${path.join(work, 'profiles')} as the servers stop`)
    const report = {
      payload,
      standalone,
      ceiling,
      payloadCustomServer,
      ratios,
      streamCheck,
      targets,
      details: Object.fromEntries([...runs].map(([name, list]) => [name, list.map(({ stream: _stream, ...rest }) => rest)])),
      setup: { buildSeconds, connections: CONNECTIONS, cores: os.cpus().length, durationS: DURATION_S, rounds: ROUNDS, warmupS: WARMUP_S },
    }
    redis.disconnect()
    await cleanup()
    console.log(JSON.stringify(report))
    if (Object.values(streamCheck).some((check) => !check.ok)) process.exitCode = 1
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
