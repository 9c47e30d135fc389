/**
 * Round trip: two instances on two databases. Instance A collects its own traffic (generated
 * events through the buffer and the aggregation job) and serves its Plausible-compatible API
 * over real HTTP; instance B's Plausible Stats API importer (`src/sources/plausibleApi.ts`)
 * reads it with an API key made on A, and B's daily stats — totals and every imported
 * breakdown — then equal A's, day by day.
 */
import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { BreakdownRow, StatsResult } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'
import type { HttpHandle } from '../helpers/httpServer.js'

import { generateEvents, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { serveRestApi } from '../helpers/httpServer.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'

/** The breakdowns the importer reads (one v2 query per day each). */
const IMPORTED = ['pages', 'entryPages', 'exitPages', 'sources', 'countries', 'devices', 'browsers', 'os'] as const

let a: Payload
let b: Payload
let server: HttpHandle
let shopA: DemoSite
let shopB: DemoSite
const tokens = { a: '', b: '' }
/** What A's API was asked, as it arrived. */
const seen: Array<{ authorization: null | string; body: string; path: string; status: number }> = []
const days = recentDays(5, 1)

async function createKey(payload: Payload, token: string, name: string): Promise<string> {
  const { body, status } = await rest<{ doc: { secret?: string } }>(payload, 'POST', '/analytics-api-keys', { body: { name }, token })
  expect(status).toBe(201)
  return body.doc.secret!
}

async function dayStats(payload: Payload, token: string, site: DemoSite, day: string): Promise<StatsResult> {
  const { body, status } = await rest<StatsResult>(payload, 'GET', `/analytics/stats?siteId=${site.id}&range=custom&from=${day}&to=${day}&breakdown=${IMPORTED.join(',')}&limit=1000`, { token })
  expect(status).toBe(200)
  return body
}

/** A breakdown's rows by key, with the figures a user sees and the importer carries. */
const rowsOf = (rows: BreakdownRow[] | undefined) =>
  (rows ?? []).map((row) => ({ key: row.key, pageviews: row.pageviews, visitors: row.visitors, visits: row.visits })).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))

beforeAll(async () => {
  a = await bootPayload({ analytics: { redisKeyPrefix: `rt${randomBytes(4).toString('hex')}:`, redisUrl: inject('redisUrl') } })
  // B paces its Plausible requests 1 ms apart: the pacing itself is tested in sources.test.ts.
  b = await bootPayload({ analytics: { sources: { plausibleRequestsPerHour: 3_600_000 } } })
  shopA = (await demoSites(a))['shop.acme.test']!
  shopB = (await demoSites(b))['shop.acme.test']!
  tokens.a = await login(a, 'editor@acme.test', 'editor')
  tokens.b = await login(b, 'editor@acme.test', 'editor')

  await a.analytics!.buffer.append(generateEvents({ days, seed: 4242, sessionsPerDay: [40, 70], sites: [shopA] }))
  await a.analytics!.aggregateNow()

  server = await serveRestApi(a, {
    observe: (request, response) => {
      const url = new URL(request.url)
      void request.text().then((body) => seen.push({ authorization: request.headers.get('authorization'), body, path: url.pathname, status: response.status }))
    },
  })
}, 180_000)

afterAll(async () => {
  await server?.close()
  await b?.destroy()
  await a?.destroy()
})

describe('Plausible Stats API importer against our own Plausible-compatible API', () => {
  test('B imports A\'s days over HTTP with A\'s API key, and B\'s daily figures equal A\'s', async () => {
    const key = await createKey(a, tokens.a, 'Round trip to B')
    const source = await b.create({
      collection: 'analytics-sources',
      data: { baseUrl: server.url, credential: key, kind: 'plausible', name: 'Instance A', sites: [{ remoteId: 'shop.acme.test', site: shopB.id }] } as never,
    })
    const run = await b.analytics!.sources.run({ from: days[0], kind: 'plausible', retry: { baseMs: 5, maxAttempts: 3, maxMs: 20 }, to: days.at(-1) })
    expect(run.outcomes).toHaveLength(1)
    expect(run.outcomes[0]).toMatchObject({ days: days.length, status: 'ok' })

    // What A was asked: nine v2 queries a day, each with the key as a Bearer header, all answered 200.
    const queries = seen.filter((request) => request.path === '/api/v2/query')
    expect(queries).toHaveLength(9 * days.length)
    for (const request of queries) {
      expect(request).toMatchObject({ authorization: `Bearer ${key}`, status: 200 })
      expect(JSON.parse(request.body)).toMatchObject({ include: { imports: true }, site_id: 'shop.acme.test' })
    }

    const keys = { devices: new Set<string>(), sources: new Set<string>() }
    for (const day of days) {
      const mine = await dayStats(a, tokens.a, shopA, day)
      const theirs = await dayStats(b, tokens.b, shopB, day)
      expect(mine.imported).toBeNull()
      expect(theirs.imported).toMatchObject({ from: day, to: day })
      expect(mine.totals.visitors).toBeGreaterThan(10)
      const exact = (stats: StatsResult) => ({ pageviews: stats.totals.pageviews, visitors: stats.totals.visitors, visits: stats.totals.visits })
      expect(exact(theirs), day).toEqual(exact(mine))
      // The API answers bounce rate and visit duration as Plausible does — whole percent, whole
      // seconds — so B's totals give those same rounded figures.
      const rounded = (stats: StatsResult) => ({ bounceRate: Math.round(stats.totals.bounceRate * 100), duration: Math.round(stats.totals.avgVisitDuration) })
      expect(rounded(theirs), day).toEqual(rounded(mine))
      for (const breakdown of IMPORTED) {
        expect(rowsOf(mine.breakdowns[breakdown]).length, `${day} ${breakdown}`).toBeGreaterThan(0)
        expect(rowsOf(theirs.breakdowns[breakdown]), `${day} ${breakdown}`).toEqual(rowsOf(mine.breakdowns[breakdown]))
      }
      for (const row of theirs.breakdowns.sources ?? []) keys.sources.add(row.key)
      for (const row of theirs.breakdowns.devices ?? []) keys.devices.add(row.key)
    }
    // Direct visits ("Direct / None" on the wire) and every device class ("Desktop", "(not set)"…) came back under our own keys.
    expect(keys.sources).toContain('')
    expect([...keys.devices].sort()).toEqual(['desktop', 'mobile', 'other', 'tablet'])
    await b.delete({ collection: 'analytics-sources', id: source.id })
  }, 120_000)

  test('B\'s Plausible API answers imported days only with include.imports, as Plausible documents', async () => {
    const key = await createKey(b, tokens.b, 'Reader of B')
    const ask = async (include?: { imports: boolean }) => {
      const answer = await rawRequest(b, 'POST', '/v2/query', {
        body: JSON.stringify({ date_range: [days[0], days.at(-1)], metrics: ['visitors', 'pageviews'], site_id: 'shop.acme.test', ...(include ? { include } : {}) }),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      })
      expect(answer.status).toBe(200)
      return answer.body as { meta: Record<string, unknown>; results: Array<{ metrics: number[] }> }
    }
    const totalsA = (await rest<StatsResult>(a, 'GET', `/analytics/stats?siteId=${shopA.id}&range=custom&from=${days[0]}&to=${days.at(-1)}`, { token: tokens.a })).body.totals
    expect(await ask()).toMatchObject({ meta: {}, results: [{ metrics: [0, 0] }] })
    expect(await ask({ imports: true })).toMatchObject({ meta: { imports_included: true }, results: [{ metrics: [totalsA.visitors, totalsA.pageviews] }] })
    expect(await ask({ imports: false })).toMatchObject({ meta: { imports_included: false }, results: [{ metrics: [0, 0] }] })
  })
})
