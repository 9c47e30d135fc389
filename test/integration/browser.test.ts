/**
 * The tracker in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) loads a tenant page served from another origin than the Payload API,
 * with the script tag a site owner would paste. Events must reach the Redis buffer through
 * the real endpoint; with the visitor's opt-out set, none may.
 */
import type { Browser, BrowserContext, Page, Request as BrowserRequest } from 'playwright-core'
import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { DemoSite } from '../helpers/fixtures.js'
import type { HttpHandle } from '../helpers/httpServer.js'

import type { RedisHandle } from '../../scripts/services.js'
import type { IngestServer } from '../../src/ingest/standaloneServer.js'

import { freePort, startRedis } from '../../scripts/services.js'
import { RedisSiteSync, SiteDirectory } from '../../src/ingest/siteDirectory.js'
import { startIngestServer } from '../../src/ingest/standaloneServer.js'
import { analyticsScriptTag } from '../../src/snippet.js'
import { TRACKER_STUB } from '../../src/tracker/stub.js'
import { demoSites } from '../helpers/fixtures.js'
import { listen, serveRestApi } from '../helpers/httpServer.js'
import { bootPayload } from '../helpers/payload.js'
import { streamEvents } from '../helpers/stream.js'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const SCREENSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../screenshots/tracker-page.png')
const TRACK_PATH = '/api/analytics/track'

const keyPrefix = `t${randomBytes(4).toString('hex')}:`
let payload: Payload | undefined
let redis: Redis | undefined
let api: HttpHandle | undefined
let tenantSite: HttpHandle | undefined
let launching: Promise<Browser> | undefined
let context: BrowserContext
let site: DemoSite
let blog: DemoSite
/**
 * Every request the browser made to the track endpoint, in order; engagement reports (sent
 * whenever a page is left, also by closing it) are left out: they have tests of their own.
 */
const trackRequests: BrowserRequest[] = []
/** Every track request (engagement left out) as the endpoint received it, with its answer. */
const received: Array<{ dropped: null | string; headers: Headers; status: number }> = []
const isEngagement = (body: null | string | undefined) => body?.includes('"t":"engagement"') ?? false
/** Pages of the tenant's server beyond the shop and the blog, by path. */
const extraPages = new Map<string, string>()

/** A small SPA of the tenant: links navigate with pushState; every path serves the same page. */
const tenantPage = (scriptTag: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Acme Shop</title>
<script>${TRACKER_STUB}</script>
${scriptTag}
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 3rem auto; max-width: 40rem; color: #1d2433 }
  nav a { margin-right: 1rem }
  button { font: inherit; padding: .5rem 1rem; margin: 1rem .5rem 0 0; border-radius: .4rem; border: 1px solid #8a94a6; background: #fff }
  #signup { background: #1d4ed8; color: #fff; border-color: #1d4ed8 }
  code { background: #eef1f6; padding: 0 .25rem }
</style>
</head>
<body>
<h1>Acme Shop</h1>
<nav><a id="to-home" href="/">Home</a><a id="to-pricing" href="/pricing">Pricing</a></nav>
<p>You are on <code id="where"></code>. This page is served from another origin than the CMS and tracked by its script tag.</p>
<button id="signup">Start a Pro trial</button>
<button id="opt-out">Don't count my visits</button>
<script>
  const show = () => { document.getElementById('where').textContent = location.pathname }
  show()
  for (const link of document.querySelectorAll('nav a')) {
    link.addEventListener('click', (event) => {
      event.preventDefault()
      history.pushState({}, '', link.getAttribute('href'))
      show()
    })
  }
  addEventListener('popstate', show)
  document.getElementById('signup').addEventListener('click', () => analytics.track('lead.created', { plan: 'pro' }))
  document.getElementById('opt-out').addEventListener('click', () => analytics.optOut())
</script>
</body>
</html>`

/**
 * The tenants' web server: the shop's page on every path, the blog's (another site, which
 * does not count automated browsers) under /blog/, and a page without the tracker on /blank.
 */
async function serveTenantSite(tags: { blog: string; shop: string }): Promise<HttpHandle> {
  const port = await freePort()
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return void res.writeHead(404).end()
    const extra = [...extraPages].find(([prefix]) => req.url?.startsWith(prefix))?.[1]
    const html =
      extra ??
      (req.url === '/blank'
        ? '<!doctype html><title>blank</title><p>No tracker here.</p>'
        : tenantPage(req.url?.startsWith('/blog/') ? tags.blog : tags.shop))
    res.writeHead(200, { 'cache-control': 'no-store', 'content-type': 'text/html; charset=utf-8' }).end(html)
  })
  // `localhost` is an allowed hostname for every demo site (the dev config's defaults), and
  // a different origin from the API on 127.0.0.1.
  return listen(server, port, '127.0.0.1', `http://localhost:${port}`)
}

/** Events of this page's site and hostname in the buffer, oldest first (engagement reports with `engagement`). */
const pageEvents = async (engagement = false): Promise<AnalyticsEvent[]> =>
  (await streamEvents(redis!, keyPrefix)).filter(
    (event) => event.siteId === site.id && event.hostname === 'localhost' && (event.type === 'engagement') === engagement,
  )

/** Poll the buffer until it holds `count` events of the page, or fail with what it holds. */
async function waitForEvents(count: number, timeoutMs = 5_000): Promise<AnalyticsEvent[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const events = await pageEvents()
    if (events.length >= count) return events
    if (Date.now() > deadline) {
      throw new Error(`expected ${count} events in the buffer within ${timeoutMs} ms, found ${events.length}: ${JSON.stringify(events.map((e) => [e.type, e.path]))}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Track requests the browser made and the endpoint answered, engagement included. */
const trackCalls = { answered: 0, made: 0 }

/**
 * Let anything the page still has to send go out: every track request it made answered,
 * then a little more. (Not "network idle": Chromium reports keepalive fetches, as the
 * tracker sends, to the page's network tracking as never finishing.)
 */
async function settle(page: Page): Promise<void> {
  await page.waitForTimeout(300)
  await expect.poll(() => trackCalls.answered >= trackCalls.made, { timeout: 5_000 }).toBe(true)
  await page.waitForTimeout(300)
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser test needs Debian's chromium: \`apt-get install chromium\` ` +
        '(.ci/run installs it), or set CHROMIUM_PATH. It is never skipped.',
    )
  }
  // Chromium starts while Payload boots.
  launching = chromium.launch({
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    executablePath: CHROMIUM,
  })
  payload = await bootPayload({ analytics: { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') } })
  redis = new Redis(inject('redisUrl'))
  const sites = await demoSites(payload)
  site = sites['shop.acme.test']!
  blog = sites['blog.acme.test']!
  // Headless Chromium says so in its user-agent; the server drops automation unless the site counts it.
  await payload.create({ collection: 'analytics-settings', data: { scope: 'site', site: site.id, trackAutomation: 'on' } })

  api = await serveRestApi(payload, {
    observe: (request, response) => {
      if (new URL(request.url).pathname !== TRACK_PATH) return
      trackCalls.answered++
      const entry = { dropped: response.headers.get('x-analytics-dropped'), headers: request.headers, status: response.status }
      // In arrival order; an engagement report taken out again once its body is read.
      received.push(entry)
      void request.text().then((body) => isEngagement(body) && received.splice(received.indexOf(entry), 1))
    },
  })
  const tag = (id: number | string) => analyticsScriptTag({ origin: api!.url, site: id, trackAutomation: true })
  tenantSite = await serveTenantSite({ blog: tag(blog.id), shop: tag(site.id) })
  context = await (await launching).newContext()
  context.on('request', (request) => {
    if (request.url().startsWith(`${api!.url}${TRACK_PATH}`)) trackCalls.made++
    if (new URL(request.url()).pathname === TRACK_PATH && !isEngagement(request.postData())) trackRequests.push(request)
  })
})

afterAll(async () => {
  // Also when the boot failed: a browser that did start is closed, not left running.
  await (await launching?.catch(() => undefined))?.close()
  await tenantSite?.close()
  await api?.close()
  redis?.disconnect()
  await payload?.destroy()
})

describe('the tracker in headless Chromium, on a page of another origin', () => {
  test('the API and the page are on different origins, and the page carries the script tag', async () => {
    expect(new URL(api!.url).origin).not.toBe(new URL(tenantSite!.url).origin)
    const html = await (await fetch(tenantSite!.url)).text()
    expect(html).toContain(`<script defer data-site="${site.id}" data-track-automation="true" src="${api!.url}/api/analytics/script.js"></script>`)
  })

  test('a pageview on load, another on pushState, a custom event with props, and one on popstate: one visitor, one session', async () => {
    const page = await context.newPage()
    await page.goto(`${tenantSite!.url}/`)
    const [landing] = await waitForEvents(1)
    expect(landing).toMatchObject({ browser: 'Chrome', device: 'desktop', hostname: 'localhost', path: '/', siteId: site.id, tenantId: site.tenant, type: 'pageview' })

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT })

    await page.click('#to-pricing')
    expect(await page.evaluate(() => location.pathname)).toBe('/pricing')
    const pricing = (await waitForEvents(2))[1]!
    expect(pricing).toMatchObject({ path: '/pricing', type: 'pageview' })

    // Storing state under the same URL is not a navigation.
    await page.evaluate(() => history.replaceState({ step: 1 }, '', location.href))

    await page.click('#signup')
    const lead = (await waitForEvents(3))[2]!
    expect(lead).toMatchObject({ path: '/pricing', props: { plan: 'pro' }, type: 'lead.created' })

    await page.goBack()
    const back = (await waitForEvents(4))[3]!
    expect(back).toMatchObject({ path: '/', type: 'pageview' })

    await settle(page)
    const events = await pageEvents()
    expect(events.map((event) => [event.type, event.path])).toEqual([
      ['pageview', '/'],
      ['pageview', '/pricing'],
      ['lead.created', '/pricing'],
      ['pageview', '/'],
    ])
    expect(events[0]!.visitorHash).toMatch(/^[\w-]{22}$/)
    expect(events[0]!.sessionId).toBeTruthy()
    for (const event of events) {
      expect(event.visitorHash).toBe(events[0]!.visitorHash)
      expect(event.sessionId).toBe(events[0]!.sessionId)
    }

    // Every event went out as one simple cross-origin request (fetch, keepalive) with no cookie, and was accepted.
    expect(trackRequests.map((request) => [request.method(), request.resourceType()])).toEqual(Array(4).fill(['POST', 'fetch']))
    expect(received).toHaveLength(4)
    for (const { headers, status } of received) {
      expect(status).toBe(202)
      expect(headers.get('cookie')).toBeNull()
      expect(headers.get('content-type')).toMatch(/^text\/plain/)
      expect(headers.get('origin')).toBe(tenantSite!.url)
      expect(headers.get('user-agent')).toMatch(/HeadlessChrome/)
    }
    // Nothing stored on the device: no identifier in storage, no cookie.
    expect(await page.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage), document.cookie])).toEqual([[], [], ''])
    await page.close()
  })

  test('with the opt-out flag set on the device, nothing is sent and nothing is buffered', async () => {
    const page = await context.newPage()
    const requestsBefore = trackRequests.length
    const receivedBefore = received.length
    const eventsBefore = (await pageEvents()).length

    // The documented flag, set before the tracker loads (a page of the same origin without the tracker).
    await page.goto(`${tenantSite!.url}/blank`)
    await page.evaluate(() => localStorage.setItem('analytics_ignore', 'true'))
    await page.goto(`${tenantSite!.url}/`)
    await page.reload()
    await page.click('#to-pricing')
    await page.click('#signup')
    await page.evaluate(() => window.analytics!.track!('lead.created', { plan: 'pro' }))
    await settle(page)
    expect(trackRequests.length - requestsBefore).toBe(0)
    expect(received.length - receivedBefore).toBe(0)
    expect(await pageEvents()).toHaveLength(eventsBefore)

    // Opting in again sends at once: the page was live all along, so the silence above was the opt-out.
    await page.evaluate(() => window.analytics!.optIn!())
    await page.click('#to-home')
    const [optedIn] = (await waitForEvents(eventsBefore + 1)).slice(eventsBefore)
    expect(optedIn).toMatchObject({ path: '/', type: 'pageview' })

    // And `analytics.optOut()` (here behind the page's own button) stops it again.
    await page.click('#opt-out')
    expect(await page.evaluate(() => localStorage.getItem('analytics_ignore'))).toBe('true')
    const afterOptOut = [trackRequests.length, received.length]
    await page.click('#to-pricing')
    await page.click('#signup')
    await settle(page)
    expect([trackRequests.length, received.length]).toEqual(afterOptOut)
    expect(await pageEvents()).toHaveLength(eventsBefore + 1)
    await page.evaluate(() => window.analytics!.optIn!())
    await page.close()
  })

  test('a site that does not count automated browsers drops the visit on the server, even when the tag opts in', async () => {
    const page = await context.newPage()
    const receivedBefore = received.length
    await page.goto(`${tenantSite!.url}/blog/post`)
    await expect.poll(() => received.length - receivedBefore, { timeout: 5_000 }).toBe(1)
    expect(received.at(-1)).toMatchObject({ dropped: 'automation', status: 202 })
    const buffered = (await streamEvents(redis!, keyPrefix)).filter((event) => event.siteId === blog.id)
    expect(buffered).toEqual([])
    await page.close()
  })

  test('the script neither sends nor sets cookies: the browser holds none for either origin', async () => {
    const script = await fetch(`${api!.url}/api/analytics/script.js`)
    expect(script.status).toBe(200)
    expect(script.headers.get('set-cookie')).toBeNull()
    expect(await context.cookies()).toEqual([])
    expect(trackRequests.length).toBeGreaterThan(0)
  })
})

/** A page of the tenant: `scriptTag`, then `body`; navigation away by links is prevented (the click is what counts). */
const extraPage = (scriptTag: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme</title>${scriptTag}</head>
<body style="margin:0">${body}
<script>document.addEventListener('click', (event) => event.preventDefault())</script>
</body></html>`

/** A long article: 10,000 px of text in a 720 px window. */
const LONG_ARTICLE = '<article style="height:10000px;background:linear-gradient(#fff,#cde)"><h1>A long read</h1></article>'

/** Pretends the tab went to the background and back (headless Chromium keeps every tab visible). */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((hide) => {
    if (hide) {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
    } else {
      // The document's own properties go; the real (visible) ones show through again.
      Reflect.deleteProperty(document, 'hidden')
      Reflect.deleteProperty(document, 'visibilityState')
    }
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)

/** Poll the buffer for the engagement reports of a path until `done` holds, or fail with what it holds. */
async function waitForEngagement(path: string, done: (events: AnalyticsEvent[]) => boolean, timeoutMs = 5_000): Promise<AnalyticsEvent[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const events = (await pageEvents(true)).filter((event) => event.path === path)
    if (done(events)) return events
    if (Date.now() > deadline) throw new Error(`engagement of ${path}: ${JSON.stringify(events.map((e) => [e.value, e.props]))}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('engagement and the optional features in headless Chromium', () => {
  const fullTag = (attributes: string) =>
    `<script defer data-site="${site.id}" data-track-automation="true" ${attributes} src="${api!.url}/api/analytics/script.full.js"></script>`
  const links = '<a id="out" href="https://example.org/elsewhere">Elsewhere</a> <a id="dl" href="/files/report.pdf">Report</a>'

  test('an outbound click and a download are recorded only when their attributes are on, with the URL as a prop', async () => {
    extraPages.set('/features/on', extraPage(fullTag('data-outbound data-downloads'), links))
    extraPages.set('/features/off', extraPage(fullTag(''), links))
    extraPages.set('/features/default', extraPage(analyticsScriptTag({ origin: api!.url, site: site.id, trackAutomation: true }).replace('<script ', '<script data-outbound data-downloads '), links))
    const clicked = async (path: string) => {
      const before = (await pageEvents()).length
      const page = await context.newPage()
      await page.goto(`${tenantSite!.url}${path}`)
      await waitForEvents(before + 1) // its pageview
      await page.click('#out')
      await page.click('#dl')
      await settle(page)
      await page.close()
      return (await pageEvents()).slice(before).filter((event) => event.path === path && event.type !== 'pageview')
    }
    expect(await clicked('/features/off')).toEqual([])
    expect(await clicked('/features/default')).toEqual([])
    const on = await clicked('/features/on')
    expect(on.map((event) => [event.type, event.props])).toEqual([
      ['Outbound Link: Click', { url: 'https://example.org/elsewhere' }],
      ['File Download', { url: `${tenantSite!.url}/files/report.pdf` }],
    ])
  })

  test('time while the tab is hidden is not counted', async () => {
    extraPages.set('/hidden-read', extraPage(analyticsScriptTag({ origin: api!.url, site: site.id, trackAutomation: true }), LONG_ARTICLE))
    const page = await context.newPage()
    const before = (await pageEvents()).length
    const started = Date.now()
    await page.goto(`${tenantSite!.url}/hidden-read`)
    await waitForEvents(before + 1)
    await page.waitForTimeout(2000)
    await setHidden(page, true) // ≈ 2 s read: reported now
    const [first] = await waitForEngagement('/hidden-read', (events) => events.length === 1)
    await page.waitForTimeout(4000) // in the background
    await setHidden(page, false)
    await page.waitForTimeout(3500)
    await page.evaluate(() => history.pushState({}, '', '/hidden-read/next')) // ≈ 3.5 s more: reported
    const reports = await waitForEngagement('/hidden-read', (events) => events.length === 2)
    const wall = (Date.now() - started) / 1000
    const engaged = reports.reduce((sum, event) => sum + (event.value ?? 0), 0)
    expect(first!.value).toBeGreaterThan(1.5)
    expect(first!.value).toBeLessThan(3)
    expect(wall).toBeGreaterThan(9.5)
    expect(engaged).toBeGreaterThan(5)
    expect(engaged).toBeLessThan(6.5)
    await page.close()
  })

  test('a pageview refused while Redis is down (2 s) is delivered when it is back', async () => {
    const outagePrefix = `o${randomBytes(4).toString('hex')}:`
    // Append-only, so the sites published to it are there again after the restart (the
    // ingest server reloads its sites from Redis when it reconnects).
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-outage-'))
    let redisServer: RedisHandle | undefined = await startRedis({ appendonly: true, dataDir })
    let ingest: IngestServer | undefined
    let client: Redis | undefined
    const page = await context.newPage()
    try {
      client = new Redis(redisServer.url)
      await new RedisSiteSync(client, new SiteDirectory(), { keyPrefix: outagePrefix }).publish([payload!.analytics!.sites.get(String(site.id))!], { complete: true })
      client.disconnect()
      ingest = await startIngestServer({
        host: '127.0.0.1',
        keyPrefix: outagePrefix,
        logger: { error: () => {}, info: () => {}, warn: () => {} },
        port: 0,
        redisUrl: redisServer.url,
      })
      expect(ingest.sites.get(String(site.id))).toBeDefined()
      const ingestUrl = `http://127.0.0.1:${ingest.port}`
      const tag = analyticsScriptTag({ origin: api!.url, site: site.id, trackAutomation: true }).replace('<script ', `<script data-api="${ingestUrl}/api/analytics/track" `)
      extraPages.set('/outage', extraPage(tag, '<p>Tracked while Redis is down.</p>'))
      const answers: number[] = []
      page.on('response', (response) => {
        if (response.url().startsWith(ingestUrl)) answers.push(response.status())
      })

      const port = redisServer.port
      await redisServer.stop()
      redisServer = undefined
      const down = Date.now()
      await page.goto(`${tenantSite!.url}/outage`)
      await expect.poll(() => answers, { timeout: 5_000 }).toEqual([503])
      await page.waitForTimeout(Math.max(0, 2000 - (Date.now() - down)))
      redisServer = await startRedis({ appendonly: true, dataDir, port })

      client = new Redis(redisServer.url)
      let delivered: AnalyticsEvent[] = []
      await expect
        .poll(
          async () => {
            delivered = (await streamEvents(client!, outagePrefix)).filter((event) => event.type === 'pageview')
            return delivered.length
          },
          { interval: 100, timeout: 10_000 },
        )
        .toBe(1)
        .catch((error: Error) => {
          throw new Error(`${error.message}; the ingest server answered ${JSON.stringify(answers)}`)
        })
      expect(delivered[0]).toMatchObject({ hostname: 'localhost', path: '/outage', siteId: site.id })
      // Refused first, then retried by the tracker until accepted.
      expect(answers[0]).toBe(503)
      // The event is in the stream before its 202 reaches the page (under load, a moment later).
      await expect.poll(() => answers.at(-1), { timeout: 5_000 }).toBe(202)
      expect(answers.length).toBeLessThanOrEqual(3)
      expect(await page.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage), document.cookie])).toEqual([[], [], ''])
    } finally {
      await page.close()
      client?.disconnect()
      await ingest?.close()
      await redisServer?.stop()
      rmSync(dataDir, { force: true, recursive: true })
    }
  })

  // Last: the aggregation moves the buffered events of the tests above into Postgres.
  test('scrolled to half and read for 5 s, then left by pushState: scroll depth 45–55 %, time on page 4–6 s', async () => {
    extraPages.set('/long', extraPage(analyticsScriptTag({ origin: api!.url, site: site.id, trackAutomation: true }), LONG_ARTICLE))
    const page = await context.newPage()
    const before = (await pageEvents()).length
    await page.goto(`${tenantSite!.url}/long`)
    await waitForEvents(before + 1)
    // The bottom of the window at half of the document.
    await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight / 2 - innerHeight))
    await page.waitForTimeout(5000)
    await page.evaluate(() => history.pushState({}, '', '/long/next'))
    const [report] = await waitForEngagement('/long', (events) => events.length === 1)
    expect(report!.props!.scrollDepth).toBeGreaterThanOrEqual(45)
    expect(report!.props!.scrollDepth).toBeLessThanOrEqual(55)
    expect(report!.value).toBeGreaterThanOrEqual(4)
    expect(report!.value).toBeLessThanOrEqual(6)
    // The same visit: the report joins the pageview's session.
    const [pageview] = (await pageEvents()).filter((event) => event.path === '/long')
    expect(report!.sessionId).toBe(pageview!.sessionId)
    await page.close()

    await payload!.analytics!.aggregateNow()
    const stats = await payload!.analytics!.stats.getStats({ breakdowns: ['pages'], limit: 1000, range: 'today', siteIds: [site.id] }, { overrideAccess: true })
    const long = stats.breakdowns.pages!.find((row) => row.key === '/long')!
    expect(long.scrollDepth).toBeGreaterThanOrEqual(45)
    expect(long.scrollDepth).toBeLessThanOrEqual(55)
    expect(long.timeOnPage).toBeGreaterThanOrEqual(4)
    expect(long.timeOnPage).toBeLessThanOrEqual(6)
  })
})

declare global {
  interface Window {
    analytics?: { optIn?: () => void; optOut?: () => void; track?: (name: string, props?: Record<string, unknown>) => void }
  }
}
