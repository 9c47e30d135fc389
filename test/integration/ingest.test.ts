import type { Payload, TextareaField } from 'payload'

import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { inject } from 'vitest'

import type { DemoSite } from '../helpers/fixtures.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { BODY_DEADLINE_MS } from '../../src/ingest/trackHandler.js'
import { AnalyticsInputError } from '../../src/runtime.js'
import { SNIPPET_ORIGIN_WARNING } from '../../src/snippet.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest } from '../helpers/rest.js'
import { streamEvents, streamRaw } from '../helpers/stream.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'

const keyPrefix = `t${randomBytes(4).toString('hex')}:`
let payload: Payload
let redis: Redis
let sites: Record<string, DemoSite>
let ipCounter = 1

/** A fresh client per call: another /24, so per-client rate limits and sessions do not interfere. */
const newIp = () => `10.${Math.floor(ipCounter / 250)}.${ipCounter++ % 250}.1`

const track = (
  body: unknown,
  options: { headers?: Record<string, string>; ip?: string; raw?: string | Uint8Array; ua?: string } = {},
) =>
  rawRequest(payload, 'POST', '/analytics/track', {
    body: options.raw ?? JSON.stringify(body),
    headers: {
      'content-type': 'text/plain',
      'user-agent': options.ua ?? CHROME,
      'x-forwarded-for': options.ip ?? '203.0.113.10',
      ...options.headers,
    },
  })

const pageview = (site: DemoSite, url = `https://${site.domain}/pricing`, extra: Record<string, unknown> = {}) => ({
  s: String(site.id),
  t: 'pageview',
  u: url,
  w: 1280,
  ...extra,
})

const streamLength = () => redis.xlen(`${keyPrefix}{events}`)

beforeAll(async () => {
  payload = await bootPayload({
    analytics: {
      defaults: { allowedHostnames: ['localhost'] },
      ingest: { countryHeaders: ['cf-ipcountry'], rateLimits: { perClient: { limit: 20, windowSeconds: 60 } }, trustProxy: 1 },
      redisKeyPrefix: keyPrefix,
      redisUrl: inject('redisUrl'),
    },
  })
  redis = new Redis(inject('redisUrl'))
  sites = await demoSites(payload)
})

afterAll(async () => {
  redis?.disconnect()
  await payload?.destroy()
})

describe('an accepted pageview', () => {
  test('is answered 202 and buffered with every enrichment field, and no IP or user-agent', async () => {
    const site = sites['shop.acme.test']!
    const before = await streamLength()
    const response = await track(
      pageview(site, `https://www.shop.acme.test/pricing/?utm_source=newsletter&utm_medium=email&utm_campaign=launch&utm_term=crm&utm_content=hero#top`, {
        r: 'https://www.google.de/',
        w: 390,
      }),
      { headers: { 'cf-ipcountry': 'de' }, ip: '203.0.113.77', ua: IPHONE },
    )
    expect(response.status).toBe(202)
    expect(await streamLength()).toBe(before + 1)

    const event = (await streamEvents(redis, keyPrefix)).at(-1)!
    expect(event).toMatchObject({
      browser: 'Safari',
      country: 'DE',
      device: 'mobile',
      hostname: 'www.shop.acme.test',
      os: 'iOS',
      path: '/pricing',
      screen: 'mobile',
      siteId: site.id,
      source: 'newsletter',
      tenantId: site.tenant,
      type: 'pageview',
      utmCampaign: 'launch',
      utmContent: 'hero',
      utmMedium: 'email',
      utmSource: 'newsletter',
      utmTerm: 'crm',
    })
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/)
    expect(event.visitorHash).toMatch(/^[\w-]{22}$/)
    expect(event.sessionId).toBeTruthy()
    expect(Math.abs(Date.parse(event.timestamp) - Date.now())).toBeLessThan(10_000)

    const raw = await streamRaw(redis, keyPrefix)
    for (const secret of ['203.0.113.77', '203.0.113', 'iPhone OS 17_5', 'AppleWebKit']) expect(raw).not.toContain(secret)
    const keys = await redis.keys(`${keyPrefix}*`)
    expect(keys.join(' ')).not.toContain('203.0.113')
  })

  test('the referrer decides the source when there are no UTM tags; self-referrals are direct', async () => {
    const site = sites['shop.acme.test']!
    const ip = newIp()
    await track(pageview(site, `https://shop.acme.test/a`, { r: 'https://news.ycombinator.com/item?id=1' }), { ip })
    await track(pageview(site, `https://shop.acme.test/b`, { r: 'https://shop.acme.test/a' }), { ip })
    const [first, second] = (await streamEvents(redis, keyPrefix)).slice(-2)
    expect(first!.source).toBe('Hacker News')
    expect(second!.source).toBeNull()
  })

  test('a custom event keeps its props and value', async () => {
    const site = sites['shop.acme.test']!
    const response = await track({ p: { plan: 'pro', seats: 3 }, s: String(site.id), t: 'lead.created', u: 'https://shop.acme.test/signup', v: 49.5 }, { ip: newIp() })
    expect(response.status).toBe(202)
    const event = (await streamEvents(redis, keyPrefix)).at(-1)!
    expect(event).toMatchObject({ props: { plan: 'pro', seats: 3 }, type: 'lead.created', value: 49.5 })
  })

  test('an engagement joins the visit of its pageview, with its seconds as value and its scroll depth as prop', async () => {
    const site = sites['shop.acme.test']!
    const ip = newIp()
    expect((await track(pageview(site, 'https://shop.acme.test/guide'), { ip })).status).toBe(202)
    const response = await track({ d: 62, e: 8125, s: String(site.id), t: 'engagement', u: 'https://shop.acme.test/guide' }, { ip })
    expect(response.status).toBe(202)
    const [view, engagement] = (await streamEvents(redis, keyPrefix)).slice(-2)
    expect(engagement).toMatchObject({ path: '/guide', props: { scrollDepth: 62 }, sessionId: view!.sessionId, type: 'engagement', value: 8.125 })
  })

  test('a site may be named by its domain in the script tag', async () => {
    const response = await track({ s: 'blog.acme.test', t: 'pageview', u: 'https://blog.acme.test/' }, { ip: newIp() })
    expect(response.status).toBe(202)
    expect((await streamEvents(redis, keyPrefix)).at(-1)!.siteId).toBe(sites['blog.acme.test']!.id)
  })
})

describe('visitors and sessions', () => {
  test('the same visitor keeps one hash and one session; another user-agent is another visitor', async () => {
    const site = sites['shop.acme.test']!
    const ip = newIp()
    await track(pageview(site, 'https://shop.acme.test/1'), { ip })
    await track(pageview(site, 'https://shop.acme.test/2'), { ip })
    await track(pageview(site, 'https://shop.acme.test/3'), { ip, ua: IPHONE })
    const [a, b, c] = (await streamEvents(redis, keyPrefix)).slice(-3)
    expect(b!.visitorHash).toBe(a!.visitorHash)
    expect(b!.sessionId).toBe(a!.sessionId)
    expect(c!.visitorHash).not.toBe(a!.visitorHash)
    expect(c!.sessionId).not.toBe(a!.sessionId)
  })

  test('addresses in the same /24 are the same anonymised client (the IP is never used whole)', async () => {
    const site = sites['shop.acme.test']!
    await track(pageview(site), { ip: '192.0.2.10' })
    await track(pageview(site), { ip: '192.0.2.200' })
    const [a, b] = (await streamEvents(redis, keyPrefix)).slice(-2)
    expect(a!.visitorHash).toBe(b!.visitorHash)
  })

  test('a session ends after 30 idle minutes: its key expires in Redis, and the next event starts a new one', async () => {
    const site = sites['shop.acme.test']!
    const ip = newIp()
    await track(pageview(site), { ip })
    const first = (await streamEvents(redis, keyPrefix)).at(-1)!
    const sessionKey = `${keyPrefix}{events}:session:${site.id}:${first.visitorHash}`
    const ttl = await redis.ttl(sessionKey)
    expect(ttl).toBeGreaterThan(1790)
    expect(ttl).toBeLessThanOrEqual(1800)

    await track(pageview(site), { ip })
    expect((await streamEvents(redis, keyPrefix)).at(-1)!.sessionId).toBe(first.sessionId)

    // 30 minutes pass without an event.
    await redis.pexpire(sessionKey, 1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    await track(pageview(site), { ip })
    const third = (await streamEvents(redis, keyPrefix)).at(-1)!
    expect(third.visitorHash).toBe(first.visitorHash)
    expect(third.sessionId).not.toBe(first.sessionId)
  })

  test('the salt rotates at midnight UTC: the same visitor gets another hash the next day', async () => {
    const site = sites['globex.test']!
    const ip = newIp()
    // Midday, so the handler needs no previous day's salt for visits crossing midnight.
    const noon = Date.UTC(2030, 5, 1, 12)
    vi.useFakeTimers({ now: noon, toFake: ['Date'] })
    try {
      await track(pageview(site, 'https://globex.test/'), { ip })
      vi.setSystemTime(noon + 24 * 60 * 60 * 1000)
      await track(pageview(site, 'https://globex.test/'), { ip })
    } finally {
      vi.useRealTimers()
    }
    const [today, tomorrow] = (await streamEvents(redis, keyPrefix)).slice(-2)
    expect(tomorrow!.visitorHash).not.toBe(today!.visitorHash)
    for (const day of ['2030-06-01', '2030-06-02']) {
      const ttl = await redis.ttl(`${keyPrefix}salt:${day}`)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(48 * 3600)
    }
  })
})

describe('a visit across midnight UTC', () => {
  test('continues its session under the new day’s visitor hash', async () => {
    const site = sites['blog.acme.test']!
    const ip = newIp()
    const day = Date.UTC(2031, 0, 10)
    vi.useFakeTimers({ now: day - 5 * 60_000, toFake: ['Date'] })
    try {
      await track(pageview(site, 'https://blog.acme.test/late'), { ip })
      vi.setSystemTime(day + 10 * 60_000)
      await track(pageview(site, 'https://blog.acme.test/after-midnight'), { ip })
      vi.setSystemTime(day + 11 * 60_000)
      await track(pageview(site, 'https://blog.acme.test/still'), { ip })
    } finally {
      vi.useRealTimers()
    }
    const [before, after, later] = (await streamEvents(redis, keyPrefix)).slice(-3)
    expect(after!.visitorHash).not.toBe(before!.visitorHash)
    expect(after!.sessionId).toBe(before!.sessionId)
    expect(later!.sessionId).toBe(before!.sessionId)
  })
})

describe('refused and dropped requests leave the buffer unchanged', () => {
  const expectUnchanged = async (request: () => Promise<{ headers: Headers; status: number; body: Record<string, unknown> }>, status: number) => {
    const before = await streamLength()
    const response = await request()
    expect(response.status).toBe(status)
    expect(await streamLength()).toBe(before)
    return response
  }

  test('a body over 8 KB → 413', async () => {
    const site = sites['shop.acme.test']!
    const response = await expectUnchanged(() => track(pageview(site, `https://shop.acme.test/${'a'.repeat(9000)}`), { ip: newIp() }), 413)
    expect(response.body.error).toMatch(/too large/)
  })

  test('a body stream that never ends → 408 within the body deadline (Payload endpoint)', async () => {
    const never = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"s":"1","t":'))
      },
    })
    const started = Date.now()
    const response = await expectUnchanged(
      () => rawRequest(payload, 'POST', '/analytics/track', { body: never, headers: { 'content-type': 'text/plain', 'user-agent': CHROME, 'x-forwarded-for': newIp() } }),
      408,
    )
    expect(Date.now() - started).toBeLessThan(BODY_DEADLINE_MS + 1_500)
    expect(response.body.error).toMatch(/did not arrive within 5 s/)
  })

  test('not JSON, wrong types, unknown keys → 400 with a clear message', async () => {
    const site = sites['shop.acme.test']!
    const bad = await expectUnchanged(() => track(null, { raw: '{"s":', ip: newIp() }), 400)
    expect(bad.body.error).toMatch(/not valid JSON/)
    const typed = await expectUnchanged(() => track({ ...pageview(site), w: 'wide' }, { ip: newIp() }), 400)
    expect(typed.body.error).toMatch(/w/)
    await expectUnchanged(() => track({ ...pageview(site), extra: 1 }, { ip: newIp() }), 400)
    await expectUnchanged(() => track({ ...pageview(site), p: { nested: { a: 1 } } }, { ip: newIp() }), 400)
    await expectUnchanged(() => track(null, { raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), ip: newIp() }), 400)
  })

  test('an engagement with a scroll depth beyond 0–100, a day or more of engaged time, or without its figures → 400', async () => {
    const site = sites['shop.acme.test']!
    const engagement = { d: 50, e: 5000, s: String(site.id), t: 'engagement', u: 'https://shop.acme.test/' }
    const deep = await expectUnchanged(() => track({ ...engagement, d: 101 }, { ip: newIp() }), 400)
    expect(deep.body.error).toMatch(/d: must be a whole percentage from 0 to 100/)
    const long = await expectUnchanged(() => track({ ...engagement, e: 86_400_000 }, { ip: newIp() }), 400)
    expect(long.body.error).toMatch(/e: .*under one day/)
    await expectUnchanged(() => track({ ...engagement, d: undefined }, { ip: newIp() }), 400)
    await expectUnchanged(() => track({ ...pageview(site), e: 5000 }, { ip: newIp() }), 400)
  })

  test('an unknown site → 404', async () => {
    const response = await expectUnchanged(() => track({ s: '999999', t: 'pageview', u: 'https://shop.acme.test/' }, { ip: newIp() }), 404)
    expect(response.body.error).toMatch(/Unknown site/)
  })

  test('a hostname the site does not allow → 403', async () => {
    const response = await expectUnchanged(() => track(pageview(sites['shop.acme.test']!, 'https://evil.test/'), { ip: newIp() }), 403)
    expect(response.body.error).toMatch(/not allowed/)
    // Another tenant's domain is not this site's either.
    await expectUnchanged(() => track(pageview(sites['shop.acme.test']!, 'https://globex.test/'), { ip: newIp() }), 403)
  })

  test('a bot → 202 with x-analytics-dropped: bot', async () => {
    const response = await expectUnchanged(() => track(pageview(sites['shop.acme.test']!), { ip: newIp(), ua: GOOGLEBOT }), 202)
    expect(response.headers.get('x-analytics-dropped')).toBe('bot')
  })

  test('Do-Not-Track and Global Privacy Control → 202 dropped (the default setting honours them)', async () => {
    const site = sites['shop.acme.test']!
    expect((await expectUnchanged(() => track(pageview(site), { headers: { dnt: '1' }, ip: newIp() }), 202)).headers.get('x-analytics-dropped')).toBe('dnt')
    expect((await expectUnchanged(() => track(pageview(site), { headers: { 'sec-gpc': '1' }, ip: newIp() }), 202)).headers.get('x-analytics-dropped')).toBe('dnt')
  })

  test('settings changes apply at once: excluded paths are dropped, a disabled site → 403', async () => {
    const site = sites['globex.test']!
    const settings = await payload.create({
      collection: 'analytics-settings',
      data: { excludedPaths: ['/private/**'], scope: 'site', site: site.id },
    })
    const dropped = await expectUnchanged(() => track(pageview(site, 'https://globex.test/private/area'), { ip: newIp() }), 202)
    expect(dropped.headers.get('x-analytics-dropped')).toBe('excluded-path')

    await payload.update({ collection: 'analytics-settings', data: { trackingEnabled: 'off' }, id: settings.id })
    const disabled = await expectUnchanged(() => track(pageview(site, 'https://globex.test/'), { ip: newIp() }), 403)
    expect(disabled.body.error).toMatch(/disabled/)

    await payload.delete({ collection: 'analytics-settings', id: settings.id })
    expect((await track(pageview(site, 'https://globex.test/'), { ip: newIp() })).status).toBe(202)
  })

  test('more than the per-client limit → 429 with Retry-After', async () => {
    const site = sites['blog.acme.test']!
    const ip = newIp()
    for (let i = 0; i < 20; i++) expect((await track(pageview(site, 'https://blog.acme.test/'), { ip })).status).toBe(202)
    const limited = await expectUnchanged(() => track(pageview(site, 'https://blog.acme.test/'), { ip }), 429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // Another client is not affected.
    expect((await track(pageview(site, 'https://blog.acme.test/'), { ip: newIp() })).status).toBe(202)
  })

  test('a new X-Real-IP or CF-Connecting-IP per request does not escape the per-client limit (trustProxy: 1, no ipHeaders)', async () => {
    // A plain load balancer appends to X-Forwarded-For and passes other headers through: the
    // hop count must not make a client-chosen single-IP header the visitor's address.
    const site = sites['blog.acme.test']!
    const ip = newIp()
    const statuses: number[] = []
    for (let i = 0; i < 25; i++) {
      const spoof = { 'cf-connecting-ip': `198.51.${i}.9`, 'x-real-ip': `192.0.${i}.7` }
      statuses.push((await track(pageview(site, 'https://blog.acme.test/'), { headers: spoof, ip })).status)
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(20)
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429])
  })

  test('look-alike keys are stored as one: bidi override, zero-width, NFC/NFD; a 1,200-character referrer host gives no source', async () => {
    const site = sites['shop.acme.test']!
    const urls = [
      'https://shop.acme.test/caf%C3%A9?utm_source=Caf%C3%A9',
      'https://shop.acme.test/cafe%CC%81?utm_source=Cafe%CC%81',
      'https://shop.acme.test/%E2%80%AEcaf%E2%80%8B%C3%A9?utm_source=%E2%80%AECaf%C3%A9%E2%80%8B',
    ]
    const before = await streamLength()
    for (const url of urls) expect((await track(pageview(site, url), { ip: newIp() })).status).toBe(202)
    const long = await track(pageview(site, 'https://shop.acme.test/long', { r: `https://${'a'.repeat(1_200)}.example.org/` }), { ip: newIp() })
    expect(long.status).toBe(202)
    const events = (await streamEvents(redis, keyPrefix)).slice(before)
    expect(events).toHaveLength(4)
    expect(new Set(events.slice(0, 3).map((event) => event.path))).toEqual(new Set(['/caf\u00e9']))
    expect(new Set(events.slice(0, 3).map((event) => event.utmSource))).toEqual(new Set(['Caf\u00e9']))
    expect(events[3]).toMatchObject({ path: '/long', source: null })

    const page = await expectUnchanged(() => track(pageview(site, `https://${'a'.repeat(1_200)}.shop.acme.test/`), { ip: newIp() }), 400)
    expect(page.body.error).toMatch(/hostname of at most 253 characters/)
  })

  test('GET on the track endpoint → 405', async () => {
    const response = await rawRequest(payload, 'GET', '/analytics/track')
    expect([404, 405]).toContain(response.status)
    expect(response.status).toBeLessThan(500)
  })
})

describe('CORS and the script', () => {
  test('a preflight from a tracked site’s origin is allowed; from elsewhere refused', async () => {
    const ok = await rawRequest(payload, 'OPTIONS', '/analytics/track', {
      headers: { 'access-control-request-method': 'POST', origin: 'https://blog.acme.test' },
    })
    expect(ok.status).toBe(204)
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://blog.acme.test')
    const refused = await rawRequest(payload, 'OPTIONS', '/analytics/track', { headers: { origin: 'https://evil.test' } })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('an accepted event from the site’s origin carries its CORS header', async () => {
    const response = await track(pageview(sites['shop.acme.test']!), { headers: { origin: 'https://shop.acme.test' }, ip: newIp() })
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.acme.test')
  })

  test('GET /api/analytics/script.js serves the tracker, cacheable, under the 1 KB gzip budget', async () => {
    const response = await rawRequest(payload, 'GET', '/analytics/script.js')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/javascript/)
    expect(response.text).toContain('keepalive')
    const etag = response.headers.get('etag')!
    const cached = await rawRequest(payload, 'GET', '/analytics/script.js', { headers: { 'if-none-match': etag } })
    expect(cached.status).toBe(304)
  })

  test('GET /api/analytics/script.full.js serves the tracker with the optional features, with its own ETag', async () => {
    const full = await rawRequest(payload, 'GET', '/analytics/script.full.js')
    const standard = await rawRequest(payload, 'GET', '/analytics/script.js')
    expect(full.status).toBe(200)
    expect(full.headers.get('content-type')).toMatch(/javascript/)
    expect(full.text).toContain('Outbound Link: Click')
    expect(standard.text).not.toContain('Outbound Link: Click')
    expect(full.headers.get('etag')).not.toBe(standard.headers.get('etag'))
    expect((await rawRequest(payload, 'GET', '/analytics/script.full.js', { headers: { 'if-none-match': full.headers.get('etag')! } })).status).toBe(304)
  })

  test('a site document read over HTTP shows an absolute snippet from the request’s address, with a warning, when no origin is configured', async () => {
    const id = sites['globex.test']!.id
    const token = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
    // The admin behind a TLS-terminating proxy (which sets X-Forwarded-Proto), and directly.
    const read = async (headers: Record<string, string>) =>
      (await rawRequest(payload, 'GET', `/sites/${id}`, { headers: { authorization: `JWT ${token}`, ...headers } })).body.trackingSnippet
    expect(await read({ host: 'cms.example.test', 'x-forwarded-proto': 'https' })).toBe(
      `<script defer data-site="${id}" src="https://cms.example.test/api/analytics/script.js"></script>`,
    )
    expect(await read({ host: 'localhost:3000' })).toBe(`<script defer data-site="${id}" src="http://localhost:3000/api/analytics/script.js"></script>`)
    // A Host header that is no address does not make its way into the snippet.
    expect(await read({ host: 'evil.test/x?' })).toBe(`<script defer data-site="${id}" src="/api/analytics/script.js"></script>`)
    // Only the Local API without any request has no address to use.
    expect((await payload.findByID({ collection: 'sites', id })).trackingSnippet).toBe(`<script defer data-site="${id}" src="/api/analytics/script.js"></script>`)

    const field = payload.collections.sites!.config.fields.find((candidate) => 'name' in candidate && candidate.name === 'trackingSnippet') as TextareaField
    expect(field.admin?.description).toContain(SNIPPET_ORIGIN_WARNING)
  })
})

describe('server-side tracking', () => {
  test('payload.analytics.track buffers AI usage with its token count', async () => {
    const site = sites['globex.test']!
    const { eventId } = await payload.analytics!.track({ props: { model: 'm-1' }, siteId: site.id, type: 'ai.usage', value: 1830 })
    const event = (await streamEvents(redis, keyPrefix)).find((candidate) => candidate.eventId === eventId)!
    expect(event).toMatchObject({ siteId: site.id, tenantId: site.tenant, type: 'ai.usage', value: 1830, visitorHash: null })
  })

  test('bad server events are refused with a clear error and nothing buffered', async () => {
    const before = await streamLength()
    await expect(payload.analytics!.track({ siteId: 999999, type: 'automation.run' })).rejects.toThrow(AnalyticsInputError)
    await expect(payload.analytics!.track({ siteId: sites['globex.test']!.id, type: 'trailing space ' })).rejects.toThrow(/type/)
    await expect(
      payload.analytics!.track({ siteId: sites['globex.test']!.id, timestamp: new Date(Date.now() + 3600_000), type: 'export.completed' }),
    ).rejects.toThrow(/future/)
    expect(await streamLength()).toBe(before)
  })
})
