/**
 * External sources against a local Google (token endpoint + searchAnalytics.query): the
 * encrypted connection, the OAuth connect flow, what our side sends (auth, paging, pacing),
 * stored figures equal to the fixtures, 429/401/invalid_grant, a nightly run over 50 sites
 * with 5 failing, a run killed midway and restarted, and a 60-day backfill with progress.
 */
import type { Payload } from 'payload'

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import type { SearchDaysMeta, SearchRow } from '../../src/core/searchStats.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { searchRowsOf } from '../../src/core/searchStats.js'
import { addDays, eachDay } from '../../src/core/statsRange.js'
import { openCredential } from '../../src/sources/credentials.js'
import { PLAUSIBLE_PAGE_LIMIT } from '../../src/sources/plausibleApi.js'
import { collectionTable, drizzleOf, sql } from '../../src/store/db.js'
import { fixtureRows, fixtureTotals, startFakeGoogle } from '../helpers/fakeGoogle.js'
import { dayFigures, startFakeMatomo, startFakePlausible } from '../helpers/fakeImportApis.js'
import { demoSites } from '../helpers/fixtures.js'
import { runCli } from '../helpers/cli.js'
import { bootPayload } from '../helpers/payload.js'
import { rawRequest, rest } from '../helpers/rest.js'
import { roleTokens } from '../helpers/roles.js'

type Id = number | string
const FAST_RETRY = { baseMs: 5, maxAttempts: 4, maxMs: 20 }

let payload: Payload
let google: Awaited<ReturnType<typeof startFakeGoogle>>
let matomo: Awaited<ReturnType<typeof startFakeMatomo>>
let plausible: Awaited<ReturnType<typeof startFakePlausible>>
let sites: Record<string, DemoSite>
let tokens: Awaited<ReturnType<typeof roleTokens>>

beforeAll(async () => {
  google = await startFakeGoogle()
  matomo = await startFakeMatomo()
  plausible = await startFakePlausible({ tooManyFirst: 2 })
  payload = await bootPayload({
    analytics: {
      sources: {
        // 20 ms apart: the pacing is measurable, the test stays short.
        plausibleRequestsPerHour: 180_000,
        google: { clientId: 'client-1', clientSecret: 'secret-1', endpoints: { apiUrl: google.url, authUrl: `${google.url}/auth`, tokenUrl: `${google.url}/token` }, requestsPerMinute: 1200 },
      },
    },
  })
  sites = await demoSites(payload)
  tokens = await roleTokens(payload)
}, 120_000)

afterAll(async () => {
  await payload?.destroy()
  await google?.close()
  await matomo?.close()
  await plausible?.close()
})

async function importedTotals(siteId: Id): Promise<Array<{ bounces: number; date: string; pageviews: number; totalDuration: number; visitors: number; visits: number }>> {
  const table = collectionTable(payload, 'analytics-imported-stats')
  const result = await drizzleOf(payload).execute(sql`
    SELECT to_char(date AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, visitors, visits, pageviews, bounces, total_duration
    FROM ${table.ref} WHERE site = ${siteId} AND dimension = 'total' ORDER BY date`)
  return (result.rows as Array<Record<string, unknown>>).map((row) => ({
    bounces: Number(row.bounces),
    date: String(row.date),
    pageviews: Number(row.pageviews),
    totalDuration: Number(row.total_duration),
    visitors: Number(row.visitors),
    visits: Number(row.visits),
  }))
}

async function importedKeys(siteId: Id, dimension: string): Promise<string[]> {
  const table = collectionTable(payload, 'analytics-imported-stats')
  const result = await drizzleOf(payload).execute(sql`SELECT DISTINCT key FROM ${table.ref} WHERE site = ${siteId} AND dimension::text = ${dimension} ORDER BY key`)
  return (result.rows as Array<{ key: string }>).map((row) => row.key)
}

const newSite = async (domain: string) => (await payload.create({ collection: 'sites', data: { domain, name: domain, tenant: shop().tenant } as never })).id

const shop = () => sites['shop.acme.test']!
const cfg = () => payload.analytics!.config

async function gscSource(name: string, mapping: Array<{ remoteId: string; site: Id }>, refreshToken: null | string = 'rt-good'): Promise<Id> {
  const doc = await payload.create({ collection: 'analytics-sources', data: { credential: refreshToken ?? undefined, kind: 'gsc', name, sites: mapping } as never })
  return doc.id
}

async function storedRows(siteId: Id): Promise<Array<SearchRow & { date: string; final: boolean }>> {
  const table = collectionTable(payload, 'analytics-search-stats')
  const result = await drizzleOf(payload).execute(sql`
    SELECT to_char(date, 'YYYY-MM-DD') AS date, dimension::text AS dimension, key, clicks, impressions, position_sum, final
    FROM ${table.ref} WHERE site_id = ${siteId} ORDER BY date, dimension, key`)
  return (result.rows as Array<Record<string, unknown>>).map((row) => ({
    clicks: Number(row.clicks),
    date: String(row.date),
    dimension: row.dimension as SearchRow['dimension'],
    final: Boolean(row.final),
    impressions: Number(row.impressions),
    key: String(row.key),
    positionSum: Number(row.position_sum),
  }))
}

const totalsOf = (rows: Awaited<ReturnType<typeof storedRows>>) => rows.filter((row) => row.dimension === 'total')

describe('source connections', () => {
  test('a credential is stored encrypted and never returned; changes are audited; another tenant sees nothing', async () => {
    const created = await rest<{ doc: Record<string, unknown> }>(payload, 'POST', '/analytics-sources', {
      body: { baseUrl: 'https://matomo.example.test', credential: 'token-plain-123', kind: 'matomo', name: 'Matomo', sites: [{ remoteId: '7', site: shop().id }] },
      token: tokens.editor,
    })
    expect(created.status).toBe(201)
    const id = created.body.doc.id as Id
    expect(JSON.stringify(created.body)).not.toContain('token-plain-123')
    expect(created.body.doc).not.toHaveProperty('credentialSealed')
    expect(created.body.doc.hasCredential).toBe(true)

    const read = await rest(payload, 'GET', `/analytics-sources/${id}`, { token: tokens.editor })
    expect(read.status).toBe(200)
    expect(JSON.stringify(read.body)).not.toMatch(/token-plain-123|credentialSealed|v1\./)

    const table = collectionTable(payload, 'analytics-sources')
    const raw = await drizzleOf(payload).execute(sql`SELECT credential_sealed FROM ${table.ref} WHERE id = ${id}`)
    const sealed = String((raw.rows[0] as { credential_sealed: string }).credential_sealed)
    expect(sealed.startsWith('v1.')).toBe(true)
    expect(sealed).not.toContain('token-plain')
    expect(await openCredential(payload, cfg(), id)).toBe('token-plain-123')

    // A change of name keeps the credential; a new one replaces it.
    expect((await rest(payload, 'PATCH', `/analytics-sources/${id}`, { body: { name: 'Matomo 2' }, token: tokens.editor })).status).toBe(200)
    expect(await openCredential(payload, cfg(), id)).toBe('token-plain-123')
    expect((await rest(payload, 'PATCH', `/analytics-sources/${id}`, { body: { credential: 'token-new' }, token: tokens.editor })).status).toBe(200)
    expect(await openCredential(payload, cfg(), id)).toBe('token-new')

    const { docs: auditRows } = await payload.find({ collection: 'analytics-audit-log', where: { action: { like: 'source.' } }, sort: 'createdAt' })
    const mine = auditRows.filter((row) => (row.details as { source?: Id } | null)?.source === id)
    expect(mine.map((row) => row.action)).toEqual(['source.create', 'source.update', 'source.update'])
    expect((mine[2]!.details as { changed: string[] }).changed).toEqual(['credential'])
    expect(JSON.stringify(mine)).not.toContain('token-')

    // Globex's editor neither sees nor changes it.
    expect((await rest(payload, 'GET', `/analytics-sources/${id}`, { token: tokens.otherEditor })).status).toBe(404)
    expect([403, 404]).toContain((await rest(payload, 'PATCH', `/analytics-sources/${id}`, { body: { name: 'x' }, token: tokens.otherEditor })).status)
    expect([403, 404]).toContain((await rest(payload, 'DELETE', `/analytics-sources/${id}`, { token: tokens.otherEditor })).status)
    expect((await payload.findByID({ collection: 'analytics-sources', id })).name).toBe('Matomo 2')
    // Nor maps a source to Acme's site.
    const foreign = await rest(payload, 'POST', '/analytics-sources', { body: { kind: 'gsc', name: 'G', sites: [{ remoteId: 'sc-domain:x.test', site: shop().id }] }, token: tokens.otherEditor })
    expect(foreign.status).toBe(400)
    // A malformed property is a 400, nothing stored.
    const bad = await rest(payload, 'POST', '/analytics-sources', { body: { kind: 'gsc', name: 'G', sites: [{ remoteId: 'example.com', site: shop().id }] }, token: tokens.editor })
    expect(bad.status).toBe(400)
    await payload.delete({ collection: 'analytics-sources', id })
  })
})

describe('Google Search Console', () => {
  test('the connect flow asks for offline access and stores the refresh token encrypted', async () => {
    const id = await gscSource('Google (connect)', [{ remoteId: 'sc-domain:connect.test', site: shop().id }], null)
    const start = await rawRequest(payload, 'GET', `/analytics/sources/${id}/google/connect`, { headers: { authorization: `JWT ${tokens.editor}` } })
    expect(start.status).toBe(302)
    const consent = new URL(start.headers.get('location')!)
    expect(consent.origin + consent.pathname).toBe(`${google.url}/auth`)
    expect(Object.fromEntries(consent.searchParams)).toMatchObject({ access_type: 'offline', client_id: 'client-1', prompt: 'consent', response_type: 'code', scope: 'https://www.googleapis.com/auth/webmasters.readonly' })
    const state = consent.searchParams.get('state')!
    // Someone else cannot start it, nor finish it.
    expect((await rawRequest(payload, 'GET', `/analytics/sources/${id}/google/connect`, { headers: { authorization: `JWT ${tokens.otherEditor}` } })).status).toBe(404)
    const stolen = await rawRequest(payload, 'GET', `/analytics/sources/google/callback?code=good-code&state=${encodeURIComponent(state)}`, { headers: { authorization: `JWT ${tokens.manager}` } })
    expect(stolen.status).toBe(400)

    const done = await rawRequest(payload, 'GET', `/analytics/sources/google/callback?code=good-code&state=${encodeURIComponent(state)}`, { headers: { authorization: `JWT ${tokens.editor}` } })
    expect(done.status).toBe(302)
    expect(done.headers.get('location')).toContain(`/admin/collections/analytics-sources/${id}?google=connected`)
    const exchange = google.requests.filter((request) => request.path === '/token' && (request.body as Record<string, string>).grant_type === 'authorization_code').at(-1)!
    expect(exchange.body).toMatchObject({ client_id: 'client-1', client_secret: 'secret-1', code: 'good-code' })
    expect(exchange.url).toBe('/token')
    expect(await openCredential(payload, cfg(), id)).toBe('rt-from-code')
    const doc = await payload.findByID({ collection: 'analytics-sources', id })
    expect(doc.status).toBe('ok')
    await payload.delete({ collection: 'analytics-sources', id })
  })

  test('a backfill stores each day as the fixtures say, paging by 25,000 rows, with refresh tokens only in POST bodies', async () => {
    const property = 'sc-domain:shop.acme.test'
    google.behaviours.set(property, { queries: 30_000 })
    const id = await gscSource('Google (shop)', [{ remoteId: property, site: shop().id }])
    const days = ['2026-10-01', '2026-10-02']
    const before = google.requests.length
    const result = await payload.analytics!.sources.run({ from: days[0], kind: 'gsc', retry: FAST_RETRY, siteId: shop().id, to: days[1] })
    expect(result.outcomes).toEqual([expect.objectContaining({ days: 2, siteId: shop().id, status: 'ok' })])

    const sent = google.requests.slice(before)
    const queries = sent.filter((request) => request.property === property)
    // Per day: totals, 2 pages of queries, pages, countries, devices.
    expect(queries).toHaveLength(days.length * 6)
    for (const request of queries) {
      expect(request.authorization).toMatch(/^Bearer at-\d+$/)
      expect(request.body).toMatchObject({ dataState: 'all', type: 'web' })
      expect(request.body.startDate).toBe(request.body.endDate)
    }
    const queryPages = queries.filter((request) => (request.body.dimensions as string[])[0] === 'query').map((request) => [request.body.startDate, request.body.startRow, request.body.rowLimit])
    expect(queryPages).toEqual(days.flatMap((day) => [[day, 0, 25_000], [day, 25_000, 25_000]]))
    const refreshes = sent.filter((request) => request.path === '/token')
    expect(refreshes.length).toBeGreaterThan(0)
    for (const request of refreshes) {
      expect(request.url).toBe('/token')
      expect(request.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'rt-good' })
    }

    const stored = await storedRows(shop().id)
    for (const day of days) {
      const fixture = fixtureTotals(property, day)
      const total = stored.find((row) => row.date === day && row.dimension === 'total')!
      expect(total).toMatchObject({ clicks: fixture.clicks, final: true, impressions: fixture.impressions })
      expect(total.positionSum).toBeCloseTo(fixture.position * fixture.impressions, 6)
      const expectedQueries = searchRowsOf('query', fixtureRows(property, day, 'query', 30_000))
      const storedQueries = stored.filter((row) => row.date === day && row.dimension === 'query')
      expect(storedQueries.map((row) => [row.key, row.clicks, row.impressions])).toEqual(
        expectedQueries.map((row) => [row.key, row.clicks, row.impressions]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))).sort(() => 0),
      )
      // Countries arrive in alpha-3 and are kept in alpha-2; Google's unknown (zzz) is empty.
      expect(stored.filter((row) => row.date === day && row.dimension === 'country').map((row) => row.key).sort()).toEqual(['', 'DE', 'FR', 'US'])
      expect(stored.filter((row) => row.date === day && row.dimension === 'device').map((row) => row.key).sort()).toEqual(['desktop', 'mobile', 'tablet'])
    }

    // The search endpoint reads the same figures back.
    const search = await rest<{ meta: SearchDaysMeta; series: Array<{ clicks: number; date: string }>; top: { queries: Array<{ key: string }> }; totals: { clicks: number; impressions: number } }>(
      payload,
      'GET',
      `/analytics/search?site=${shop().id}&from=${days[0]}&to=${days[1]}`,
      { token: tokens.editor },
    )
    expect(search.status).toBe(200)
    expect(search.body.totals.clicks).toBe(days.reduce((sum, day) => sum + fixtureTotals(property, day).clicks, 0))
    expect(search.body.series.map((row) => row.date)).toEqual(days)
    expect(search.body.top.queries[0]!.key).toBe('query 0 “ü”')
    // The days are Google's (Pacific time); the shop keeps the default zone, so the answer says so.
    expect(cfg().defaults.timeZone).not.toBe('America/Los_Angeles')
    expect(search.body.meta).toEqual({ daysNote: expect.stringContaining("Google's days in America/Los_Angeles"), siteTimeZone: cfg().defaults.timeZone, timeZone: 'America/Los_Angeles' })
    expect((await rest(payload, 'GET', `/analytics/search?site=${shop().id}&from=${days[0]}&to=${days[1]}`, { token: tokens.otherEditor })).status).toBe(404)
    expect((await rest(payload, 'GET', `/analytics/search?site=${shop().id}&from=nope&to=${days[1]}`, { token: tokens.editor })).status).toBe(400)
    await payload.delete({ collection: 'analytics-sources', id })
    google.behaviours.delete(property)
  }, 60_000)

  test('requests to one property are paced; a 429 is retried, a 401 refreshes the token once', async () => {
    const site = await payload.create({ collection: 'sites', data: { domain: 'paced.acme.test', name: 'Paced', tenant: shop().tenant } as never })
    const property = 'https://paced.acme.test/'
    google.behaviours.set(property, { tooManyFirst: 2, unauthorizedFirst: 1 })
    const id = await gscSource('Google (paced)', [{ remoteId: property, site: site.id }])
    const before = google.requests.length
    const result = await payload.analytics!.sources.run({ from: '2026-10-05', kind: 'gsc', retry: FAST_RETRY, siteId: site.id, to: '2026-10-05' })
    expect(result.outcomes[0]!.status).toBe('ok')
    const sent = google.requests.slice(before).filter((request) => request.property === property)
    // 5 queries + 1 answered 401 + 2 answered 429.
    expect(sent).toHaveLength(8)
    const refreshes = google.requests.slice(before).filter((request) => request.path === '/token')
    expect(refreshes).toHaveLength(2)
    // 1200 a minute: 8 requests take at least 7 × 50 ms (unpaced, they take a few ms).
    expect(sent.at(-1)!.at - sent[0]!.at).toBeGreaterThanOrEqual(7 * 50 - 15)
    expect(totalsOf(await storedRows(site.id))[0]).toMatchObject({ clicks: fixtureTotals(property, '2026-10-05').clicks })
    await payload.delete({ collection: 'analytics-sources', id })
  }, 60_000)

  test('a refused grant puts the connection in the reconnect state, without asking Google again for every site', async () => {
    google.revoke('rt-revoked')
    const extra = await payload.create({ collection: 'sites', data: { domain: 'revoked.acme.test', name: 'Revoked', tenant: shop().tenant } as never })
    const id = await gscSource('Google (revoked)', [{ remoteId: 'sc-domain:shop.acme.test', site: shop().id }, { remoteId: 'sc-domain:revoked.acme.test', site: extra.id }], 'rt-revoked')
    const before = google.requests.length
    const result = await payload.analytics!.sources.run({ kind: 'gsc', now: new Date('2026-10-20T02:00:00Z'), retry: FAST_RETRY })
    const mine = result.outcomes.filter((outcome) => outcome.sourceId === id)
    expect(mine.map((outcome) => outcome.status)).toEqual(['failed', 'failed'])
    expect(mine[0]!.reason).toMatch(/reconnect/i)
    expect(google.requests.slice(before).filter((request) => (request.body as Record<string, string>).refresh_token === 'rt-revoked')).toHaveLength(1)
    const doc = await payload.findByID({ collection: 'analytics-sources', id })
    expect(doc).toMatchObject({ failedRuns: 1, status: 'reconnect' })
    expect(String(doc.lastError)).toMatch(/reconnect/i)
    await payload.delete({ collection: 'analytics-sources', id })
  }, 60_000)

  test('partial days are stored as not final and fetched again by the next run', async () => {
    const site = await payload.create({ collection: 'sites', data: { domain: 'partial.acme.test', name: 'Partial', tenant: shop().tenant } as never })
    const property = 'sc-domain:partial.acme.test'
    const now = new Date('2026-11-10T02:00:00Z')
    google.behaviours.set(property, { firstIncompleteDate: '2026-11-07' })
    const id = await gscSource('Google (partial)', [{ remoteId: property, site: site.id }])
    await payload.analytics!.sources.run({ kind: 'gsc', now, retry: FAST_RETRY, siteId: site.id })
    const first = totalsOf(await storedRows(site.id))
    expect(first.map((row) => [row.date, row.final])).toEqual(eachDay('2026-11-06', '2026-11-08').map((day) => [day, day < '2026-11-07']))
    // Next night Google has finished those days: only the unfinished ones (and the new day) are asked for.
    google.behaviours.set(property, {})
    const before = google.requests.length
    await payload.analytics!.sources.run({ kind: 'gsc', now: new Date('2026-11-11T02:00:00Z'), retry: FAST_RETRY, siteId: site.id })
    const asked = new Set(google.requests.slice(before).filter((request) => request.property === property).map((request) => request.body.startDate))
    expect([...asked].sort()).toEqual(['2026-11-07', '2026-11-08', '2026-11-09'])
    expect(totalsOf(await storedRows(site.id)).every((row) => row.final)).toBe(true)
    await payload.delete({ collection: 'analytics-sources', id })
  }, 60_000)
})

describe('the nightly run', () => {
  test('50 sites where 5 fail in different ways: the other 45 finish, the 5 are reported, the metric counts them', async () => {
    const created: Id[] = []
    for (let i = 0; i < 50; i++) {
      const site = await payload.create({ collection: 'sites', data: { domain: `n${i}.fleet.test`, name: `Fleet ${i}`, tenant: shop().tenant } as never })
      created.push(site.id)
    }
    const property = (i: number) => `sc-domain:n${i}.fleet.test`
    google.behaviours.set(property(3), { failWith: { reason: 'forbidden', status: 403 } })
    google.behaviours.set(property(11), { failWith: { reason: 'backendError', status: 500 } })
    google.behaviours.set(property(22), { garbage: true })
    google.behaviours.set(property(33), { tooManyFirst: 100 })
    google.behaviours.set(property(44), { failWith: { reason: 'quotaExceeded', status: 403 } })
    const healthy = await gscSource('Fleet A', created.slice(0, 50).map((siteId, i) => ({ remoteId: property(i), site: siteId })))
    const now = new Date('2026-10-30T02:00:00Z')
    const result = await payload.analytics!.sources.run({ kind: 'gsc', now, retry: FAST_RETRY })
    const fleet = result.outcomes.filter((outcome) => outcome.sourceId === healthy)
    expect(fleet).toHaveLength(50)
    const failed = fleet.filter((outcome) => outcome.status === 'failed')
    expect(failed.map((outcome) => outcome.siteId)).toEqual([created[3], created[11], created[22], created[33], created[44]])
    expect(failed.map((outcome) => outcome.reason)).toEqual([
      expect.stringMatching(/403/),
      expect.stringMatching(/500/),
      expect.any(String),
      expect.stringMatching(/429/),
      expect.stringMatching(/403/),
    ])
    expect(fleet.filter((outcome) => outcome.status === 'ok')).toHaveLength(45)
    for (const [i, siteId] of created.entries()) {
      const totals = totalsOf(await storedRows(siteId))
      if ([3, 11, 22, 33, 44].includes(i)) expect(totals).toHaveLength(0)
      else expect(totals.map((row) => [row.date, row.clicks])).toEqual(eachDay('2026-10-26', '2026-10-28').map((day) => [day, fixtureTotals(property(i), day).clicks]))
    }
    const doc = await payload.findByID({ collection: 'analytics-sources', id: healthy })
    expect(doc).toMatchObject({ failedRuns: 1, status: 'failing' })
    const metrics = await payload.analytics!.metrics.registry.metrics()
    expect(metrics).toMatch(/analytics_source_runs_total\{source="gsc",status="failed"\} ([5-9]|\d{2,})/)
    expect(metrics).toMatch(/analytics_source_failing_runs\{source="gsc"\} [1-9]/)

    // A second night with the same failures: two in a row (what the alert watches).
    await payload.analytics!.sources.run({ kind: 'gsc', now: new Date('2026-10-31T02:00:00Z'), retry: FAST_RETRY })
    expect(await payload.findByID({ collection: 'analytics-sources', id: healthy })).toMatchObject({ failedRuns: 2 })
    for (const i of [3, 11, 22, 33, 44]) google.behaviours.delete(property(i))
    await payload.delete({ collection: 'analytics-sources', id: healthy })
  }, 240_000)

  test('a run killed midway and started again finishes without duplicates; a 60-day backfill reports its progress', async () => {
    const site = await payload.create({ collection: 'sites', data: { domain: 'backfill.acme.test', name: 'Backfill', tenant: shop().tenant } as never })
    const property = 'sc-domain:backfill.acme.test'
    const id = await gscSource('Google (backfill)', [{ remoteId: property, site: site.id }])
    const from = '2026-08-01'
    const to = addDays(from, 59)
    // Killed: the run stops after 25 days (the progress callback throws, as a dying process would stop).
    await expect(
      payload.analytics!.sources.run({
        from,
        onProgress: (progress) => {
          if (progress.done === 25) throw new Error('killed')
        },
        retry: FAST_RETRY,
        siteId: site.id,
        to,
      }),
    ).resolves.toMatchObject({ outcomes: [expect.objectContaining({ reason: 'killed', status: 'failed' })] })
    expect(totalsOf(await storedRows(site.id))).toHaveLength(25)

    const progress: number[] = []
    const before = google.requests.length
    const result = await payload.analytics!.sources.run({ from, onProgress: (p) => progress.push(p.done), retry: FAST_RETRY, siteId: site.id, to })
    expect(result.outcomes[0]).toMatchObject({ days: 35, status: 'ok' })
    expect(progress).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
    // Only the 35 missing days were asked for.
    expect(new Set(google.requests.slice(before).filter((request) => request.property === property).map((request) => request.body.startDate)).size).toBe(35)
    const totals = totalsOf(await storedRows(site.id))
    expect(totals.map((row) => row.date)).toEqual(eachDay(from, to))
    expect(totals.map((row) => row.clicks)).toEqual(eachDay(from, to).map((day) => fixtureTotals(property, day).clicks))
    await payload.delete({ collection: 'analytics-sources', id })
  }, 240_000)
})

describe('Matomo', () => {
  test('a bulk request per day with the token in the POST body only; stored figures equal the fixtures; an error in a 200 body fails that site only', async () => {
    const good = await newSite('matomo-good.acme.test')
    const broken = await newSite('matomo-broken.acme.test')
    const source = await payload.create({
      collection: 'analytics-sources',
      data: { baseUrl: matomo.url, credential: 'matomo-token', kind: 'matomo', name: 'Matomo', sites: [{ remoteId: '5', site: good }, { remoteId: '666', site: broken }] } as never,
    })
    const days = ['2026-09-01', '2026-09-02', '2026-09-03']
    const result = await payload.analytics!.sources.run({ from: days[0], kind: 'matomo', retry: FAST_RETRY, to: days[2] })
    const mine = result.outcomes.filter((outcome) => outcome.sourceId === source.id)
    expect(mine.map((outcome) => [outcome.siteId, outcome.status])).toEqual([[good, 'ok'], [broken, 'failed']])
    expect(mine[1]!.reason).toMatch(/Matomo answered an error for VisitsSummary\.get/)

    for (const request of matomo.requests) {
      expect(request.url).toBe('/index.php')
      expect(request.url).not.toContain('token')
      const form = new URLSearchParams(request.body)
      expect(form.get('token_auth')).toBe('matomo-token')
      expect(form.get('method')).toBe('API.getBulkRequest')
      for (let i = 0; form.has(`urls[${i}]`); i++) {
        const inner = new URLSearchParams(form.get(`urls[${i}]`)!)
        expect(inner.get('format_metrics')).toBe('0')
        expect(inner.get('filter_limit')).toBe('-1')
        expect(inner.get('period')).toBe('day')
        expect(inner.has('token_auth')).toBe(false)
      }
    }
    expect(await importedTotals(good)).toEqual(
      days.map((day) => {
        const f = dayFigures('matomo-5', day)
        return { bounces: f.bounces, date: day, pageviews: f.pageviews, totalDuration: f.duration, visitors: f.visitors, visits: f.visits }
      }),
    )
    expect(await importedKeys(good, 'page')).toEqual(['/', '/über, "quoted"'])
    expect(await importedKeys(good, 'source')).toEqual(['', 'Google'])
    expect(await importedKeys(good, 'device')).toEqual(['desktop', 'mobile'])
    expect(await importedTotals(broken)).toEqual([])
    const { docs: runs } = await payload.find({ collection: 'analytics-imports', where: { site: { equals: good } } })
    expect(runs.map((run) => [run.source, run.status])).toEqual([['matomo', 'done']])

    // A second run over the same days asks for nothing already imported and stores no duplicate.
    const before = matomo.requests.length
    await payload.analytics!.sources.run({ from: days[0], kind: 'matomo', retry: FAST_RETRY, siteId: good, to: days[2] })
    expect(matomo.requests.length).toBe(before)
    expect(await importedTotals(good)).toHaveLength(3)
    // A wrong token is an error even though Matomo answers 200.
    await payload.update({ collection: 'analytics-sources', data: { credential: 'wrong' } as never, id: source.id })
    const refused = await payload.analytics!.sources.run({ from: '2026-09-04', kind: 'matomo', retry: FAST_RETRY, siteId: good, to: '2026-09-04' })
    expect(refused.outcomes[0]).toMatchObject({ status: 'failed' })
    expect(refused.outcomes[0]!.reason).toMatch(/requires 'view' access/)
    expect(JSON.stringify(refused)).not.toContain('wrong')
    await payload.delete({ collection: 'analytics-sources', id: source.id })
  }, 60_000)
})

describe('Plausible Stats API', () => {
  test('daily queries per dimension with a Bearer key, paced, backing off on 429, resumable, figures equal to the fixtures', async () => {
    const site = await newSite('plausible-import.acme.test')
    const source = await payload.create({
      collection: 'analytics-sources',
      data: { baseUrl: plausible.url, credential: 'plausible-key', kind: 'plausible', name: 'Plausible', sites: [{ remoteId: 'example.org', site }] } as never,
    })
    const days = eachDay('2026-07-01', '2026-07-04')
    // Stopped after two days, then started again.
    const stopped = await payload.analytics!.sources.run({
      from: days[0],
      kind: 'plausible',
      onProgress: (progress) => {
        if (progress.done === 2) throw new Error('stopped')
      },
      retry: FAST_RETRY,
      to: days[3],
    })
    expect(stopped.outcomes[0]).toMatchObject({ status: 'failed' })
    expect(await importedTotals(site)).toHaveLength(2)
    const progress: number[] = []
    const resumed = await payload.analytics!.sources.run({ from: days[0], kind: 'plausible', onProgress: (p) => progress.push(p.done), retry: FAST_RETRY, to: days[3] })
    expect(resumed.outcomes[0]).toMatchObject({ days: 2, status: 'ok' })
    expect(progress).toEqual([1, 2, 3, 4])

    const queries = plausible.requests.filter((request) => request.url === '/api/v2/query')
    // 9 queries a day (totals and 8 dimensions) × 4 days, plus the two answered 429.
    expect(queries).toHaveLength(9 * 4 + 2)
    for (const request of queries) {
      expect(request.headers.authorization).toBe('Bearer plausible-key')
      const body = JSON.parse(request.body) as { date_range: string[]; site_id: string }
      expect(body.site_id).toBe('example.org')
      expect(body.date_range[0]).toBe(body.date_range[1])
    }
    // 180,000 an hour: 20 ms apart at least, over each run's requests.
    const firstRun = queries.slice(0, 12)
    expect(firstRun.at(-1)!.at - firstRun[0]!.at).toBeGreaterThanOrEqual(11 * 20 - 5)
    expect(await importedTotals(site)).toEqual(
      days.map((day) => {
        const f = dayFigures('plausible-example.org', day)
        return { bounces: f.bounces, date: day, pageviews: f.pageviews, totalDuration: f.duration, visitors: f.visitors, visits: f.visits }
      }),
    )
    expect(await importedKeys(site, 'country')).toEqual(['DE'])
    expect(await importedKeys(site, 'source')).toEqual([''])
    await payload.delete({ collection: 'analytics-sources', id: source.id })
  }, 60_000)

  test('a breakdown past 10,000 rows is read page by page (pagination limit and offset, as Plausible documents) and stored whole', async () => {
    const rows = 2 * PLAUSIBLE_PAGE_LIMIT + 1
    const paged = await startFakePlausible({ pageRows: rows, tooManyFirst: 0 })
    try {
      const site = await newSite('plausible-paged.acme.test')
      const source = await payload.create({
        collection: 'analytics-sources',
        data: { baseUrl: paged.url, credential: 'plausible-key', kind: 'plausible', name: 'Plausible paged', sites: [{ remoteId: 'paged.example', site }] } as never,
      })
      const run = await payload.analytics!.sources.run({ from: '2026-07-10', kind: 'plausible', retry: FAST_RETRY, siteId: site, to: '2026-07-10' })
      expect(run.outcomes[0]).toMatchObject({ status: 'ok' })
      const asked = paged.requests.map((request) => JSON.parse(request.body) as { dimensions?: string[]; pagination?: { limit: number; offset: number } })
      const pagesOf = (dimension: string) => asked.filter((body) => body.dimensions?.[0] === dimension).map((body) => body.pagination)
      // Three pages of pages: 10,000 + 10,000 + the last row; every other breakdown fits in its first page.
      expect(pagesOf('event:page')).toEqual([0, 1, 2].map((n) => ({ limit: PLAUSIBLE_PAGE_LIMIT, offset: n * PLAUSIBLE_PAGE_LIMIT })))
      for (const dimension of ['visit:source', 'visit:country', 'visit:device', 'visit:entry_page']) expect(pagesOf(dimension), dimension).toEqual([{ limit: PLAUSIBLE_PAGE_LIMIT, offset: 0 }])
      const pages = await importedKeys(site, 'page')
      expect(pages).toHaveLength(rows)
      expect(new Set(pages)).toEqual(new Set(Array.from({ length: rows }, (_, i) => `/p/${i}`)))
      await payload.delete({ collection: 'analytics-sources', id: source.id })
    } finally {
      await paged.close()
    }
  }, 120_000)
})

describe('CLI', () => {
  test('sources sync backfills 60 days with progress and a summary', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'analytics-sources-cli-'))
    try {
      writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n')
      const databaseUri = (payload.db as unknown as { poolOptions: { connectionString: string } }).poolOptions.connectionString
      writeFileSync(
        path.join(dir, 'payload.config.ts'),
        `import { buildDevConfig } from ${JSON.stringify(path.join(root, 'dev/buildConfig.ts'))}\n` +
          `export default buildDevConfig({ databaseUri: ${JSON.stringify(databaseUri)}, push: false, seed: false, analytics: { redisUrl: undefined } })\n`,
      )
      const site = await newSite('cli-backfill.acme.test')
      const source = await payload.create({ collection: 'analytics-sources', data: { baseUrl: matomo.url, credential: 'matomo-token', kind: 'matomo', name: 'Matomo CLI', sites: [{ remoteId: '9', site }] } as never })
      const from = '2026-05-01'
      const to = addDays(from, 59)
      const result = await runCli(['sources', 'sync', '--from', from, '--to', to, '--source', 'matomo', '--site', String(site), '--config', path.join(dir, 'payload.config.ts')], 120_000)
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout.match(/^sources: \d+\/60 days/gm)?.length).toBeGreaterThanOrEqual(10)
      expect(result.stdout).toContain('sources: 60/60 days (100%)')
      expect(result.stdout).toMatch(/1 site\(s\) ok, 0 skipped, 0 failed/)
      expect(result.stdout + result.stderr).not.toContain('matomo-token')
      expect((await importedTotals(site)).map((row) => [row.date, row.visits])).toEqual(eachDay(from, to).map((day) => [day, dayFigures('matomo-9', day).visits]))
      expect((await runCli(['sources', 'sync', '--from', to, '--to', from, '--config', path.join(dir, 'payload.config.ts')], 30_000)).code).toBe(2)
      await payload.delete({ collection: 'analytics-sources', id: source.id })
    } finally {
      rmSync(dir, { force: true, recursive: true })
    }
  }, 240_000)
})
