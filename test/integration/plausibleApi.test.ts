/**
 * Plausible's Stats API (v2 query, v1) and Sites API, with API keys: every answer compared
 * with our own stats API on the same aggregated data; a key reads what its owner may read
 * now, narrowed by its sites and scopes; the hourly limit answers 429; keys are audited.
 * The v2 requests are the shapes Plausible's public documentation shows.
 */
import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { StatsResult } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { INVALID_KEY, MISSING_KEY } from '../../src/apiKeys/authenticate.js'
import { generateEvents, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'

const keyPrefix = `pa${randomBytes(4).toString('hex')}:`
let payload: Payload
let shop: DemoSite
let blog: DemoSite
let globex: DemoSite
let editorToken: string
let adminToken: string
/** Secrets: Acme's editor's key, the admin's key limited to Globex, a sites-only key. */
const keys = { editor: '', globexOnly: '', sitesOnly: '' }

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Plausible's JSON answers of many shapes, read field by field and checked by the assertions
type Answer = { body: Record<string, any>; headers: Headers; status: number }

async function call(method: 'GET' | 'POST', path: string, key: null | string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key !== null) headers.authorization = `Bearer ${key}`
  const answer = await rawRequest(payload, method, path, { body: body === undefined ? undefined : JSON.stringify(body), headers })
  return { body: JSON.parse(answer.text || 'null'), headers: answer.headers, status: answer.status }
}
const query = (body: unknown, key = keys.editor) => call('POST', '/v2/query', key, body)
/** Our own stats API, as Acme's editor logged in. */
const ours = async (params: string): Promise<StatsResult> => (await rest<StatsResult>(payload, 'GET', `/analytics/stats?${params}`, { token: editorToken })).body

async function createKey(token: string, data: Record<string, unknown>): Promise<string> {
  const { body, status } = await rest<{ doc: { secret?: string } }>(payload, 'POST', '/analytics-api-keys', { body: data, token })
  expect(status).toBe(201)
  return body.doc.secret!
}

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') } })
  const sites = await demoSites(payload)
  shop = sites['shop.acme.test']!
  blog = sites['blog.acme.test']!
  globex = sites['globex.test']!
  editorToken = await login(payload, 'editor@acme.test', 'editor')
  adminToken = await login(payload, 'admin@example.com', 'admin')
  const events = generateEvents({ days: recentDays(10), seed: 77, sessionsPerDay: [10, 20], sites: [shop, blog, globex] })
  await payload.analytics!.buffer.append(events)
  await payload.analytics!.aggregateNow()
  keys.editor = await createKey(editorToken, { name: 'Acme dashboards' })
  keys.globexOnly = await createKey(adminToken, { name: 'Globex only', sites: [globex.id] })
  keys.sitesOnly = await createKey(editorToken, { name: 'Sites only', scopes: ['sites:read'] })
})

afterAll(async () => {
  await payload?.destroy()
})

describe('API keys', () => {
  test('the secret is answered once at creation, stored hashed, never read back; creation and revocation are audited', async () => {
    expect(keys.editor).toMatch(/^pa_[\w-]{40,}$/)
    const { body } = await rest<{ docs: Array<Record<string, unknown>> }>(payload, 'GET', '/analytics-api-keys?depth=0', { token: editorToken })
    expect(body.docs.map((doc) => doc.name).sort()).toEqual(['Acme dashboards', 'Sites only'])
    for (const doc of body.docs) {
      expect(doc).not.toHaveProperty('secret')
      expect(doc).not.toHaveProperty('secretHash')
      expect(JSON.stringify(doc)).not.toContain(keys.editor.slice(10))
    }
    const secret = await createKey(editorToken, { name: 'Short-lived' })
    expect((await call('GET', '/v1/sites', secret)).status).toBe(200)
    const id = (await payload.find({ collection: 'analytics-api-keys', where: { name: { equals: 'Short-lived' } } })).docs[0]!.id
    expect((await rest(payload, 'PATCH', `/analytics-api-keys/${id}`, { body: { revoked: true }, token: editorToken })).status).toBe(200)
    expect(await call('GET', '/v1/sites', secret)).toMatchObject({ body: { error: INVALID_KEY }, status: 401 })
    const actions = (await payload.find({ collection: 'analytics-audit-log', pagination: false, where: { action: { like: 'apikey.' } } })).docs.map((row) => row.action)
    expect(actions.filter((action) => action === 'apikey.create').length).toBeGreaterThanOrEqual(4)
    expect(actions).toContain('apikey.revoke')
  })

  test('a user sees and changes only their own keys, and may not raise their hourly limit', async () => {
    const adminKeys = await payload.find({ collection: 'analytics-api-keys', where: { name: { equals: 'Globex only' } } })
    const id = adminKeys.docs[0]!.id
    expect((await rest(payload, 'GET', `/analytics-api-keys/${id}`, { token: editorToken })).status).toBe(404)
    const own = (await payload.find({ collection: 'analytics-api-keys', where: { name: { equals: 'Sites only' } } })).docs[0]!
    await rest(payload, 'PATCH', `/analytics-api-keys/${own.id}`, { body: { hourlyLimit: 1_000_000 }, token: editorToken })
    expect((await payload.findByID({ collection: 'analytics-api-keys', id: own.id })).hourlyLimit).toBe(600)
  })

  test('missing, malformed and unknown keys answer 401 with Plausible\'s wording; a key without the scope 403', async () => {
    expect(await call('GET', '/v1/sites', null)).toMatchObject({ body: { error: MISSING_KEY }, status: 401 })
    expect(await call('GET', '/v1/sites', 'pa_not-a-real-key-at-all-000000')).toMatchObject({ body: { error: INVALID_KEY }, status: 401 })
    expect(await query({ date_range: '7d', metrics: ['visitors'], site_id: 'shop.acme.test' }, keys.sitesOnly)).toMatchObject({ status: 403 })
  })

  test('the hourly limit answers 429 with Retry-After', async () => {
    const owner = (await payload.find({ collection: 'users', where: { email: { equals: 'editor@acme.test' } } })).docs[0]!
    const doc = await payload.create({ collection: 'analytics-api-keys', data: { hourlyLimit: 3, name: 'Tiny', user: owner.id } as never })
    const secret = (doc as unknown as { secret: string }).secret
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await call('GET', '/v1/sites', secret)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const limited = await call('GET', '/v1/sites', secret)
    expect(limited.body.error).toMatch(/limited to 3 requests per hour/)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  test('a Bearer key works on our own stats endpoints too, reading as its owner', async () => {
    const withKey = await call('GET', `/analytics/stats?siteId=${shop.id}&range=7d`, keys.editor)
    expect(withKey.status).toBe(200)
    expect(withKey.body.totals).toEqual((await ours(`siteId=${shop.id}&range=7d`)).totals)
    expect((await call('GET', `/analytics/stats?siteId=${globex.id}&range=7d`, keys.editor)).status).toBe(404)
  })

  test('a key limited to one tenant\'s site sees only that site on every endpoint', async () => {
    const key = keys.globexOnly
    expect((await call('GET', '/v1/sites', key)).body.sites.map((site: { domain: string }) => site.domain)).toEqual(['globex.test'])
    expect((await call('GET', '/v1/sites/shop.acme.test', key)).status).toBe(401)
    expect((await query({ date_range: '7d', metrics: ['visitors'], site_id: 'shop.acme.test' }, key)).status).toBe(401)
    expect((await query({ date_range: '7d', metrics: ['visitors'], site_id: 'globex.test' }, key)).status).toBe(200)
    expect((await call('GET', '/v1/stats/aggregate?site_id=shop.acme.test', key)).status).toBe(401)
    expect((await call('GET', '/analytics/stats?range=7d', key)).body.sites.map((row: { site: { domain: string } }) => row.site.domain)).toEqual(['globex.test'])
    expect((await call('GET', `/analytics/stats?siteId=${shop.id}`, key)).status).toBe(404)
  })
})

describe('Sites API', () => {
  test('lists the sites the key\'s owner may read, in pages with after/before cursors', async () => {
    const all = await call('GET', '/v1/sites', keys.editor)
    expect(all.status).toBe(200)
    expect(all.body).toEqual({ meta: { after: null, before: null, limit: 100 }, sites: [{ domain: 'blog.acme.test', timezone: 'UTC' }, { domain: 'shop.acme.test', timezone: 'UTC' }] })
    const first = await call('GET', '/v1/sites?limit=1', keys.editor)
    expect(first.body.sites).toEqual([{ domain: 'blog.acme.test', timezone: 'UTC' }])
    const second = await call('GET', `/v1/sites?limit=1&after=${first.body.meta.after}`, keys.editor)
    expect(second.body.sites).toEqual([{ domain: 'shop.acme.test', timezone: 'UTC' }])
    expect(second.body.meta.after).toBeNull()
    const back = await call('GET', `/v1/sites?limit=1&before=${second.body.meta.before}`, keys.editor)
    expect(back.body.sites).toEqual(first.body.sites)
  })

  test('one site by its domain; another tenant\'s is not found', async () => {
    expect(await call('GET', '/v1/sites/shop.acme.test', keys.editor)).toMatchObject({ body: { domain: 'shop.acme.test', timezone: 'UTC' }, status: 200 })
    expect((await call('GET', '/v1/sites/globex.test', keys.editor)).status).toBe(401)
  })
})

describe('Stats API v2: POST /api/v2/query', () => {
  test('aggregate of the documented metrics equals our totals', async () => {
    const answer = await query({ date_range: '7d', metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'], site_id: 'shop.acme.test' })
    expect(answer.status).toBe(200)
    const { totals } = await ours(`siteId=${shop.id}&range=7d`)
    expect(totals.visitors).toBeGreaterThan(0)
    expect(answer.body.results).toEqual([
      {
        dimensions: [],
        metrics: [totals.visitors, totals.visits, totals.pageviews, Math.round(totals.viewsPerVisit * 100) / 100, Math.round(totals.bounceRate * 100), Math.round(totals.avgVisitDuration)],
      },
    ])
    expect(answer.body.query).toMatchObject({ dimensions: [], filters: [], metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'], site_id: 'shop.acme.test' })
    const [from, to] = answer.body.query.date_range
    expect(from).toBe(`${recentDays(7)[0]}T00:00:00+00:00`)
    expect(to).toBe(`${recentDays(1)[0]}T23:59:59+00:00`)
  })

  test('a daily time series with time labels equals our series', async () => {
    const answer = await query({ date_range: '7d', dimensions: ['time:day'], include: { time_labels: true }, metrics: ['visitors', 'pageviews'], site_id: 'shop.acme.test' })
    const { series } = await ours(`siteId=${shop.id}&range=7d&interval=day`)
    expect(answer.body.meta.time_labels).toEqual(series.map((point) => point.date))
    expect(answer.body.results).toEqual(series.filter((point) => point.visitors > 0).map((point) => ({ dimensions: [point.date], metrics: [point.visitors, point.pageviews] })))
  })

  test('a breakdown by source, by visitors, with percentage, total_rows and pagination', async () => {
    const { breakdowns, totals } = await ours(`siteId=${shop.id}&range=30d&breakdown=sources&limit=1000`)
    // Direct visits are "Direct / None", as Plausible's documentation writes them.
    const expected = breakdowns.sources!.map((row) => ({ dimensions: [row.key === '' ? 'Direct / None' : row.key], metrics: [row.visitors, row.visits, Math.round((row.visitors / totals.visitors) * 10_000) / 100] }))
    expect(expected.map((row) => row.dimensions[0])).toContain('Direct / None')
    const full = await query({ date_range: '30d', dimensions: ['visit:source'], include: { total_rows: true }, metrics: ['visitors', 'visits', 'percentage'], site_id: 'shop.acme.test' })
    expect(full.status).toBe(200)
    expect(expected.length).toBeGreaterThan(2)
    expect(full.body.results.map((row: { metrics: number[] }) => row.metrics[0])).toEqual([...expected.map((row) => row.metrics[0])].sort((x, y) => y! - x!))
    expect(new Set(full.body.results.map((row: { dimensions: string[] }) => row.dimensions[0]))).toEqual(new Set(expected.map((row) => row.dimensions[0])))
    expect(full.body.meta.total_rows).toBe(expected.length)
    const page = await query({ date_range: '30d', dimensions: ['visit:source'], metrics: ['visitors', 'visits', 'percentage'], pagination: { limit: 2, offset: 1 }, site_id: 'shop.acme.test' })
    expect(page.body.results).toEqual(full.body.results.slice(1, 3))
  })

  test('devices are spelled as Plausible documents them, in answers and in filters', async () => {
    const { breakdowns } = await ours(`siteId=${shop.id}&range=7d&breakdown=devices,sources`)
    const spelled: Record<string, string> = { desktop: 'Desktop', mobile: 'Mobile', other: '(not set)', tablet: 'Tablet' }
    const answer = await query({ date_range: '7d', dimensions: ['visit:device'], metrics: ['visitors'], site_id: 'shop.acme.test' })
    expect(new Map(answer.body.results.map((row: { dimensions: [string]; metrics: [number] }) => [row.dimensions[0], row.metrics[0]]))).toEqual(
      new Map(breakdowns.devices!.map((row) => [spelled[row.key], row.visitors])),
    )
    const desktop = breakdowns.devices!.find((row) => row.key === 'desktop')!
    const direct = breakdowns.sources!.find((row) => row.key === '')!
    const filtered = (dimension: string, value: string) => query({ date_range: '7d', filters: [['is', dimension, [value]]], metrics: ['visitors'], site_id: 'shop.acme.test' })
    expect((await filtered('visit:device', 'Desktop')).body.results[0].metrics[0]).toBe(desktop.visitors)
    expect((await filtered('visit:source', 'Direct / None')).body.results[0].metrics[0]).toBe(direct.visitors)
  })

  test('top pages with time on page and scroll depth, ordered as asked', async () => {
    const { breakdowns } = await ours(`siteId=${shop.id}&range=30d&breakdown=pages&limit=1000`)
    const answer = await query({ date_range: '30d', dimensions: ['event:page'], metrics: ['pageviews', 'time_on_page', 'scroll_depth'], order_by: [['pageviews', 'asc']], site_id: 'shop.acme.test' })
    expect(answer.status).toBe(200)
    const byPage = new Map(breakdowns.pages!.map((row) => [row.key, row]))
    for (const row of answer.body.results as Array<{ dimensions: [string]; metrics: [number, null | number, null | number] }>) {
      const mine = byPage.get(row.dimensions[0])!
      expect(row.metrics).toEqual([mine.pageviews, mine.timeOnPage === null || mine.timeOnPage === undefined ? null : Math.round(mine.timeOnPage), mine.scrollDepth === null || mine.scrollDepth === undefined ? null : Math.round(mine.scrollDepth)])
    }
    const views = answer.body.results.map((row: { metrics: number[] }) => row.metrics[0])
    expect(views).toEqual([...views].sort((x: number, y: number) => x - y))
  })

  test('documented error cases: 400 with what is wrong or not supported', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ date_range: '7d', metrics: ['visitors'] }, /site_id/],
      [{ date_range: '7d', metrics: ['visitors', 'nonsense'], site_id: 'shop.acme.test' }, /Unknown metric "nonsense"/],
      [{ date_range: 'forever', metrics: ['visitors'], site_id: 'shop.acme.test' }, /Invalid date_range "forever"/],
      [{ date_range: '7d', filters: [['matches', 'event:page', ['^/blog']]], metrics: ['visitors'], site_id: 'shop.acme.test' }, /"matches" is not supported/],
      [{ date_range: '7d', filters: [['or', [['is', 'visit:country', ['DE']], ['is', 'visit:browser', ['Chrome']]]]], metrics: ['visitors'], site_id: 'shop.acme.test' }, /"or" filters are supported only over one dimension/],
      [{ date_range: '7d', filters: [['has_done', ['is', 'event:name', ['Signup']]]], metrics: ['visitors'], site_id: 'shop.acme.test' }, /Behavioural filters/],
      [{ date_range: '7d', filters: [['is', 'visit:city', ['Berlin']]], metrics: ['visitors'], site_id: 'shop.acme.test' }, /Filtering by visit:city is not supported/],
      [{ date_range: '7d', dimensions: ['visit:source', 'visit:country'], metrics: ['visitors'], site_id: 'shop.acme.test' }, /two dimensions/],
      [{ date_range: ['2026-11-01T10:00:00+00:00', '2026-11-02T10:00:00+00:00'], metrics: ['visitors'], site_id: 'shop.acme.test' }, /with times/],
      [{ date_range: '7d', dimensions: ['time:day'], metrics: ['total_revenue'], site_id: 'shop.acme.test' }, /total_revenue is not supported with a time dimension/],
      [{ date_range: '7d', metrics: ['percentage'], site_id: 'shop.acme.test' }, /only be queried with a dimension/],
      [{ date_range: '7d', dimensions: ['visit:referrer'], metrics: ['visitors'], site_id: 'shop.acme.test' }, /visit:referrer is not supported: it is not kept/],
    ]
    for (const [body, message] of cases) {
      const answer = await query(body)
      expect(answer.status, JSON.stringify(body)).toBe(400)
      expect(answer.body.error).toMatch(message)
    }
    expect(await query({ date_range: '7d', metrics: ['visitors'], site_id: 'unknown.test' })).toMatchObject({ body: { error: INVALID_KEY }, status: 401 })
  })
})

describe('filters', () => {
  test('v2 filters (is, is_not, and, not, or over one dimension) equal our filtered stats', async () => {
    const { totals } = await ours(`siteId=${shop.id}&range=7d&filter=${encodeURIComponent('country:is:DE|US')}&filter=${encodeURIComponent('browser:is_not:Safari')}`)
    expect(totals.visitors).toBeGreaterThan(0)
    const metrics = ['visitors', 'visits', 'pageviews', 'bounce_rate']
    const expected = [totals.visitors, totals.visits, totals.pageviews, Math.round(totals.bounceRate * 100)]
    const plain = await query({ date_range: '7d', filters: [['is', 'visit:country', ['DE', 'US']], ['is_not', 'visit:browser', ['Safari']]], metrics, site_id: 'shop.acme.test' })
    expect(plain.body.results[0].metrics).toEqual(expected)
    const nested = await query({
      date_range: '7d',
      filters: [['and', [['or', [['is', 'visit:country', ['DE']], ['is', 'visit:country', ['US']]]], ['not', ['is', 'visit:browser', ['Safari']]]]]],
      metrics,
      site_id: 'shop.acme.test',
    })
    expect(nested.body.results[0].metrics).toEqual(expected)
    const unfiltered = await query({ date_range: '7d', metrics: ['visitors'], site_id: 'shop.acme.test' })
    expect(unfiltered.body.results[0].metrics[0]).toBeGreaterThan(totals.visitors)
  })

  test('v1 filters (== != and | ;) equal our filtered stats', async () => {
    const { totals } = await ours(`siteId=${shop.id}&range=7d&filter=${encodeURIComponent('country:is:DE|US')}&filter=${encodeURIComponent('browser:is_not:Safari')}`)
    const answer = await call('GET', `/v1/stats/aggregate?site_id=shop.acme.test&period=7d&metrics=visitors,pageviews&filters=${encodeURIComponent('visit:country==DE|US;visit:browser!=Safari')}`, keys.editor)
    expect(answer.body.results).toEqual({ pageviews: { value: totals.pageviews }, visitors: { value: totals.visitors } })
  })
})

describe('custom properties and goals', () => {
  test('a custom property as a dimension equals our property breakdown', async () => {
    const { breakdowns } = await ours(`siteId=${shop.id}&range=30d&breakdown=prop:plan&limit=1000`)
    const mine = (breakdowns as Record<string, Array<{ events?: number; key: string; visitors: number }>>)['prop:plan']!
    expect(mine.length).toBeGreaterThan(0)
    const answer = await query({ date_range: '30d', dimensions: ['event:props:plan'], metrics: ['visitors', 'events'], site_id: 'shop.acme.test' })
    expect(answer.status).toBe(200)
    expect(new Map(answer.body.results.map((row: { dimensions: string[]; metrics: number[] }) => [row.dimensions[0], row.metrics]))).toEqual(
      new Map(mine.map((row) => [row.key, [row.visitors, row.events ?? 0]])),
    )
  })
})

describe('goals', () => {
  test('event:goal as a dimension equals our goal breakdown (visitors, conversions, conversion rate)', async () => {
    const { breakdowns } = await ours(`siteId=${shop.id}&range=30d&breakdown=goals`)
    const goals = breakdowns.goals!
    expect(goals.some((goal) => goal.conversions > 0)).toBe(true)
    const answer = await query({ date_range: '30d', dimensions: ['event:goal'], metrics: ['visitors', 'events', 'conversion_rate'], site_id: 'shop.acme.test' })
    expect(answer.status).toBe(200)
    expect(new Map(answer.body.results.map((row: { dimensions: string[]; metrics: number[] }) => [row.dimensions[0], row.metrics]))).toEqual(
      new Map(goals.map((goal) => [goal.key, [goal.visitors, goal.conversions, Math.round(goal.conversionRate * 10_000) / 100]])),
    )
  })
})

describe('Stats API v1', () => {
  test('aggregate with compare=previous_period equals our compare', async () => {
    const answer = await call('GET', '/v1/stats/aggregate?site_id=shop.acme.test&period=7d&metrics=visitors,pageviews,bounce_rate&compare=previous_period', keys.editor)
    expect(answer.status).toBe(200)
    const compare = (await rest<{ totals: Record<string, { current: number; previous: number }> }>(payload, 'GET', `/analytics/compare?siteId=${shop.id}&range=7d`, { token: editorToken })).body.totals
    const pct = (now: number, was: number) => (was ? Math.round(((now - was) / was) * 100) : now ? 100 : 0)
    expect(answer.body.results).toEqual({
      bounce_rate: { change: Math.round(compare.bounceRate!.current * 100) - Math.round(compare.bounceRate!.previous * 100), value: Math.round(compare.bounceRate!.current * 100) },
      pageviews: { change: pct(compare.pageviews!.current, compare.pageviews!.previous), value: compare.pageviews!.current },
      visitors: { change: pct(compare.visitors!.current, compare.visitors!.previous), value: compare.visitors!.current },
    })
  })

  test('timeseries lists every day, zeros included, as our series', async () => {
    const answer = await call('GET', '/v1/stats/timeseries?site_id=blog.acme.test&period=30d&metrics=visitors,visits', keys.editor)
    const { series } = await ours(`siteId=${blog.id}&range=30d&interval=day`)
    expect(answer.body.results).toEqual(series.map((point) => ({ date: point.date, visitors: point.visitors, visits: point.visits })))
  })

  test('breakdown with property, limit and page', async () => {
    const first = await call('GET', '/v1/stats/breakdown?site_id=shop.acme.test&period=30d&property=event:page&limit=2&page=1', keys.editor)
    const second = await call('GET', '/v1/stats/breakdown?site_id=shop.acme.test&period=30d&property=event:page&limit=2&page=2', keys.editor)
    const all = await query({ date_range: '30d', dimensions: ['event:page'], metrics: ['visitors'], site_id: 'shop.acme.test' })
    const expected = all.body.results.map((row: { dimensions: string[]; metrics: number[] }) => ({ page: row.dimensions[0], visitors: row.metrics[0] }))
    expect([...first.body.results, ...second.body.results]).toEqual(expected.slice(0, 4))
  })

  test('realtime visitors is a number; a malformed v1 filter is a 400', async () => {
    const answer = await call('GET', '/v1/stats/realtime/visitors?site_id=shop.acme.test', keys.editor)
    expect(answer.status).toBe(200)
    expect(typeof answer.body).toBe('number')
    const filtered = await call('GET', '/v1/stats/aggregate?site_id=shop.acme.test&filters=visit:country%3E%3EDE', keys.editor)
    expect(filtered.status).toBe(400)
    expect(filtered.body.error).toMatch(/Invalid filter/)
  })
})
