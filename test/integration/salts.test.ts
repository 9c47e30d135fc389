import type { Payload } from 'payload'

import { afterAll, beforeAll, expect, test } from 'vitest'

import { getAnalyticsConfig } from '../../src/index.js'
import { createPostgresSaltStore } from '../../src/store/postgresSaltStore.js'
import { bootPayload } from '../helpers/payload.js'

let payload: Payload

beforeAll(async () => {
  // No Redis: a single instance keeps its daily salts in Postgres.
  payload = await bootPayload({ analytics: { redisUrl: undefined } })
})

afterAll(async () => {
  await payload?.destroy()
})

test('without Redis, salts live in Postgres: stable across restarts, one per day, old days deleted', async () => {
  expect(payload.analytics!.buffer.kind).toBe('memory')
  const cfg = getAnalyticsConfig(payload.config)
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)

  await payload.create({ collection: 'analytics-salts', data: { day: '2020-01-01', salt: 'old' } })
  const today = await payload.analytics!.salts.saltFor(day(0))
  expect(today).toMatch(/^[0-9a-f]{64}$/)

  // A new process (a restart) reads the same salt rather than making a new one.
  const restarted = createPostgresSaltStore(payload, cfg)
  expect(await restarted.saltFor(day(0))).toBe(today)
  expect(await restarted.saltFor(day(-1))).not.toBe(today)

  const { docs } = await payload.find({ collection: 'analytics-salts', pagination: false, sort: 'day' })
  expect(docs.map((doc) => doc.day)).toEqual([day(-1), day(0)])
})

test('salts are closed to the REST API', () => {
  const access = payload.collections['analytics-salts']!.config.access
  for (const operation of ['create', 'read', 'update', 'delete'] as const) expect(access[operation]!({} as never)).toBe(false)
  expect(payload.collections['analytics-salts']!.config.admin.hidden).toBe(true)
})
