/**
 * Realtime under a backlog, on real Redis and Payload: it reads the asked sites' realtime
 * index (written at ingest), never the stream, so 16 concurrent calls over a 30,000-event
 * backlog all answer with exact counts while tracking keeps answering 202; aggregated events
 * keep counting; a stopped source is a 503 (see outage.test.ts).
 */
import type { Payload } from 'payload'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { randomBytes, randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, inject, test } from 'vitest'

import { DEMO_USERS } from '../../dev/seed.js'
import { JOBS_ENV } from '../../jobs/scheduler.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'
import { blankEvent } from '../helpers/events.js'

process.env[JOBS_ENV] = 'manual'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const keyPrefix = `rt${randomBytes(4).toString('hex')}:`
let payload: Payload
let redis: Redis
let token: string
let sites: DemoSite[]

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') } })
  redis = new Redis(inject('redisUrl'))
  token = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  sites = Object.values(await demoSites(payload))
})

afterAll(async () => {
  redis?.disconnect()
  await payload?.destroy()
})

/** `count` events of a site over the last 25 minutes (and a few older ones realtime must leave out). */
function eventsOf(site: DemoSite, count: number): AnalyticsEvent[] {
  const now = Date.now()
  return Array.from({ length: count }, (_, index) => {
    const old = index % 50 === 0
    return {
      ...blankEvent(
        site,
        index % 5 === 4 ? 'signup' : 'pageview',
        new Date(old ? now - 45 * 60_000 : now - Math.floor((index / count) * 25 * 60_000)).toISOString(),
        randomUUID(),
      ),
      hostname: site.domain,
      path: `/p${index % 37}`,
      visitorHash: `v${index % 1_111}`,
    }
  })
}

/** What realtime must answer for these events, counted here from scratch. */
function expected(events: AnalyticsEvent[]) {
  const since = Date.now() - 30 * 60_000
  const fresh = events.filter((event) => Date.parse(event.timestamp) >= since)
  const views = fresh.filter((event) => event.type === 'pageview')
  const byPath = new Map<string, AnalyticsEvent[]>()
  for (const view of views) byPath.set(view.path!, [...(byPath.get(view.path!) ?? []), view])
  const topPages = [...byPath]
    .map(([key, list]) => ({ key, pageviews: list.length, visitors: new Set(list.map((event) => event.visitorHash)).size }))
    .sort((x, y) => y.visitors - x.visitors || y.pageviews - x.pageviews || x.key.localeCompare(y.key))
    .slice(0, 10)
  return { pageviews: views.length, topPages, visitors: new Set(fresh.map((event) => event.visitorHash)).size }
}

const commandCalls = async (command: string): Promise<number> => {
  const info = await redis.info('commandstats')
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
}

test('30,000 buffered events: 16 concurrent realtime calls answer 200 with exact counts, tracking keeps answering 202', { timeout: 120_000 }, async () => {
  const [a, b, c] = sites as [DemoSite, DemoSite, DemoSite]
  const ofA = eventsOf(a, 6_000)
  const ofB = eventsOf(b, 4_000)
  // The third site holds most of the backlog: realtime of the others never reads it.
  const ofC = eventsOf(c, 20_000)
  const all = [...ofA, ...ofB, ...ofC]
  // One call: the buffer sends a backlog a few chunks at a time, within the client's 1 s command timeout.
  await payload.analytics!.buffer.append(all)
  expect(await payload.analytics!.buffer.pending()).toBe(30_000)

  const xrangeBefore = await commandCalls('xrange')
  const calls = Array.from({ length: 16 }, (_, index) =>
    index % 2 === 0 ? `/analytics/realtime?siteId=${a.id}` : `/analytics/realtime?siteId=${a.id}&siteId=${b.id}`,
  )
  const tracking = Array.from({ length: 40 }, (_, index) =>
    rawRequest(payload, 'POST', '/analytics/track', {
      body: JSON.stringify({ s: String(c.id), t: 'pageview', u: `https://${c.domain}/live` }),
      headers: { 'content-type': 'text/plain', 'user-agent': CHROME, 'x-forwarded-for': `198.51.${index}.7` },
    }),
  )
  const started = performance.now()
  const [answers, tracked] = await Promise.all([Promise.all(calls.map((url) => rest(payload, 'GET', url, { token }))), Promise.all(tracking)])
  const elapsed = performance.now() - started
  console.log(`[realtime] 16 concurrent calls over a 30,000-event backlog and 40 tracking requests in ${Math.round(elapsed)} ms`)

  expect(tracked.map((response) => response.status)).toEqual(tracking.map(() => 202))
  const wantA = expected(ofA)
  const wantAB = expected([...ofA, ...ofB])
  answers.forEach((answer, index) => {
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject(index % 2 === 0 ? wantA : wantAB)
  })
  expect(wantA.pageviews).toBeGreaterThan(4_000)
  // The stream was never scanned.
  expect(await commandCalls('xrange')).toBe(xrangeBefore)

  // Aggregated events still count (the index is not the buffer), and the tracked ones too.
  await payload.analytics!.aggregateNow()
  expect(await payload.analytics!.buffer.pending()).toBe(0)
  expect((await rest(payload, 'GET', `/analytics/realtime?siteId=${a.id}`, { token })).body).toMatchObject(wantA)
  const ofTracked = await rest<{ pageviews: number; topPages: Array<{ key: string; pageviews: number }> }>(payload, 'GET', `/analytics/realtime?siteId=${c.id}&limit=100`, { token })
  expect(ofTracked.body.pageviews).toBe(expected(ofC).pageviews + 40)
  expect(ofTracked.body.topPages.find((page) => page.key === '/live')).toMatchObject({ pageviews: 40 })

  // Each site's index is bounded in time: nothing older than the window is kept.
  const key = `${keyPrefix}{events}:rt:${String(a.id)}`
  expect(await redis.zcount(key, '-inf', `(${Date.now() - 30 * 60_000}`)).toBe(0)
  expect(await redis.pttl(key)).toBeGreaterThan(0)
})
