/**
 * The buffer against redis-servers this file starts and stops itself: restarts with
 * append-only persistence, Redis down or hung, and round trips counted by the server.
 */
import type { Redis } from 'ioredis'

import type { RedisHandle } from '../../scripts/services.js'
import type { IngestResult } from '../../src/buffer/types.js'
import type { AnalyticsEvent } from '../../src/core/event.js'

import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'

import { freePort, startRedis } from '../../scripts/services.js'
import { BufferUnavailableError } from '../../src/buffer/errors.js'
import { createEventBuffer } from '../../src/buffer/index.js'
import { RedisEventBuffer } from '../../src/buffer/redisBuffer.js'
import { createFailFastRedis, waitForReady } from '../../src/buffer/redisClient.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function makeEvent(overrides: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  return {
    browser: null,
    country: null,
    device: null,
    eventId: randomUUID(),
    hostname: 'example.com',
    os: null,
    path: '/',
    props: null,
    screen: null,
    sessionId: null,
    siteId: 'site-1',
    source: null,
    tenantId: null,
    timestamp: new Date().toISOString(),
    type: 'pageview',
    utmCampaign: null,
    utmContent: null,
    utmMedium: null,
    utmSource: null,
    utmTerm: null,
    value: null,
    visitorHash: 'v',
    ...overrides,
  }
}

const accepted = (result: IngestResult) => {
  if (result.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(result)}`)
  return result
}

/** Servers, clients and directories of the running test, released whatever happens. */
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup()
    } catch {
      // keep releasing the rest
    }
  }
})

async function ownRedis(options: Parameters<typeof startRedis>[0] = {}): Promise<RedisHandle> {
  const handle = await startRedis(options)
  cleanups.push(() => handle.stop())
  return handle
}

async function client(url: string): Promise<Redis> {
  const redis = createFailFastRedis(url)
  redis.on('error', () => {})
  cleanups.push(() => redis.disconnect())
  await waitForReady(redis, 10_000)
  return redis
}

/** How long a promise takes to settle, and whether it rejected with a BufferUnavailableError. */
async function timeRejection(promise: Promise<unknown>): Promise<{ ms: number; unavailable: boolean }> {
  const started = performance.now()
  try {
    await promise
    return { ms: performance.now() - started, unavailable: false }
  } catch (error) {
    return { ms: performance.now() - started, unavailable: error instanceof BufferUnavailableError }
  }
}

describe('persistence', () => {
  test('un-acked entries, their claims and sessions survive a Redis restart with appendonly', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-buffer-aof-'))
    cleanups.push(() => rmSync(dataDir, { force: true, recursive: true }))
    const first = await ownRedis({ appendonly: true, dataDir })
    const redis = await client(first.url)
    const dying = new RedisEventBuffer({ claimIdleMs: 200, consumer: 'dying', redis })
    const session = { idleSeconds: 1800, key: 'site-1:visitor' }

    const ingested: Array<null | string> = []
    for (let index = 0; index < 3; index += 1) {
      const result = accepted(
        await dying.ingest({ event: makeEvent(), rateLimits: [{ key: 'c', limit: 10, windowSeconds: 600 }], session }),
      )
      ingested.push(result.sessionId)
    }
    await dying.append([makeEvent({ type: 'ai.usage', value: 1200 }), makeEvent({ type: 'export.completed' })])
    const claimedBeforeCrash = await dying.claim(2)
    expect(claimedBeforeCrash).toHaveLength(2)
    const acked = await dying.claim(1)
    await dying.ack(acked.map((entry) => entry.id))

    await first.stop()
    await expect(dying.pending()).rejects.toBeInstanceOf(BufferUnavailableError)
    await ownRedis({ appendonly: true, dataDir, port: first.port })
    // The same client reconnects on its own.
    expect(await waitForReady(redis, 10_000)).toBe(true)

    expect(await dying.pending()).toBe(4)
    const survivor = new RedisEventBuffer({ claimIdleMs: 200, consumer: 'survivor', redis })
    await sleep(250)
    const afterRestart = await survivor.claim(10)
    // The dead consumer's two claimed entries first, then the two never delivered.
    expect(afterRestart).toHaveLength(4)
    expect(afterRestart.slice(0, 2).map((entry) => entry.id)).toEqual(claimedBeforeCrash.map((entry) => entry.id))
    expect(new Set(ingested).size).toBe(1)
    expect(afterRestart.map((entry) => entry.event.sessionId)).toEqual([ingested[0], ingested[0], null, null])
    expect(afterRestart.map((entry) => entry.event.type)).toEqual(['pageview', 'pageview', 'ai.usage', 'export.completed'])
    await survivor.ack(afterRestart.map((entry) => entry.id))
    expect(await survivor.pending()).toBe(0)

    // The session and the rate-limit counter persisted too; the script is reloaded transparently.
    const next = accepted(await survivor.ingest({ event: makeEvent(), rateLimits: [{ key: 'c', limit: 10, windowSeconds: 600 }], session }))
    expect(next).toMatchObject({ newSession: false, sessionId: ingested[0] })
    expect(await redis.get(`${survivor.streamKey}:rl:c`)).toBe('4')
  })
})

describe('Redis down', () => {
  test('a stopped Redis: ingest, append, claim and pending reject fast', async () => {
    const server = await ownRedis()
    const redis = await client(server.url)
    const buffer = new RedisEventBuffer({ redis })
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [] }))
    await server.stop()

    for (const operation of [
      () =>
        buffer.ingest({
          event: makeEvent(),
          rateLimits: [{ key: 'c', limit: 10, windowSeconds: 60 }],
          session: { idleSeconds: 60, key: 's' },
        }),
      () => buffer.append([makeEvent()]),
      () => buffer.claim(10),
      () => buffer.ack(['1-1']),
      () => buffer.pending(),
    ]) {
      const outcome = await timeRejection(operation())
      expect(outcome.unavailable).toBe(true)
      expect(outcome.ms).toBeLessThan(1_500)
    }
  })

  test('a hung Redis (process paused): ingest rejects after the command timeout, well under 1.5 s', async () => {
    const server = await ownRedis()
    const redis = await client(server.url)
    const buffer = new RedisEventBuffer({ redis })
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [] }))
    process.kill(server.pid, 'SIGSTOP')
    cleanups.push(() => {
      process.kill(server.pid, 'SIGCONT')
    })
    const outcome = await timeRejection(buffer.ingest({ event: makeEvent(), rateLimits: [] }))
    expect(outcome.unavailable).toBe(true)
    expect(outcome.ms).toBeLessThan(1_500)
  })

  test('createEventBuffer with an unreachable URL still returns a Redis buffer, which rejects fast and says why', async () => {
    const warnings: string[] = []
    const started = performance.now()
    const buffer = await createEventBuffer({
      connectWaitMs: 300,
      logger: { info: () => {}, warn: (message) => warnings.push(message) },
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
    })
    cleanups.push(() => buffer.close())
    expect(performance.now() - started).toBeLessThan(1_500)
    expect(buffer.kind).toBe('redis')
    expect(warnings.some((message) => message.includes('not reachable'))).toBe(true)
    const outcome = await timeRejection(buffer.ingest({ event: makeEvent(), rateLimits: [] }))
    expect(outcome).toMatchObject({ unavailable: true })
    expect(outcome.ms).toBeLessThan(1_500)
  })
})

describe('Redis slow', () => {
  test('a claim waits out a Redis stall longer than the fail-fast timeout, while appends still fail fast', async () => {
    const server = await ownRedis()
    const redis = await client(server.url)
    const buffer = new RedisEventBuffer({ redis })
    const events = [makeEvent(), makeEvent(), makeEvent()]
    await buffer.append(events)
    // The first claim creates the consumer group (XGROUP CREATE is a write too).
    expect((await buffer.claim(1)).map((entry) => entry.event.eventId)).toEqual([events[0]!.eventId])

    // Write commands — XREADGROUP and XAUTOCLAIM among them — wait 1.6 s: longer than the
    // client's 1 s command timeout, as a claim of thousands of entries took under load with
    // appendonly (docs/benchmarks.md). The worker can wait; the tracking endpoint cannot.
    const admin = await client(server.url)
    await admin.call('CLIENT', 'PAUSE', '1600', 'WRITE')
    const started = performance.now()
    const [claimed, append] = await Promise.all([buffer.claim(10), timeRejection(buffer.append([makeEvent()]))])
    // (The append that timed out still ran once Redis resumed — a client timeout does not cancel
    // a command — so its event may follow.)
    expect(claimed.slice(0, 2).map((entry) => entry.event.eventId)).toEqual([events[1]!.eventId, events[2]!.eventId])
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_500)
    expect(append.unavailable).toBe(true)
    expect(append.ms).toBeLessThan(1_500)
  })
})

describe('round trips', () => {
  test('the server sees one command from the client per ingest (counted with MONITOR)', async () => {
    const server = await ownRedis()
    const redis = await client(server.url)
    const buffer = new RedisEventBuffer({ redis })
    const monitor = await (await client(server.url)).monitor()
    cleanups.push(() => monitor.disconnect())
    const fromClients: string[] = []
    const fromScripts: string[] = []
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[0]?.toLowerCase() === 'ping') return
      ;(source === 'lua' ? fromScripts : fromClients).push(String(args[0]).toLowerCase())
    })

    const ingests = 40
    for (let index = 0; index < ingests; index += 1) {
      await buffer.ingest({
        event: makeEvent(),
        rateLimits: [
          { key: 'site', limit: 1_000, windowSeconds: 60 },
          { key: `client:${index % 4}`, limit: 1_000, windowSeconds: 60 },
        ],
        session: { idleSeconds: 1800, key: `visitor:${index % 4}` },
      })
    }
    // MONITOR output trails the replies slightly.
    for (let attempt = 0; fromClients.length < ingests && attempt < 50; attempt += 1) await sleep(20)
    await sleep(50)
    expect(fromClients).toHaveLength(ingests)
    expect(fromClients[0]).toBe('eval')
    expect(new Set(fromClients.slice(1))).toEqual(new Set(['evalsha']))
    expect(fromScripts).toContain('xadd')
    expect(fromScripts.filter((command) => command === 'xadd')).toHaveLength(ingests)
  })
})
