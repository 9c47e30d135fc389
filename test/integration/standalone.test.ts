/**
 * The standalone ingest server (`payload-analytics ingest`): no Payload boot, only Redis,
 * yet the same answers and the same events as the Payload endpoint, because the Payload
 * app publishes its sites to Redis and both run the same handler.
 */
import type { ChildProcess } from 'node:child_process'
import type { Payload } from 'payload'

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { inject } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { IngestServer, IngestServerLogger } from '../../src/ingest/standaloneServer.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { freePort } from '../../scripts/services.js'
import { startIngestServer } from '../../src/ingest/standaloneServer.js'
import { BODY_DEADLINE_MS } from '../../src/ingest/trackHandler.js'
import { TRACKER_FULL_SCRIPT, TRACKER_SCRIPT } from '../../src/tracker/script.generated.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { rawRequest } from '../helpers/rest.js'
import { stalledTrackRequest } from '../helpers/stalledBody.js'
import { streamEvents } from '../helpers/stream.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

const keyPrefix = `t${randomBytes(4).toString('hex')}:`
const ingestOptions = { countryHeaders: ['cf-ipcountry'], rateLimits: { perClient: { limit: 1_000, windowSeconds: 60 } }, trustProxy: 1 }

let payload: Payload
let redis: Redis
let sites: Record<string, DemoSite>
let server: IngestServer
let baseUrl: string
const logged: string[] = []
const logger: IngestServerLogger = {
  error: (message) => logged.push(`error: ${message}`),
  info: (message) => logged.push(`info: ${message}`),
  warn: (message) => logged.push(`warn: ${message}`),
}

const METRICS_TOKEN = 'scrape-secret'

/** The value of one series in a Prometheus scrape (0 when absent). */
const seriesValue = (scrape: string, series: string): number => {
  const line = scrape.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1)) : 0
}

const streamLength = () => redis.xlen(`${keyPrefix}{events}`)
const lastEvent = async (): Promise<AnalyticsEvent> => (await streamEvents(redis, keyPrefix)).at(-1)!

const pageview = (site: DemoSite | string, url: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ s: typeof site === 'string' ? site : String(site.id), t: 'pageview', u: url, w: 390, ...extra })

/** A pageview to the standalone server over real HTTP. */
const post = (body: string, headers: Record<string, string> = {}, url = `${baseUrl}/api/analytics/track`) =>
  fetch(url, {
    body,
    headers: { 'content-type': 'text/plain', 'user-agent': CHROME, 'x-forwarded-for': '198.51.100.7', ...headers },
    method: 'POST',
  })

beforeAll(async () => {
  payload = await bootPayload({
    analytics: { defaults: { allowedHostnames: ['localhost'] }, ingest: ingestOptions, redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') },
  })
  redis = new Redis(inject('redisUrl'))
  sites = await demoSites(payload)
  // Started after the Payload app, which published its sites to Redis at start.
  server = await startIngestServer({
    ...ingestOptions,
    host: '127.0.0.1',
    keyPrefix,
    logger,
    metrics: { token: METRICS_TOKEN },
    port: 0,
    redisUrl: inject('redisUrl'),
  })
  baseUrl = `http://127.0.0.1:${server.port}`
})

afterAll(async () => {
  await server?.close()
  redis?.disconnect()
  await payload?.destroy()
})

describe('the standalone ingest server', () => {
  test('knows the sites the Payload app published, and says so at start', () => {
    expect(server.sites.size).toBe(Object.keys(sites).length)
    expect(logged.join('\n')).toContain(`knows ${Object.keys(sites).length} sites`)
  })

  test('accepts a pageview with 202 and buffers the same enriched event as the Payload endpoint', async () => {
    const site = sites['shop.acme.test']!
    const url = 'https://www.shop.acme.test/pricing/?utm_source=newsletter&utm_medium=email&utm_campaign=launch'
    const headers = { 'cf-ipcountry': 'de', 'user-agent': IPHONE, 'x-forwarded-for': '203.0.113.77' }
    const extra = { r: 'https://www.google.de/' }

    const before = await streamLength()
    const viaPayload = await rawRequest(payload, 'POST', '/analytics/track', {
      body: pageview(site, url, extra),
      headers: { 'content-type': 'text/plain', ...headers },
    })
    expect(viaPayload.status).toBe(202)
    const fromPayload = await lastEvent()

    const response = await post(pageview(site, url, extra), headers)
    expect(response.status).toBe(202)
    expect(await response.json()).toEqual({ ok: true })
    expect(response.headers.get('connection')).toBe('keep-alive')
    expect(await streamLength()).toBe(before + 2)
    const fromStandalone = await lastEvent()

    expect(fromStandalone).toMatchObject({
      browser: 'Safari',
      country: 'DE',
      device: 'mobile',
      hostname: 'www.shop.acme.test',
      os: 'iOS',
      path: '/pricing',
      siteId: site.id,
      source: 'newsletter',
      tenantId: site.tenant,
      type: 'pageview',
      utmCampaign: 'launch',
    })
    // Same handler, same salts and sessions in Redis: the same visitor, the same visit.
    const { eventId: payloadId, timestamp: payloadTime, ...payloadRest } = fromPayload
    const { eventId: standaloneId, timestamp: standaloneTime, ...standaloneRest } = fromStandalone
    expect(standaloneRest).toEqual(payloadRest)
    expect(standaloneId).not.toBe(payloadId)
    expect(Date.parse(standaloneTime)).toBeGreaterThanOrEqual(Date.parse(payloadTime))
    expect(JSON.stringify(fromStandalone)).not.toContain('203.0.113')
  })

  test('answers an unknown site with 404 JSON and buffers nothing', async () => {
    const before = await streamLength()
    const response = await post(pageview('nope.example', 'https://nope.example/'))
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect((await response.json()) as { error: string }).toEqual({ error: 'Unknown site "nope.example"' })
    expect(await streamLength()).toBe(before)
  })

  test('a streamed body over 8 KB (no Content-Length) gets 413 and a closed connection, and nothing is buffered', async () => {
    const before = await streamLength()
    const answer = await new Promise<{ closed: boolean; status: number }>((resolve, reject) => {
      const request = httpRequest(
        {
          headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked', 'user-agent': CHROME },
          host: '127.0.0.1',
          method: 'POST',
          path: '/api/analytics/track',
          port: server.port,
        },
        (response) => {
          response.resume()
          response.on('end', () => resolve({ closed: response.headers.connection === 'close', status: response.statusCode ?? 0 }))
        },
      )
      request.on('error', reject)
      // 16 KB in 1 KB chunks, as a client streaming its body sends it.
      for (let index = 0; index < 16; index += 1) request.write('x'.repeat(1_024))
      request.end()
    })
    expect(answer).toEqual({ closed: true, status: 413 })
    expect(await streamLength()).toBe(before)
  })

  test('a body sent slowly or never finished is answered 408 within its deadline, on a raw socket, and the connection closed', async () => {
    const before = await streamLength()
    const body = pageview(sites['shop.acme.test']!, 'https://shop.acme.test/slow')
    const answers = await Promise.all([stalledTrackRequest(server.port, 'content-length', body), stalledTrackRequest(server.port, 'chunked', body)])
    for (const answer of answers) {
      expect(answer.response).toMatch(/^HTTP\/1\.1 408 /)
      expect(answer.response).toMatch(/connection: close/i)
      expect(answer.response).toContain('"error":"The request body did not arrive within 5 s')
      expect(answer.ms).toBeGreaterThanOrEqual(BODY_DEADLINE_MS - 100)
      expect(answer.ms).toBeLessThan(BODY_DEADLINE_MS + 1_500)
    }
    expect(await streamLength()).toBe(before)
  })

  test('serves its Prometheus metrics behind the bearer token: what it accepted, refused and dropped, and the backlog', async () => {
    const metricsUrl = `${baseUrl}/api/analytics/metrics`
    expect((await fetch(metricsUrl)).status).toBe(401)
    const wrong = await fetch(metricsUrl, { headers: { authorization: 'Bearer nope' } })
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as { error: string }).error).toContain('not valid')

    const scrape = async () => {
      const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toContain('text/plain')
      return response.text()
    }
    const site = sites['shop.acme.test']!
    const accepted = `analytics_events_total{site="${String(site.id)}",tenant="${String(site.tenant)}",type="pageview"}`
    const before = await scrape()

    for (let index = 0; index < 2; index += 1) expect((await post(pageview(site, 'https://shop.acme.test/pricing'))).status).toBe(202)
    expect((await post(pageview('nope.example', 'https://nope.example/'))).status).toBe(404)
    expect((await post(pageview(site, 'https://shop.acme.test/'), { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' })).status).toBe(202)

    const after = await scrape()
    expect(seriesValue(after, accepted) - seriesValue(before, accepted)).toBe(2)
    const unknown = 'analytics_events_rejected_total{reason="unknown-site"}'
    expect(seriesValue(after, unknown) - seriesValue(before, unknown)).toBe(1)
    const bot = 'analytics_events_rejected_total{reason="bot"}'
    expect(seriesValue(after, bot) - seriesValue(before, bot)).toBe(1)
    // The backlog is the stream's length, as every instance reads it.
    expect(seriesValue(after, 'analytics_queue_pending')).toBe(await streamLength())
    expect(after).toContain('process_cpu_seconds_total')
    expect(after).not.toContain('198.51.100')
  })

  test('answers the CORS preflight of a tracked origin', async () => {
    const response = await fetch(`${baseUrl}/api/analytics/track`, {
      headers: { 'access-control-request-method': 'POST', origin: 'https://blog.acme.test' },
      method: 'OPTIONS',
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://blog.acme.test')
  })

  test('serves the tracker script, cacheable', async () => {
    const response = await fetch(`${baseUrl}/api/analytics/script.js`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/javascript; charset=utf-8')
    expect(await response.text()).toBe(TRACKER_SCRIPT)
    const etag = response.headers.get('etag')!
    const again = await fetch(`${baseUrl}/api/analytics/script.js`, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    // And the build with the optional features; nothing else under the prefix is a script.
    const full = await fetch(`${baseUrl}/api/analytics/script.full.js`)
    expect(full.status).toBe(200)
    expect(await full.text()).toBe(TRACKER_FULL_SCRIPT)
    expect((await fetch(`${baseUrl}/api/analytics/script.other.js`)).status).toBe(404)
  })

  test('reports health and answers 404 JSON elsewhere', async () => {
    const health = await fetch(`${baseUrl}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ redis: 'ready', sites: Object.keys(sites).length, status: 'ok' })
    const missing = await fetch(`${baseUrl}/api/analytics/nothing`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ error: 'Not found' })
  })

  test('a site added in Payload afterwards is trackable within a second', async () => {
    const domain = `new-${randomBytes(3).toString('hex')}.test`
    const before = await post(pageview(domain, `https://${domain}/`))
    expect(before.status).toBe(404)

    await payload.create({ collection: 'sites', data: { domain, name: 'Added later', tenant: sites['globex.test']!.tenant } })
    const created = Date.now()
    let status = 0
    while (Date.now() - created < 1_000) {
      status = (await post(pageview(domain, `https://${domain}/welcome`))).status
      if (status === 202) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(status).toBe(202)
    expect(Date.now() - created).toBeLessThan(1_000)
    expect(await lastEvent()).toMatchObject({ hostname: domain, path: '/welcome' })
  })

  test('warns clearly when it knows no site', async () => {
    const lonely: string[] = []
    const empty = await startIngestServer({
      host: '127.0.0.1',
      keyPrefix: `${keyPrefix}empty:`,
      logger: { error: () => undefined, info: () => undefined, warn: (message) => lonely.push(message) },
      port: 0,
      redisUrl: inject('redisUrl'),
    })
    await empty.close()
    expect(lonely.join('\n')).toMatch(/knows 0 sites.*Start the Payload app once so it publishes the sites/s)
  })
})

describe('the payload-analytics command', () => {
  test('`ingest` serves events and exits 0 on SIGTERM', async () => {
    const port = await freePort()
    // node_modules/.bin/tsx is what `npx tsx` runs; without npm in between, the signal and
    // the exit code are the CLI's own.
    const child: ChildProcess = spawn(
      path.join(root, 'node_modules/.bin/tsx'),
      ['src/cli/index.ts', 'ingest', '--port', String(port), '--host', '127.0.0.1', '--redis-url', inject('redisUrl'), '--key-prefix', keyPrefix],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<null | number>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const deadline = Date.now() + 30_000
      while (!output.includes('listening on')) {
        if (child.exitCode !== null) throw new Error(`the CLI exited early:\n${output}`)
        if (Date.now() > deadline) throw new Error(`the CLI did not listen within 30 s:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(output).toContain(`knows ${server.sites.size} sites`)

      const before = await streamLength()
      const site = sites['blog.acme.test']!
      const response = await post(pageview(site, 'https://blog.acme.test/hello'), {}, `http://127.0.0.1:${port}/api/analytics/track`)
      expect(response.status).toBe(202)
      expect(await streamLength()).toBe(before + 1)
      expect(await lastEvent()).toMatchObject({ path: '/hello', siteId: site.id })
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM')
    }
    expect(await exited, output).toBe(0)
    expect(output).toContain('stopped')
  })

  test('bad flags exit 2 with a clear message', async () => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/cli/index.ts', 'ingest', '--port', 'eighty', '--redis-url', 'redis://127.0.0.1:1'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<null | number>((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain('--port must be a whole number, got "eighty"')
    expect(stderr).toContain("Run 'payload-analytics ingest --help' for usage.")
  })
})
