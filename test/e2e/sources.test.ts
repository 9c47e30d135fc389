/**
 * Analytics → Sources, the Search panel and imported days, in headless Chromium against the
 * dev app built for production. Search Console is the local stand-in for Google's token
 * endpoint and `searchAnalytics.query` (test/helpers/fakeGoogle.ts), configured in the app
 * through the dev app's `ANALYTICS_GOOGLE_*` variables; the sync runs through the plugin's
 * own sources service. A Plausible CSV export is imported through the app's REST endpoint.
 * Every figure on screen is checked against the REST API's answer for the same question.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'

import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import type { SearchReport } from '../../src/store/searchStats.js'
import type { StatsResult } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'
import type { E2EApp } from '../../scripts/prodApp.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { addDays, eachDay, todayIn } from '../../src/core/statsRange.js'
import { startFakeGoogle } from '../helpers/fakeGoogle.js'
import { demoSites } from '../helpers/fixtures.js'
import { csvText, zipBytes } from '../helpers/zip.js'
import { startApp } from '../../scripts/prodApp.js'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../screenshots')

let app: E2EApp
let browser: Browser
let launching: Promise<Browser> | undefined
let google: Awaited<ReturnType<typeof startFakeGoogle>>
let shop: DemoSite
let blog: DemoSite
let globex: DemoSite
const tokens = { admin: '', editor: '' }
const ids = { acmeSearch: '', oldGoogle: '' }

const today = todayIn(new Date())
// The synced days (GSC's data ends two days back) and the imported days, all within one custom range.
const SYNCED = { from: addDays(today, -12), to: addDays(today, -5) }
const IMPORTED = eachDay(addDays(today, -14), addDays(today, -12))
const RANGE = { from: addDays(today, -14), to: addDays(today, -3) }
const rangeQuery = `range=custom&from=${RANGE.from}&to=${RANGE.to}`

async function login(email: string, password: string): Promise<string> {
  const response = await fetch(`${app.url}/api/users/login`, { body: JSON.stringify({ email, password }), headers: { 'content-type': 'application/json' }, method: 'POST' })
  const body = (await response.json()) as { token?: string }
  if (!body.token) throw new Error(`login of ${email} failed: ${response.status}`)
  return body.token
}

/** The REST API as a user (their JWT). */
async function api<T>(pathAndQuery: string, token: string): Promise<T> {
  const response = await fetch(`${app.url}/api${pathAndQuery}`, { headers: { Authorization: `JWT ${token}` } })
  if (!response.ok) throw new Error(`${pathAndQuery}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

async function contextFor(token: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { height: 1000, width: 1600 } })
  await context.addCookies([
    { name: 'payload-theme', url: app.url, value: 'light' },
    { name: 'payload-token', url: app.url, value: token },
  ])
  return context
}

const number = async (page: Page, selector: string) => Number(await page.locator(selector).getAttribute('data-value'))
const shot = (page: Page, name: string) => page.screenshot({ fullPage: true, path: path.join(SCREENSHOTS, name) })

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: \`apt-get install chromium\` or set CHROMIUM_PATH. Never skipped.`)
  mkdirSync(SCREENSHOTS, { recursive: true })
  google = await startFakeGoogle()
  // Read by the dev config, in the app (next build/start inherit the environment) and in this process.
  Object.assign(process.env, { ANALYTICS_GOOGLE_CLIENT_ID: 'client-1', ANALYTICS_GOOGLE_CLIENT_SECRET: 'secret-1', ANALYTICS_GOOGLE_ENDPOINT: google.url })
  launching = chromium.launch({ args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], executablePath: CHROMIUM })
  app = await startApp()
  browser = await launching
  const sites = await demoSites(app.payload)
  shop = sites['shop.acme.test']!
  blog = sites['blog.acme.test']!
  globex = sites['globex.test']!

  // Acme's Search Console account maps the shop; Globex's old account has been revoked at Google.
  const acmeSearch = await app.payload.create({ collection: 'analytics-sources', data: { credential: 'rt-good', kind: 'gsc', name: 'Acme Search', sites: [{ remoteId: 'sc-domain:shop.acme.test', site: shop.id }] } as never })
  const oldGoogle = await app.payload.create({ collection: 'analytics-sources', data: { credential: 'rt-revoked', kind: 'gsc', name: 'Old Google account', sites: [{ remoteId: 'https://globex.test/', site: globex.id }] } as never })
  ids.acmeSearch = String(acmeSearch.id)
  ids.oldGoogle = String(oldGoogle.id)
  google.revoke('rt-revoked')
  const run = await app.payload.analytics!.sources.run({ from: SYNCED.from, retry: { baseMs: 5, maxAttempts: 3, maxMs: 20 }, to: SYNCED.to })
  expect(run.outcomes.map((outcome) => [outcome.sourceName, outcome.status]).sort()).toEqual([
    ['Acme Search', 'ok'],
    ['Old Google account', 'failed'],
  ])

  tokens.admin = await login(DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  tokens.editor = await login(DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)

  // The blog's history from Plausible, through the app's upload endpoint.
  const zip = await zipBytes({
    'imported_visitors_export.csv': csvText(['date', 'visitors', 'pageviews', 'bounces', 'visits', 'visit_duration'], IMPORTED.map((day, index) => [day, 40 + index, 90 + index, 10, 50 + index, 3000])),
    'imported_pages_export.csv': csvText(['date', 'page', 'visitors', 'pageviews'], IMPORTED.map((day) => [day, '/launch', 30, 60])),
  })
  const upload = await fetch(`${app.url}/api/analytics/sites/${blog.id}/imports/plausible-csv?fileName=blog-plausible.zip`, {
    body: Buffer.from(zip),
    headers: { Authorization: `JWT ${tokens.admin}`, 'content-type': 'application/zip' },
    method: 'POST',
  })
  expect(upload.status, await upload.clone().text()).toBe(201)
}, 900_000)

afterAll(async () => {
  await (await launching?.catch(() => undefined))?.close()
  await app?.stop()
  await google?.close()
})

describe('the Search panel', () => {
  test('shows the clicks, impressions, CTR, position, daily figures and top queries and pages the search API answers', async () => {
    const expected = await api<SearchReport>(`/analytics/search?site=${shop.id}&from=${RANGE.from}&to=${RANGE.to}`, tokens.admin)
    expect(expected.series.map((point) => point.date)).toEqual(eachDay(SYNCED.from, SYNCED.to))
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await page.goto(`${app.url}/admin/analytics?site=${shop.id}&${rangeQuery}`)
    const panel = page.locator('[data-testid="analytics-search"]')
    await panel.waitFor()
    for (const key of ['clicks', 'impressions', 'ctr', 'position'] as const) {
      expect(await number(page, `[data-search-total="${key}"] .pa-kpi-value`), key).toBeCloseTo(expected.totals[key], 9)
    }
    // The charts are drawn (two of them: counts, and CTR with position).
    await expect.poll(() => panel.locator('[data-chart="search"] .recharts-wrapper').count()).toBe(2)
    const [queries, pages] = [panel.locator('[data-testid="analytics-search-top"]').nth(0), panel.locator('[data-testid="analytics-search-top"]').nth(1)]
    expect(await queries.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))).toEqual(expected.top.queries.map((row) => row.key))
    expect(await pages.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))).toEqual(expected.top.pages.map((row) => row.key))
    for (const [index, row] of expected.top.queries.entries()) {
      const shown = queries.locator('tbody tr').nth(index)
      expect(Number(await shown.locator('[data-field="clicks"]').getAttribute('data-value'))).toBe(row.clicks)
      expect(Number(await shown.locator('[data-field="position"]').getAttribute('data-value'))).toBeCloseTo(row.position, 9)
    }
    await shot(page, 'search-panel.png')

    // As tables: one row per day with the API's daily figures.
    await page.goto(`${app.url}/admin/analytics?site=${shop.id}&${rangeQuery}&view=table`)
    const rows = page.locator('[data-testid="analytics-search-series"] tbody tr')
    await expect.poll(() => rows.count()).toBe(expected.series.length)
    for (const [index, point] of expected.series.entries()) {
      const row = rows.nth(index)
      expect(await row.getAttribute('data-date')).toBe(point.date)
      expect(Number(await row.locator('[data-field="clicks"]').getAttribute('data-value'))).toBe(point.clicks)
      expect(Number(await row.locator('[data-field="impressions"]').getAttribute('data-value'))).toBe(point.impressions)
      expect(Number(await row.locator('[data-field="ctr"]').getAttribute('data-value'))).toBeCloseTo(point.ctr, 9)
    }

    // A site without a Search Console connection: a hint where to connect one; all sites at once: no panel.
    await page.goto(`${app.url}/admin/analytics?site=${blog.id}&${rangeQuery}`)
    const hint = page.locator('[data-testid="analytics-search-hint"]')
    await hint.waitFor()
    expect(await hint.textContent()).toContain('not connected to Search Console')
    expect(await hint.locator('a').getAttribute('href')).toBe('/admin/analytics/sources')
    expect(await page.locator('[data-search-total]').count()).toBe(0)
    await page.goto(`${app.url}/admin/analytics?${rangeQuery}`)
    await page.locator('[data-testid="analytics-dashboard"]').waitFor()
    expect(await page.locator('[data-testid="analytics-search"]').count()).toBe(0)
    await context.close()
  })
})

describe('Analytics → Sources', () => {
  test('lists each connection with its sites and last run, offers Reconnect for the refused Google account, and never shows a credential', async () => {
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await page.goto(`${app.url}/admin`)
    const link = page.locator('#nav-group-Analytics #nav-analytics-sources-view')
    await expect.poll(() => link.count()).toBe(1)
    await link.click()
    await page.waitForURL(/\/admin\/analytics\/sources$/)
    await page.locator('[data-testid="analytics-sources"]').waitFor()

    const acme = page.locator(`[data-testid="analytics-source"][data-source="${ids.acmeSearch}"]`)
    expect(await acme.getAttribute('data-status')).toBe('ok')
    expect(await acme.locator('[data-testid="analytics-source-status"]').textContent()).toBe('OK')
    const shopRow = acme.locator(`tr[data-site="${shop.id}"]`)
    expect(await shopRow.getAttribute('data-run')).toBe('ok')
    expect(await shopRow.locator('td').nth(0).textContent()).toBe('sc-domain:shop.acme.test')
    expect(await shopRow.locator('td').nth(2).textContent()).toBe(String(eachDay(SYNCED.from, SYNCED.to).length))
    expect(await acme.locator('[data-testid="analytics-source-connect"]').textContent()).toBe('Reconnect Google account')

    const old = page.locator(`[data-testid="analytics-source"][data-source="${ids.oldGoogle}"]`)
    expect(await old.getAttribute('data-status')).toBe('reconnect')
    expect(await old.locator('[data-testid="analytics-source-status"]').textContent()).toBe('Reconnect needed')
    const globexRow = old.locator(`tr[data-site="${globex.id}"]`)
    expect(await globexRow.getAttribute('data-run')).toBe('failed')
    expect(await globexRow.locator('td').nth(4).textContent()).toMatch(/invalid_grant|reconnect/i)
    expect(await old.locator('[data-testid="analytics-source-error"]').textContent()).toContain('reconnect the Google account')
    // Reconnect leads (for this user) to Google's consent screen with our client, offline access.
    const href = (await old.locator('[data-testid="analytics-source-connect"]').getAttribute('href'))!
    const connect = await fetch(`${app.url}${href}`, { headers: { Authorization: `JWT ${tokens.admin}` }, redirect: 'manual' })
    expect(connect.status).toBe(302)
    const consent = new URL(connect.headers.get('location')!)
    expect(`${consent.origin}${consent.pathname}`).toBe(`${google.url}/auth`)
    expect(consent.searchParams.get('client_id')).toBe('client-1')
    expect(consent.searchParams.get('access_type')).toBe('offline')

    // Neither the plain credentials nor their sealed form are anywhere on the page.
    const { docs } = await app.payload.find({ collection: 'analytics-sources', depth: 0, showHiddenFields: true })
    const sealed = docs.map((doc) => String((doc as unknown as { credentialSealed: string }).credentialSealed))
    expect(sealed.every((value) => value.length > 20)).toBe(true)
    const html = await page.content()
    for (const secret of ['rt-good', 'rt-revoked', 'secret-1', ...sealed]) expect(html).not.toContain(secret)
    await shot(page, 'sources-view.png')
    await context.close()

    // Acme's editor manages Acme's sources only: Globex's connection is not listed.
    const editorContext = await contextFor(tokens.editor)
    const editorPage = await editorContext.newPage()
    await editorPage.goto(`${app.url}/admin/analytics/sources`)
    await editorPage.locator('[data-testid="analytics-sources"]').waitFor()
    expect(await editorPage.locator('[data-testid="analytics-source"]').evaluateAll((panels) => panels.map((panel) => panel.getAttribute('data-source')))).toEqual([ids.acmeSearch])
    await editorContext.close()
  })
})

describe('imported days', () => {
  test('the charts mark them; deleting the import (after a confirmation) removes it from the history and its figures from the API', async () => {
    const statsPath = `/analytics/stats?siteId=${blog.id}&${rangeQuery}`
    const before = await api<StatsResult>(statsPath, tokens.admin)
    expect(before.imported).toMatchObject({ from: IMPORTED[0], to: IMPORTED.at(-1) })
    expect(before.totals.visitors).toBeGreaterThan(0)
    const context = await contextFor(tokens.admin)
    const page = await context.newPage()
    await page.goto(`${app.url}/admin/collections/sites/${blog.id}/analytics?${rangeQuery}`)
    await page.locator('[data-testid="analytics-dashboard"]').waitFor()
    const marker = page.locator('[data-testid="analytics-imported-marker"]').first()
    await marker.waitFor()
    expect([await marker.getAttribute('data-from'), await marker.getAttribute('data-to')]).toEqual([IMPORTED[0], IMPORTED.at(-1)])
    // The band over the imported days on the traffic chart.
    await expect.poll(() => page.locator('[data-chart="traffic"] .recharts-reference-area').count()).toBe(1)
    expect(Number(await page.locator('[data-kpi="visitors"] .pa-kpi-value').getAttribute('data-value'))).toBe(before.totals.visitors)

    const history = page.locator('[data-testid="analytics-import-history"] tbody tr')
    await expect.poll(() => history.count()).toBe(1)
    expect(await history.first().textContent()).toContain('blog-plausible.zip')
    await shot(page, 'imported-days.png')
    let asked = ''
    page.once('dialog', (dialog) => {
      asked = dialog.message()
      void dialog.accept()
    })
    await history.first().locator('button:has-text("Delete")').click()
    await page.locator('[data-testid="analytics-imports"] :text("No imports yet.")').waitFor({ timeout: 30_000 })
    expect(asked).toContain(`${IMPORTED.length} days`)
    await expect.poll(() => page.locator('[data-testid="analytics-imported-marker"]').count()).toBe(0)

    const after = await api<StatsResult>(statsPath, tokens.admin)
    expect(after.imported).toBeNull()
    expect(after.totals.visitors).toBe(0)
    const left = await api<{ totalDocs: number }>(`/analytics-imports?where[site][equals]=${blog.id}`, tokens.admin)
    expect(left.totalDocs).toBe(0)
    await context.close()
  })
})
