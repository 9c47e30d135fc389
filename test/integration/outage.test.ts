/**
 * Outages of the plugin's sources, replayed against a Postgres and a redis-server this file
 * starts, stops and restarts itself: every analytics endpoint answers 503 with Retry-After
 * naming the source (a valid login included, which Payload cannot read while Postgres is
 * down), no Redis client of the plugin prints "[ioredis] Unhandled error event", and the
 * first aggregation after a Redis restart succeeds.
 */
import type { Payload } from 'payload'

import type { PostgresHandle, RedisHandle } from '../../scripts/services.js'

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createLocalReq } from 'payload'
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'

import type { DashboardResult } from '../../admin/Dashboard/loadDashboard.js'

import { currentOutage, loadDashboard } from '../../admin/Dashboard/loadDashboard.js'
import { OutageNotice } from '../../admin/Dashboard/OutageNotice.js'
import { parseDashboardState } from '../../admin/Dashboard/state.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { JOBS_ENV } from '../../jobs/scheduler.js'
import { startPostgres, startRedis } from '../../scripts/services.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'

process.env[JOBS_ENV] = 'manual'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

const pgDir = path.join(os.tmpdir(), `analytics-outage-pg-${randomBytes(4).toString('hex')}`)
const redisDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-outage-redis-'))
let postgres: PostgresHandle
let redis: RedisHandle
let payload: Payload
let token: string
let siteId: number | string
let domain: string
let user: Record<string, unknown>
const key = `outage-${randomBytes(3).toString('hex')}`

beforeAll(async () => {
  postgres = await startPostgres({ dataDir: pgDir })
  redis = await startRedis({ appendonly: true, dataDir: redisDir })
  const databaseUri = await postgres.createDatabase('outage')
  payload = await bootPayload({ analytics: { redisKeyPrefix: `${key}:`, redisUrl: redis.url }, databaseUri, key })
  // The BullMQ queue and worker too: their clients must stay quiet during an outage as well.
  await payload.analytics!.jobs.start()
  token = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  const { docs } = await payload.find({ collection: 'users', where: { email: { equals: DEMO_USERS.superAdmin.email } } })
  user = { ...docs[0]!, collection: 'users' }
  ;({ domain, id: siteId } = Object.values(await demoSites(payload))[0]!)
})

afterAll(async () => {
  await payload?.analytics?.close().catch(() => undefined)
  await payload?.destroy().catch(() => undefined)
  await redis?.stop()
  await postgres?.stop()
  rmSync(pgDir, { force: true, recursive: true })
  rmSync(redisDir, { force: true, recursive: true })
})

/**
 * What the admin shows: the data of the Analytics view (a site's tab loads the same way), and
 * the notice the view and the home widget put above their figures (or instead of them).
 */
async function admin(): Promise<{ dashboard: DashboardResult; notice: string }> {
  const req = await createLocalReq({ user: user as never }, payload)
  const dashboard = await loadDashboard({ caller: { req }, payload, state: parseDashboardState({}) })
  const outage = await currentOutage(payload)
  return { dashboard, notice: outage ? renderToStaticMarkup(createElement(OutageNotice, { outage })) : '' }
}

const restAs = (method: 'GET' | 'POST', url: string) => rest(payload, method, url, { token })

/** Every analytics endpoint a logged-in admin calls. */
const endpoints = (): Array<['GET' | 'POST', string]> => [
  ['GET', `/analytics/stats?siteId=${siteId}&range=7d`],
  ['GET', `/analytics/compare?siteId=${siteId}&range=7d`],
  ['GET', `/analytics/realtime?siteId=${siteId}`],
  ['GET', `/analytics/export?siteId=${siteId}&range=month`],
  ['GET', `/analytics/share/${'x'.repeat(24)}/stats?range=7d`],
  ['POST', `/analytics/share/rotate?siteId=${siteId}`],
  ['POST', `/analytics/sites/${siteId}/erase`],
]

describe('Postgres down', () => {
  test('a valid login gets 503 with Retry-After naming the database on every endpoint, not 401; 200 again once it is back', async () => {
    expect((await restAs('GET', `/analytics/stats?siteId=${siteId}&range=7d`)).status).toBe(200)
    await postgres.stop()
    try {
      for (const [method, url] of endpoints()) {
        const started = performance.now()
        const response = await rest<{ error: string; source: string }>(payload, method, url, { token })
        expect({ status: response.status, url }).toEqual({ status: 503, url })
        expect(response.body.source).toBe('postgres')
        expect(response.body.error).toMatch(/database \(Postgres\) is not reachable/)
        expect(response.body.error).not.toMatch(/postgres:\/\/|password/)
        expect(performance.now() - started).toBeLessThan(5_000)
      }
      // The header too, through the same handler.
      const { handleEndpoints } = await import('payload')
      const response = await handleEndpoints({
        config: payload.config,
        payloadInstanceCacheKey: key,
        request: new Request(`http://localhost/api/analytics/stats?siteId=${siteId}`, { headers: { Authorization: `JWT ${token}` } }),
      })
      expect(response.status).toBe(503)
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
      // Without any login it stays a 401: nothing to check against the database.
      expect((await rest(payload, 'GET', `/analytics/stats?siteId=${siteId}`)).status).toBe(401)
      // The admin says why: the Analytics view (and a site's tab, same loader) and the home widget.
      const shown = await admin()
      expect(shown.dashboard).toMatchObject({ ok: false, status: 503 })
      expect(shown.dashboard.ok ? '' : shown.dashboard.message).toMatch(/database \(Postgres\) is not reachable/)
      expect(shown.notice).toContain('data-testid="analytics-outage"')
      expect(shown.notice).toMatch(/database \(Postgres\) is not reachable/)
    } finally {
      postgres = await startPostgres({ dataDir: pgDir, port: postgres.port })
    }
    await waitFor('stats to answer again', async () => (await restAs('GET', `/analytics/stats?siteId=${siteId}&range=7d`)).status === 200)
    // An invalid token with Postgres up is still a 401.
    expect((await rest(payload, 'GET', `/analytics/stats?siteId=${siteId}`, { token: `${token}x` })).status).toBe(401)
  })
})

describe('Redis down', () => {
  test('realtime answers 503 naming Redis, stats keep answering from Postgres, no client prints an unhandled error; the first run after the restart succeeds', { timeout: 90_000 }, async () => {
    const track = () =>
      rawRequest(payload, 'POST', '/analytics/track', {
        body: JSON.stringify({ s: String(siteId), t: 'pageview', u: `https://${domain}/outage` }),
        headers: { 'content-type': 'text/plain', 'user-agent': CHROME, 'x-forwarded-for': '203.0.113.10' },
      })
    const unhandled: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      unhandled.push(args.map(String).join(' '))
    })
    try {
      await redis.stop()
      // Long enough for every client to fail several reconnects.
      await sleep(4_000)
      const realtime = await restAs('GET', `/analytics/realtime?siteId=${siteId}`)
      expect(realtime.status).toBe(503)
      expect(realtime.body).toMatchObject({ source: 'redis' })
      expect((await restAs('GET', `/analytics/stats?siteId=${siteId}&range=7d`)).status).toBe(200)
      expect((await track()).status).toBe(503)
      // The admin: figures still shown (Postgres), with the outage above them and no "check the snippet".
      const shown = await admin()
      expect(shown.dashboard.ok).toBe(true)
      if (shown.dashboard.ok) {
        expect(shown.dashboard.data.outage).toMatchObject({ source: 'redis' })
        expect(shown.dashboard.data.outage!.message).toMatch(/Redis \(the event buffer\) is not reachable; tracked events are refused/)
        expect(shown.dashboard.data.realtime).toBeNull()
      }
      expect(shown.notice).toMatch(/data-source="redis"/)
      expect(unhandled.filter((line) => line.includes('Unhandled error event'))).toEqual([])

      redis = await startRedis({ appendonly: true, dataDir: redisDir, port: redis.port })
      // At once: the plugin's client is still between two reconnect attempts.
      expect(payload.analytics!.redis!.status).not.toBe('ready')
      const first = await payload.analytics!.aggregateNow()
      expect(first.claimed).toBeGreaterThanOrEqual(0)
    } finally {
      spy.mockRestore()
    }
    expect(unhandled.filter((line) => line.includes('Unhandled error event'))).toEqual([])
    expect((await track()).status).toBe(202)
    expect((await payload.analytics!.aggregateNow()).inserted).toBe(1)
    const realtime = await restAs('GET', `/analytics/realtime?siteId=${siteId}`)
    expect(realtime.status).toBe(200)
    const shown = await admin()
    expect(shown.dashboard.ok && shown.dashboard.data.outage).toBe(null)
    expect(shown.notice).not.toContain('analytics-outage')
  })
})
