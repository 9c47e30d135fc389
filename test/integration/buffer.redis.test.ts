import type { Redis } from 'ioredis'

import type { RedisEventBufferOptions } from '../../src/buffer/redisBuffer.js'
import type { IngestResult, MalformedEntry } from '../../src/buffer/types.js'
import type { AnalyticsEvent } from '../../src/core/event.js'

import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import { BufferFullError } from '../../src/buffer/errors.js'
import { encodeEventWithoutSession, spliceSessionId } from '../../src/buffer/eventCodec.js'
import { createEventBuffer } from '../../src/buffer/index.js'
import { RedisEventBuffer } from '../../src/buffer/redisBuffer.js'
import { createFailFastRedis, waitForReady } from '../../src/buffer/redisClient.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let redis: Redis
beforeAll(async () => {
  redis = createFailFastRedis(inject('redisUrl'))
  expect(await waitForReady(redis, 10_000)).toBe(true)
})
afterAll(async () => {
  await redis?.quit()
})

/** Every buffer gets its own keys on the shared server. */
const uniquePrefix = () => `test:buffer:${randomUUID().slice(0, 8)}:`

const makeBuffer = (options: Partial<RedisEventBufferOptions> = {}) =>
  new RedisEventBuffer({ keyPrefix: uniquePrefix(), redis, ...options })

let eventCounter = 0
function makeEvent(overrides: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  eventCounter += 1
  return {
    browser: 'Firefox',
    country: 'DE',
    device: 'desktop',
    eventId: `evt-${eventCounter}-${randomUUID()}`,
    hostname: 'example.com',
    os: 'Linux',
    path: `/page/${eventCounter}`,
    props: { label: 'quote " and \\ and ünïcødé 🚀', n: 1.5 },
    screen: 'desktop',
    sessionId: null,
    siteId: 42,
    source: 'Google',
    tenantId: 'tenant-a',
    timestamp: new Date().toISOString(),
    type: 'pageview',
    utmCampaign: null,
    utmContent: null,
    utmMedium: null,
    utmSource: null,
    utmTerm: null,
    // 17 significant digits: Lua's cjson would round this to 14 if the script re-encoded the event.
    value: 0.30000000000000004,
    visitorHash: 'hash-1',
    ...overrides,
  }
}

const accepted = (result: IngestResult) => {
  if (result.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(result)}`)
  return result
}

async function storedEntries(buffer: RedisEventBuffer): Promise<Array<{ id: string; raw: string }>> {
  const entries = await redis.xrange(buffer.streamKey, '-', '+')
  return entries.map(([id, fields]) => ({ id, raw: fields[fields.indexOf('e') + 1] ?? '' }))
}

/** A fail-fast client of its own that records the name of every command it sends (quit it when done). */
async function recordingClient(): Promise<{ client: ReturnType<typeof createFailFastRedis>; sent: string[] }> {
  const client = createFailFastRedis(inject('redisUrl'))
  expect(await waitForReady(client, 10_000)).toBe(true)
  const sent: string[] = []
  const original = client.sendCommand.bind(client)
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    sent.push(command.name)
    return (original as (...args: unknown[]) => unknown)(command, ...rest)
  }) as typeof client.sendCommand
  return { client, sent }
}

describe('ingest', () => {
  test('appends exactly one entry that carries the session id, every other byte as given', async () => {
    const buffer = makeBuffer()
    const event = makeEvent()
    const result = accepted(await buffer.ingest({ event, rateLimits: [], session: { idleSeconds: 1800, key: 'site:42:visitor:a' } }))

    expect(result.newSession).toBe(true)
    // A new session is named after the event that opens it.
    expect(result.sessionId).toBe(event.eventId)
    const entries = await storedEntries(buffer)
    expect(entries).toHaveLength(1)
    expect(entries[0]?.id).toBe(result.entryId)
    expect(JSON.parse(entries[0]?.raw ?? '')).toEqual({ ...event, sessionId: result.sessionId })
    // The script splices text exactly as the in-process buffer does.
    expect(entries[0]?.raw).toBe(spliceSessionId(encodeEventWithoutSession(event), result.sessionId ?? ''))
    expect(await buffer.pending()).toBe(1)
  })

  test('without a session rule the event is stored with its own sessionId', async () => {
    const buffer = makeBuffer()
    const event = makeEvent({ sessionId: 'given' })
    const result = accepted(await buffer.ingest({ event, rateLimits: [] }))
    expect(result).toMatchObject({ newSession: false, sessionId: 'given' })
    const [entry] = await storedEntries(buffer)
    expect(JSON.parse(entry?.raw ?? '')).toEqual(event)
  })

  test('the same session key keeps its id while active, its idle expiry refreshed; a new one after expiry', async () => {
    const buffer = makeBuffer()
    const session = { idleSeconds: 30, key: 'site:42:visitor:b' }
    const sessionKey = `${buffer.streamKey}:session:${session.key}`
    const first = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session }))

    // As if 29.5 s had passed: the next event must push the expiry back to 30 s.
    await redis.pexpire(sessionKey, 500)
    const second = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session }))
    expect(second).toMatchObject({ newSession: false, sessionId: first.sessionId })
    expect(await redis.pttl(sessionKey)).toBeGreaterThan(29_000)

    // Other visitors have their own sessions.
    const other = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: { ...session, key: 'site:42:visitor:c' } }))
    expect(other.newSession).toBe(true)
    expect(other.sessionId).not.toBe(first.sessionId)

    // Idle past the expiry: a new session.
    await redis.pexpire(sessionKey, 1)
    await sleep(20)
    const third = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session }))
    expect(third.newSession).toBe(true)
    expect(third.sessionId).not.toBe(first.sessionId)

    const stored = (await storedEntries(buffer)).map((entry) => (JSON.parse(entry.raw) as AnalyticsEvent).sessionId)
    expect(stored).toEqual([first.sessionId, first.sessionId, other.sessionId, third.sessionId])
  })

  test('a 1-second idle session expires in real time', async () => {
    const buffer = makeBuffer()
    const session = { idleSeconds: 1, key: 'visitor:short' }
    const first = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session }))
    const again = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session }))
    expect(again.sessionId).toBe(first.sessionId)
    await sleep(1_200)
    const later = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session }))
    expect(later.newSession).toBe(true)
    expect(later.sessionId).not.toBe(first.sessionId)
  })

  test('after N events the limit answers rate_limited, appends nothing, counts nothing and creates no session', async () => {
    const buffer = makeBuffer()
    const rateLimits = [
      { key: 'site:42', limit: 100, windowSeconds: 60 },
      { key: 'client:42:x', limit: 3, windowSeconds: 60 },
    ]
    for (let index = 0; index < 3; index += 1) {
      accepted(await buffer.ingest({ event: makeEvent(), rateLimits, session: { idleSeconds: 1800, key: 'visitor:x' } }))
    }
    const refused = await buffer.ingest({ event: makeEvent(), rateLimits, session: { idleSeconds: 1800, key: 'visitor:fresh' } })
    expect(refused.status).toBe('rate_limited')
    if (refused.status === 'rate_limited') {
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1)
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60)
    }
    expect(await redis.xlen(buffer.streamKey)).toBe(3)
    expect(await redis.get(`${buffer.streamKey}:rl:site:42`)).toBe('3')
    expect(await redis.get(`${buffer.streamKey}:rl:client:42:x`)).toBe('3')
    expect(await redis.exists(`${buffer.streamKey}:session:visitor:fresh`)).toBe(0)
    expect(await redis.ttl(`${buffer.streamKey}:rl:client:42:x`)).toBeGreaterThan(0)

    // Another client of the same site is not affected.
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [rateLimits[0]!, { key: 'client:42:y', limit: 3, windowSeconds: 60 }] }))
    expect(await redis.get(`${buffer.streamKey}:rl:site:42`)).toBe('4')
  })

  test('retryAfterSeconds is the remaining window, and the limit resets when the window ends', async () => {
    const buffer = makeBuffer()
    const rateLimits = [{ key: 'client:z', limit: 1, windowSeconds: 1 }]
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits }))
    expect(await buffer.ingest({ event: makeEvent(), rateLimits })).toEqual({ retryAfterSeconds: 1, status: 'rate_limited' })
    await sleep(1_100)
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits }))
    expect(await redis.xlen(buffer.streamKey)).toBe(2)
  })

  test('a limit of 0 refuses everything', async () => {
    const buffer = makeBuffer()
    const result = await buffer.ingest({ event: makeEvent(), rateLimits: [{ key: 'off', limit: 0, windowSeconds: 30 }] })
    expect(result).toEqual({ retryAfterSeconds: 30, status: 'rate_limited' })
    expect(await buffer.pending()).toBe(0)
  })

  test('maxLen: ingest and append refuse with BufferFullError instead of trimming; append is all or nothing', async () => {
    const buffer = makeBuffer({ maxLen: 3 })
    await buffer.append([makeEvent(), makeEvent()])
    await expect(buffer.append([makeEvent(), makeEvent()])).rejects.toBeInstanceOf(BufferFullError)
    expect(await buffer.pending()).toBe(2)
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [{ key: 'c', limit: 10, windowSeconds: 60 }] }))
    await expect(buffer.ingest({ event: makeEvent(), rateLimits: [{ key: 'c', limit: 10, windowSeconds: 60 }] })).rejects.toBeInstanceOf(
      BufferFullError,
    )
    expect(await buffer.pending()).toBe(3)
    // The refused event was not counted.
    expect(await redis.get(`${buffer.streamKey}:rl:c`)).toBe('1')
  })

  test('invalid rules are programming errors, rejected before Redis', async () => {
    const buffer = makeBuffer()
    await expect(buffer.ingest({ event: makeEvent(), rateLimits: [{ key: 'a', limit: 1, windowSeconds: 0.5 }] })).rejects.toThrow(TypeError)
    await expect(buffer.ingest({ event: makeEvent(), rateLimits: [], session: { idleSeconds: 0, key: 's' } })).rejects.toThrow(TypeError)
    expect(await buffer.pending()).toBe(0)
  })

  test('one Redis round trip per ingest', async () => {
    const { client, sent } = await recordingClient()
    try {
      const buffer = new RedisEventBuffer({ keyPrefix: uniquePrefix(), redis: client })
      const rateLimits = [
        { key: 'site', limit: 1_000, windowSeconds: 60 },
        { key: 'client', limit: 1_000, windowSeconds: 60 },
      ]
      for (let index = 0; index < 50; index += 1) {
        await buffer.ingest({ event: makeEvent(), rateLimits, session: { idleSeconds: 1800, key: `visitor:${index % 5}` } })
      }
      // One command each (ioredis writes the first as EVAL with the body, the rest as EVALSHA).
      expect(sent).toHaveLength(50)
      expect(new Set(sent)).toEqual(new Set(['evalsha']))
      expect(await buffer.pending()).toBe(50)
    } finally {
      await client.quit()
    }
  })

  test('concurrent ingests share a command, and each event is still handled as on its own', async () => {
    const { client, sent } = await recordingClient()
    try {
      const buffer = new RedisEventBuffer({ keyPrefix: uniquePrefix(), redis: client })
      const rateLimits = [
        { key: 'site', limit: 1_000, windowSeconds: 60 },
        { key: 'client', limit: 30, windowSeconds: 60 },
      ]
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          buffer.ingest({ event: makeEvent(), rateLimits, session: { idleSeconds: 1800, key: `visitor:${index % 4}` } }),
        ),
      )
      // 100 events in at most two script calls (64 per call at most).
      expect(sent.length).toBeLessThanOrEqual(2)
      // In order: the first 30 pass the client limit, the other 70 are refused and count nowhere.
      expect(results.slice(0, 30).every((result) => result.status === 'accepted')).toBe(true)
      expect(results.slice(30).every((result) => result.status === 'rate_limited')).toBe(true)
      expect(await redis.xlen(buffer.streamKey)).toBe(30)
      expect(await redis.get(`${buffer.streamKey}:rl:site`)).toBe('30')
      // Each visitor's first event opens the session, the later ones continue it.
      const byVisitor = new Map<number, string[]>()
      results.slice(0, 30).forEach((result, index) => {
        const { newSession, sessionId } = accepted(result)
        expect(newSession).toBe(index < 4)
        byVisitor.set(index % 4, [...(byVisitor.get(index % 4) ?? []), sessionId!])
      })
      for (const ids of byVisitor.values()) expect(new Set(ids).size).toBe(1)
      expect(new Set([...byVisitor.values()].map((ids) => ids[0])).size).toBe(4)
      // Every entry carries the session id its answer named.
      const stored = await storedEntries(buffer)
      expect(stored.map((entry) => (JSON.parse(entry.raw) as AnalyticsEvent).sessionId)).toEqual(
        results.slice(0, 30).map((result) => accepted(result).sessionId),
      )
    } finally {
      await client.quit()
    }
  })

  test('a full stream refuses the rest of a batch, and close() answers what was queued', async () => {
    const buffer = makeBuffer({ maxLen: 3 })
    const rateLimits = [{ key: 'c', limit: 10, windowSeconds: 60 }]
    const settled = await Promise.allSettled(Array.from({ length: 5 }, () => buffer.ingest({ event: makeEvent(), rateLimits })))
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'])
    expect(settled.filter((result) => result.status === 'rejected').every((result) => result.reason instanceof BufferFullError)).toBe(true)
    expect(await redis.get(`${buffer.streamKey}:rl:c`)).toBe('3')

    const other = makeBuffer()
    const queued = other.ingest({ event: makeEvent(), rateLimits })
    await other.close()
    expect((await queued).status).toBe('accepted')
    expect(await redis.xlen(other.streamKey)).toBe(1)
  })
})

describe('claim, ack, pending', () => {
  test('counts: pending is every unacked entry, delivered or not; ack deletes', async () => {
    const buffer = makeBuffer()
    const events = Array.from({ length: 5 }, () => makeEvent())
    await buffer.append([])
    expect(await buffer.pending()).toBe(0)
    // Appended before the consumer group exists: the group must start at the beginning.
    await buffer.append(events)
    expect(await buffer.pending()).toBe(5)

    const first = await buffer.claim(3)
    expect(first.map((entry) => entry.event)).toEqual(events.slice(0, 3))
    expect(await buffer.pending()).toBe(5)
    const second = await buffer.claim(10)
    expect(second.map((entry) => entry.event)).toEqual(events.slice(3))
    expect(await buffer.claim(10)).toEqual([])
    expect(await buffer.pending()).toBe(5)

    await buffer.ack(first.map((entry) => entry.id))
    expect(await buffer.pending()).toBe(2)
    expect(await redis.xlen(buffer.streamKey)).toBe(2)
    await buffer.ack([...second.map((entry) => entry.id), '1-1'])
    expect(await buffer.pending()).toBe(0)
    const groups = (await redis.xinfo('GROUPS', buffer.streamKey)) as unknown[][]
    expect(groups[0]?.[groups[0].indexOf('pending') + 1]).toBe(0)
  })

  test('claim rejects a count below 1', async () => {
    await expect(makeBuffer().claim(0)).rejects.toThrow(TypeError)
  })

  test('entries claimed by a consumer that dies are reclaimed by another after claimIdleMs', async () => {
    const keyPrefix = uniquePrefix()
    const dying = new RedisEventBuffer({ claimIdleMs: 300, consumer: 'dying', keyPrefix, redis })
    const survivor = new RedisEventBuffer({ claimIdleMs: 300, consumer: 'survivor', keyPrefix, redis })
    await dying.append([makeEvent(), makeEvent(), makeEvent()])
    const lost = await dying.claim(2)
    expect(lost).toHaveLength(2)

    // Not idle long enough yet: the survivor only gets the entry nobody had.
    const early = await survivor.claim(10)
    expect(early).toHaveLength(1)
    await survivor.ack(early.map((entry) => entry.id))
    expect(await survivor.claim(10)).toEqual([])

    await sleep(350)
    const reclaimed = await survivor.claim(10)
    expect(reclaimed.map((entry) => entry.id)).toEqual(lost.map((entry) => entry.id))
    expect(reclaimed.map((entry) => entry.event)).toEqual(lost.map((entry) => entry.event))
    await survivor.ack(reclaimed.map((entry) => entry.id))
    expect(await survivor.pending()).toBe(0)
  })

  test('two consumers never both get the same new entry', async () => {
    const keyPrefix = uniquePrefix()
    // Separate connections, as two worker processes would have.
    const otherClient = createFailFastRedis(inject('redisUrl'))
    expect(await waitForReady(otherClient, 10_000)).toBe(true)
    const a = new RedisEventBuffer({ consumer: 'a', keyPrefix, redis })
    const b = new RedisEventBuffer({ consumer: 'b', keyPrefix, redis: otherClient })
    const events = Array.from({ length: 300 }, () => makeEvent())
    await a.append(events)
    const seenA: string[] = []
    const seenB: string[] = []
    for (;;) {
      const [batchA, batchB] = await Promise.all([a.claim(17), b.claim(17)])
      seenA.push(...batchA.map((entry) => entry.event.eventId))
      seenB.push(...batchB.map((entry) => entry.event.eventId))
      if (batchA.length === 0 && batchB.length === 0) break
    }
    expect(seenA.length).toBeGreaterThan(0)
    expect(seenB.length).toBeGreaterThan(0)
    expect(seenA.filter((id) => seenB.includes(id))).toEqual([])
    expect(new Set([...seenA, ...seenB])).toEqual(new Set(events.map((event) => event.eventId)))
    expect(seenA.length + seenB.length).toBe(300)
    await otherClient.quit()
  })

  test('malformed entries are removed, counted, reported and copied aside; they never wedge the consumer', async () => {
    const reported: MalformedEntry[] = []
    const warnings: string[] = []
    const buffer = makeBuffer({
      logger: { info: () => {}, warn: (message) => warnings.push(message) },
      onMalformed: (entry) => reported.push(entry),
    })
    const good = [makeEvent(), makeEvent()]
    const badIds = [
      await redis.xadd(buffer.streamKey, '*', 'e', '{not json'),
      await redis.xadd(buffer.streamKey, '*', 'other', 'field'),
      await redis.xadd(buffer.streamKey, '*', 'e', '{"hello":"world"}'),
    ]
    await buffer.append(good)
    expect(await buffer.pending()).toBe(5)

    // A batch smaller than the garbage still returns the good entries behind it.
    const claimed = await buffer.claim(2)
    expect(claimed.map((entry) => entry.event)).toEqual(good)
    expect(buffer.malformedCount).toBe(3)
    expect(reported).toEqual([
      { id: badIds[0], reason: 'invalid JSON' },
      { id: badIds[1], reason: 'no event field' },
      { id: badIds[2], reason: 'missing eventId' },
    ])
    expect(warnings).toHaveLength(3)
    expect(await buffer.pending()).toBe(2)
    const dead = await redis.xrange(buffer.deadLetterKey, '-', '+')
    expect(dead.map(([, fields]) => fields[fields.indexOf('raw') + 1])).toEqual(['{not json', '["other","field"]', '{"hello":"world"}'])

    await buffer.ack(claimed.map((entry) => entry.id))
    expect(await buffer.claim(10)).toEqual([])
    expect(await buffer.pending()).toBe(0)
  })

  test('recreates the consumer group when Redis lost it', async () => {
    const buffer = makeBuffer()
    await buffer.append([makeEvent()])
    const [first] = await buffer.claim(1)
    await buffer.ack([first!.id])
    await redis.del(buffer.streamKey)
    const event = makeEvent()
    await buffer.append([event])
    expect((await buffer.claim(5)).map((entry) => entry.event)).toEqual([event])
  })

  test('prunes consumers that are idle with nothing pending', async () => {
    const keyPrefix = uniquePrefix()
    const old = new RedisEventBuffer({ consumer: 'old', keyPrefix, redis })
    await old.append([makeEvent(), makeEvent()])
    const claimed = await old.claim(1)
    await old.ack(claimed.map((entry) => entry.id))
    await sleep(20)
    const fresh = new RedisEventBuffer({ consumer: 'fresh', consumerPruneAfterMs: 10, keyPrefix, redis })
    expect(await fresh.claim(1)).toHaveLength(1)
    const consumers = (await redis.xinfo('CONSUMERS', fresh.streamKey, fresh.group)) as unknown[][]
    expect(consumers.map((consumer) => consumer[consumer.indexOf('name') + 1])).toEqual(['fresh'])
  })
})

describe('createEventBuffer', () => {
  test('uses Redis for a URL, logs it, and closes the client it created', async () => {
    const logs: string[] = []
    const buffer = await createEventBuffer({
      keyPrefix: uniquePrefix(),
      logger: { info: (message) => logs.push(message), warn: (message) => logs.push(`warn: ${message}`) },
      redisUrl: inject('redisUrl'),
    })
    expect(buffer.kind).toBe('redis')
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/^analytics: buffering events in the Redis stream test:buffer:.*\{events\}/)
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [] }))
    expect(await buffer.pending()).toBe(1)
    await buffer.close()
    await expect(buffer.pending()).rejects.toMatchObject({ code: 'closed' })
  })

  test('an existing client is used and left open', async () => {
    const buffer = await createEventBuffer({ keyPrefix: uniquePrefix(), redis })
    expect(buffer.kind).toBe('redis')
    await buffer.close()
    expect(await redis.ping()).toBe('PONG')
  })
})
