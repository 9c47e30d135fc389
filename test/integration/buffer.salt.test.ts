import type { Redis } from 'ioredis'

import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, expect, inject, test, vi } from 'vitest'

import { createFailFastRedis, waitForReady } from '../../src/buffer/redisClient.js'
import { RedisSaltStore, SALT_MAX_AGE_SECONDS, createSaltStore, utcDay } from '../../src/buffer/saltStore.js'

let redis: Redis
beforeAll(async () => {
  redis = createFailFastRedis(inject('redisUrl'))
  expect(await waitForReady(redis, 10_000)).toBe(true)
})
afterAll(async () => {
  await redis?.quit()
})
afterEach(() => {
  vi.useRealTimers()
})

const uniquePrefix = () => `test:salt:${randomUUID().slice(0, 8)}:`

test('two instances get the same salt for a day, another day gets another, each kept at most 48 h', async () => {
  const keyPrefix = uniquePrefix()
  const a = new RedisSaltStore({ keyPrefix, redis })
  const b = new RedisSaltStore({ keyPrefix, redis })
  const today = utcDay()
  const yesterday = utcDay(new Date(Date.now() - 86_400_000))

  const [fromA, fromB] = await Promise.all([a.saltFor(today), b.saltFor(today)])
  expect(fromA).toMatch(/^[0-9a-f]{64}$/)
  expect(fromB).toBe(fromA)
  const other = await a.saltFor(yesterday)
  expect(other).toMatch(/^[0-9a-f]{64}$/)
  expect(other).not.toBe(fromA)
  expect(await b.saltFor(yesterday)).toBe(other)

  const todayTtl = await redis.ttl(a.keyFor(today))
  // Until the end of tomorrow: more than a day, never more than 48 h.
  expect(todayTtl).toBeGreaterThan(24 * 3600 - 5)
  expect(todayTtl).toBeLessThanOrEqual(SALT_MAX_AGE_SECONDS)
  const yesterdayTtl = await redis.ttl(a.keyFor(yesterday))
  expect(yesterdayTtl).toBeGreaterThan(0)
  expect(yesterdayTtl).toBeLessThanOrEqual(24 * 3600)
})

test('a cached day costs no round trip; a lost key is not re-read within the process', async () => {
  const keyPrefix = uniquePrefix()
  const store = new RedisSaltStore({ keyPrefix, redis })
  const today = utcDay()
  const salt = await store.saltFor(today)
  const spy = vi.spyOn(redis, 'sendCommand')
  try {
    for (let index = 0; index < 100; index += 1) expect(await store.saltFor(today)).toBe(salt)
    expect(spy).not.toHaveBeenCalled()
  } finally {
    spy.mockRestore()
  }
  // A new instance reads what Redis holds.
  expect(await new RedisSaltStore({ keyPrefix, redis }).saltFor(today)).toBe(salt)
})

test('days older than yesterday are dropped from the cache when the day turns', async () => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2031-03-10T12:00:00Z'))
  const store = new RedisSaltStore({ keyPrefix: uniquePrefix(), redis })
  await store.saltFor('2031-03-09')
  await store.saltFor('2031-03-10')
  expect(store.cachedDays()).toEqual(['2031-03-09', '2031-03-10'])
  vi.setSystemTime(new Date('2031-03-11T00:00:05Z'))
  await store.saltFor('2031-03-11')
  expect(store.cachedDays()).toEqual(['2031-03-10', '2031-03-11'])
  // The Redis key of a day is set to expire when the day stops being "yesterday".
  expect(await redis.ttl(store.keyFor('2031-03-11'))).toBeLessThanOrEqual(SALT_MAX_AGE_SECONDS)
})

test('createSaltStore picks Redis with a client and memory without; bad days are refused', async () => {
  const keyPrefix = uniquePrefix()
  const store = createSaltStore({ keyPrefix, redis })
  expect(store).toBeInstanceOf(RedisSaltStore)
  const salt = await store.saltFor('2030-01-01')
  expect(await redis.get(`${keyPrefix}salt:2030-01-01`)).toBe(salt)
  await expect(store.saltFor('2030-02-30')).rejects.toThrow(TypeError)
  await expect(store.saltFor('yesterday')).rejects.toThrow(TypeError)
  expect(createSaltStore({ redis: null })).not.toBeInstanceOf(RedisSaltStore)
})
