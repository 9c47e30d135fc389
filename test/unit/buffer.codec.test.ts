import type { AnalyticsEvent } from '../../src/core/event.js'

import { afterEach, describe, expect, test, vi } from 'vitest'

import { decodeEntry, encodeEvent, encodeEventWithoutSession, spliceSessionId } from '../../src/buffer/eventCodec.js'
import { MemorySaltStore, SALT_MAX_AGE_SECONDS, createSaltStore, saltTtlSeconds, utcDay } from '../../src/buffer/saltStore.js'

afterEach(() => {
  vi.useRealTimers()
})

const event: AnalyticsEvent = {
  browser: 'Safari',
  country: null,
  device: 'tablet',
  eventId: 'e-1',
  hostname: 'a.example',
  os: 'iOS',
  path: '/x?y="z"',
  props: { a: true, b: null, c: 0.1 + 0.2, d: 'ß\n"' },
  screen: 'tablet',
  sessionId: 'old',
  siteId: 'site',
  source: 'Bing',
  tenantId: null,
  timestamp: '2030-01-01T00:00:00.000Z',
  type: 'lead.created',
  utmCampaign: null,
  utmContent: null,
  utmMedium: null,
  utmSource: null,
  utmTerm: null,
  value: 9007199254740991,
  visitorHash: 'abc',
}

describe('event codec', () => {
  test('splicing the session id yields the event with that session id, nothing else changed', () => {
    const json = spliceSessionId(encodeEventWithoutSession(event), 'new-session')
    expect(JSON.parse(json)).toEqual({ ...event, sessionId: 'new-session' })
    expect(json.startsWith('{"sessionId":"new-session",')).toBe(true)
    expect(spliceSessionId('{}', 's')).toBe('{"sessionId":"s"}')
    expect(decodeEntry(encodeEvent(event))).toEqual({ event, ok: true })
  })

  test('an enriched event (a null session id first) is spliced the same way, nothing else lost', () => {
    const { sessionId: _sessionId, ...rest } = event
    const enriched: AnalyticsEvent = { sessionId: null, ...rest, props: { sessionId: null, x: '{"sessionId":null,' } }
    const without = encodeEventWithoutSession(enriched)
    expect(without).not.toContain('"sessionId":null,"browser"')
    expect(JSON.parse(spliceSessionId(without, 'fresh'))).toEqual({ ...enriched, sessionId: 'fresh' })
  })

  test.each([
    [undefined, 'no event field'],
    ['{oops', 'invalid JSON'],
    ['[1,2]', 'not an object'],
    ['null', 'not an object'],
    ['{"type":"pageview"}', 'missing eventId'],
    ['{"eventId":"x","timestamp":"t","siteId":1}', 'missing type'],
    ['{"eventId":"x","type":"pageview","siteId":1}', 'missing timestamp'],
    ['{"eventId":"x","type":"pageview","timestamp":"t"}', 'missing siteId'],
  ])('malformed entry %j: %s', (raw, reason) => {
    expect(decodeEntry(raw)).toEqual({ ok: false, reason })
  })
})

describe('salts', () => {
  test('a salt lives until its day stops being yesterday, at most 48 h, at least a minute', () => {
    const start = Date.parse('2030-05-10T00:00:00Z')
    expect(saltTtlSeconds('2030-05-10', start)).toBe(SALT_MAX_AGE_SECONDS)
    expect(saltTtlSeconds('2030-05-10', start + 12 * 3600_000)).toBe(36 * 3600)
    expect(saltTtlSeconds('2030-05-10', start + 47 * 3600_000 + 1)).toBe(3600)
    // Asked for tomorrow (a clock a little ahead): still capped.
    expect(saltTtlSeconds('2030-05-11', start + 23 * 3600_000)).toBe(SALT_MAX_AGE_SECONDS)
    expect(saltTtlSeconds('2030-05-01', start)).toBe(60)
    expect(() => saltTtlSeconds('2030-13-01', start)).toThrow(TypeError)
    expect(utcDay(new Date('2030-05-10T23:59:59.999Z'))).toBe('2030-05-10')
  })

  test('the in-process store: one salt per day, a different one per day, days older than yesterday forgotten', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2030-05-10T08:00:00Z'))
    const store = createSaltStore({ redis: null })
    expect(store).toBeInstanceOf(MemorySaltStore)
    const may9 = await store.saltFor('2030-05-09')
    const may10 = await store.saltFor('2030-05-10')
    expect(may10).toMatch(/^[0-9a-f]{64}$/)
    expect(may10).not.toBe(may9)
    expect(await store.saltFor('2030-05-10')).toBe(may10)

    vi.setSystemTime(new Date('2030-05-11T00:00:01Z'))
    const may11 = await store.saltFor('2030-05-11')
    expect(may11).not.toBe(may10)
    expect((store as MemorySaltStore).cachedDays()).toEqual(['2030-05-10', '2030-05-11'])
    // May 9th's salt is gone for good: asking again makes a new one.
    expect(await store.saltFor('2030-05-09')).not.toBe(may9)
    await expect(store.saltFor('2030-5-9')).rejects.toThrow(TypeError)
  })
})
