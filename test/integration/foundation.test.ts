import type { Payload } from 'payload'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import type { DemoSite } from '../helpers/fixtures.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { addAnalyticsRows, demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rest } from '../helpers/rest.js'

type Docs = { docs: Array<{ site: number | string | { id: number | string } }>; totalDocs: number }

const siteOf = (doc: Docs['docs'][number]) => (typeof doc.site === 'object' ? doc.site.id : doc.site)

let payload: Payload
let sites: Record<string, DemoSite>
let adminToken: string
let editorToken: string

beforeAll(async () => {
  payload = await bootPayload()
  sites = await demoSites(payload)
  await addAnalyticsRows(payload, sites['shop.acme.test']!, 3)
  await addAnalyticsRows(payload, sites['blog.acme.test']!, 2)
  await addAnalyticsRows(payload, sites['globex.test']!, 4)
  adminToken = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  editorToken = await login(payload, DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)
})

afterAll(async () => {
  await payload?.destroy()
})

describe('collections', () => {
  test('the plugin registers the three analytics collections, grouped under Analytics', () => {
    for (const slug of ['analytics-events', 'analytics-daily-stats', 'analytics-settings']) {
      const collection = payload.collections[slug]
      expect(collection, slug).toBeDefined()
      expect(collection!.config.admin.group).toBe('Analytics')
    }
    expect(payload.collections['analytics-events']!.config.timestamps).toBe(false)
    expect(payload.collections['analytics-events']!.config.graphQL).toBe(false)
  })

  test('an event id is unique, so a retried insert cannot count twice', async () => {
    const site = sites['globex.test']!
    const data = { eventId: 'same-id', site: site.id, timestamp: new Date().toISOString(), type: 'pageview' }
    await payload.create({ collection: 'analytics-events', data })
    await expect(payload.create({ collection: 'analytics-events', data })).rejects.toThrow()
    await payload.delete({ collection: 'analytics-events', where: { eventId: { equals: 'same-id' } } })
  })

  test('a day has one totals row per site, dimension and key', async () => {
    const site = sites['globex.test']!
    const row = { date: '2026-11-01T00:00:00.000Z', dimension: 'total', key: '', site: site.id }
    await expect(payload.create({ collection: 'analytics-daily-stats', data: row })).rejects.toThrow()
    const other = await payload.create({ collection: 'analytics-daily-stats', data: { ...row, dimension: 'page', key: '/' } })
    expect(other.id).toBeDefined()
    await payload.delete({ collection: 'analytics-daily-stats', id: other.id })
  })
})

describe('read access follows the sites a user may read', () => {
  test('a super-admin reads the events and daily stats of every site (REST)', async () => {
    const events = await rest<Docs>(payload, 'GET', '/analytics-events?limit=100&depth=0', { token: adminToken })
    expect(events.status).toBe(200)
    expect(events.body.totalDocs).toBe(9)
    const stats = await rest<Docs>(payload, 'GET', '/analytics-daily-stats?limit=100&depth=0', { token: adminToken })
    expect(stats.body.totalDocs).toBe(3)
  })

  test('a tenant-limited user reads only the rows of its own tenant’s sites (REST)', async () => {
    const acme = [sites['shop.acme.test']!.id, sites['blog.acme.test']!.id].map(String).sort()
    const events = await rest<Docs>(payload, 'GET', '/analytics-events?limit=100&depth=0', { token: editorToken })
    expect(events.status).toBe(200)
    expect(events.body.totalDocs).toBe(5)
    expect([...new Set(events.body.docs.map((doc) => String(siteOf(doc))))].sort()).toEqual(acme)

    const stats = await rest<Docs>(payload, 'GET', '/analytics-daily-stats?limit=100&depth=0', { token: editorToken })
    expect(stats.body.totalDocs).toBe(2)
  })

  test('asking for another tenant’s site by filter returns nothing (REST)', async () => {
    const globex = sites['globex.test']!.id
    const events = await rest<Docs>(payload, 'GET', `/analytics-events?where[site][equals]=${globex}`, { token: editorToken })
    expect(events.body.totalDocs).toBe(0)
  })

  test('the Local API with overrideAccess: false applies the same scoping', async () => {
    const editor = (await payload.find({ collection: 'users', where: { email: { equals: DEMO_USERS.tenantUser.email } } })).docs[0]!
    const admin = (await payload.find({ collection: 'users', where: { email: { equals: DEMO_USERS.superAdmin.email } } })).docs[0]!
    const asEditor = await payload.find({ collection: 'analytics-events', depth: 0, limit: 100, overrideAccess: false, user: editor })
    expect(asEditor.totalDocs).toBe(5)
    const asAdmin = await payload.find({ collection: 'analytics-events', depth: 0, limit: 100, overrideAccess: false, user: admin })
    expect(asAdmin.totalDocs).toBe(9)
  })

  test('anonymous requests read nothing', async () => {
    const events = await rest(payload, 'GET', '/analytics-events')
    expect(events.status).toBe(403)
    const stats = await rest(payload, 'GET', '/analytics-daily-stats')
    expect(stats.status).toBe(403)
  })
})

describe('only the plugin writes events and daily stats', () => {
  test('creating, editing or deleting events through REST is refused, even for a super-admin', async () => {
    const site = sites['shop.acme.test']!
    const created = await rest(payload, 'POST', '/analytics-events', {
      body: { eventId: 'rest-1', site: site.id, timestamp: new Date().toISOString(), type: 'pageview' },
      token: adminToken,
    })
    expect(created.status).toBe(403)

    const existing = (await payload.find({ collection: 'analytics-events', limit: 1, where: { site: { equals: site.id } } })).docs[0]!
    const edited = await rest(payload, 'PATCH', `/analytics-events/${existing.id}`, { body: { path: '/hacked' }, token: adminToken })
    expect(edited.status).toBe(403)
    const deleted = await rest(payload, 'DELETE', `/analytics-events/${existing.id}`, { token: adminToken })
    expect(deleted.status).toBe(403)
    const after = await payload.findByID({ collection: 'analytics-events', id: existing.id })
    expect(after.path).toBe(existing.path)
    expect((await payload.count({ collection: 'analytics-events', where: { eventId: { equals: 'rest-1' } } })).totalDocs).toBe(0)
  })

  test('creating or editing daily stats through REST is refused', async () => {
    const site = sites['shop.acme.test']!
    const created = await rest(payload, 'POST', '/analytics-daily-stats', {
      body: { date: '2026-11-02T00:00:00.000Z', pageviews: 999, site: site.id },
      token: adminToken,
    })
    expect(created.status).toBe(403)
    const row = (await payload.find({ collection: 'analytics-daily-stats', where: { site: { equals: site.id } } })).docs[0]!
    const edited = await rest(payload, 'PATCH', `/analytics-daily-stats/${row.id}`, { body: { pageviews: 999 }, token: editorToken })
    expect(edited.status).toBe(403)
    expect((await payload.findByID({ collection: 'analytics-daily-stats', id: row.id })).pageviews).toBe(3)
  })
})

describe('settings', () => {
  test('a tenant user manages the settings of its own sites only', async () => {
    const own = await rest<{ doc: { id: number; scopeKey: string } }>(payload, 'POST', '/analytics-settings', {
      body: { excludedPaths: ['/preview/*'], scope: 'site', site: sites['blog.acme.test']!.id },
      token: editorToken,
    })
    expect(own.status).toBe(201)
    expect(own.body.doc.scopeKey).toBe(`site:${sites['blog.acme.test']!.id}`)

    const foreign = await rest(payload, 'POST', '/analytics-settings', {
      body: { scope: 'site', site: sites['globex.test']!.id },
      token: editorToken,
    })
    expect(foreign.status).toBe(403)

    const global = await rest(payload, 'POST', '/analytics-settings', { body: { scope: 'global' }, token: editorToken })
    expect(global.status).toBe(403)
  })

  test('a super-admin sets global defaults, once', async () => {
    const first = await rest(payload, 'POST', '/analytics-settings', { body: { scope: 'global', trackingEnabled: 'on' }, token: adminToken })
    expect(first.status).toBe(201)
    const second = await rest(payload, 'POST', '/analytics-settings', { body: { scope: 'global' }, token: adminToken })
    expect(second.status).toBe(400)
  })

  test('a row cannot be moved to another site', async () => {
    const row = (await payload.find({ collection: 'analytics-settings', where: { site: { equals: sites['blog.acme.test']!.id } } })).docs[0]!
    const moved = await rest<{ doc: { site: number } }>(payload, 'PATCH', `/analytics-settings/${row.id}?depth=0`, {
      body: { site: sites['globex.test']!.id },
      token: editorToken,
    })
    expect(moved.status).toBe(200)
    expect(moved.body.doc.site).toBe(sites['blog.acme.test']!.id)
  })

  test('turning the public dashboard on issues a share token', async () => {
    const site = sites['shop.acme.test']!
    const created = await rest<{ doc: { shareToken: string } }>(payload, 'POST', '/analytics-settings', {
      body: { publicDashboard: true, scope: 'site', site: site.id },
      token: adminToken,
    })
    expect(created.status).toBe(201)
    expect(created.body.doc.shareToken).toMatch(/^[\w-]{32}$/)
  })
})

describe('deleting a site', () => {
  test('removes its events, daily stats and settings, and nothing of other sites', async () => {
    const blog = sites['blog.acme.test']!
    const countFor = async (collection: string, site: number | string) =>
      (await payload.count({ collection, where: { site: { equals: site } } })).totalDocs
    expect(await countFor('analytics-events', blog.id)).toBe(2)
    expect(await countFor('analytics-settings', blog.id)).toBe(1)

    const deleted = await rest(payload, 'DELETE', `/sites/${blog.id}`, { token: adminToken })
    expect(deleted.status).toBe(200)

    expect(await countFor('analytics-events', blog.id)).toBe(0)
    expect(await countFor('analytics-daily-stats', blog.id)).toBe(0)
    expect(await countFor('analytics-settings', blog.id)).toBe(0)
    // Rows are gone, not orphaned with a null site.
    expect((await payload.count({ collection: 'analytics-events', where: { site: { exists: false } } })).totalDocs).toBe(0)
    expect(await countFor('analytics-events', sites['shop.acme.test']!.id)).toBe(3)
    expect(await countFor('analytics-events', sites['globex.test']!.id)).toBe(4)
  })
})
