/**
 * Fault tests of the aggregation on real Postgres and Redis: a worker process SIGKILLed
 * mid-run, two worker processes on the same buffer at once, Redis restarted (appendonly, as
 * the README recommends) between append and aggregation, Postgres stopped during a run. In
 * every case the raw events table ends with exactly one row per event and the daily stats
 * equal the reference over every event handed in.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import type { Payload } from 'payload'

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { getPayload } from 'payload'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { AnalyticsPluginOptions } from '../../src/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { buildDevConfig } from '../../dev/buildConfig.js'
import { runAggregation } from '../../jobs/aggregate.js'
import { JOBS_ENV } from '../../jobs/scheduler.js'
import { freePort, startPostgres, startRedis } from '../../scripts/services.js'
import { createEventBuffer } from '../../src/buffer/index.js'
import { createDirtyDays } from '../../src/store/dirtyDays.js'
import { countRawEvents, expectStatsToEqualReference, generateEvents, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { freshDatabase, withSchemaPush } from '../helpers/payload.js'

// No scheduled runs in this process: every run here is started by a test.
process.env[JOBS_ENV] = 'manual'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}

/** Boot the dev config on `databaseUri`; the first instance of a database pushes the schema and seeds it. */
async function boot(databaseUri: string, analytics: AnalyticsPluginOptions): Promise<Payload> {
  const config = buildDevConfig({ analytics, databaseUri, push: true, seed: true })
  return withSchemaPush(() => getPayload({ config, key: `${databaseUri}#${randomBytes(3).toString('hex')}` }))
}

interface Worker {
  child: ChildProcessWithoutNullStreams
  exited: Promise<{ code: null | number; signal: NodeJS.Signals | null }>
  /** Start the run (the worker waits for this after booting). */
  go(): void
  /** The JSON result line, once exited cleanly. */
  result(): { claimed: number; daysRecomputed: number; inserted: number; skipped: number }
  stderr(): string
  stdout(): string
  /** SIGKILL it if it still runs. */
  stop(): Promise<void>
}

/** Spawn test/helpers/faultWorker.ts (its PID is the worker itself: no tsx wrapper process). */
function spawnWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', path.join(root, 'test/helpers/faultWorker.ts')], {
    cwd: root,
    env: { ...process.env, FAULT_WAIT_GO: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: null | number; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    child,
    exited,
    go: () => child.stdin.write('go\n'),
    result: () => {
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'))
      if (!line) throw new Error(`no result from the worker; stdout:\n${stdout}\nstderr:\n${stderr}`)
      return JSON.parse(line) as ReturnType<Worker['result']>
    },
    stderr: () => stderr,
    stdout: () => stdout,
    async stop() {
      if (running()) process.kill(child.pid!, 'SIGKILL')
      await exited
    },
  }
}

const redisUrl = inject('redisUrl')
const keyPrefix = `faults${randomBytes(4).toString('hex')}:`
let databaseUri: string
let payload: Payload
let redis: Redis
let sites: DemoSite[]
/** Every event handed to the pipeline against `payload`'s database: the ground truth. */
const all: AnalyticsEvent[] = []

beforeAll(async () => {
  databaseUri = await freshDatabase('faults')
  payload = await boot(databaseUri, { aggregation: { batchSize: 500 }, redisKeyPrefix: keyPrefix, redisUrl })
  redis = new Redis(redisUrl)
  sites = Object.values(await demoSites(payload))
})

afterAll(async () => {
  redis?.disconnect()
  await payload?.destroy()
})

/**
 * Run the aggregation in this process with a consumer of its own that takes over entries idle
 * for 1 s (instead of the default 60 s), once a dead consumer's entries have been idle that long.
 * Note: an entry is reclaimable once idle for `claimIdleMs` even if a live lane is still
 * working on it, so `claimed` can exceed the number of entries (redelivery; never double-counted).
 */
async function aggregateHere(options: { keyPrefix?: string; p?: Payload; redis?: Redis } = {}) {
  const prefix = options.keyPrefix ?? keyPrefix
  const client = options.redis ?? redis
  const p = options.p ?? payload
  const buffer = await createEventBuffer({ claimIdleMs: 1_000, consumer: `here-${randomBytes(3).toString('hex')}`, keyPrefix: prefix, redis: client })
  try {
    await sleep(1_100) // entries a dead consumer claimed are idle long enough
    const dirty = createDirtyDays({ keyPrefix: prefix, redis: client })
    const result = await runAggregation({ batchSize: 2_000, buffer, cfg: p.analytics!.config, dirty, payload: p })
    expect(await buffer.pending()).toBe(0)
    expect(await dirty.list()).toEqual([])
    return result
  } finally {
    await buffer.close()
  }
}

describe('aggregation faults', () => {
  test('a worker SIGKILLed mid-run: the next run takes over its entries, nothing lost or counted twice', { timeout: 60_000 }, async () => {
    const events = generateEvents({ days: recentDays(5, 0), seed: 101, sessionsPerDay: [300, 360], sites })
    expect(events.length).toBeGreaterThan(12_000)
    all.push(...events)
    await payload.analytics!.buffer.append(events)
    // The production path: aggregateNow() in a worker process, small batches. After 10 acked
    // batches it stops acking (FAULT_HOLD_AFTER_ACKS): the kill lands while it holds claimed
    // batches already inserted and marked but not acknowledged, however loaded the machine is.
    const worker = spawnWorker({
      DATABASE_URI: databaseUri,
      FAULT_BATCH_SIZE: '100',
      FAULT_HOLD_AFTER_ACKS: '10',
      FAULT_KEY_PREFIX: keyPrefix,
      FAULT_MODE: 'now',
      REDIS_URL: redisUrl,
    })
    let atKill: number
    try {
      await waitFor('the worker to boot', () => worker.stdout().includes('[fault-worker] booted'), 45_000)
      worker.go()
      // The first 10 acks all finish (two lanes may have two in flight), every later one holds.
      const ackedLines = () => worker.stdout().match(/\[fault-worker\] acked/g)?.length ?? 0
      await waitFor(
        'the worker to hold an inserted, unacknowledged batch after 10 acks',
        () => worker.stdout().includes('[fault-worker] holding') && ackedLines() >= 10,
        30_000,
        10,
      )
      process.kill(worker.child.pid!, 'SIGKILL')
      expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' })
      atKill = await countRawEvents(payload)
    } finally {
      await worker.stop()
    }
    // Killed mid-run: some events stored, some not, some claimed and never acknowledged.
    expect(worker.stdout().match(/\[fault-worker\] acked/g)).toHaveLength(10)
    expect(atKill).toBeGreaterThanOrEqual(11 * 100)
    expect(atKill).toBeLessThan(events.length)
    expect(await payload.analytics!.buffer.pending()).toBeGreaterThan(0)
    expect(worker.stdout()).not.toContain('"claimed"')
    // …and it died holding claimed, unacknowledged entries (mid-batch).
    const [deadPending] = (await redis.xpending(`${keyPrefix}{events}`, 'aggregator')) as [number]
    expect(deadPending).toBeGreaterThan(0)

    const result = await aggregateHere()
    console.log(`[faults] killed at ${atKill}/${events.length} stored, ${deadPending} claimed and unacknowledged; the next run claimed ${result.claimed}, inserted ${result.inserted}`)
    expect(result.claimed + result.skipped).toBeGreaterThanOrEqual(events.length - atKill)
    expect(result.skipped).toBe(0)
    expect(await countRawEvents(payload)).toBe(all.length)
    await expectStatsToEqualReference(payload, all)
  })

  test('two worker processes aggregate the same buffer at once: exact counts', { timeout: 60_000 }, async () => {
    const events = generateEvents({ days: recentDays(4, 1), seed: 102, sessionsPerDay: [300, 360], sites })
    all.push(...events)
    await payload.analytics!.buffer.append(events)
    // runAggregation directly (no single-run lock), each with its own consumer: both claim at once.
    const env = { DATABASE_URI: databaseUri, FAULT_BATCH_SIZE: '150', FAULT_KEY_PREFIX: keyPrefix, FAULT_MODE: 'direct', REDIS_URL: redisUrl }
    const workers = [spawnWorker({ ...env, FAULT_CONSUMER: 'one' }), spawnWorker({ ...env, FAULT_CONSUMER: 'two' })]
    try {
      await waitFor('both workers to boot', () => workers.every((w) => w.stdout().includes('[fault-worker] booted')), 45_000)
      for (const w of workers) w.go()
      const exits = await Promise.all(workers.map((w) => w.exited))
      expect(exits, workers.map((w) => w.stderr()).join('\n')).toEqual([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ])
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
    }
    const [one, two] = workers.map((w) => w.result())
    expect(one!.claimed + two!.claimed).toBe(events.length)
    expect(one!.inserted + two!.inserted).toBe(events.length)
    expect(one!.claimed).toBeGreaterThan(0)
    expect(two!.claimed).toBeGreaterThan(0)
    expect(await payload.analytics!.buffer.pending()).toBe(0)
    expect(await createDirtyDays({ keyPrefix, redis }).list()).toEqual([])
    expect(await countRawEvents(payload)).toBe(all.length)
    await expectStatsToEqualReference(payload, all)
  })

  test('Redis restarted (appendonly) between append and aggregation: nothing lost', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-faults-redis-'))
    const port = await freePort()
    const prefix = `restart${randomBytes(4).toString('hex')}:`
    let server = await startRedis({ appendonly: true, dataDir, port })
    let client: null | Redis = null
    try {
      const events = generateEvents({ days: recentDays(3, 0), seed: 103, sessionsPerDay: [150, 200], sites })
      const writer = await createEventBuffer({ keyPrefix: prefix, redisUrl: server.url })
      try {
        await writer.append(events)
        expect(await writer.pending()).toBe(events.length)
      } finally {
        await writer.close()
      }
      all.push(...events)
      await server.stop()
      server = await startRedis({ appendonly: true, dataDir, port })
      client = new Redis(server.url)
      const result = await aggregateHere({ keyPrefix: prefix, redis: client })
      expect(result).toMatchObject({ inserted: events.length, skipped: 0 })
      expect(result.claimed).toBeGreaterThanOrEqual(events.length)
      expect(await countRawEvents(payload)).toBe(all.length)
      await expectStatsToEqualReference(payload, all)
    } finally {
      client?.disconnect()
      await server.stop()
      rmSync(dataDir, { force: true, recursive: true })
    }
  })

  test('Postgres stopped during a run and restarted: the run fails, the next one completes it exactly', { timeout: 60_000 }, async () => {
    // A Postgres of its own (persistent data directory, restarted on the same port).
    const dataDir = path.join(os.tmpdir(), `analytics-faults-pg-${randomBytes(4).toString('hex')}`)
    const port = await freePort()
    const prefix = `pg${randomBytes(4).toString('hex')}:`
    let server = await startPostgres({ dataDir, port })
    let other: Payload | undefined
    try {
      const uri = await server.createDatabase('faults_pg')
      other = await boot(uri, { aggregation: { batchSize: 100 }, redisKeyPrefix: prefix, redisUrl })
      const p = other
      // Payload's Postgres adapter puts no 'error' listener on its pg Pool; the plugin's runtime
      // adds one (logging), so a Postgres shutdown does not crash the process. The test adds
      // its own too, to see what the pool reports.
      const poolErrors: string[] = []
      ;(p.db as unknown as { pool: { on(event: 'error', listener: (error: Error) => void): void } }).pool.on('error', (error) => poolErrors.push(error.message))
      const events = generateEvents({ days: recentDays(4, 0), seed: 104, sessionsPerDay: [250, 300], sites: Object.values(await demoSites(p)) })
      await p.analytics!.buffer.append(events)
      const run = p.analytics!.aggregateNow().then(
        () => null,
        (error: unknown) => error as Error,
      )
      await waitFor('a few batches', async () => (await countRawEvents(p)) >= 300, 20_000, 10)
      const atStop = await countRawEvents(p)
      await server.stop()
      const failure = await run
      expect(failure).toBeInstanceOf(Error)
      expect(atStop).toBeLessThan(events.length)
      expect(await p.analytics!.buffer.pending()).toBeGreaterThan(0)

      server = await startPostgres({ dataDir, port })
      await waitFor('Postgres to answer again', () => countRawEvents(p).then(() => true, () => false), 20_000, 200)
      const result = await aggregateHere({ keyPrefix: prefix, p })
      console.log(
        `[faults] Postgres stopped at ${atStop}/${events.length} stored (${(failure!.cause as Error | undefined)?.message ?? failure!.message.split('\n')[0]}; ${poolErrors.length} idle-connection errors); the next run claimed ${result.claimed}, inserted ${result.inserted}`,
      )
      expect(result.skipped).toBe(0)
      expect(await countRawEvents(p)).toBe(events.length)
      await expectStatsToEqualReference(p, events)
    } finally {
      await other?.destroy().catch(() => undefined)
      await server.stop()
      rmSync(dataDir, { force: true, recursive: true })
    }
  })
})
