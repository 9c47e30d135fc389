/**
 * The role-aware access options, each enforced wherever its action can happen: here a host
 * that lets only super-admins export, erase and manage reports. The tenant editor may still
 * read the sites (and update them), yet gets 403 on export and erase over REST, no Export
 * button (the dashboard's data says so), no report through REST or the Local API with
 * `overrideAccess: false`, and the CLI's `export --as` refuses them.
 */
import type { Payload, PayloadRequest, TypedUser } from 'payload'

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLocalReq } from 'payload'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { DemoSite } from '../helpers/fixtures.js'

import { loadDashboard } from '../../admin/Dashboard/loadDashboard.js'
import { parseDashboardState } from '../../admin/Dashboard/state.js'
import { DEMO_USERS } from '../../dev/seed.js'
import { runCli } from '../helpers/cli.js'
import { addAnalyticsRows, demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const superAdminOnly = ({ user }: { user: TypedUser }) => Boolean((user as { roles?: string[] }).roles?.includes('super-admin'))

let payload: Payload
let sites: Record<string, DemoSite>
let adminToken: string
let editorToken: string
let configDir: string | undefined

const requestAs = async (email: string): Promise<PayloadRequest> => {
  const { docs } = await payload.find({ collection: 'users', where: { email: { equals: email } } })
  return createLocalReq({ user: { ...docs[0]!, collection: 'users' } as unknown as TypedUser }, payload)
}

beforeAll(async () => {
  payload = await bootPayload({
    analytics: {
      access: { erase: superAdminOnly, export: superAdminOnly, manageReports: superAdminOnly },
      redisKeyPrefix: `access${Date.now()}:`,
      redisUrl: inject('redisUrl'),
    },
  })
  sites = await demoSites(payload)
  for (const site of Object.values(sites)) await addAnalyticsRows(payload, site, 2)
  adminToken = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  editorToken = await login(payload, DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)
})

afterAll(async () => {
  await payload?.destroy()
  if (configDir) rmSync(configDir, { force: true, recursive: true })
})

describe('access.export', () => {
  test('REST: 403 for the editor (one site or all), 200 for the admin; the stats stay readable', async () => {
    const shop = sites['shop.acme.test']!
    const editor = { Authorization: `JWT ${editorToken}` }
    const refused = await rawRequest(payload, 'GET', `/analytics/export?siteId=${shop.id}`, { headers: editor })
    expect(refused.status).toBe(403)
    expect(refused.body.error).toBe(`You may not export the analytics of site ${String(shop.id)}.`)
    expect((await rawRequest(payload, 'GET', '/analytics/export', { headers: editor })).status).toBe(403)
    // A site the editor cannot read at all is still "not found".
    expect((await rawRequest(payload, 'GET', `/analytics/export?siteId=${sites['globex.test']!.id}`, { headers: editor })).status).toBe(404)
    expect((await rest(payload, 'GET', `/analytics/stats?siteId=${shop.id}`, { token: editorToken })).status).toBe(200)
    expect((await rawRequest(payload, 'GET', `/analytics/export?siteId=${shop.id}`, { headers: { Authorization: `JWT ${adminToken}` } })).status).toBe(200)
    // Refused exports are not audited as exports.
    const audited = await payload.find({ collection: 'analytics-audit-log', where: { action: { equals: 'export' } } })
    expect(audited.docs.map((doc) => doc.actorEmail)).toEqual([DEMO_USERS.superAdmin.email])
  })

  test('admin: the dashboard offers Export only to who may export', async () => {
    const state = parseDashboardState({ range: '30d' })
    const asEditor = await loadDashboard({ caller: { req: await requestAs(DEMO_USERS.tenantUser.email) }, payload, state })
    const asAdmin = await loadDashboard({ caller: { req: await requestAs(DEMO_USERS.superAdmin.email) }, payload, state })
    expect(asEditor.ok && asEditor.data.canExport).toBe(false)
    expect(asAdmin.ok && asAdmin.data.canExport).toBe(true)
  })

  test('CLI: export --as the editor is refused; --as the admin writes the file', async () => {
    configDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-access-'))
    writeFileSync(path.join(configDir, 'package.json'), '{ "type": "module" }\n')
    const databaseUri = (payload.db as unknown as { poolOptions: { connectionString: string } }).poolOptions.connectionString
    // The config file repeats the host's access rule, as a real project's config would hold it.
    writeFileSync(
      path.join(configDir, 'payload.config.ts'),
      `import { buildDevConfig } from ${JSON.stringify(path.join(root, 'dev/buildConfig.ts'))}\n` +
        `const superAdminOnly = ({ user }) => Boolean(user.roles?.includes('super-admin'))\n` +
        `export default buildDevConfig({ databaseUri: ${JSON.stringify(databaseUri)}, push: false, seed: false, analytics: { access: { export: superAdminOnly }, redisUrl: undefined } })\n`,
    )
    const config = path.join(configDir, 'payload.config.ts')
    const shop = sites['shop.acme.test']!
    const refused = await runCli(['export', '--range', 'month', '--site', String(shop.id), '--as', DEMO_USERS.tenantUser.email, '--out', path.join(configDir, 'a'), '--config', config], 90_000)
    expect(refused.code, refused.stderr).toBe(2)
    expect(refused.stderr).toContain(`${DEMO_USERS.tenantUser.email} may not export the analytics of site ${String(shop.id)}`)
    const allowed = await runCli(['export', '--range', 'month', '--as', DEMO_USERS.superAdmin.email, '--out', path.join(configDir, 'b'), '--config', config], 90_000)
    expect(allowed.code, allowed.stderr).toBe(0)
    expect(allowed.stdout).toMatch(/wrote .*month-to-date\.csv \(3 sites\)/)
  }, 200_000)
})

describe('access.erase', () => {
  test('REST: 403 for the editor, nothing deleted; the admin erases', async () => {
    const shop = sites['shop.acme.test']!
    const count = async () => (await payload.count({ collection: 'analytics-events', where: { site: { equals: shop.id } } })).totalDocs
    const refused = await rest(payload, 'POST', `/analytics/sites/${shop.id}/erase`, { token: editorToken })
    expect(refused).toEqual({ body: { error: 'You may not erase this site’s analytics data.' }, status: 403 })
    expect(await count()).toBe(2)
    expect((await rest(payload, 'POST', `/analytics/sites/${shop.id}/erase`, { token: adminToken })).status).toBe(200)
    expect(await count()).toBe(0)
  })
})

describe('access.manageReports', () => {
  const report = (site: DemoSite) => ({ frequency: 'weekly', name: 'Weekly', range: 'lastWeek', sites: [site.id], timeZone: 'UTC' })

  test('REST and the Local API with overrideAccess: false refuse the editor; the admin schedules', async () => {
    const blog = sites['blog.acme.test']!
    const viaRest = await rest(payload, 'POST', '/analytics-reports', { body: report(blog), token: editorToken })
    expect(viaRest.status).toBe(400)
    expect(JSON.stringify(viaRest.body)).toContain(`You may not report on site ${String(blog.id)}`)
    const editorReq = await requestAs(DEMO_USERS.tenantUser.email)
    await expect(
      payload.create({ collection: 'analytics-reports', data: report(blog) as never, overrideAccess: false, req: editorReq, user: editorReq.user }),
    ).rejects.toMatchObject({ data: { errors: [{ message: `You may not report on site ${String(blog.id)}.`, path: 'sites' }] } })
    expect((await payload.count({ collection: 'analytics-reports' })).totalDocs).toBe(0)

    const adminReq = await requestAs(DEMO_USERS.superAdmin.email)
    const created = await payload.create({ collection: 'analytics-reports', data: report(blog) as never, overrideAccess: false, req: adminReq, user: adminReq.user })
    // The editor may update the site, yet neither sees the report (its recipients and webhook
    // secret), nor changes, deletes, previews or sends it.
    // (No report at all is theirs: Payload answers a listing with 403 then.)
    await expect(payload.find({ collection: 'analytics-reports', overrideAccess: false, req: editorReq, user: editorReq.user })).rejects.toMatchObject({ status: 403 })
    expect((await rest(payload, 'GET', `/analytics-reports/${created.id}`, { token: editorToken })).status).toBe(403)
    await expect(payload.delete({ collection: 'analytics-reports', id: created.id, overrideAccess: false, req: editorReq, user: editorReq.user })).rejects.toThrow()
    await expect(
      payload.update({ collection: 'analytics-reports', data: { name: 'Mine now' } as never, id: created.id, overrideAccess: false, req: editorReq, user: editorReq.user }),
    ).rejects.toThrow()
    expect((await rest(payload, 'DELETE', `/analytics-reports/${created.id}`, { token: editorToken })).status).toBe(403)
    expect((await rawRequest(payload, 'GET', `/analytics/reports/${created.id}/preview`, { headers: { Authorization: `JWT ${editorToken}` } })).status).toBe(404)
    expect((await rawRequest(payload, 'POST', `/analytics/reports/${created.id}/send`, { headers: { Authorization: `JWT ${editorToken}` } })).status).toBe(404)
    expect((await rawRequest(payload, 'GET', `/analytics/reports/${created.id}/preview`, { headers: { Authorization: `JWT ${adminToken}` } })).status).toBe(200)
    expect((await payload.findByID({ collection: 'analytics-reports', id: created.id })).name).toBe('Weekly')
  })
})
