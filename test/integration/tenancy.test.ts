/**
 * Issue 12's findings, each replayed as the review did it — as a tenant-limited user over
 * REST, or as an anonymous client of the tracking endpoint — and shown to have no effect,
 * next to the legitimate use of the same feature, which still works.
 */
import type { AddressInfo } from 'node:net'
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { Redis } from 'ioredis'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import React from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { IngestServer } from '../../src/ingest/standaloneServer.js'
import type { DemoSite } from '../helpers/fixtures.js'
import type { Role } from '../helpers/roles.js'

import { EffectiveSettings } from '../../admin/SiteAnalyticsTab/EffectiveSettings.js'
import { RecentRejections } from '../../admin/SiteAnalyticsTab/RecentRejections.js'
import { createTrackApiRoute } from '../../src/exports/next.js'
import { startIngestServer } from '../../src/ingest/standaloneServer.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload, payloadKey } from '../helpers/payload.js'
import { rawRequest, rest } from '../helpers/rest.js'
import { roleTokens } from '../helpers/roles.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const METRICS_TOKEN = 'tenancy-scrape'
const keyPrefix = `ten${randomBytes(4).toString('hex')}:`

type Doc = Record<string, unknown> & { id: number | string }

let payload: Payload
let redis: Redis
let sites: Record<string, DemoSite>
let tokens: Record<Role, string | undefined>
let tenants: { acme: number | string; globex: number | string }
let pagesRoute: Server
let pagesUrl: string
let standalone: IngestServer

const as = (role: Role) => ({ token: tokens[role] })
const settingsOf = async (scopeKey: string) =>
  (await payload.find({ collection: 'analytics-settings', depth: 0, where: { scopeKey: { equals: scopeKey } } })).docs as unknown as Doc[]
const site = (domain: string) => sites[domain]!

beforeAll(async () => {
  payload = await bootPayload({
    analytics: { ingest: { explainRejections: false }, metrics: { token: METRICS_TOKEN }, redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') },
  })
  redis = new Redis(inject('redisUrl'))
  sites = await demoSites(payload)
  tokens = await roleTokens(payload)
  tenants = { acme: site('shop.acme.test').tenant, globex: site('globex.test').tenant }

  const route = createTrackApiRoute(payload.config, { key: payloadKey(payload) })
  pagesRoute = createServer((req, res) => void route(req, res))
  await new Promise<void>((resolve) => pagesRoute.listen(0, '127.0.0.1', resolve))
  pagesUrl = `http://127.0.0.1:${(pagesRoute.address() as AddressInfo).port}/api/analytics/track`
  const quiet = { error: () => undefined, info: () => undefined, warn: () => undefined }
  standalone = await startIngestServer({ explainRejections: false, host: '127.0.0.1', keyPrefix, logger: quiet, port: 0, redisUrl: inject('redisUrl') })
})

afterAll(async () => {
  await standalone?.close()
  pagesRoute?.closeAllConnections()
  await new Promise((resolve) => pagesRoute?.close(resolve))
  redis?.disconnect()
  await payload?.destroy()
})

describe('1. settings rights follow the row as stored, however it comes into being', () => {
  let acmeDefaults: Doc
  let shopRow: Doc

  beforeAll(async () => {
    const created = await rest<{ doc: Doc }>(payload, 'POST', '/analytics-settings', { body: { scope: 'tenant', tenant: tenants.acme }, ...as('admin') })
    expect(created.status).toBe(201)
    acmeDefaults = created.body.doc
    const own = await rest<{ doc: Doc }>(payload, 'POST', '/analytics-settings', {
      body: { conversionEvents: ['signup'], scope: 'site', site: site('shop.acme.test').id },
      ...as('editor'),
    })
    expect(own.status).toBe(201)
    shopRow = own.body.doc
  })

  const attack = { allowedHostnames: ['evil.test'], retentionDays: 1, trackingEnabled: 'off' }

  test('the review’s duplicate of a tenant-defaults row into another tenant creates nothing', async () => {
    const body = { ...attack, tenant: tenants.globex }
    // As the editor (who no longer even reads tenant defaults) and as Acme's manager (who does).
    for (const role of ['editor', 'manager'] as const) {
      const answer = await rest(payload, 'POST', `/analytics-settings/${acmeDefaults.id}/duplicate`, { body, ...as(role) })
      expect(answer.status, role).toBe(403)
    }
    expect(await settingsOf(`tenant:${String(tenants.globex)}`)).toEqual([])
    // A site row copied onto another tenant's site: refused just the same.
    const onto = await rest(payload, 'POST', `/analytics-settings/${shopRow.id}/duplicate`, { body: { ...attack, site: site('globex.test').id }, ...as('editor') })
    expect(onto.status).toBe(403)
    expect(await settingsOf(`site:${String(site('globex.test').id)}`)).toEqual([])
    // Globex still tracks.
    const tracked = await rawRequest(payload, 'POST', '/analytics/track', {
      body: JSON.stringify({ s: 'globex.test', t: 'pageview', u: 'https://globex.test/' }),
      headers: { 'content-type': 'text/plain', 'user-agent': CHROME },
    })
    expect(tracked.body).toEqual({ ok: true })
  })

  test('a plain create, an update and an update by where cannot reach another owner either', async () => {
    expect((await rest(payload, 'POST', '/analytics-settings', { body: { scope: 'tenant', tenant: tenants.globex }, ...as('manager') })).status).toBe(403)
    // The owner of a row is fixed: a PATCH naming another site keeps the row where it was.
    const moved = await rest<{ doc: Doc }>(payload, 'PATCH', `/analytics-settings/${shopRow.id}?depth=0`, { body: { site: site('globex.test').id }, ...as('editor') })
    expect(moved.body.doc.site).toBe(site('shop.acme.test').id)
    const bulk = await rest<{ docs: Doc[] }>(payload, 'PATCH', '/analytics-settings?depth=0&where[scope][equals]=tenant', { body: { trackingEnabled: 'off' }, ...as('editor') })
    expect(bulk.body.docs).toEqual([])
    expect((await settingsOf(`tenant:${String(tenants.acme)}`))[0]!.trackingEnabled).toBe('inherit')
  })

  test('legitimate duplicates still work: a site’s settings onto another own site, defaults by an admin', async () => {
    const copy = await rest<{ doc: Doc }>(payload, 'POST', `/analytics-settings/${shopRow.id}/duplicate?depth=0`, { body: { site: site('blog.acme.test').id }, ...as('manager') })
    expect(copy.status).toBe(200)
    expect(copy.body.doc).toMatchObject({ conversionEvents: ['signup'], scope: 'site', scopeKey: `site:${String(site('blog.acme.test').id)}` })
    const defaults = await rest<{ doc: Doc }>(payload, 'POST', `/analytics-settings/${acmeDefaults.id}/duplicate?depth=0`, { body: { tenant: tenants.globex }, ...as('admin') })
    expect(defaults.status).toBe(200)
    expect(defaults.body.doc.scopeKey).toBe(`tenant:${String(tenants.globex)}`)
    await payload.delete({ collection: 'analytics-settings', id: defaults.body.doc.id })
    // Acme's manager edits Acme's defaults.
    const edited = await rest<{ doc: Doc }>(payload, 'PATCH', `/analytics-settings/${acmeDefaults.id}`, { body: { retentionDays: 60 }, ...as('manager') })
    expect(edited.status).toBe(200)
    expect(edited.body.doc.retentionDays).toBe(60)
  })
})

describe('2. a site cannot take another site’s domain under another spelling', () => {
  test('the review’s renames to variants of globex.test are refused, and events still land in Globex', async () => {
    const blog = site('blog.acme.test')
    for (const variant of ['GLOBEX.TEST', 'globex.test.', 'https://globex.test/', 'Globex.Test:443', 'ｇｌｏｂｅｘ.test']) {
      const answer = await rest<{ errors: Array<{ data?: { errors?: Array<{ message: string }> } }> }>(payload, 'PATCH', `/sites/${blog.id}`, {
        body: { domain: variant },
        ...as('editor'),
      })
      expect(answer.status, variant).toBe(400)
      expect(JSON.stringify(answer.body), variant).toContain('Another site already uses the domain globex.test.')
    }
    const created = await rest(payload, 'POST', '/sites', { body: { domain: 'GLOBEX.TEST', name: 'Copy', tenant: tenants.acme }, ...as('editor') })
    expect(created.status).toBe(400)
    expect((await payload.findByID({ collection: 'sites', id: blog.id })).domain).toBe('blog.acme.test')
    expect(payload.analytics!.sites.get('globex.test')?.id).toBe(site('globex.test').id)
  })

  test('domains written in any spelling are stored in the one canonical form', async () => {
    const blog = site('blog.acme.test')
    const renamed = await rest<{ doc: Doc }>(payload, 'PATCH', `/sites/${blog.id}`, { body: { domain: 'HTTPS://Bücher.Acme.Test:443/shop' }, ...as('editor') })
    expect(renamed.status).toBe(200)
    expect(renamed.body.doc.domain).toBe('xn--bcher-kva.acme.test')
    expect(payload.analytics!.sites.get('bücher.acme.test')?.id).toBe(blog.id)
    const invalid = await rest(payload, 'PATCH', `/sites/${blog.id}`, { body: { domain: 'not a domain' }, ...as('editor') })
    expect(invalid.status).toBe(400)
    expect((await rest<{ doc: Doc }>(payload, 'PATCH', `/sites/${blog.id}`, { body: { domain: 'Blog.Acme.Test.' }, ...as('editor') })).body.doc.domain).toBe('blog.acme.test')
  })

  test('a domain two stored sites claim (rows older than this rule) resolves to neither', async () => {
    const blog = site('blog.acme.test')
    await payload.db.drizzle.execute(sql`UPDATE sites SET domain = ${'GLOBEX.TEST'} WHERE id = ${blog.id}`)
    try {
      await payload.analytics!.refreshSites()
      expect(payload.analytics!.sites.get('globex.test')).toBeUndefined()
      // Still reachable by id, which no other site can claim.
      expect(payload.analytics!.sites.get(String(site('globex.test').id))?.id).toBe(site('globex.test').id)
    } finally {
      await payload.db.drizzle.execute(sql`UPDATE sites SET domain = ${'blog.acme.test'} WHERE id = ${blog.id}`)
      await payload.analytics!.refreshSites()
    }
    expect(payload.analytics!.sites.get('globex.test')?.id).toBe(site('globex.test').id)
  })
})

describe('3. share tokens come from the server only', () => {
  const shareStats = (token: string) => rest<{ sites?: Array<{ site: { id: number | string } }> }>(payload, 'GET', `/analytics/share/${token}/stats?range=7d`)

  test('the review’s PATCH of another tenant’s token does not take over its link, before or after a rotation', async () => {
    const victim = (await payload.create({ collection: 'analytics-settings', data: { publicDashboard: true, scope: 'site', site: site('globex.test').id } })) as unknown as Doc
    const victimToken = victim.shareToken as string
    const [own] = await settingsOf(`site:${String(site('shop.acme.test').id)}`)
    const patched = await rest<{ doc: Doc }>(payload, 'PATCH', `/analytics-settings/${own!.id}`, { body: { publicDashboard: true, shareToken: victimToken }, ...as('editor') })
    expect(patched.status).toBe(200)
    expect(patched.body.doc.shareToken).toMatch(/^[\w-]{32}$/)
    expect(patched.body.doc.shareToken).not.toBe(victimToken)
    expect((await shareStats(victimToken)).body.sites!.map((row) => row.site.id)).toEqual([site('globex.test').id])

    // A create naming a token, or a duplicate copying one, gets a fresh token instead.
    const fresh = await payload.create({ collection: 'sites', data: { domain: 'new.acme.test', name: 'New', tenant: tenants.acme } })
    const created = await rest<{ doc: Doc }>(payload, 'POST', '/analytics-settings', {
      body: { publicDashboard: true, scope: 'site', shareToken: victimToken, site: fresh.id },
      ...as('editor'),
    })
    expect(created.status).toBe(201)
    expect(created.body.doc.shareToken).toMatch(/^[\w-]{32}$/)
    expect(created.body.doc.shareToken).not.toBe(victimToken)
    const another = await payload.create({ collection: 'sites', data: { domain: 'another.acme.test', name: 'Another', tenant: tenants.acme } })
    const duplicated = await rest<{ doc: Doc }>(payload, 'POST', `/analytics-settings/${created.body.doc.id}/duplicate`, { body: { shareToken: victimToken, site: another.id }, ...as('editor') })
    expect(duplicated.status).toBe(200)
    expect(duplicated.body.doc.shareToken).toMatch(/^[\w-]{32}$/)
    expect([victimToken, created.body.doc.shareToken]).not.toContain(duplicated.body.doc.shareToken)

    // The victim rotates: its old link ends, its new one shows Globex, and the editor cannot follow.
    const rotated = await rest<{ shareToken: string }>(payload, 'POST', `/analytics/share/rotate?siteId=${site('globex.test').id}`, as('admin'))
    expect(rotated.status).toBe(200)
    expect((await shareStats(victimToken)).status).toBe(404)
    expect((await shareStats(rotated.body.shareToken)).body.sites!.map((row) => row.site.id)).toEqual([site('globex.test').id])
    const again = await rest<{ doc: Doc }>(payload, 'PATCH', `/analytics-settings/${own!.id}`, { body: { shareToken: rotated.body.shareToken }, ...as('editor') })
    expect(again.body.doc.shareToken).toBe(patched.body.doc.shareToken)
  })

  test('the owner’s own link and its rotation still work', async () => {
    const [own] = await settingsOf(`site:${String(site('shop.acme.test').id)}`)
    const token = own!.shareToken as string
    expect((await shareStats(token)).body.sites!.map((row) => row.site.id)).toEqual([site('shop.acme.test').id])
    const rotated = await rest<{ shareToken: string }>(payload, 'POST', `/analytics/share/rotate?siteId=${site('shop.acme.test').id}`, as('editor'))
    expect(rotated.status).toBe(200)
    expect(rotated.body.shareToken).not.toBe(token)
    expect((await shareStats(token)).status).toBe(404)
    expect((await shareStats(rotated.body.shareToken)).status).toBe(200)
  })
})

describe('4. default settings are read by those who manage them', () => {
  const scopeKeys = async (role: Role) => {
    const answer = await rest<{ docs: Doc[] }>(payload, 'GET', '/analytics-settings?depth=0&limit=100', as(role))
    return answer.body.docs.map((doc) => String(doc.scopeKey)).sort()
  }

  test('an editor reads its sites’ rows only; a tenant manager its tenant’s defaults too; an admin everything', async () => {
    await payload.create({ collection: 'analytics-settings', data: { allowedHostnames: ['staging.internal'], scope: 'global' } })
    await payload.create({ collection: 'analytics-settings', data: { ipAnonymization: 'strict', scope: 'tenant', tenant: tenants.globex } })
    const all = (await payload.find({ collection: 'analytics-settings', depth: 0, pagination: false })).docs as unknown as Doc[]
    const keys = (keep: (key: string) => boolean) => all.map((doc) => String(doc.scopeKey)).filter(keep).sort()
    const globexSiteKey = `site:${String(site('globex.test').id)}`
    // Every site row but Globex's belongs to an Acme site (the demo sites and those made above).
    const acmeSiteKeys = keys((key) => key.startsWith('site:') && key !== globexSiteKey)
    expect(acmeSiteKeys.length).toBeGreaterThanOrEqual(2)

    expect((await rest(payload, 'GET', '/analytics-settings', as('anonymous'))).status).toBe(403)
    expect(await scopeKeys('editor')).toEqual(acmeSiteKeys)
    expect(await scopeKeys('manager')).toEqual([...acmeSiteKeys, `tenant:${String(tenants.acme)}`].sort())
    expect(await scopeKeys('otherEditor')).toEqual([globexSiteKey])
    expect(await scopeKeys('admin')).toEqual(keys(() => true))
    const globexDefaults = all.find((doc) => doc.scopeKey === `tenant:${String(tenants.globex)}`)!
    expect((await rest(payload, 'GET', `/analytics-settings/${globexDefaults.id}`, as('editor'))).status).toBe(404)
  })

  test('a tenant editor still sees its site’s own settings and statistics', async () => {
    const shop = site('shop.acme.test')
    const own = await rest<{ docs: Doc[] }>(payload, 'GET', `/analytics-settings?where[site][equals]=${shop.id}`, as('editor'))
    expect(own.body.docs).toHaveLength(1)
    expect((await rest(payload, 'GET', `/analytics/stats?siteId=${shop.id}&range=7d`, as('editor'))).status).toBe(200)
    // The site's tab shows the settings in force, Acme's defaults included (retention 60 days, set by
    // its manager above), though the editor may not read the defaults row itself.
    const effective = payload.analytics!.sites.get(String(shop.id))!.settings
    expect(effective.retentionDays).toBe(60)
    const html = renderToStaticMarkup(React.createElement(EffectiveSettings, { settings: effective }))
    expect(html).toContain('<th scope="row">Raw event retention</th><td>60 days</td>')
  })
})

describe('5. document locks', () => {
  const lock = (relationTo: string, value: number | string, role: Role, userId: number | string) =>
    rest(payload, 'POST', '/payload-locked-documents', { body: { document: { relationTo, value }, user: { relationTo: 'users', value: userId } }, ...as(role) })

  test('nobody can lock a settings document or another tenant’s site; a site’s editor still locks it', async () => {
    const editor = (await payload.find({ collection: 'users', where: { email: { equals: 'editor@acme.test' } } })).docs[0]!
    const victim =
      (await settingsOf(`site:${String(site('globex.test').id)}`))[0] ??
      ((await payload.create({ collection: 'analytics-settings', data: { scope: 'site', site: site('globex.test').id } })) as unknown as Doc)
    const lockedSettings = async () =>
      (await payload.find({ collection: 'payload-locked-documents', depth: 0, pagination: false })).docs.filter(
        (doc) => (doc as { document?: { relationTo?: string } }).document?.relationTo === 'analytics-settings',
      )
    // Settings take no locks: the reference is dropped, and no lock names the document.
    const attempt = await lock('analytics-settings', victim!.id, 'editor', editor.id)
    expect((attempt.body as { doc?: { document?: unknown } }).doc?.document).toBeUndefined()
    expect(await lockedSettings()).toEqual([])
    expect(payload.collections['analytics-settings']!.config.lockDocuments).toBe(false)

    // Another tenant's site: refused; its own site: the editor's lock, as the admin takes one.
    expect((await lock('sites', site('globex.test').id, 'editor', editor.id)).status).toBe(403)
    const own = await lock('sites', site('shop.acme.test').id, 'editor', editor.id)
    expect(own.status).toBe(201)
    expect((await payload.count({ collection: 'payload-locked-documents', where: { 'document.value': { equals: site('globex.test').id } } })).totalDocs).toBe(0)
    await payload.delete({ collection: 'payload-locked-documents', where: {} })
  })
})

describe('6. anonymous tracking answers say nothing about what exists (explainRejections off)', () => {
  const send = async (surface: 'endpoint' | 'pages' | 'standalone', body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const init = { body: JSON.stringify(body), headers: { 'content-type': 'text/plain', 'user-agent': CHROME, origin: 'https://probe.example', ...headers } }
    if (surface === 'endpoint') {
      const answer = await rawRequest(payload, 'POST', '/analytics/track', init)
      return { cors: answer.headers.get('access-control-allow-origin'), dropped: answer.headers.get('x-analytics-dropped'), status: answer.status, text: answer.text }
    }
    const url = surface === 'pages' ? pagesUrl : `http://127.0.0.1:${standalone.port}/api/analytics/track`
    const response = await fetch(url, { ...init, method: 'POST' })
    return { cors: response.headers.get('access-control-allow-origin'), dropped: response.headers.get('x-analytics-dropped'), status: response.status, text: await response.text() }
  }

  test('unknown and disabled sites, foreign hostnames and excluded paths get one answer on every surface', async () => {
    const blog = site('blog.acme.test')
    const [blogRow] = await settingsOf(`site:${String(blog.id)}`)
    await payload.update({ collection: 'analytics-settings', data: { excludedPaths: ['/private/**'] }, id: blogRow!.id })
    const off = await payload.create({ collection: 'sites', data: { domain: 'off.acme.test', name: 'Off', tenant: tenants.acme } })
    await payload.create({ collection: 'analytics-settings', data: { scope: 'site', site: off.id, trackingEnabled: 'off' } })
    await new Promise((resolve) => setTimeout(resolve, 200)) // the standalone server's copy follows through Redis

    const probes = {
      disabled: { s: String(off.id), t: 'pageview', u: 'https://off.acme.test/' },
      excluded: { s: String(blog.id), t: 'pageview', u: 'https://blog.acme.test/private/plans' },
      hostname: { s: String(blog.id), t: 'pageview', u: 'https://elsewhere.example/' },
      unknownDomain: { s: 'nope.example', t: 'pageview', u: 'https://nope.example/' },
      unknownId: { s: '987654', t: 'pageview', u: 'https://nope.example/' },
    }
    const generic = { cors: null, dropped: 'ignored', status: 202, text: JSON.stringify({ dropped: 'ignored' }) }
    for (const surface of ['endpoint', 'pages', 'standalone'] as const) {
      for (const [name, probe] of Object.entries(probes)) expect(await send(surface, probe, { origin: new URL(probe.u).origin }), `${surface} ${name}`).toEqual(generic)
      // A real pageview is still counted.
      const counted = await send(surface, { s: String(blog.id), t: 'pageview', u: 'https://blog.acme.test/hello' }, { origin: 'https://blog.acme.test' })
      expect(counted).toEqual({ cors: 'https://blog.acme.test', dropped: null, status: 202, text: JSON.stringify({ ok: true }) })
    }

    // The preflight of a foreign origin is a plain 204 without the grant, like any other.
    const preflight = await rawRequest(payload, 'OPTIONS', '/analytics/track', { headers: { 'access-control-request-method': 'POST', origin: 'https://probe.example' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()

    // The reasons stay visible to the site's admins: the metrics by reason and the recent list.
    const scrape = await rawRequest(payload, 'GET', '/analytics/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    for (const reason of ['unknown-site', 'tracking-disabled', 'hostname', 'excluded-path']) {
      expect(scrape.text).toMatch(new RegExp(`analytics_events_rejected_total\\{reason="${reason}"\\} [1-9]`))
    }
    const recent = await payload.analytics!.rejections.recent(blog.id)
    // Three surfaces × (hostname, excluded path), newest first, with the refused hostname.
    expect(recent.map((entry) => entry.reason)).toEqual(['hostname', 'excluded-path', 'hostname', 'excluded-path', 'hostname', 'excluded-path'])
    expect(recent.find((entry) => entry.reason === 'hostname')?.hostname).toBe('elsewhere.example')
    expect(JSON.stringify(recent)).not.toMatch(/private|Chrome|127\.0\.0\.1/)
    expect((await payload.analytics!.rejections.recent(off.id)).map((entry) => entry.reason)).toEqual(['tracking-disabled', 'tracking-disabled', 'tracking-disabled'])
    const html = renderToStaticMarkup(React.createElement(RecentRejections, { entries: recent }))
    expect(html).toContain('the page’s hostname is not the site’s domain or an allowed hostname')
    expect(html).toContain('elsewhere.example')
  })
})
