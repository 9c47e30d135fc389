/**
 * The admin UI in headless Chromium (Debian's `chromium`, driven by playwright-core),
 * against the dev app built for production (`next build` + `next start`). Events go
 * through the real pipeline: today's pageviews as HTTP requests to `/api/analytics/track`
 * (realistic browsers, addresses and referrers), the previous four weeks appended to the
 * Redis buffer as the ingest endpoint would have appended them, and both aggregated into
 * daily stats by the aggregation job. Every number on screen is checked against the stats
 * API for the same range and sites, asked with the same user's credentials.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'

import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import type { FunnelResult, RealtimeResult, StatsResult, StatsTotals } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'
import type { E2EApp } from '../../scripts/prodApp.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { KPIS } from '../../admin/Dashboard/metrics.js'
import { generateEvents, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { startApp } from '../../scripts/prodApp.js'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../screenshots')

let app: E2EApp
let browser: Browser
let launching: Promise<Browser> | undefined
let sites: Record<string, DemoSite>
let shop: DemoSite
let blog: DemoSite
let globex: DemoSite
const tokens: { admin: string; editor: string } = { admin: '', editor: '' }

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
]
const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/item?id=1', '', 'https://duckduckgo.com/']

/** One browser's visit as the tracker sends it: a pageview per path, a lead at the end for some. */
async function visit(site: DemoSite, visitor: number, paths: string[], lead: boolean): Promise<void> {
  const headers = {
    'content-type': 'text/plain;charset=UTF-8',
    origin: `https://${site.domain}`,
    'user-agent': BROWSERS[visitor % BROWSERS.length]!,
    // Each visitor its own address: the visitor hash is (site, anonymised IP, user-agent).
    'x-forwarded-for': `198.51.${visitor % 250}.${(visitor * 7) % 250}`,
  }
  const send = async (body: Record<string, unknown>) => {
    const response = await fetch(`${app.url}/api/analytics/track`, { body: JSON.stringify(body), headers, method: 'POST' })
    if (response.status !== 202 || response.headers.get('x-analytics-dropped')) {
      throw new Error(`track answered ${response.status} ${response.headers.get('x-analytics-dropped') ?? ''}: ${await response.text()}`)
    }
  }
  for (const [index, page] of paths.entries()) {
    const referrer = index === 0 ? REFERRERS[visitor % REFERRERS.length] : `https://${site.domain}${paths[index - 1]}`
    await send({ r: referrer || undefined, s: String(site.id), t: 'pageview', u: `https://${site.domain}${page}`, w: visitor % 2 ? 390 : 1440 })
  }
  if (lead) await send({ p: { plan: 'pro' }, s: String(site.id), t: 'lead.created', u: `https://${site.domain}${paths.at(-1)}` })
}

/** The stats API as a user (their JWT): what the view must show. */
async function api<T>(pathAndQuery: string, token?: string): Promise<{ body: T; status: number }> {
  const response = await fetch(`${app.url}/api/analytics${pathAndQuery}`, { headers: token ? { Authorization: `JWT ${token}` } : {} })
  return { body: (await response.json()) as T, status: response.status }
}

async function login(email: string, password: string): Promise<string> {
  const response = await fetch(`${app.url}/api/users/login`, {
    body: JSON.stringify({ email, password }),
    headers: { 'content-type': 'application/json' },
    method: 'POST',
  })
  const body = (await response.json()) as { token?: string }
  if (!body.token) throw new Error(`login of ${email} failed: ${response.status}`)
  return body.token
}

/** A browser context logged in as a user (Payload's auth cookie), light theme unless asked. */
async function contextFor(token: null | string, options: { theme?: 'dark' | 'light'; viewport?: { height: number; width: number } } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: options.viewport ?? { height: 1000, width: 1600 } })
  const url = app.url
  const cookies: Array<{ name: string; url: string; value: string }> = [{ name: 'payload-theme', url, value: options.theme ?? 'light' }]
  if (token) cookies.push({ name: 'payload-token', url, value: token })
  await context.addCookies(cookies)
  return context
}

/** The KPI cards' raw values, by metric. */
async function kpiValues(page: Page): Promise<Record<string, number>> {
  const cards = page.locator('[data-testid="analytics-kpi"]')
  await expect.poll(() => cards.count()).toBe(KPIS.length)
  const values: Record<string, number> = {}
  for (const kpi of KPIS) values[kpi.key] = Number(await page.locator(`[data-kpi="${kpi.key}"] .pa-kpi-value`).getAttribute('data-value'))
  return values
}

const expectKpisToEqual = (shown: Record<string, number>, totals: StatsTotals) => {
  // Float sums (durations, engagement) added in another order may differ in the last bit.
  for (const kpi of KPIS) expect(shown[kpi.key], kpi.key).toBeCloseTo(totals[kpi.key], 6)
}

/** Open a dashboard URL and wait until its data (or its error) is on screen. */
async function openDashboard(page: Page, pathAndQuery: string): Promise<void> {
  await page.goto(`${app.url}${pathAndQuery}`)
  await page.locator('[data-testid="analytics-dashboard"], [data-testid="analytics-error"]').first().waitFor()
}

/** Wait for a control's navigation to land: the URL changes and the loading state ends. */
async function settled(page: Page, urlPart: RegExp): Promise<void> {
  await page.waitForURL(urlPart)
  await expect.poll(() => page.locator('[data-testid="analytics-dashboard"]').getAttribute('aria-busy')).toBe('false')
}

const shot = (page: Page, name: string) => page.screenshot({ fullPage: true, path: path.join(SCREENSHOTS, name) })

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: \`apt-get install chromium\` (.ci/run installs it) or set CHROMIUM_PATH. Never skipped.`)
  }
  mkdirSync(SCREENSHOTS, { recursive: true })
  launching = chromium.launch({ args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], executablePath: CHROMIUM })
  app = await startApp()
  browser = await launching
  sites = await demoSites(app.payload)
  shop = sites['shop.acme.test']!
  blog = sites['blog.acme.test']!
  globex = sites['globex.test']!

  // Four weeks up to the day before yesterday (no visit runs into today), into the buffer the ingest endpoint writes to…
  const past = generateEvents({ days: recentDays(27, 2), seed: 42, sessionsPerDay: [6, 16], sites: [shop, blog, globex] })
  await app.payload.analytics!.buffer.append(past)
  // …and today through the endpoint itself.
  for (let visitor = 0; visitor < 14; visitor++) {
    await visit(shop, visitor, visitor % 3 === 0 ? ['/', '/pricing', '/signup'] : visitor % 3 === 1 ? ['/blog/launch'] : ['/', '/docs'], visitor % 4 === 0)
  }
  for (let visitor = 100; visitor < 105; visitor++) await visit(globex, visitor, ['/', '/about'], false)
  // Purchases with revenue in two currencies (server events): the Revenue card and the goal's column.
  for (const revenue of [{ amount: 49.5, currency: 'EUR' }, { amount: '20.25', currency: 'EUR' }, { amount: 12, currency: 'USD' }]) {
    await app.payload.analytics!.track({ revenue, siteId: shop.id, type: 'Purchase' })
  }
  await app.payload.analytics!.aggregateNow()
  // The shop's goals and a saved funnel (the funnel chart of its view): the today's visitors
  // above go / → /pricing → /signup for one in three.
  await app.payload.create({
    collection: app.payload.analytics!.config.slugs.settings,
    data: {
      funnels: [{ name: 'Signup', steps: ['Home', 'Pricing', 'Signed up'] }],
      goals: [
        { event: 'lead.created', name: 'Lead' },
        { event: 'Purchase', name: 'Purchase' },
        { name: 'Home', page: '/' },
        { name: 'Pricing', page: '/pricing' },
        { name: 'Signed up', page: '/signup' },
      ],
      scope: 'site',
      site: shop.id,
    } as never,
  })
  await app.payload.analytics!.refreshSites()

  tokens.admin = await login(DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  tokens.editor = await login(DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)
})

afterAll(async () => {
  await (await launching?.catch(() => undefined))?.close()
  await app?.stop()
})

describe('Admin → Analytics', () => {
  test('the super-admin logs in through the form, finds the view in the nav, and sees the KPIs the stats API returns', async () => {
    const context = await contextFor(null)
    const page = await context.newPage()
    await page.goto(`${app.url}/admin/login`)
    await page.fill('input[name="email"]', DEMO_USERS.superAdmin.email)
    await page.fill('input[name="password"]', DEMO_USERS.superAdmin.password)
    await page.click('button[type="submit"]')
    await page.waitForURL(/\/admin\/?$/)

    // The nav link sits in the nav's Analytics group.
    const link = page.locator('#nav-group-Analytics #nav-analytics-view')
    await expect.poll(() => link.count()).toBe(1)
    await link.click()
    await page.waitForURL(/\/admin\/analytics$/)
    await page.locator('[data-testid="analytics-dashboard"]').waitFor()

    const { body: expected } = await api<StatsResult>('/stats?range=30d', tokens.admin)
    expect(expected.totals.visitors).toBeGreaterThan(0)
    expectKpisToEqual(await kpiValues(page), expected.totals)
    // Today's HTTP traffic is in there too: 14 + 5 visitors of today at least.
    const { body: today } = await api<StatsResult>('/stats?range=today', tokens.admin)
    expect(today.totals.visitors).toBe(19)

    // Every readable site in the switcher and the comparison table.
    const options = await page.locator('select[name="site"] option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value))
    expect(options.sort()).toEqual(['', String(shop.id), String(blog.id), String(globex.id)].sort())
    const rows = await page.locator('[data-testid="analytics-comparison"] tbody tr').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-site')))
    expect(rows.sort()).toEqual([String(shop.id), String(blog.id), String(globex.id)].sort())
    // Each has its sparkline, and ranked lists are filled.
    expect(await page.locator('[data-testid="analytics-comparison"] svg.pa-spark').count()).toBe(3)
    expect(await page.locator('[data-testid="analytics-list"]').count()).toBe(9)
    expect(await page.locator('section[aria-label="Top pages"] tbody tr').count()).toBeGreaterThan(1)
    expect(await page.locator('[data-chart="traffic"] svg').count()).toBeGreaterThan(0)
    await shot(page, 'analytics-view.png')
    await context.close()
  })

  test('switching the range and the site changes the numbers, to what the API says, and the URL keeps the state', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await openDashboard(page, '/admin/analytics')
    const thirty = await kpiValues(page)

    await page.click('button[data-range="7d"]')
    await settled(page, /range=7d/)
    const { body: week } = await api<StatsResult>('/stats?range=7d', tokens.admin)
    const seven = await kpiValues(page)
    expectKpisToEqual(seven, week.totals)
    expect(seven.visitors!).toBeLessThan(thirty.visitors!)

    await page.selectOption('select[name="site"]', String(globex.id))
    await settled(page, new RegExp(`site=${globex.id}`))
    const { body: globexWeek } = await api<StatsResult>(`/stats?range=7d&siteId=${globex.id}`, tokens.admin)
    const globexShown = await kpiValues(page)
    expectKpisToEqual(globexShown, globexWeek.totals)
    expect(globexShown.visitors!).toBeLessThan(seven.visitors!)
    // One site: no comparison table.
    expect(await page.locator('[data-testid="analytics-comparison"]').count()).toBe(0)

    // A custom range from the date inputs.
    const [from, to] = [recentDays(1, 10)[0]!, recentDays(1, 3)[0]!]
    await page.click('button[data-range="custom"]')
    await page.fill('input[name="from"]', from)
    await page.fill('input[name="to"]', to)
    await page.click('form.pa-custom button[type="submit"]')
    await settled(page, /range=custom/)
    const { body: custom } = await api<StatsResult>(`/stats?range=custom&from=${from}&to=${to}&siteId=${globex.id}`, tokens.admin)
    expectKpisToEqual(await kpiValues(page), custom.totals)

    // The URL is the state: a colleague opening it sees the same view.
    const shared = page.url()
    const other = await (await contextFor(tokens.admin)).newPage()
    await openDashboard(other, shared.slice(app.url.length))
    expectKpisToEqual(await kpiValues(other), custom.totals)
    expect(await other.locator('select[name="site"]').inputValue()).toBe(String(globex.id))
    await other.context().close()

    // Charts have a text alternative: the same series as tables.
    await page.click('button[aria-pressed="false"]:has-text("Show as tables")')
    await settled(page, /view=table/)
    const table = page.locator('table:has(caption:has-text("Visitors and pageviews per period"))')
    expect(await table.locator('tbody tr').count()).toBe(custom.series.length)
    await context.close()
  })

  test('dark theme, empty range and a phone-sized screen', async () => {
    const dark = await contextFor(tokens.admin, { theme: 'dark' })
    const page = await dark.newPage()
    await openDashboard(page, '/admin/analytics?range=7d')
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')
    await kpiValues(page)
    await shot(page, 'analytics-dark.png')

    // A range before any data: the empty state says so; the API agrees.
    const [from, to] = [recentDays(1, 200)[0]!, recentDays(1, 190)[0]!]
    await openDashboard(page, `/admin/analytics?range=custom&from=${from}&to=${to}`)
    await page.locator('[data-testid="analytics-empty"]').waitFor()
    const { body: empty } = await api<StatsResult>(`/stats?range=custom&from=${from}&to=${to}`, tokens.admin)
    expect(empty.totals.visitors).toBe(0)
    await dark.close()

    const light = await contextFor(tokens.admin)
    const lightPage = await light.newPage()
    await openDashboard(lightPage, `/admin/analytics?range=custom&from=${from}&to=${to}`)
    await lightPage.locator('[data-testid="analytics-empty"]').waitFor()
    await shot(lightPage, 'analytics-empty.png')
    await light.close()

    const phone = await contextFor(tokens.admin, { viewport: { height: 844, width: 390 } })
    const phonePage = await phone.newPage()
    await openDashboard(phonePage, '/admin/analytics')
    await kpiValues(phonePage)
    // Nothing wider than the screen, but inside the scrollable tables.
    const overflowing = await phonePage.evaluate(() =>
      [...document.querySelectorAll('.pa-dashboard *')]
        .filter((element) => !element.closest('.pa-table-scroll, svg') && element.getBoundingClientRect().right > window.innerWidth + 1)
        .map((element) => `${element.tagName.toLowerCase()}.${element.className} ${Math.round(element.getBoundingClientRect().right)}`),
    )
    expect(overflowing).toEqual([])
    await shot(phonePage, 'analytics-mobile.png')
    await phone.close()
  })

  test('Export CSV downloads one row per site with the figures of the range', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await openDashboard(page, '/admin/analytics?range=7d')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="analytics-export"]')])
    const file = readFileSync((await download.path())!, 'utf8')
    const [header, ...lines] = file.trim().split('\r\n')
    expect(header).toBe('site,period,visitors,visits,pageviews,bounce_rate,visit_duration,views_per_visit,time_on_page,scroll_depth,site_id,time_zone,imported_days')
    const { body: week } = await api<StatsResult>('/stats?range=7d', tokens.admin)
    expect(lines).toHaveLength(3)
    for (const { site, totals } of week.sites) {
      const siteIdColumn = header!.split(',').indexOf('site_id')
      const line = lines.find((candidate) => candidate.split(',')[siteIdColumn] === String(site.id))
      expect(line, `a row for ${site.domain}`).toBeDefined()
      const [domain, period, visitors, visits, pageviews] = line!.split(',')
      expect([domain, period, Number(visitors), Number(visits), Number(pageviews)]).toEqual([
        site.domain,
        `${week.range.from}..${week.range.to}`,
        totals.visitors,
        totals.visits,
        totals.pageviews,
      ])
    }
    await context.close()
  })

  test('custom events are listed with the counts and visitors the API answers, and Entry pages label their columns for what they count', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await openDashboard(page, '/admin/analytics')
    const { body } = await api<StatsResult>('/stats?range=30d&breakdown=events,entryPages', tokens.admin)
    const number = (text?: null | string) => Number(text?.replace(/,/g, ''))
    const rowsOf = (breakdown: string, fields: string[]) =>
      page.locator(`[data-breakdown="${breakdown}"] tbody tr`).evaluateAll(
        (rows, names) =>
          rows.map((row) => [row.getAttribute('data-key'), ...names.map((name) => row.querySelector(`td[data-field="${name}"]`)?.textContent ?? null)]),
        fields,
      )

    const events = page.locator('[data-breakdown="events"]')
    expect(await events.locator('h3').textContent()).toBe('Custom events')
    expect(await events.locator('thead th').allTextContents()).toEqual(['Event', 'Count', 'Visitors'])
    expect(body.breakdowns.events!.length).toBeGreaterThan(1)
    const shownEvents = (await rowsOf('events', ['events', 'visitors'])).map(([key, count, visitors]) => ({ events: number(count), key, visitors: number(visitors) }))
    expect(shownEvents).toEqual(body.breakdowns.events!.map(({ events: count, key, visitors }) => ({ events: count, key, visitors })))

    // Entry pages: the visits that began on a page and their pageviews, not "Pageviews" like Top pages'.
    expect(await page.locator('[data-breakdown="entryPages"] thead th').allTextContents()).toEqual(['Page', 'Visitors', 'Visits', 'Views in visits'])
    expect(await page.locator('[data-breakdown="pages"] thead th').allTextContents()).toEqual(['Page', 'Visitors', 'Pageviews', 'Time on page', 'Scroll depth'])
    const shownEntries = (await rowsOf('entryPages', ['visitors', 'visits', 'pageviews'])).map(([key, visitors, visits, pageviews]) => ({
      key,
      pageviews: number(pageviews),
      visitors: number(visitors),
      visits: number(visits),
    }))
    expect(shownEntries).toEqual(body.breakdowns.entryPages!.map(({ key, pageviews, visitors, visits }) => ({ key, pageviews, visitors, visits })))
    await page.locator('.pa-lists').screenshot({ path: path.join(SCREENSHOTS, 'analytics-lists.png') })
    await context.close()
  })

  test('the admin home shows visitors today and over 7 days', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await page.goto(`${app.url}/admin`)
    await page.locator('[data-testid="analytics-widget"]').waitFor()
    const { body: today } = await api<StatsResult>('/stats?range=today', tokens.admin)
    const { body: week } = await api<StatsResult>('/stats?range=7d', tokens.admin)
    expect(await page.locator('[data-testid="analytics-widget-today"] .pa-kpi-value').textContent()).toBe(String(today.totals.visitors))
    expect((await page.locator('[data-testid="analytics-widget-week"] .pa-kpi-value').textContent())?.replace(/,/g, '')).toBe(String(week.totals.visitors))
    await shot(page, 'admin-home-widget.png')
    await context.close()
  })
})

describe('Explore: filters and funnels', () => {
  test('clicking a source filters every panel to what the filtered API says; the chip removes it; the URL restores it', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    // 7 days: a filtered view's comparison (the 7 days before) must lie within raw retention (30 days) too.
    await openDashboard(page, '/admin/analytics?range=7d')
    // Rows are buttons: wait until the page has hydrated (the realtime badge's timer runs).
    await page.locator('[data-testid="analytics-realtime"][data-live]').waitFor()
    const unfiltered = await kpiValues(page)
    const sourceRow = page.locator('section[aria-label="Sources"] tbody tr').first()
    const source = (await sourceRow.getAttribute('data-key'))!
    await sourceRow.locator('button.pa-row-filter').click()
    await settled(page, /filter=source/)

    const filter = `source:is:${source}`
    expect(new URL(page.url()).searchParams.getAll('filter')).toEqual([filter])
    const chips = page.locator('[data-testid="analytics-filter"]')
    expect(await chips.count()).toBe(1)
    expect(await chips.first().getAttribute('data-filter')).toBe(filter)

    const { body: expected, status } = await api<StatsResult>(`/stats?range=7d&filter=${encodeURIComponent(filter)}&breakdown=pages,sources&limit=10`, tokens.admin)
    expect(status).toBe(200)
    expectKpisToEqual(await kpiValues(page), expected.totals)
    expect(expected.totals.visitors).toBeLessThan(unfiltered.visitors!)
    // Every list: the sources list holds that source only; top pages are the filtered ones.
    const keys = (list: string) => page.locator(`section[aria-label="${list}"] tbody tr`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))
    expect(await keys('Sources')).toEqual([source])
    expect(await keys('Top pages')).toEqual(expected.breakdowns.pages!.map((row) => row.key))
    // The site comparison: each site's visitors from that source.
    for (const { site, totals } of expected.sites) {
      expect(await page.locator(`[data-testid="analytics-comparison"] tr[data-site="${site.id}"] td.pa-num`).first().textContent()).toBe(totals.visitors.toLocaleString('en-US'))
    }
    // Export CSV asks for the same filtered rows.
    expect(new URL(`${app.url}${await page.locator('[data-testid="analytics-export"]').getAttribute('href')}`).searchParams.getAll('filter')).toEqual([filter])

    // A reload (or a colleague opening the URL) restores the filter.
    await page.reload()
    await page.locator('[data-testid="analytics-dashboard"]').waitFor()
    expect(await page.locator('[data-testid="analytics-filter"]').count()).toBe(1)
    expectKpisToEqual(await kpiValues(page), expected.totals)

    // The chip's × removes it: back to every visitor.
    await page.locator('[data-testid="analytics-realtime"][data-live]').waitFor()
    await page.locator('[data-testid="analytics-filter"] button').click()
    await expect.poll(() => new URL(page.url()).searchParams.getAll('filter')).toEqual([])
    await expect.poll(() => page.locator('[data-testid="analytics-filter"]').count()).toBe(0)
    expectKpisToEqual(await kpiValues(page), (await api<StatsResult>('/stats?range=7d', tokens.admin)).body.totals)
    await shot(page, 'analytics-filtered.png')
    await context.close()
  })

  test('the funnel chart shows the funnel API\'s step counts; the goals list the goals', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await openDashboard(page, `/admin/analytics?site=${shop.id}`)
    const { body: funnel, status } = await api<FunnelResult>(`/funnel?siteId=${shop.id}&funnel=Signup&range=30d`, tokens.admin)
    expect(status).toBe(200)
    expect(funnel.steps.map((step) => step.visitors)).not.toEqual([0, 0, 0])
    const steps = page.locator('[data-testid="analytics-funnel-step"]')
    expect(await steps.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-visitors'))))).toEqual(funnel.steps.map((step) => step.visitors))
    expect(await page.locator('[data-testid="analytics-funnel"]').textContent()).toContain('Signed up')

    const { body: goals } = await api<StatsResult>(`/stats?range=30d&siteId=${shop.id}&breakdown=goals`, tokens.admin)
    const goalRows = page.locator('[data-testid="analytics-goals"] tbody tr')
    expect(await goalRows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))).toEqual(goals.breakdowns.goals!.map((row) => row.key))
    // Revenue: the card and the goal's column show the API's exact sums per currency.
    expect(goals.totals.revenue).toEqual([
      { amount: '69.75', currency: 'EUR' },
      { amount: '12', currency: 'USD' },
    ])
    const card = page.locator('[data-testid="analytics-revenue"] .pa-kpi-value')
    expect(JSON.parse((await card.getAttribute('data-value'))!)).toEqual(goals.totals.revenue)
    expect(await card.textContent()).toBe('€69.75 · $12.00')
    const purchase = page.locator('[data-testid="analytics-goals"] tr[data-key="Purchase"] [data-field="revenue"]')
    expect(JSON.parse((await purchase.getAttribute('data-value'))!)).toEqual(goals.breakdowns.goals!.find((row) => row.key === 'Purchase')!.revenue)
    await shot(page, 'analytics-funnel.png')
    await context.close()
  })
})

describe('Sites → a site → Analytics', () => {
  test('the tab shows that site only, with its snippet', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await page.goto(`${app.url}/admin/collections/sites/${shop.id}`)
    // The dev app configures no serverURL or scriptOrigin: the snippet takes the admin's own
    // address (absolute, so it loads when pasted into the site) and says so.
    const snippetSrc = `src="${app.url}/api/analytics/script.js"`
    const field = page.locator('#field-trackingSnippet')
    await expect.poll(() => field.inputValue()).toContain(snippetSrc)
    expect(await page.locator('.field-type.textarea:has(#field-trackingSnippet) .field-description').textContent()).toContain('No public address of this server is configured')
    await page.click('.doc-tab:has-text("Analytics")')
    await page.waitForURL(new RegExp(`/collections/sites/${shop.id}/analytics`))
    await page.locator('[data-testid="analytics-dashboard"]').waitFor()
    const { body: shopStats } = await api<StatsResult>(`/stats?range=30d&siteId=${shop.id}`, tokens.admin)
    const { body: all } = await api<StatsResult>('/stats?range=30d', tokens.admin)
    const shown = await kpiValues(page)
    expectKpisToEqual(shown, shopStats.totals)
    expect(shown.visitors!).toBeLessThan(all.totals.visitors)
    // No site switcher and no comparison: the tab is fixed to its site.
    expect(await page.locator('select[name="site"]').count()).toBe(0)
    expect(await page.locator('[data-testid="analytics-comparison"]').count()).toBe(0)
    expect(await page.locator('[data-testid="analytics-snippet"]').textContent()).toContain(`data-site="${shop.id}"`)
    expect(await page.locator('[data-testid="analytics-snippet"]').textContent()).toContain(snippetSrc)
    expect(await page.locator('[data-testid="analytics-snippet-warning"]').textContent()).toContain('No public address of this server is configured')
    expect(await page.locator('[data-testid="analytics-no-events"]').count()).toBe(0)

    // Its range picker keeps the tab.
    await page.click('button[data-range="7d"]')
    await settled(page, /range=7d/)
    expect(page.url()).toContain(`/collections/sites/${shop.id}/analytics`)
    const { body: shopWeek } = await api<StatsResult>(`/stats?range=7d&siteId=${shop.id}`, tokens.admin)
    expectKpisToEqual(await kpiValues(page), shopWeek.totals)
    await page.goto(`${app.url}/admin/collections/sites/${shop.id}/analytics`)
    await page.locator('[data-testid="analytics-dashboard"]').waitFor()
    await shot(page, 'site-tab.png')
    await context.close()
  })

  test('a site without events shows the setup steps', async () => {
    const created = await fetch(`${app.url}/api/sites`, {
      body: JSON.stringify({ domain: 'new.acme.test', name: 'Acme New', tenant: shop.tenant }),
      headers: { Authorization: `JWT ${tokens.admin}`, 'content-type': 'application/json' },
      method: 'POST',
    })
    const { doc } = (await created.json()) as { doc: { id: number } }
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await openDashboard(page, `/admin/collections/sites/${doc.id}/analytics`)
    await page.locator('[data-testid="analytics-no-events"]').waitFor()
    expect(await page.locator('[data-testid="analytics-empty"]').count()).toBe(1)
    await shot(page, 'site-tab-no-events.png')
    await context.close()
  })
})

describe('a tenant-limited user', () => {
  test('sees only their tenant’s sites in the switcher and the comparison, and nothing of another tenant’s site by URL', async () => {
    const context = await contextFor(tokens.editor)
    const page = await context.newPage()
    await openDashboard(page, '/admin/analytics')
    const options = await page.locator('select[name="site"] option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value))
    const acme = Object.values(await demoSites(app.payload)).filter((site) => site.tenant === shop.tenant).map((site) => String(site.id))
    expect(options.filter(Boolean).sort()).toEqual(acme.sort())
    const rows = await page.locator('[data-testid="analytics-comparison"] tbody tr').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-site')))
    expect(rows.every((id) => acme.includes(id!))).toBe(true)
    expect(rows).not.toContain(String(globex.id))
    const { body: mine } = await api<StatsResult>('/stats?range=30d', tokens.editor)
    expectKpisToEqual(await kpiValues(page), mine.totals)

    // Globex's id typed into the URL: an error, no numbers — as the API answers.
    await openDashboard(page, `/admin/analytics?site=${globex.id}`)
    await page.locator('[data-testid="analytics-error"]').waitFor()
    expect(await page.locator('[data-testid="analytics-kpi"]').count()).toBe(0)
    expect(await page.locator('[data-testid="analytics-error"]').textContent()).toContain('Site not found')
    expect((await api(`/stats?siteId=${globex.id}`, tokens.editor)).status).toBe(404)
    // Nor through Globex's site tab.
    await page.goto(`${app.url}/admin/collections/sites/${globex.id}/analytics`)
    expect(await page.locator('[data-testid="analytics-kpi"]').count()).toBe(0)
    // Nor may they erase it.
    const erase = await fetch(`${app.url}/api/analytics/sites/${globex.id}/erase`, { headers: { Authorization: `JWT ${tokens.editor}` }, method: 'POST' })
    expect(erase.status).toBe(404)
    await context.close()
  })
})

describe('access.export', () => {
  test('a user without export rights (here: the plain editor) sees no Export button and gets 403 from the export endpoint', async () => {
    const context = await contextFor(tokens.editor)
    const page = await context.newPage()
    await openDashboard(page, '/admin/analytics?range=7d')
    await page.locator('[data-testid="analytics-kpi"]').first().waitFor()
    expect(await page.locator('[data-testid="analytics-export"]').count()).toBe(0)
    const refused = await fetch(`${app.url}/api/analytics/export?format=csv&siteId=${shop.id}`, { headers: { Authorization: `JWT ${tokens.editor}` } })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: string }).error).toBe(`You may not export the analytics of site ${String(shop.id)}.`)
    // The stats themselves stay readable to them; the super-admin has the button.
    expect((await api('/stats?range=7d', tokens.editor)).status).toBe(200)
    const admin = await (await contextFor(tokens.admin)).newPage()
    await openDashboard(admin, '/admin/analytics?range=7d')
    expect(await admin.locator('[data-testid="analytics-export"]').count()).toBe(1)
    await admin.context().close()
    await context.close()
  })
})

describe('a report’s Preview and Send now', () => {
  test('preview shows the email in the tenant’s branding; Send now delivers once and logs the delivery', async () => {
    const headers = { Authorization: `JWT ${tokens.admin}`, 'content-type': 'application/json' }
    await fetch(`${app.url}/api/analytics-settings`, {
      body: JSON.stringify({ branding: { accentColor: '#0a7f3f', name: 'Acme Agency' }, scope: 'tenant', tenant: shop.tenant }),
      headers,
      method: 'POST',
    })
    const created = await fetch(`${app.url}/api/analytics-reports`, {
      body: JSON.stringify({ enabled: false, name: 'E2E weekly', range: 'monthToDate', recipients: [{ email: 'e2e@example.com' }], sites: [shop.id], timeZone: 'UTC' }),
      headers,
      method: 'POST',
    })
    expect(created.status).toBe(201)
    const { doc } = (await created.json()) as { doc: { id: number } }
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await page.goto(`${app.url}/admin/collections/analytics-reports/${doc.id}`)
    await page.locator('[data-testid="analytics-report-actions"]').waitFor()
    await page.click('[data-testid="analytics-report-actions"] button:has-text("Preview")')
    const frame = page.locator('[data-testid="analytics-report-preview"]')
    await frame.waitFor()
    const html = (await frame.getAttribute('srcdoc')) ?? ''
    expect(html).toContain('E2E weekly')
    expect(html).toContain('Acme Agency')
    expect(html).toContain('background:#0a7f3f')
    await shot(page, 'report-preview.png')

    await page.click('[data-testid="analytics-report-actions"] button:has-text("Send now")')
    await page.click('button:has-text("Yes, send it")')
    await page.locator('text=Sent to e2e@example.com.').waitFor()
    const deliveries = await fetch(`${app.url}/api/analytics-report-deliveries?where[source][equals]=${doc.id}&depth=0`, { headers })
    const rows = ((await deliveries.json()) as { docs: Array<{ channel: string; recipient: string; status: string }> }).docs
    expect(rows.map(({ channel, recipient, status }) => ({ channel, recipient, status }))).toEqual([{ channel: 'email', recipient: 'e2e@example.com', status: 'sent' }])

    await context.close()

    // The public share page of an Acme site wears the same brand.
    // (The shop has its settings row already: its goals and funnel, made in beforeAll.)
    const found = await fetch(`${app.url}/api/analytics-settings?where[scopeKey][equals]=site:${shop.id}&depth=0`, { headers })
    const [row] = ((await found.json()) as { docs: Array<{ id: number }> }).docs
    const shared = await fetch(`${app.url}/api/analytics-settings/${row!.id}`, { body: JSON.stringify({ publicDashboard: true }), headers, method: 'PATCH' })
    const { doc: settings } = (await shared.json()) as { doc: { shareToken: string } }
    const anonymous = await contextFor(null)
    const visitor = await anonymous.newPage()
    await openDashboard(visitor, `/admin/analytics/share/${settings.shareToken}`)
    const brand = visitor.locator('[data-testid="analytics-share-brand"]')
    expect(await brand.textContent()).toBe('Acme Agency')
    expect(await brand.getAttribute('data-accent')).toBe('#0a7f3f')
    await anonymous.close()
  })
})

describe('share link', () => {
  test('the settings show the link with copy and rotate; it opens a read-only dashboard without login; rotating revokes the old one', async () => {
    const created = await fetch(`${app.url}/api/analytics-settings`, {
      body: JSON.stringify({ publicDashboard: true, scope: 'site', site: blog.id }),
      headers: { Authorization: `JWT ${tokens.admin}`, 'content-type': 'application/json' },
      method: 'POST',
    })
    const { doc } = (await created.json()) as { doc: { id: number; shareToken: string } }
    expect(doc.shareToken).toMatch(/^[\w-]{16,}$/)

    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await page.goto(`${app.url}/admin/collections/analytics-settings/${doc.id}`)
    const input = page.locator('[data-testid="analytics-share-link"]')
    await input.waitFor()
    await expect.poll(() => input.inputValue()).toMatch(/^http/)
    const firstLink = await input.inputValue()
    expect(firstLink).toBe(`${app.url}/admin/analytics/share/${doc.shareToken}`)
    await page.click('button:has-text("Rotate link")')
    await expect.poll(() => input.inputValue()).not.toBe(firstLink)
    const secondLink = await input.inputValue()
    await context.close()

    const anonymous = await contextFor(null)
    const visitor = await anonymous.newPage()
    await openDashboard(visitor, secondLink.slice(app.url.length))
    const token = secondLink.split('/').pop()!
    const { body: shared } = await api<StatsResult>(`/share/${token}/stats?range=30d`)
    expect(shared.sites.map((row) => row.site.id)).toEqual([blog.id])
    expectKpisToEqual(await kpiValues(visitor), shared.totals)
    // Read-only: no site switcher, no export, no admin nav.
    expect(await visitor.locator('select[name="site"]').count()).toBe(0)
    expect(await visitor.locator('[data-testid="analytics-export"]').count()).toBe(0)
    expect(await visitor.locator('nav.nav').count()).toBe(0)
    await shot(visitor, 'share-dashboard.png')

    await openDashboard(visitor, firstLink.slice(app.url.length))
    expect(await visitor.locator('[data-testid="analytics-error"]').textContent()).toContain('revoked')
    // And the admin pages stay closed to the anonymous visitor.
    await visitor.goto(`${app.url}/admin/analytics`)
    await visitor.waitForURL(/\/admin\/login/)
    await anonymous.close()
  })
})

describe('realtime', () => {
  test('the "visitors now" badge counts new visitors at its next refresh, as the realtime API does', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    // The badge refreshes every 30 s: the page's clock is moved on instead of waiting.
    await page.clock.install()
    await openDashboard(page, `/admin/analytics?site=${blog.id}`)
    const badge = page.locator('[data-testid="analytics-realtime"]')
    const { body: before } = await api<RealtimeResult>(`/realtime?siteId=${blog.id}`, tokens.admin)
    expect(await badge.textContent()).toBe(`${before.visitors} ${before.visitors === 1 ? 'visitor' : 'visitors'} now`)

    // Two new visitors of the blog (not yet aggregated: realtime reads the buffer too).
    await visit(blog, 300, ['/', '/pricing'], false)
    await visit(blog, 301, ['/blog/launch'], false)
    const { body: after } = await api<RealtimeResult>(`/realtime?siteId=${blog.id}`, tokens.admin)
    expect(after.visitors).toBe(before.visitors + 2)
    // Nothing changes on screen before the refresh…
    expect(await badge.textContent()).toBe(`${before.visitors} ${before.visitors === 1 ? 'visitor' : 'visitors'} now`)
    // …and after it the badge says what the API says (once hydrated: its timer runs from then).
    await page.locator('[data-testid="analytics-realtime"][data-live="true"]').waitFor()
    await page.clock.fastForward(31_000)
    await expect.poll(() => badge.textContent()).toBe(`${after.visitors} visitors now`)
    await context.close()
  })
})

describe('erasure', () => {
  test('"Delete all analytics data of this site" asks first, then the site has no data left', async () => {
    const { body: before } = await api<StatsResult>(`/stats?range=30d&siteId=${globex.id}`, tokens.admin)
    expect(before.totals.visitors).toBeGreaterThan(0)
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await openDashboard(page, `/admin/collections/sites/${globex.id}/analytics`)
    await page.click('button:has-text("Delete all analytics data")')
    await page.click('button:has-text("Delete analytics data")')
    await page.locator('[data-testid="analytics-no-events"]').waitFor({ timeout: 30_000 })
    const { body: after } = await api<StatsResult>(`/stats?range=30d&siteId=${globex.id}`, tokens.admin)
    expect(after.totals.visitors).toBe(0)
    expectKpisToEqual(await kpiValues(page), after.totals)
    // The other sites keep theirs.
    const { body: shopAfter } = await api<StatsResult>(`/stats?range=30d&siteId=${shop.id}`, tokens.admin)
    expect(shopAfter.totals.visitors).toBeGreaterThan(0)
    await context.close()
  })
})
