/**
 * Plausible's Events API (`POST /api/event`) on the three ingest surfaces — the Payload
 * endpoint, the Pages API route and the standalone server — over the same pipeline as
 * `/api/analytics/track`: the same enriched event for the same visit, the same refusals,
 * answered the way Plausible documents it.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { IngestServer } from '../../src/ingest/standaloneServer.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { createEventApiRoute } from '../../src/exports/next.js'
import { startIngestServer } from '../../src/ingest/standaloneServer.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload, payloadKey } from '../helpers/payload.js'
import { rawRequest } from '../helpers/rest.js'
import { streamEvents } from '../helpers/stream.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const keyPrefix = `t${randomBytes(4).toString('hex')}:`

let payload: Payload
let redis: Redis
let sites: Record<string, DemoSite>
let pagesServer: Server
let ingest: IngestServer
let urls: Record<'pages' | 'standalone', string>

const streamLength = () => redis.xlen(`${keyPrefix}{events}`)
const lastEvents = async (count: number): Promise<AnalyticsEvent[]> => (await streamEvents(redis, keyPrefix)).slice(-count)
const headers = (ip: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', 'user-agent': CHROME, 'x-forwarded-for': ip, ...extra })

/** POST to /api/event on one surface; the body as text. */
async function send(surface: 'pages' | 'payload' | 'standalone', body: unknown, extra: Record<string, string> = {}, ip = '198.51.100.20') {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  if (surface === 'payload') {
    const response = await rawRequest(payload, 'POST', '/event', { body: text, headers: headers(ip, extra) })
    return { headers: response.headers, status: response.status, text: response.text }
  }
  const response = await fetch(urls[surface], { body: text, headers: headers(ip, extra), method: 'POST' })
  return { headers: response.headers, status: response.status, text: await response.text() }
}

const without = ({ eventId: _id, sessionId: _session, timestamp: _time, ...rest }: AnalyticsEvent) => rest

beforeAll(async () => {
  // rollup.test: a hostname every site allows, for an event sent to several sites at once.
  // trustProxy 1: the surfaces read the visitor's address from X-Forwarded-For alike.
  payload = await bootPayload({ analytics: { defaults: { allowedHostnames: ['rollup.test'] }, ingest: { trustProxy: 1 }, redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') } })
  redis = new Redis(inject('redisUrl'))
  sites = await demoSites(payload)
  const route = createEventApiRoute(payload.config, { key: payloadKey(payload) })
  pagesServer = createServer((req, res) => void route(req, res))
  await new Promise<void>((resolve) => pagesServer.listen(0, '127.0.0.1', resolve))
  ingest = await startIngestServer({ host: '127.0.0.1', keyPrefix, logger: { error: () => undefined, info: () => undefined, warn: () => undefined }, port: 0, redisUrl: inject('redisUrl'), trustProxy: 1 })
  urls = {
    pages: `http://127.0.0.1:${(pagesServer.address() as AddressInfo).port}/api/event`,
    standalone: `http://127.0.0.1:${ingest.port}/api/event`,
  }
})

afterAll(async () => {
  pagesServer?.closeAllConnections()
  await new Promise((resolve) => pagesServer?.close(resolve))
  await ingest?.close()
  redis?.disconnect()
  await payload?.destroy()
})

describe('POST /api/event', () => {
  test.each(['payload', 'pages', 'standalone'] as const)('%s: a pageview is answered 202 "ok" and buffered as the same event as our own tracker sends', async (surface) => {
    const site = sites['shop.acme.test']!
    const url = 'https://shop.acme.test/pricing?utm_source=newsletter'
    const ip = `198.51.100.${surface.length}`
    const ours = await rawRequest(payload, 'POST', '/analytics/track', {
      body: JSON.stringify({ r: 'https://www.google.com/', s: String(site.id), t: 'pageview', u: url, w: 1440 }),
      headers: headers(ip),
    })
    expect(ours.status).toBe(202)
    const answer = await send(surface, { d: 'shop.acme.test', n: 'pageview', r: 'https://www.google.com/', u: url, w: 1440 }, {}, ip)
    expect(answer).toMatchObject({ status: 202, text: 'ok' })
    expect(answer.headers.get('x-plausible-dropped')).toBeNull()
    const [fromOurs, fromPlausible] = await lastEvents(2)
    expect(fromPlausible).toMatchObject({ browser: 'Chrome', path: '/pricing', siteId: site.id, source: 'newsletter', type: 'pageview', utmSource: 'newsletter' })
    expect(without(fromPlausible!)).toEqual(without(fromOurs!))
  })

  test('long field names, props as JSON text, hash mode and revenue', async () => {
    const answer = await send('payload', {
      domain: 'blog.acme.test',
      hashMode: 1,
      name: 'Signup',
      props: JSON.stringify({ list: ['dropped'], plan: 'pro', seats: 3 }),
      revenue: { amount: '19.90', currency: 'EUR' },
      url: 'https://blog.acme.test/#/pricing',
    })
    expect(answer.status).toBe(202)
    const [event] = await lastEvents(1)
    expect(event).toMatchObject({ path: '/#/pricing', props: { plan: 'pro', seats: 3 }, revenue: { amount: '19.9', currency: 'EUR' }, type: 'Signup', value: null })
  })

  test('an engagement event (sd, e) becomes our engagement: depth and engaged seconds', async () => {
    const answer = await send('standalone', { d: 'blog.acme.test', e: 4_200, n: 'engagement', sd: 73, u: 'https://blog.acme.test/post' })
    expect(answer.status).toBe(202)
    const [event] = await lastEvents(1)
    expect(event).toMatchObject({ path: '/post', props: { scrollDepth: 73 }, type: 'engagement', value: 4.2 })
  })

  test('a leading www. is ignored, and a comma-separated domain records the event once per site', async () => {
    const before = await streamLength()
    const answer = await send('pages', { d: 'www.blog.acme.test, shop.acme.test', n: 'pageview', u: 'https://rollup.test/both' })
    expect(answer.status).toBe(202)
    expect(await streamLength()).toBe(before + 2)
    const events = await lastEvents(2)
    expect(events.map((event) => event.siteId).sort()).toEqual([sites['blog.acme.test']!.id, sites['shop.acme.test']!.id].sort())
  })

  test('each named site applies its own hostname rules: a page of one site is recorded for it alone', async () => {
    const before = await streamLength()
    const answer = await send('payload', { d: 'blog.acme.test,shop.acme.test', n: 'pageview', u: 'https://blog.acme.test/only-blog' })
    expect(answer).toMatchObject({ status: 202, text: 'ok' })
    expect(await streamLength()).toBe(before + 1)
    expect((await lastEvents(1))[0]!.siteId).toBe(sites['blog.acme.test']!.id)
  })

  test('invalid input is a 400 {"errors": {…}} naming Plausible\'s fields, and nothing is stored', async () => {
    const before = await streamLength()
    for (const surface of ['payload', 'pages', 'standalone'] as const) {
      const missing = await send(surface, { d: 'blog.acme.test' })
      expect(missing.status).toBe(400)
      expect(JSON.parse(missing.text)).toEqual({ errors: { name: ["can't be blank"], url: ["can't be blank"] } })
      const badProps = await send(surface, { d: 'blog.acme.test', n: 'x', p: '{not json', u: 'https://blog.acme.test/' })
      expect(JSON.parse(badProps.text).errors.props).toBeDefined()
      const noAgent = await send(surface, { d: 'blog.acme.test', n: 'pageview', u: 'https://blog.acme.test/' }, { 'user-agent': '' })
      expect(noAgent.status).toBe(400)
      expect(JSON.parse(noAgent.text).errors.user_agent).toBeDefined()
      const badUrl = await send(surface, { d: 'blog.acme.test', n: 'pageview', u: 'ftp://blog.acme.test/' })
      expect(badUrl.status).toBe(400)
      expect(JSON.parse(badUrl.text).errors.url).toBeDefined()
    }
    expect(await streamLength()).toBe(before)
  })

  test('a bot is dropped on purpose: 202 "ok" with x-plausible-dropped; our own 404 and 403 keep their meaning', async () => {
    const before = await streamLength()
    const bot = await send('payload', { d: 'blog.acme.test', n: 'pageview', u: 'https://blog.acme.test/' }, { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' })
    expect(bot).toMatchObject({ status: 202, text: 'ok' })
    expect(bot.headers.get('x-plausible-dropped')).toBe('1')
    const unknown = await send('standalone', { d: 'nowhere.test', n: 'pageview', u: 'https://nowhere.test/' })
    expect(unknown.status).toBe(404)
    const foreign = await send('pages', { d: 'blog.acme.test', n: 'pageview', u: 'https://evil.example/' })
    expect(foreign.status).toBe(403)
    // An id is no domain: Plausible names sites by domain only.
    const byId = await send('payload', { d: String(sites['blog.acme.test']!.id), n: 'pageview', u: 'https://blog.acme.test/' })
    expect(byId.status).toBe(404)
    expect(await streamLength()).toBe(before)
  })

  test('a CORS preflight from a site\'s origin is granted, as for our own tracker', async () => {
    const response = await fetch(urls.standalone, { headers: { 'access-control-request-method': 'POST', origin: 'https://blog.acme.test' }, method: 'OPTIONS' })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://blog.acme.test')
  })
})
