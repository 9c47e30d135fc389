import type { IngestResult } from '../../src/buffer/types.js'
import type { AnalyticsEvent } from '../../src/core/event.js'

import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'

import { BufferClosedError, BufferFullError } from '../../src/buffer/errors.js'
import { createEventBuffer } from '../../src/buffer/index.js'
import { MemoryEventBuffer } from '../../src/buffer/memoryBuffer.js'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2030-06-01T10:00:00Z'))
})
afterEach(() => {
  vi.useRealTimers()
})

const advance = (ms: number) => vi.setSystemTime(new Date(Date.now() + ms))

function makeEvent(overrides: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  return {
    browser: 'Chrome',
    country: 'FR',
    device: 'mobile',
    eventId: randomUUID(),
    hostname: 'example.org',
    os: 'Android',
    path: '/',
    props: { plan: 'pro', quote: '"\\' },
    screen: 'mobile',
    sessionId: null,
    siteId: 7,
    source: null,
    tenantId: 1,
    timestamp: new Date().toISOString(),
    type: 'pageview',
    utmCampaign: 'spring',
    utmContent: null,
    utmMedium: 'email',
    utmSource: 'newsletter',
    utmTerm: null,
    value: 0.30000000000000004,
    visitorHash: 'h',
    ...overrides,
  }
}

const accepted = (result: IngestResult) => {
  if (result.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(result)}`)
  return result
}

const session = (key: string, idleSeconds = 1800) => ({ idleSeconds, key })

describe('ingest', () => {
  test('appends exactly one entry carrying the session id', async () => {
    const buffer = new MemoryEventBuffer()
    const event = makeEvent()
    const original = structuredClone(event)
    const result = accepted(await buffer.ingest({ event, rateLimits: [], session: session('v1') }))
    expect(result.newSession).toBe(true)
    // A new session is named after the event that opens it, as in the Redis buffer.
    expect(result.sessionId).toBe(original.eventId)
    expect(await buffer.pending()).toBe(1)
    // The stored entry is a copy: changing the caller's object afterwards changes nothing.
    event.path = '/changed'
    const claimed = await buffer.claim(10)
    expect(claimed).toEqual([{ event: { ...original, sessionId: result.sessionId }, id: result.entryId }])
  })

  test('without a session rule the event keeps its own sessionId', async () => {
    const buffer = new MemoryEventBuffer()
    const result = accepted(await buffer.ingest({ event: makeEvent({ sessionId: 'given' }), rateLimits: [] }))
    expect(result).toMatchObject({ newSession: false, sessionId: 'given' })
    expect((await buffer.claim(1))[0]?.event.sessionId).toBe('given')
  })

  test('the same key keeps its session while active (idle expiry refreshed), a new one after expiry', async () => {
    const buffer = new MemoryEventBuffer()
    const first = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: session('v', 30) }))
    advance(29_000)
    const second = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: session('v', 30) }))
    expect(second).toMatchObject({ newSession: false, sessionId: first.sessionId })
    // 58 s after the first event, 29 s after the second: still the same session.
    advance(29_000)
    const third = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: session('v', 30) }))
    expect(third.sessionId).toBe(first.sessionId)
    const other = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: session('w', 30) }))
    expect(other.sessionId).not.toBe(first.sessionId)
    advance(30_000)
    const fourth = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: session('v', 30) }))
    expect(fourth.newSession).toBe(true)
    expect(fourth.sessionId).not.toBe(first.sessionId)
    const stored = (await buffer.claim(10)).map((entry) => entry.event.sessionId)
    expect(stored).toEqual([first.sessionId, first.sessionId, first.sessionId, other.sessionId, fourth.sessionId])
  })

  test('after N events: rate_limited, nothing appended, nothing counted, no session created', async () => {
    const buffer = new MemoryEventBuffer()
    const site = { key: 'site:7', limit: 4, windowSeconds: 60 }
    for (let index = 0; index < 3; index += 1) {
      accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [site, { key: 'client:x', limit: 3, windowSeconds: 60 }] }))
    }
    advance(10_000)
    const refused = await buffer.ingest({
      event: makeEvent(),
      rateLimits: [site, { key: 'client:x', limit: 3, windowSeconds: 60 }],
      session: session('fresh'),
    })
    expect(refused).toEqual({ retryAfterSeconds: 50, status: 'rate_limited' })
    expect(await buffer.pending()).toBe(3)
    // The refused event did not count against the site: one more fits, then the site is full.
    const fourth = accepted(
      await buffer.ingest({
        event: makeEvent(),
        rateLimits: [site, { key: 'client:y', limit: 3, windowSeconds: 60 }],
        session: session('fresh'),
      }),
    )
    expect(fourth.newSession).toBe(true)
    expect((await buffer.ingest({ event: makeEvent(), rateLimits: [site, { key: 'client:y', limit: 3, windowSeconds: 60 }] })).status).toBe(
      'rate_limited',
    )
    expect(await buffer.pending()).toBe(4)
  })

  test('the window resets when it ends; a limit of 0 refuses everything', async () => {
    const buffer = new MemoryEventBuffer()
    const rateLimits = [{ key: 'c', limit: 1, windowSeconds: 2 }]
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits }))
    advance(500)
    expect(await buffer.ingest({ event: makeEvent(), rateLimits })).toEqual({ retryAfterSeconds: 2, status: 'rate_limited' })
    advance(1_500)
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits }))
    expect(await buffer.ingest({ event: makeEvent(), rateLimits: [{ key: 'off', limit: 0, windowSeconds: 9 }] })).toEqual({
      retryAfterSeconds: 9,
      status: 'rate_limited',
    })
    expect(await buffer.pending()).toBe(2)
  })

  test('invalid rules are refused as programming errors', async () => {
    const buffer = new MemoryEventBuffer()
    await expect(buffer.ingest({ event: makeEvent(), rateLimits: [{ key: '', limit: 1, windowSeconds: 1 }] })).rejects.toThrow(TypeError)
    await expect(buffer.ingest({ event: makeEvent(), rateLimits: [], session: { idleSeconds: 1.5, key: 'k' } })).rejects.toThrow(TypeError)
    expect(await buffer.pending()).toBe(0)
  })
})

describe('claim, ack, pending', () => {
  test('counts', async () => {
    const buffer = new MemoryEventBuffer()
    const events = Array.from({ length: 5 }, () => makeEvent())
    await buffer.append(events)
    expect(await buffer.pending()).toBe(5)
    const first = await buffer.claim(3)
    expect(first.map((entry) => entry.event)).toEqual(events.slice(0, 3))
    const second = await buffer.claim(10)
    expect(second.map((entry) => entry.event)).toEqual(events.slice(3))
    expect(await buffer.claim(10)).toEqual([])
    expect(await buffer.pending()).toBe(5)
    await buffer.ack(first.map((entry) => entry.id))
    expect(await buffer.pending()).toBe(2)
    await buffer.ack([...second.map((entry) => entry.id), 'unknown'])
    expect(await buffer.pending()).toBe(0)
    await expect(buffer.claim(0)).rejects.toThrow(TypeError)
  })

  test('ids increase like stream ids, even within one millisecond', async () => {
    const buffer = new MemoryEventBuffer()
    await buffer.append([makeEvent(), makeEvent()])
    advance(1)
    await buffer.append([makeEvent()])
    const ids = (await buffer.claim(10)).map((entry) => entry.id)
    const start = Date.parse('2030-06-01T10:00:00Z')
    expect(ids).toEqual([`${start}-0`, `${start}-1`, `${start + 1}-0`])
  })

  test('claimed but unacked entries are delivered again after claimIdleMs, and only then', async () => {
    const buffer = new MemoryEventBuffer({ claimIdleMs: 5_000 })
    await buffer.append([makeEvent(), makeEvent(), makeEvent()])
    const lost = await buffer.claim(2)
    advance(4_999)
    const early = await buffer.claim(10)
    expect(early).toHaveLength(1)
    await buffer.ack(early.map((entry) => entry.id))
    expect(await buffer.claim(10)).toEqual([])
    advance(1)
    const again = await buffer.claim(10)
    expect(again).toEqual(lost)
    // Redelivery restarts the clock.
    expect(await buffer.claim(10)).toEqual([])
    advance(5_000)
    expect((await buffer.claim(1)).map((entry) => entry.id)).toEqual([lost[0]?.id])
    await buffer.ack(lost.map((entry) => entry.id))
    advance(60_000)
    expect(await buffer.claim(10)).toEqual([])
    expect(await buffer.pending()).toBe(0)
  })

  test('concurrent claims never share an entry', async () => {
    const buffer = new MemoryEventBuffer()
    await buffer.append(Array.from({ length: 100 }, () => makeEvent()))
    const batches = await Promise.all(Array.from({ length: 8 }, () => buffer.claim(15)))
    const ids = batches.flat().map((entry) => entry.id)
    expect(ids).toHaveLength(100)
    expect(new Set(ids).size).toBe(100)
  })
})

describe('bounds', () => {
  test('over maxEntries ingest and append refuse with a clear error; append is all or nothing', async () => {
    const buffer = new MemoryEventBuffer({ maxEntries: 3 })
    await buffer.append([makeEvent(), makeEvent()])
    await expect(buffer.append([makeEvent(), makeEvent()])).rejects.toThrow(BufferFullError)
    await expect(buffer.append([makeEvent(), makeEvent()])).rejects.toThrow(/maxEntries/)
    expect(await buffer.pending()).toBe(2)
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [] }))
    await expect(buffer.ingest({ event: makeEvent(), rateLimits: [] })).rejects.toMatchObject({ code: 'full' })
    // Acking makes room again.
    const claimed = await buffer.claim(1)
    await buffer.ack(claimed.map((entry) => entry.id))
    accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [] }))
  })

  test('sessions and counters stay within maxKeys: expired ones first, then the least recently used', async () => {
    const buffer = new MemoryEventBuffer({ maxKeys: 10 })
    const sessions = new Map<string, null | string>()
    for (let index = 0; index < 50; index += 1) {
      const key = `v${index}`
      sessions.set(key, accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: session(key) })).sessionId)
    }
    // The most recent visitors kept their session, the oldest were dropped.
    const recent = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: session('v49') }))
    expect(recent.sessionId).toBe(sessions.get('v49'))
    const old = accepted(await buffer.ingest({ event: makeEvent(), rateLimits: [], session: session('v0') }))
    expect(old.newSession).toBe(true)
  })

  test('close: every call then rejects with BufferClosedError', async () => {
    const buffer = new MemoryEventBuffer()
    await buffer.append([makeEvent()])
    await buffer.close()
    await expect(buffer.pending()).rejects.toBeInstanceOf(BufferClosedError)
    await expect(buffer.ingest({ event: makeEvent(), rateLimits: [] })).rejects.toBeInstanceOf(BufferClosedError)
    await expect(buffer.claim(1)).rejects.toBeInstanceOf(BufferClosedError)
  })
})

describe('createEventBuffer', () => {
  test('without a Redis URL: the in-process buffer, and the log says so', async () => {
    const infos: string[] = []
    const buffer = await createEventBuffer({ logger: { info: (message) => infos.push(message), warn: () => {} }, redisUrl: null })
    expect(buffer.kind).toBe('memory')
    expect(buffer).toBeInstanceOf(MemoryEventBuffer)
    expect(infos).toEqual(['analytics: no REDIS_URL, using the in-process buffer (single instance, development only)'])
    expect((await createEventBuffer()).kind).toBe('memory')
  })

  test('passes the memory bounds through', async () => {
    const buffer = await createEventBuffer({ memory: { maxEntries: 1 } })
    await buffer.append([makeEvent()])
    await expect(buffer.append([makeEvent()])).rejects.toBeInstanceOf(BufferFullError)
  })
})

describe('realtime index', () => {
  test('the asked sites\' events of the window, acknowledged or not, without claiming them; other sites never read', async () => {
    const buffer = new MemoryEventBuffer()
    await buffer.append([makeEvent({ path: '/old', visitorHash: 'a' })])
    advance(60_000)
    const since = Date.now()
    await buffer.append([
      makeEvent({ path: '/a b', visitorHash: 'a' }),
      makeEvent({ path: null, type: 'signup', visitorHash: 'b' }),
      makeEvent({ siteId: 8, visitorHash: 'c' }),
      // A server event without a visitor: nothing realtime counts.
      makeEvent({ type: 'ai.usage', value: 5, visitorHash: null }),
    ])
    expect(await buffer.realtime([7], since)).toEqual([
      { at: expect.any(Number), pageview: true, path: '/a b', visitor: 'a' },
      { at: expect.any(Number), pageview: false, path: null, visitor: 'b' },
    ])
    expect(await buffer.realtime([7], 0)).toHaveLength(3)
    expect(await buffer.realtime([8, 9], since)).toMatchObject([{ visitor: 'c' }])
    // Reading claims nothing, and aggregated (acknowledged) events still count.
    const claimed = await buffer.claim(10)
    expect(claimed).toHaveLength(5)
    await buffer.ack(claimed.map((c) => c.id))
    expect(await buffer.realtime([7], since)).toHaveLength(2)
    // Past the window they are gone.
    advance(31 * 60_000)
    await buffer.ingest({ event: makeEvent({ visitorHash: 'd' }), rateLimits: [] })
    expect(await buffer.realtime([7], 0)).toMatchObject([{ visitor: 'd' }])
  })
})
