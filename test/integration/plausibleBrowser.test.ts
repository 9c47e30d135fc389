/**
 * Plausible's own trackers against the plugin, in headless Chromium (Debian's `chromium`,
 * driven by playwright-core) on a page of another origin: the official
 * `@plausible-analytics/tracker` and the legacy `plausible-tracker`, each configured with one
 * setting to send to the plugin's `/api/event`. Pageviews, SPA navigation, a custom event
 * with props and an engagement report reach the buffer, and once aggregated the stats equal
 * what the browser did.
 */
import type { Browser, BrowserContext } from 'playwright-core'
import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Redis } from 'ioredis'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { DemoSite } from '../helpers/fixtures.js'
import type { HttpHandle } from '../helpers/httpServer.js'

import { freePort } from '../../scripts/services.js'
import { demoSites } from '../helpers/fixtures.js'
import { listen, serveRestApi } from '../helpers/httpServer.js'
import { bootPayload } from '../helpers/payload.js'
import { streamEvents } from '../helpers/stream.js'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const require = createRequire(import.meta.url)
/** The trackers' browser builds, as a site would bundle them. */
const OFFICIAL = readFileSync(require.resolve('@plausible-analytics/tracker'), 'utf8')
const LEGACY_DIR = path.join(path.dirname(require.resolve('plausible-tracker/package.json')), 'build/module')

const keyPrefix = `pb${randomBytes(4).toString('hex')}:`
let payload: Payload | undefined
let redis: Redis | undefined
let api: HttpHandle | undefined
let tenantSite: HttpHandle | undefined
let launching: Promise<Browser> | undefined
let context: BrowserContext
let shop: DemoSite
let blog: DemoSite
/** Every /api/event answer, in order. */
const answers: number[] = []

/** A tenant SPA: links navigate with pushState, a button sends a custom event. `boot` starts the tracker. */
const spaPage = (boot: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tenant</title></head>
<body style="min-height: 3000px">
<nav><a id="to-pricing" href="/pricing">Pricing</a></nav>
<button id="signup">Sign up</button>
<script type="module">
${boot}
for (const link of document.querySelectorAll('nav a')) {
  link.addEventListener('click', (event) => { event.preventDefault(); history.pushState({}, '', link.getAttribute('href')) })
}
</script>
</body></html>`

/** The official tracker: `endpoint` is the one setting that points it at the plugin. */
const officialBoot = (endpoint: string) => `
import { init, track } from '/official/plausible.js'
init({ domain: 'shop.acme.test', endpoint: '${endpoint}', captureOnLocalhost: true })
document.getElementById('signup').addEventListener('click', () => track('Signup', { props: { plan: 'pro' } }))
`
/** The legacy tracker: `apiHost` is the one setting. */
const legacyBoot = (apiHost: string) => `
import Plausible from '/legacy/index.js'
const { enableAutoPageviews, trackEvent } = Plausible({ domain: 'blog.acme.test', apiHost: '${apiHost}', trackLocalhost: true })
enableAutoPageviews()
document.getElementById('signup').addEventListener('click', () => trackEvent('Signup', { props: { plan: 'pro' } }))
`

async function serveTenant(): Promise<HttpHandle> {
  const port = await freePort()
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    const js = (body: string) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(body)
    if (url === '/official/plausible.js') return js(OFFICIAL)
    if (url.startsWith('/legacy/')) {
      // Its module build imports './lib/tracker' without an extension, as bundlers allow.
      const file = path.join(LEGACY_DIR, url.slice('/legacy/'.length).replace(/(?<!\.js)$/, '.js'))
      return file.startsWith(LEGACY_DIR) && existsSync(file) ? js(readFileSync(file, 'utf8')) : void res.writeHead(404).end()
    }
    if (url === '/favicon.ico') return void res.writeHead(404).end()
    const boot = url.startsWith('/blog') ? legacyBoot(api!.url) : officialBoot(`${api!.url}/api/event`)
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(spaPage(boot))
  })
  // `localhost`: a hostname every demo site allows (the dev config's defaults), another origin than the API.
  return listen(server, port, '127.0.0.1', `http://localhost:${port}`)
}

const siteEvents = async (site: DemoSite): Promise<AnalyticsEvent[]> => (await streamEvents(redis!, keyPrefix)).filter((event) => event.siteId === site.id)

async function waitFor(site: DemoSite, test: (events: AnalyticsEvent[]) => boolean, what: string): Promise<AnalyticsEvent[]> {
  const deadline = Date.now() + 8_000
  for (;;) {
    const events = await siteEvents(site)
    if (test(events)) return events
    if (Date.now() > deadline) throw new Error(`${what}: the buffer holds ${JSON.stringify(events.map((event) => [event.type, event.path]))}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
const counted = (events: AnalyticsEvent[]) => events.filter((event) => event.type !== 'engagement')

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: \`apt-get install chromium\` or set CHROMIUM_PATH. It is never skipped.`)
  launching = chromium.launch({ args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'], executablePath: CHROMIUM })
  payload = await bootPayload({ analytics: { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') } })
  redis = new Redis(inject('redisUrl'))
  const sites = await demoSites(payload)
  shop = sites['shop.acme.test']!
  blog = sites['blog.acme.test']!
  // Headless Chromium says so in its user-agent: these sites count automated browsers.
  for (const site of [shop, blog]) await payload.create({ collection: 'analytics-settings', data: { scope: 'site', site: site.id, trackAutomation: 'on' } })
  api = await serveRestApi(payload, { observe: (request, response) => void (new URL(request.url).pathname === '/api/event' && answers.push(response.status)) })
  tenantSite = await serveTenant()
  context = await (await launching).newContext()
})

afterAll(async () => {
  await (await launching?.catch(() => undefined))?.close()
  await tenantSite?.close()
  await api?.close()
  redis?.disconnect()
  await payload?.destroy()
})

describe("Plausible's trackers in headless Chromium, sending to the plugin", () => {
  test('@plausible-analytics/tracker: pageview, SPA navigation, custom event with props, engagement — and the stats say so', async () => {
    const page = await context.newPage()
    await page.goto(`${tenantSite!.url}/`)
    await waitFor(shop, (events) => counted(events).length >= 1, 'the landing pageview')
    await page.mouse.wheel(0, 1500)
    await page.click('#to-pricing')
    await waitFor(shop, (events) => counted(events).length >= 2, 'the SPA pageview')
    await page.click('#signup')
    const events = await waitFor(shop, (all) => counted(all).length >= 3 && all.some((event) => event.type === 'engagement'), 'the custom event and an engagement')

    expect(counted(events).map((event) => [event.type, event.path])).toEqual([
      ['pageview', '/'],
      ['pageview', '/pricing'],
      ['Signup', '/pricing'],
    ])
    const signup = counted(events)[2]!
    expect(signup.props).toEqual({ plan: 'pro' })
    // The engagement of the page left by the SPA navigation: Plausible's sd/e as our depth and seconds.
    const engagement = events.find((event) => event.type === 'engagement')!
    expect(engagement.path).toBe('/')
    expect((engagement.props as { scrollDepth: number }).scrollDepth).toBeGreaterThan(0)
    expect(engagement.value).toBeGreaterThanOrEqual(0)
    // One visitor, one visit, as with our own tracker: no cookie, the server's daily hash.
    for (const event of events) {
      expect(event).toMatchObject({ browser: 'Chrome', hostname: 'localhost', siteId: shop.id, visitorHash: events[0]!.visitorHash })
    }
    expect(answers.every((status) => status === 202)).toBe(true)
    await page.close()

    await payload!.analytics!.aggregateNow()
    const stats = await payload!.analytics!.stats.getStats({ breakdowns: ['pages', 'events'], range: 'today', siteIds: [shop.id] }, { overrideAccess: true })
    expect(stats.totals).toMatchObject({ pageviews: 2, visitors: 1, visits: 1 })
    expect(stats.breakdowns.pages!.map((row) => [row.key, row.pageviews])).toEqual([
      ['/', 1],
      ['/pricing', 1],
    ])
    expect(stats.breakdowns.events!.map((row) => [row.key, row.events])).toEqual([['Signup', 1]])
  })

  test('the legacy plausible-tracker: auto pageviews on load and pushState, a custom event with props', async () => {
    const page = await context.newPage()
    await page.goto(`${tenantSite!.url}/blog/`)
    await waitFor(blog, (events) => counted(events).length >= 1, 'the landing pageview')
    await page.evaluate(() => history.pushState({}, '', '/blog/post'))
    await waitFor(blog, (events) => counted(events).length >= 2, 'the SPA pageview')
    await page.click('#signup')
    const events = counted(await waitFor(blog, (all) => counted(all).length >= 3, 'the custom event'))
    expect(events.map((event) => [event.type, event.path, event.props])).toEqual([
      ['pageview', '/blog', null],
      ['pageview', '/blog/post', null],
      ['Signup', '/blog/post', { plan: 'pro' }],
    ])
    // It sends the window width, so the screen class is known as with our tracker.
    expect(events[0]!.screen).not.toBeNull()
    await page.close()

    await payload!.analytics!.aggregateNow()
    const stats = await payload!.analytics!.stats.getStats({ breakdowns: ['events'], range: 'today', siteIds: [blog.id] }, { overrideAccess: true })
    expect(stats.totals).toMatchObject({ pageviews: 2, visitors: 1, visits: 1 })
    expect(stats.breakdowns.events!.map((row) => [row.key, row.events])).toEqual([['Signup', 1]])
  })
})
