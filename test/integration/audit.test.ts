/**
 * The audit log: every audited action (exports over REST, from the admin and the CLI;
 * share-link enable/rotate/disable; settings changes; erasure) writes exactly one row, with
 * who and where from but never an IP or user agent; only admins read it, nobody writes it;
 * the retention job deletes rows older than `retention.auditDays`.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { DemoSite } from '../helpers/fixtures.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { runCli } from '../helpers/cli.js'
import { addAnalyticsRows, demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const AUDIT = 'analytics-audit-log'
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AuditProbe/1.0'
const CLIENT_IP = '203.0.113.77'

let payload: Payload
let sites: Record<string, DemoSite>
let adminToken: string
let editorToken: string
let adminId: number | string
let configDir: string | undefined

interface AuditRow {
  action: string
  actorEmail?: null | string
  actorId?: null | string
  actorType: string
  details?: Record<string, unknown> | null
  site?: null | string
  via?: null | string
}

const allRows = async (): Promise<AuditRow[]> =>
  (await payload.find({ collection: AUDIT, depth: 0, pagination: false, sort: 'createdAt' })).docs as unknown as AuditRow[]

/** Run an action and return the audit rows it added (expected: exactly one). */
async function added(action: () => Promise<unknown>): Promise<AuditRow[]> {
  const before = (await allRows()).length
  await action()
  return (await allRows()).slice(before)
}

/** A request as a browser on an admin page would send it (Referer, User-Agent, a forwarded IP). */
const browserHeaders = (token: string, referer?: string): Record<string, string> => ({
  Authorization: `JWT ${token}`,
  'Content-Type': 'application/json',
  'User-Agent': USER_AGENT,
  'X-Forwarded-For': CLIENT_IP,
  ...(referer ? { Referer: referer } : {}),
})

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: `audit${Date.now()}:`, redisUrl: inject('redisUrl') } })
  sites = await demoSites(payload)
  for (const site of Object.values(sites)) await addAnalyticsRows(payload, site, 2)
  adminToken = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  editorToken = await login(payload, DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)
  const { docs } = await payload.find({ collection: 'users', where: { email: { equals: DEMO_USERS.superAdmin.email } } })
  adminId = docs[0]!.id
})

afterAll(async () => {
  await payload?.destroy()
  if (configDir) rmSync(configDir, { force: true, recursive: true })
})

describe('each audited action writes one row', () => {
  test('exports: a REST client, the admin’s Export button (same endpoint, from an admin page) and the CLI', async () => {
    const shop = sites['shop.acme.test']!
    const restRows = await added(() => rawRequest(payload, 'GET', `/analytics/export?siteId=${shop.id}&range=month`, { headers: browserHeaders(adminToken) }))
    expect(restRows).toHaveLength(1)
    expect(restRows[0]).toMatchObject({
      action: 'export',
      actorEmail: DEMO_USERS.superAdmin.email,
      actorId: String(adminId),
      actorType: 'user',
      details: { format: 'csv', range: 'month', sites: [String(shop.id)] },
      site: String(shop.id),
      via: 'rest',
    })

    const adminRows = await added(() =>
      rawRequest(payload, 'GET', '/analytics/export?format=json&range=year', { headers: browserHeaders(editorToken, 'http://localhost:3000/admin/analytics?range=year') }),
    )
    expect(adminRows).toHaveLength(1)
    expect(adminRows[0]).toMatchObject({ action: 'export', actorEmail: DEMO_USERS.tenantUser.email, details: { format: 'json', sites: 'all' }, via: 'admin' })

    // A refused export is no export.
    expect(await added(() => rawRequest(payload, 'GET', '/analytics/export?siteId=999999', { headers: browserHeaders(adminToken) }))).toEqual([])

    configDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-audit-'))
    writeFileSync(path.join(configDir, 'package.json'), '{ "type": "module" }\n')
    const databaseUri = (payload.db as unknown as { poolOptions: { connectionString: string } }).poolOptions.connectionString
    writeFileSync(
      path.join(configDir, 'payload.config.ts'),
      `import { buildDevConfig } from ${JSON.stringify(path.join(root, 'dev/buildConfig.ts'))}\n` +
        `export default buildDevConfig({ databaseUri: ${JSON.stringify(databaseUri)}, push: false, seed: false, analytics: { redisUrl: undefined } })\n`,
    )
    const cliRows = await added(async () => {
      const result = await runCli(['export', '--range', 'month', '--site', String(shop.id), '--out', path.join(configDir!, 'out'), '--config', path.join(configDir!, 'payload.config.ts')], 90_000)
      expect(result.code, result.stderr).toBe(0)
    })
    expect(cliRows).toHaveLength(1)
    expect(cliRows[0]).toMatchObject({ action: 'export', actorType: 'cli', details: { file: 'month-to-date.csv', range: 'month', written: 1 }, site: String(shop.id), via: 'cli' })
  })

  test('settings: create, share link on / rotate / off, other changes, delete — field names only, never the token', async () => {
    const blog = sites['blog.acme.test']!
    const admin = 'http://localhost:3000/admin/collections/analytics-settings'
    let id: number | string = ''
    const created = await added(async () => {
      const response = await rawRequest(payload, 'POST', '/analytics-settings', { body: JSON.stringify({ scope: 'site', site: blog.id }), headers: browserHeaders(editorToken, admin) })
      expect(response.status).toBe(201)
      id = (response.body.doc as { id: number | string }).id
    })
    expect(created).toMatchObject([{ action: 'settings.create', actorEmail: DEMO_USERS.tenantUser.email, site: String(blog.id), via: 'admin' }])

    const patch = (data: Record<string, unknown>) =>
      added(async () => {
        const response = await rawRequest(payload, 'PATCH', `/analytics-settings/${id}`, { body: JSON.stringify(data), headers: browserHeaders(editorToken, `${admin}/${id}`) })
        expect(response.status).toBe(200)
      })
    expect(await patch({ publicDashboard: true })).toMatchObject([{ action: 'share.enable', details: { changed: ['publicDashboard'] } }])
    const { shareToken: firstToken } = (await payload.findByID({ collection: 'analytics-settings', id })) as unknown as { shareToken: string }

    const rotated = await added(async () => {
      const response = await rest(payload, 'POST', `/analytics/share/rotate?siteId=${blog.id}`, { token: editorToken })
      expect(response.status).toBe(200)
    })
    expect(rotated).toMatchObject([{ action: 'share.rotate', site: String(blog.id), via: 'rest' }])
    expect(await patch({ publicDashboard: false })).toMatchObject([{ action: 'share.disable' }])
    expect(await patch({ retentionDays: 7, trackAutomation: 'on' })).toMatchObject([
      { action: 'settings.update', details: { changed: ['retentionDays', 'trackAutomation'] } },
    ])
    // Saving without a change is no action.
    expect(await patch({ retentionDays: 7 })).toEqual([])

    const deleted = await added(() => payload.delete({ collection: 'analytics-settings', id }))
    expect(deleted).toMatchObject([{ action: 'settings.delete', actorType: 'system', via: 'local' }])

    const stored = JSON.stringify(await allRows())
    expect(stored).not.toContain(firstToken)
  })

  test('reports: create, update (field names only), the plugin’s own bookkeeping not, delete', async () => {
    const shop = sites['shop.acme.test']!
    let id: number | string = ''
    const created = await added(async () => {
      const response = await rest<{ doc: { id: number | string } }>(payload, 'POST', '/analytics-reports', {
        body: { enabled: false, name: 'Audited', range: 'lastWeek', sites: [shop.id], timeZone: 'UTC', webhook: { secret: 'whsec_audit' } },
        token: editorToken,
      })
      expect(response.status).toBe(201)
      id = response.body.doc.id
    })
    expect(created).toMatchObject([{ action: 'report.create', actorEmail: DEMO_USERS.tenantUser.email, details: { report: id }, via: 'rest' }])
    const updated = await added(() => rest(payload, 'PATCH', `/analytics-reports/${id}`, { body: { hour: 7, name: 'Audited again' }, token: editorToken }))
    expect(updated).toMatchObject([{ action: 'report.update', details: { changed: ['hour', 'name'], report: id } }])
    // Unsubscribes and the last occurrence are the plugin's, not a user's change.
    expect(await added(() => payload.update({ collection: 'analytics-reports', context: { analyticsInternal: true }, data: { lastOccurrenceAt: new Date().toISOString() } as never, id }))).toEqual([])
    const deleted = await added(() => rest(payload, 'DELETE', `/analytics-reports/${id}`, { token: editorToken }))
    expect(deleted).toMatchObject([{ action: 'report.delete', details: { name: 'Audited again', report: id } }])
    expect(JSON.stringify(await allRows())).not.toContain('whsec_audit')
  })

  test('erasure: the REST action and a deleted site', async () => {
    const shop = sites['shop.acme.test']!
    const erased = await added(async () => {
      const response = await rawRequest(payload, 'POST', `/analytics/sites/${shop.id}/erase`, { headers: browserHeaders(adminToken, `http://localhost:3000/admin/collections/sites/${shop.id}`) })
      expect(response.status).toBe(200)
    })
    expect(erased).toMatchObject([{ action: 'erase', actorEmail: DEMO_USERS.superAdmin.email, site: String(shop.id), via: 'admin' }])
    // Refused: no row.
    expect(await added(() => rest(payload, 'POST', `/analytics/sites/${sites['globex.test']!.id}/erase`, { token: editorToken }))).toEqual([])

    const site = await payload.create({ collection: 'sites', data: { domain: 'gone.test', name: 'Gone', tenant: shop.tenant } as never })
    const gone = await added(() => payload.delete({ collection: 'sites', id: site.id }))
    expect(gone).toMatchObject([{ action: 'erase', details: { reason: 'site deleted' }, site: String(site.id) }])
  })

  test('no row holds an IP address or a user agent', async () => {
    const stored = JSON.stringify(await allRows())
    expect(stored.length).toBeGreaterThan(100)
    expect(stored).not.toContain(CLIENT_IP)
    expect(stored).not.toContain('AuditProbe')
  })
})

describe('access', () => {
  test('admins read the log; other users and anonymous requests do not; nobody writes it', async () => {
    const adminRead = await rest<{ docs: AuditRow[] }>(payload, 'GET', `/${AUDIT}?limit=100`, { token: adminToken })
    expect(adminRead.status).toBe(200)
    expect(adminRead.body.docs.length).toBeGreaterThan(5)
    expect((await rest(payload, 'GET', `/${AUDIT}`, { token: editorToken })).status).toBe(403)
    expect((await rest(payload, 'GET', `/${AUDIT}`)).status).toBe(403)
    const [row] = adminRead.body.docs as Array<AuditRow & { id: number }>
    expect((await rest(payload, 'POST', `/${AUDIT}`, { body: { action: 'export', actorType: 'user' }, token: adminToken })).status).toBe(403)
    expect((await rest(payload, 'PATCH', `/${AUDIT}/${row!.id}`, { body: { action: 'nothing' }, token: adminToken })).status).toBe(403)
    expect((await rest(payload, 'DELETE', `/${AUDIT}/${row!.id}`, { token: adminToken })).status).toBe(403)
  })
})

describe('retention', () => {
  test('rows older than 90 days go, younger ones stay', async () => {
    const now = new Date()
    const ages = [91, 90.01, 89.9, 10]
    const ids: Array<number | string> = []
    for (const days of ages) {
      const row = await payload.create({ collection: AUDIT, data: { action: 'export', actorType: 'system', details: { days } } as never })
      await payload.db.drizzle.execute(
        sql`UPDATE analytics_audit_log SET created_at = ${new Date(now.getTime() - days * 86_400_000).toISOString()}::timestamptz WHERE id = ${row.id}`,
      )
      ids.push(row.id)
    }
    const total = (await allRows()).length
    const result = await payload.analytics!.applyRetention({ now })
    expect(result.auditLog.deleted).toBe(2)
    const left = await payload.find({ collection: AUDIT, depth: 0, pagination: false, where: { id: { in: ids } } })
    expect(left.docs.map((doc) => (doc as unknown as AuditRow).details?.days).sort()).toEqual([10, 89.9])
    expect((await allRows()).length).toBe(total - 2)
  })
})
