/**
 * The scheduled aggregation on real Postgres and Redis: BullMQ job schedulers upserted once
 * however many instances start, runs that fire on their own, one run at a time across
 * instances, `aggregateNow()`, a clean stop mid-run, erasure, and the in-process timer
 * without Redis. Ground truth: the reference implementation over every event handed in.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { getPayload } from 'payload'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsPluginOptions } from '../../src/types.js'
import type { AnalyticsEvent } from '../../src/core/event.js'
import type { JobSource } from '../../jobs/scheduler.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { buildDevConfig } from '../../dev/buildConfig.js'
import { countRawEvents, expectStatsToEqualReference, generateEvents, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { freshDatabase, withSchemaPush } from '../helpers/payload.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Boot the dev config on `databaseUri`; the first instance of a database pushes the schema and seeds it. */
async function boot(databaseUri: string, analytics: AnalyticsPluginOptions, first: boolean): Promise<Payload> {
  const config = buildDevConfig({ analytics, databaseUri, push: first, seed: first })
  const start = () => getPayload({ config, key: `${databaseUri}#${randomBytes(3).toString('hex')}` })
  return first ? withSchemaPush(start) : start()
}

type Db = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const dbOf = (payload: Payload) => (payload.db as unknown as { drizzle: Db }).drizzle

describe('BullMQ across two instances (same Postgres, same Redis)', () => {
  const keyPrefix = `jobs${randomBytes(4).toString('hex')}:`
  const analytics: AnalyticsPluginOptions = {
    aggregation: { batchSize: 100, intervalMinutes: 1 / 60 },
    redisKeyPrefix: keyPrefix,
    redisUrl: inject('redisUrl'),
  }
  let a: Payload
  let b: Payload
  let sites: DemoSite[]
  const all: AnalyticsEvent[] = []
  const runs: Array<{ instance: string; source: JobSource }> = []
  let concurrent = 0
  let maxConcurrent = 0

  beforeAll(async () => {
    const databaseUri = await freshDatabase('jobs')
    a = await boot(databaseUri, analytics, true)
    b = await boot(databaseUri, analytics, false)
    sites = Object.values(await demoSites(a))
    for (const [instance, payload] of [
      ['a', a],
      ['b', b],
    ] as const) {
      payload.analytics!.jobs.on('aggregation:start', ({ source }) => {
        concurrent++
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        runs.push({ instance, source })
      })
      payload.analytics!.jobs.on('aggregation:end', () => concurrent--)
      payload.analytics!.jobs.on('aggregation:error', () => concurrent--)
    }
  })

  afterAll(async () => {
    await b?.destroy()
    await a?.destroy()
  })

  test('the job schedulers exist once, although both instances upserted them', async () => {
    const queue = a.analytics!.jobs.queue!
    expect(a.analytics!.jobs.driver).toBe('bullmq')
    expect(a.analytics!.jobs.workerRunning).toBe(true)
    expect(b.analytics!.jobs.workerRunning).toBe(true)
    // Both upserts have completed (each instance awaited its own at start).
    const schedulers = await queue.getJobSchedulers()
    expect(schedulers.map((s) => s.key).sort()).toEqual(['aggregate', 'reports', 'retention', 'sources'])
    expect(schedulers.find((s) => s.key === 'aggregate')).toMatchObject({ every: 1000, name: 'aggregate' })
    expect(schedulers.find((s) => s.key === 'retention')).toMatchObject({ name: 'retention', pattern: '15 3 * * *', tz: 'UTC' })
    // The external sources' nightly run, at sources.runAt (02:00 UTC by default).
    expect(schedulers.find((s) => s.key === 'sources')).toMatchObject({ name: 'sources', pattern: '0 2 * * *', tz: 'UTC' })
    // One upcoming job per scheduler, never one per instance.
    const upcoming = await queue.getJobs(['delayed', 'wait', 'waiting', 'prioritized'])
    expect(upcoming.filter((job) => job.name === 'aggregate').length).toBeLessThanOrEqual(1)
    expect(upcoming.filter((job) => job.name === 'retention')).toHaveLength(1)
    expect(upcoming.filter((job) => job.name === 'sources')).toHaveLength(1)
    // Upserting again (a third instance starting) changes nothing.
    await b.analytics!.jobs.schedule()
    await a.analytics!.jobs.queue!.upsertJobScheduler('aggregate', { every: 1000 }, { name: 'aggregate' })
    expect(await queue.getJobSchedulersCount()).toBe(4)
    // BullMQ's keys live under the plugin's prefix.
    const redis = new Redis(inject('redisUrl'))
    try {
      expect((await redis.keys(`${keyPrefix}bull:analytics:*`)).length).toBeGreaterThan(0)
    } finally {
      redis.disconnect()
    }
  })

  test('a scheduled run fires on its own and drains the buffer', async () => {
    const events = generateEvents({ days: recentDays(3, 1), seed: 31, sessionsPerDay: [8, 14], sites })
    all.push(...events)
    const before = runs.filter((run) => run.source === 'scheduled').length
    await a.analytics!.buffer.append(events)
    await waitFor('a scheduled run to drain the buffer', async () => (await a.analytics!.buffer.pending()) === 0, 20_000)
    await waitFor('the stats of the drained events', async () => (await countRawEvents(a)) === all.length)
    // Let the run that drained the buffer finish its recompute.
    await waitFor('no run in progress', () => concurrent === 0)
    expect(runs.filter((run) => run.source === 'scheduled').length).toBeGreaterThan(before)
    await a.analytics!.aggregateNow()
    await expectStatsToEqualReference(a, all)
  })

  test('two instances never run the aggregation at the same time, and the counts are exact', async () => {
    const events = generateEvents({ days: recentDays(6, 0), seed: 32, sessionsPerDay: [60, 90], sites })
    expect(events.length).toBeGreaterThan(3_000)
    all.push(...events)
    const before = runs.length
    await a.analytics!.buffer.append(events)
    // Scheduled ticks every second on both, plus manual runs on both at once.
    const manual = [a, b, a, b].map((payload) => payload.analytics!.aggregateNow())
    await Promise.all(manual)
    await waitFor('the buffer to drain', async () => (await a.analytics!.buffer.pending()) === 0)
    await sleep(1_500) // a few more scheduled ticks on both instances
    await waitFor('no run in progress', () => concurrent === 0)
    const these = runs.slice(before)
    expect(these.filter((run) => run.source === 'manual').map((run) => run.instance).sort()).toEqual(['a', 'a', 'b', 'b'])
    expect(these.some((run) => run.source === 'scheduled')).toBe(true)
    expect(maxConcurrent).toBe(1)
    expect(await countRawEvents(a)).toBe(all.length)
    await expectStatsToEqualReference(a, all)
  })
})

describe('aggregateNow, stopping mid-run, erasure (one instance, default interval)', () => {
  const keyPrefix = `now${randomBytes(4).toString('hex')}:`
  const analytics: AnalyticsPluginOptions = { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') }
  let databaseUri: string
  let payload: Payload
  let sites: DemoSite[]
  const all: AnalyticsEvent[] = []

  beforeAll(async () => {
    databaseUri = await freshDatabase('jobsnow')
    payload = await boot(databaseUri, analytics, true)
    sites = Object.values(await demoSites(payload))
  })

  afterAll(async () => {
    await payload?.destroy()
  })

  test('aggregateNow() moves buffered events into raw events and daily stats equal to the reference', async () => {
    const events = generateEvents({ days: recentDays(4, 1), seed: 41, sessionsPerDay: [15, 25], sites })
    all.push(...events)
    await payload.analytics!.buffer.append(events)
    const result = await payload.analytics!.aggregateNow()
    expect(result).toMatchObject({ claimed: events.length, inserted: events.length, skipped: 0 })
    expect(await payload.analytics!.buffer.pending()).toBe(0)
    expect(await countRawEvents(payload)).toBe(events.length)
    await expectStatsToEqualReference(payload, all)
    const metrics = await payload.analytics!.metrics.registry.metrics()
    expect(metrics).toMatch(/^analytics_aggregation_duration_seconds_count 1$/m)
    expect(metrics).toMatch(new RegExp(`^analytics_daily_stats_total ${result.rowsWritten}$`, 'm'))
    expect(metrics).toMatch(/^analytics_db_latency_seconds_count\{operation="insert"\} [1-9]/m)
    // Nothing new: nothing claimed, nothing rewritten.
    expect(await payload.analytics!.aggregateNow()).toMatchObject({ claimed: 0, daysRecomputed: 0, rowsWritten: 0 })
  })

  test('closing an instance mid-run finishes its batches cleanly; another instance completes the work', async () => {
    const other = await boot(databaseUri, { ...analytics, aggregation: { batchSize: 200 } }, false)
    const events = generateEvents({ days: recentDays(5, 0), seed: 42, sessionsPerDay: [250, 300], sites })
    expect(events.length).toBeGreaterThan(10_000)
    all.push(...events)
    await payload.analytics!.buffer.append(events)
    let claimedBeforeClose = 0
    const started = new Promise<void>((resolve) => other.analytics!.jobs.on('aggregation:start', () => resolve()))
    const run = other.analytics!.aggregateNow()
    await started
    await waitFor('a few batches', async () => (await payload.analytics!.buffer.pending()) < events.length - 1_000, 10_000)
    await other.destroy()
    const result = await run
    claimedBeforeClose = result.claimed
    expect(claimedBeforeClose).toBeGreaterThan(0)
    expect(claimedBeforeClose).toBeLessThan(events.length)
    expect(result.inserted).toBe(claimedBeforeClose)
    // The rest is still buffered; the remaining instance aggregates it.
    expect(await payload.analytics!.buffer.pending()).toBe(events.length - claimedBeforeClose)
    const rest = await payload.analytics!.aggregateNow()
    expect(rest.claimed).toBe(events.length - claimedBeforeClose)
    expect(await countRawEvents(payload)).toBe(all.length)
    await expectStatsToEqualReference(payload, all)
  })

  test('eraseSite() drains the buffer first, then removes every row of the site and its dirty days', async () => {
    const [gone, ...kept] = sites as [DemoSite, ...DemoSite[]]
    await payload.create({ collection: 'analytics-settings', data: { retentionDays: 90, scope: 'site', site: gone.id } })
    // Buffered, not yet aggregated: must not come back after the erasure.
    const late = generateEvents({ days: recentDays(1, 0), seed: 43, sessionsPerDay: [5, 8], sites })
    await payload.analytics!.buffer.append(late)
    const result = await payload.analytics!.eraseSite(gone.id)
    expect(result.drained).toBe(true)
    expect(await payload.analytics!.buffer.pending()).toBe(0)
    const { rows } = await dbOf(payload).execute(sql`
      SELECT (SELECT count(*) FROM analytics_events WHERE site = ${gone.id})::int AS events,
        (SELECT count(*) FROM analytics_daily_stats WHERE site_id = ${gone.id})::int AS stats,
        (SELECT count(*) FROM analytics_settings WHERE site_id = ${gone.id})::int AS settings`)
    expect(rows[0]).toEqual({ events: 0, settings: 0, stats: 0 })
    // Other sites are untouched and exact.
    const keptIds = new Set(kept.map((site) => site.id))
    await expectStatsToEqualReference(
      payload,
      [...all, ...late].filter((event) => keptIds.has(event.siteId)),
    )
    expect(await payload.analytics!.aggregateNow()).toMatchObject({ claimed: 0 })
  })
})

describe('without Redis', () => {
  let payload: Payload

  beforeAll(async () => {
    const databaseUri = await freshDatabase('jobsmem')
    payload = await boot(databaseUri, { aggregation: { intervalMinutes: 1 / 60 }, redisUrl: undefined }, true)
  })

  afterAll(async () => {
    await payload?.destroy()
  })

  test('an in-process timer drains the in-memory buffer into the reference stats', async () => {
    expect(payload.analytics!.jobs.driver).toBe('timer')
    expect(payload.analytics!.jobs.queue).toBeNull()
    expect(payload.analytics!.buffer.kind).toBe('memory')
    const sources: JobSource[] = []
    payload.analytics!.jobs.on('aggregation:end', ({ result, source }) => {
      if (result.claimed > 0) sources.push(source)
    })
    const sites = Object.values(await demoSites(payload))
    const events = generateEvents({ days: recentDays(3, 0), seed: 51, sessionsPerDay: [10, 20], sites })
    await payload.analytics!.buffer.append(events)
    await waitFor('the timer to drain the buffer', async () => sources.length > 0 && (await payload.analytics!.buffer.pending()) === 0, 15_000)
    expect(sources[0]).toBe('timer')
    await waitFor('the recompute', async () => (await countRawEvents(payload)) === events.length)
    await payload.analytics!.aggregateNow() // waits for a timer run in progress (in-process lock)
    await expectStatsToEqualReference(payload, events)
  })
})

describe('payload-analytics worker (CLI) with aggregation.worker external', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  const keyPrefix = `ext${randomBytes(4).toString('hex')}:`
  const analytics: AnalyticsPluginOptions = {
    aggregation: { intervalMinutes: 1 / 60, worker: 'external' },
    redisKeyPrefix: keyPrefix,
    redisUrl: inject('redisUrl'),
  }
  let payload: Payload
  let configDir: string

  beforeAll(async () => {
    const databaseUri = await freshDatabase('jobsext')
    payload = await boot(databaseUri, analytics, true)
    configDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-worker-'))
    writeFileSync(path.join(configDir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(
      path.join(configDir, 'payload.config.ts'),
      `import { buildDevConfig } from ${JSON.stringify(path.join(root, 'dev/buildConfig.ts'))}\n` +
        `export default buildDevConfig({ databaseUri: ${JSON.stringify(databaseUri)}, push: false, seed: false, analytics: ${JSON.stringify(analytics)} })\n`,
    )
  })

  afterAll(async () => {
    await payload?.destroy()
    if (configDir) rmSync(configDir, { force: true, recursive: true })
  })

  test('the app only schedules; the worker process drains the buffer and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    expect(payload.analytics!.jobs.workerRunning).toBe(false)
    expect(await payload.analytics!.jobs.queue!.getJobSchedulersCount()).toBe(4)
    const sites = Object.values(await demoSites(payload))
    const events = generateEvents({ days: recentDays(2, 0), seed: 71, sessionsPerDay: [10, 15], sites })
    await payload.analytics!.buffer.append(events)
    await sleep(2_500)
    // Nobody in this process aggregates.
    expect(await payload.analytics!.buffer.pending()).toBe(events.length)

    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/cli/index.ts', 'worker', '--config', path.join(configDir, 'payload.config.ts')], {
      cwd: root,
      detached: true,
      env: { ...process.env, PAYLOAD_CONFIG_PATH: '', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<null | number>((resolve) => child.on('close', (code) => resolve(code)))
    try {
      await waitFor('the worker to start', () => stdout.includes('[analytics worker] running'), 60_000)
      await waitFor('the worker to drain the buffer', async () => (await payload.analytics!.buffer.pending()) === 0, 20_000)
      await waitFor('the raw events', async () => (await countRawEvents(payload)) === events.length)
      await waitFor('the worker to log its run', () => /aggregated \d+ events/.test(stdout), 10_000)
      // SIGTERM to the worker itself (tsx forwards it to the node process running the CLI).
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL')
    }
    expect(stdout).toContain('[analytics worker] SIGTERM: finishing the run in progress and stopping')
    expect(stdout).toContain('[analytics worker] stopped')
    expect(stderr).not.toMatch(/error/i)
    await payload.analytics!.aggregateNow()
    await expectStatsToEqualReference(payload, events)
  })
})
