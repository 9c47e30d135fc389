/**
 * The Next.js Pages API route (`createTrackApiRoute`, `payload-plugin-analytics/next`): the
 * Payload app's own handler, writing straight to Node's response. Here it is mounted on a
 * plain node:http server, as Next mounts a Pages API route (Node's request and response,
 * body unparsed); the production build's route is driven by `npm run bench:ingest`.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { createTrackApiRoute } from '../../src/exports/next.js'
import { BODY_DEADLINE_MS } from '../../src/ingest/trackHandler.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload, payloadKey } from '../helpers/payload.js'
import { rawRequest } from '../helpers/rest.js'
import { stalledTrackRequest } from '../helpers/stalledBody.js'
import { streamEvents } from '../helpers/stream.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const keyPrefix = `t${randomBytes(4).toString('hex')}:`

let payload: Payload
let redis: Redis
let sites: Record<string, DemoSite>
let server: Server
let trackUrl: string

const streamLength = () => redis.xlen(`${keyPrefix}{events}`)
const lastEvent = async (): Promise<AnalyticsEvent> => (await streamEvents(redis, keyPrefix)).at(-1)!
const pageview = (site: DemoSite, url: string) => JSON.stringify({ s: String(site.id), t: 'pageview', u: url, w: 1440 })
const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(trackUrl, { body, headers: { 'content-type': 'text/plain', 'user-agent': CHROME, ...headers }, method: 'POST' })

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') } })
  redis = new Redis(inject('redisUrl'))
  sites = await demoSites(payload)
  const route = createTrackApiRoute(payload.config, { key: payloadKey(payload) })
  server = createServer((req, res) => void route(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  trackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/analytics/track`
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  redis?.disconnect()
  await payload?.destroy()
})

describe('the tracking endpoint as a Next.js Pages API route', () => {
  test('accepts a pageview with 202 and buffers the same event as the Payload endpoint', async () => {
    const site = sites['blog.acme.test']!
    const url = 'https://blog.acme.test/posts/hello?utm_source=newsletter'
    const before = await streamLength()

    const viaEndpoint = await rawRequest(payload, 'POST', '/analytics/track', {
      body: pageview(site, url),
      // What Next adds for the socket's peer; the route reads the socket itself.
      headers: { 'content-type': 'text/plain', 'user-agent': CHROME, 'x-forwarded-for': '127.0.0.1' },
    })
    expect(viaEndpoint.status).toBe(202)
    const fromEndpoint = await lastEvent()

    const response = await post(pageview(site, url))
    expect(response.status).toBe(202)
    expect(await response.json()).toEqual({ ok: true })
    expect(await streamLength()).toBe(before + 2)
    const fromRoute = await lastEvent()

    expect(fromRoute).toMatchObject({ browser: 'Chrome', hostname: 'blog.acme.test', path: '/posts/hello', siteId: site.id, source: 'newsletter', type: 'pageview' })
    const { eventId: endpointId, timestamp: _endpointTime, ...endpointRest } = fromEndpoint
    const { eventId: routeId, timestamp: _routeTime, ...routeRest } = fromRoute
    // Same visitor (same peer address, same user-agent, same day), same visit.
    expect(routeRest).toEqual(endpointRest)
    expect(routeId).not.toBe(endpointId)
  })

  test('identifies the visitor by the socket, not by a forged X-Forwarded-For', async () => {
    const site = sites['shop.acme.test']!
    await post(pageview(site, 'https://shop.acme.test/a'), { 'x-forwarded-for': '198.51.100.1' })
    const first = await lastEvent()
    await post(pageview(site, 'https://shop.acme.test/b'), { 'x-forwarded-for': '203.0.113.99' })
    const second = await lastEvent()
    expect(second.visitorHash).toBe(first.visitorHash)
    expect(JSON.stringify([first, second])).not.toMatch(/198\.51\.100|203\.0\.113/)
  })

  test('answers bad input with a 4xx JSON error and buffers nothing', async () => {
    const before = await streamLength()
    const broken = await post('{"s":')
    expect(broken.status).toBe(400)
    expect(broken.headers.get('content-type')).toContain('application/json')
    expect(await broken.json()).toHaveProperty('error')

    const tooLarge = await post(JSON.stringify({ p: { x: 'y'.repeat(9_000) }, s: String(sites['globex.test']!.id), t: 'pageview', u: 'https://globex.test/' }))
    expect(tooLarge.status).toBe(413)

    const foreign = await post(pageview(sites['globex.test']!, 'https://evil.example/'))
    expect(foreign.status).toBe(403)
    expect(await streamLength()).toBe(before)
  })

  test('a body that never finishes is answered 408 within its deadline, and the connection closed', async () => {
    const before = await streamLength()
    const port = (server.address() as AddressInfo).port
    const answer = await stalledTrackRequest(port, 'content-length', pageview(sites['blog.acme.test']!, 'https://blog.acme.test/slow'))
    expect(answer.response).toMatch(/^HTTP\/1\.1 408 /)
    expect(answer.response).toContain('did not arrive within 5 s')
    expect(answer.ms).toBeLessThan(BODY_DEADLINE_MS + 1_500)
    expect(await streamLength()).toBe(before)
  })

  test('answers the CORS preflight of a tracked origin', async () => {
    const response = await fetch(trackUrl, { headers: { 'access-control-request-method': 'POST', origin: 'https://globex.test' }, method: 'OPTIONS' })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://globex.test')
  })
})
