/**
 * The admin's actions on a site's analytics, over REST as the admin UI calls them: erasing
 * a site's data and rotating its share link — allowed exactly to users who may update the
 * site, answered "not found" to everyone else, with nothing changed.
 */
import type { Payload } from 'payload'

import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { DemoSite } from '../helpers/fixtures.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { addAnalyticsRows, demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rest } from '../helpers/rest.js'

let payload: Payload
let sites: Record<string, DemoSite>
let adminToken: string
let editorToken: string

const rowsOf = async (site: DemoSite) => {
  const where = { site: { equals: site.id } }
  const [events, stats, visits] = await Promise.all([
    payload.count({ collection: 'analytics-events', where }),
    payload.count({ collection: 'analytics-daily-stats', where }),
    payload.count({ collection: 'analytics-visits', where }),
  ])
  return events.totalDocs + stats.totalDocs + visits.totalDocs
}

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: `siteactions${Date.now()}:`, redisUrl: inject('redisUrl') } })
  sites = await demoSites(payload)
  for (const site of Object.values(sites)) {
    await addAnalyticsRows(payload, site, 3)
    // A visit row (the aggregation writes them): erasure takes it too.
    const at = new Date().toISOString()
    await payload.create({ collection: 'analytics-visits', data: { day: `${at.slice(0, 10)}T00:00:00.000Z`, endedAt: at, session: 's1', site: site.id, startedAt: at } as never })
  }
  adminToken = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  editorToken = await login(payload, DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)
})

afterAll(async () => {
  await payload?.destroy()
})

describe('POST /api/analytics/sites/:id/erase', () => {
  test('without login: 401; another tenant’s site or an unknown one: 404; nothing is deleted', async () => {
    const globex = sites['globex.test']!
    expect((await rest(payload, 'POST', `/analytics/sites/${globex.id}/erase`)).status).toBe(401)
    const foreign = await rest(payload, 'POST', `/analytics/sites/${globex.id}/erase`, { token: editorToken })
    expect(foreign).toEqual({ body: { error: 'Site not found.' }, status: 404 })
    expect((await rest(payload, 'POST', '/analytics/sites/999999/erase', { token: adminToken })).status).toBe(404)
    expect((await rest(payload, 'POST', '/analytics/sites/bad%20id/erase', { token: adminToken })).status).toBe(404)
    expect(await rowsOf(globex)).toBe(5)
  })

  test('a user who may update the site erases its rows, and only its rows', async () => {
    const shop = sites['shop.acme.test']!
    const blog = sites['blog.acme.test']!
    const answer = await rest<{ ok: boolean }>(payload, 'POST', `/analytics/sites/${shop.id}/erase`, { token: editorToken })
    expect(answer.status).toBe(200)
    expect(answer.body.ok).toBe(true)
    expect(await rowsOf(shop)).toBe(0)
    expect(await rowsOf(blog)).toBe(5)
    expect(await rowsOf(sites['globex.test']!)).toBe(5)
  })
})
