/**
 * Who may do what, as one table: every collection the plugin adds or wires × every
 * operation Payload serves over REST × every role, then every root endpoint and admin view.
 * Each cell says on purpose whether the role may do it; the test plays every cell against
 * Acme's data and checks both the answer and the effect (a refusal changes nothing, and is
 * never a 5xx). A collection, an endpoint or a view nobody put in the table fails the test.
 */
import type { Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { createLocalReq } from 'payload'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import type { DemoSite } from '../helpers/fixtures.js'
import type { Role } from '../helpers/roles.js'

import { loadDashboard } from '../../admin/Dashboard/loadDashboard.js'
import { loadSources } from '../../admin/SourcesView/loadSources.js'
import { DEMO_USERS } from '../../dev/seed.js'
import { unsubscribeToken } from '../../src/core/signing.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { rawRequest, rest } from '../helpers/rest.js'
import { GLOBEX_EDITOR, ROLES, roleTokens } from '../helpers/roles.js'
import { csvText, zipBytes } from '../helpers/zip.js'

type Id = number | string
type Doc = Record<string, unknown> & { id: Id }
type Cells = Record<Role, boolean>

/** The roles that may, the others may not. */
const only = (...roles: Role[]): Cells => Object.fromEntries(ROLES.map((role) => [role, roles.includes(role)])) as Cells
const nobody = only()
/** Who acts on Acme's sites: its editor, its tenant manager, the super-admin (not Globex's editor). */
const acme = only('editor', 'manager', 'admin')

const OPERATIONS = ['find', 'findByID', 'count', 'create', 'update', 'updateWhere', 'delete', 'deleteWhere', 'duplicate', 'versions', 'lock'] as const
type Operation = (typeof OPERATIONS)[number]

let payload: Payload
let sites: Record<string, DemoSite>
let tokens: Record<Role, string | undefined>
let userIds: Record<Exclude<Role, 'anonymous'>, Id>
let tenants: { acme: Id; globex: Id }

const shop = () => sites['shop.acme.test']!
const unique = () => randomUUID().slice(0, 8)
const find = async (slug: string, id: Id) => (await payload.find({ collection: slug as 'sites', depth: 0, where: { id: { equals: id } } })).docs[0] as Doc | undefined
const countAll = async (slug: string) => (await payload.count({ collection: slug as 'sites' })).totalDocs
const create = async (slug: string, data: Record<string, unknown>) => (await payload.create({ collection: slug as 'sites', data: data as never })) as unknown as Doc
/** A fresh site of Acme, for a settings row of its own. */
const acmeSite = async () => create('sites', { domain: `m${unique()}.acme.test`, name: 'Matrix', tenant: tenants.acme })
const removeWhere = (slug: string, where: Record<string, unknown>) => payload.delete({ collection: slug as 'sites', where: where as never })

/**
 * One row group of the table: a kind of document, Acme's, and what each role may do to it.
 * `make` stores a fresh one (so every cell starts alike); `createBody`/`duplicateBody` prepare
 * what a permitted create or duplicate would store for Acme.
 */
interface Subject {
  cells: Record<Operation, Cells>
  createBody: () => Promise<Record<string, unknown>>
  duplicateBody: () => Promise<Record<string, unknown>>
  make: () => Promise<Id>
  name: string
  slug: string
  update: { body: Record<string, unknown>; changed: (doc: Doc) => boolean }
}

const readOnly = (readers: Cells): Record<Operation, Cells> => ({
  count: readers,
  create: nobody,
  delete: nobody,
  deleteWhere: nobody,
  duplicate: nobody,
  find: readers,
  findByID: readers,
  lock: nobody,
  update: nobody,
  updateWhere: nobody,
  versions: nobody,
})

const readWrite = (readers: Cells, writers: Cells, duplicators: Cells, lockers: Cells = nobody): Record<Operation, Cells> => ({
  count: readers,
  create: writers,
  delete: writers,
  deleteWhere: writers,
  duplicate: duplicators,
  find: readers,
  findByID: readers,
  lock: lockers,
  update: writers,
  updateWhere: writers,
  versions: nobody,
})

const pipelineRow = (slug: string, data: () => Record<string, unknown>, key: string): Subject => ({
  // Written by the pipeline only; read by whoever may read the site.
  cells: readOnly(acme),
  createBody: async () => data(),
  duplicateBody: async () => ({ [key]: unique() }),
  make: async () => (await create(slug, data())).id,
  name: slug,
  slug,
  update: { body: { [key]: 'changed' }, changed: (doc) => doc[key] === 'changed' },
})

const SUBJECTS: Subject[] = [
  pipelineRow('analytics-events', () => ({ eventId: randomUUID(), path: '/', site: shop().id, tenant: shop().tenant, timestamp: new Date().toISOString(), type: 'pageview' }), 'eventId'),
  pipelineRow('analytics-daily-stats', () => ({ date: '2026-11-01T00:00:00.000Z', dimension: 'page', key: unique(), site: shop().id, tenant: shop().tenant }), 'key'),
  pipelineRow('analytics-monthly-stats', () => ({ dimension: 'page', key: unique(), month: '2026-11-01T00:00:00.000Z', site: shop().id, tenant: shop().tenant }), 'key'),
  pipelineRow('analytics-imported-stats', () => ({ date: '2026-01-01T00:00:00.000Z', dimension: 'page', importId: '0', key: unique(), site: shop().id }), 'key'),
  {
    // An import run: read by the site's readers; written by the plugin only; deleted (with its
    // figures) by whoever may manage the site's sources (default: may update the site). No locks.
    cells: { ...readOnly(acme), delete: acme, deleteWhere: acme },
    createBody: async () => ({ site: shop().id, source: 'plausible-csv', status: 'done' }),
    duplicateBody: async () => ({}),
    make: async () => (await create('analytics-imports', { site: shop().id, source: 'plausible-csv', status: 'done' })).id,
    name: 'analytics-imports',
    slug: 'analytics-imports',
    update: { body: { status: 'failed' }, changed: (doc) => doc.status === 'failed' },
  },
  {
    // Visitor-hash salts never leave the server, not even to a super-admin.
    cells: readOnly(nobody),
    createBody: async () => ({ day: unique(), salt: 'x' }),
    duplicateBody: async () => ({ day: unique() }),
    make: async () => (await create('analytics-salts', { day: unique(), salt: 'secret' })).id,
    name: 'analytics-salts',
    slug: 'analytics-salts',
    update: { body: { salt: 'changed' }, changed: (doc) => doc.salt === 'changed' },
  },
  {
    // A site's settings follow the site: read by its readers, changed by its updaters. No locks.
    cells: readWrite(acme, acme, acme),
    createBody: async () => ({ scope: 'site', site: (await acmeSite()).id }),
    duplicateBody: async () => ({ site: (await acmeSite()).id }),
    make: async () => (await create('analytics-settings', { scope: 'site', site: (await acmeSite()).id })).id,
    name: 'analytics-settings (a site’s)',
    slug: 'analytics-settings',
    update: { body: { retentionDays: 77 }, changed: (doc) => doc.retentionDays === 77 },
  },
  {
    // A tenant's defaults: its managers and the super-admin; copied onto another tenant by the super-admin only.
    cells: readWrite(only('manager', 'admin'), only('manager', 'admin'), only('admin')),
    createBody: async () => {
      await removeWhere('analytics-settings', { scopeKey: { equals: `tenant:${String(tenants.acme)}` } })
      return { scope: 'tenant', tenant: tenants.acme }
    },
    duplicateBody: async () => {
      await removeWhere('analytics-settings', { scopeKey: { equals: `tenant:${String(tenants.globex)}` } })
      return { tenant: tenants.globex }
    },
    make: async () => {
      await removeWhere('analytics-settings', { scopeKey: { equals: `tenant:${String(tenants.acme)}` } })
      return (await create('analytics-settings', { scope: 'tenant', tenant: tenants.acme })).id
    },
    name: 'analytics-settings (Acme’s defaults)',
    slug: 'analytics-settings',
    update: { body: { retentionDays: 77 }, changed: (doc) => doc.retentionDays === 77 },
  },
  {
    // The global defaults: the super-admin only; there is one, so nobody duplicates it.
    cells: readWrite(only('admin'), only('admin'), nobody),
    createBody: async () => {
      await removeWhere('analytics-settings', { scope: { equals: 'global' } })
      return { scope: 'global' }
    },
    duplicateBody: async () => ({}),
    make: async () => {
      await removeWhere('analytics-settings', { scope: { equals: 'global' } })
      return (await create('analytics-settings', { scope: 'global' })).id
    },
    name: 'analytics-settings (global defaults)',
    slug: 'analytics-settings',
    update: { body: { retentionDays: 77 }, changed: (doc) => doc.retentionDays === 77 },
  },
  {
    // The host's sites with the plugin's hooks: the multi-tenant plugin scopes them to Acme's users.
    cells: readWrite(acme, acme, acme, acme),
    createBody: async () => ({ domain: `c${unique()}.acme.test`, name: 'Created', tenant: tenants.acme }),
    duplicateBody: async () => ({ domain: `d${unique()}.acme.test` }),
    make: async () => (await acmeSite()).id,
    name: 'sites (wired: domains, erasure, refresh, Analytics tab)',
    slug: 'sites',
    update: { body: { name: 'Changed' }, changed: (doc) => doc.name === 'Changed' },
  },
  {
    // Who did what: read by those who may manage the global defaults (the super-admin, not a
    // tenant manager); written by the plugin's audit() only, never over REST.
    cells: readOnly(only('admin')),
    createBody: async () => ({ action: 'export', actorType: 'user' }),
    duplicateBody: async () => ({}),
    make: async () => (await create('analytics-audit-log', { action: `matrix.${unique()}`, actorType: 'system', site: String(shop().id) })).id,
    name: 'analytics-audit-log',
    slug: 'analytics-audit-log',
    update: { body: { action: 'changed' }, changed: (doc) => doc.action === 'changed' },
  },
  {
    // Delivery bookkeeping of reports and alerts: read by the super-admin, written by the plugin only.
    cells: readOnly(only('admin')),
    createBody: async () => ({ channel: 'email', idempotencyKey: unique(), key: unique(), kind: 'report', occurrence: new Date().toISOString() }),
    duplicateBody: async () => ({ key: unique() }),
    make: async () =>
      (await create('analytics-report-deliveries', { channel: 'email', idempotencyKey: unique(), key: unique(), kind: 'report', occurrence: new Date().toISOString(), source: '1' })).id,
    name: 'analytics-report-deliveries',
    slug: 'analytics-report-deliveries',
    update: { body: { status: 'changed' }, changed: (doc) => doc.status === 'changed' },
  },
  {
    // A report on the shop: read and changed by whoever may update all of its sites (manageReports).
    cells: readWrite(acme, acme, acme, acme),
    createBody: async () => ({ name: 'Created', sites: [shop().id] }),
    duplicateBody: async () => ({ name: `Copy ${unique()}` }),
    make: async () => (await create('analytics-reports', { name: `Matrix ${unique()}`, sites: [shop().id] })).id,
    name: 'analytics-reports',
    slug: 'analytics-reports',
    update: { body: { name: 'Changed' }, changed: (doc) => doc.name === 'Changed' },
  },
  {
    // A report on Acme's shop and Globex's site: only for whoever may update both — here the
    // super-admin; Acme's users (and Globex's editor) neither see nor change it.
    cells: readWrite(only('admin'), only('admin'), only('admin'), only('admin')),
    createBody: async () => ({ name: 'Created', sites: [shop().id, sites['globex.test']!.id] }),
    duplicateBody: async () => ({ name: `Copy ${unique()}` }),
    make: async () => (await create('analytics-reports', { name: `Matrix ${unique()}`, sites: [shop().id, sites['globex.test']!.id] })).id,
    name: 'analytics-reports (Acme’s and Globex’s sites)',
    slug: 'analytics-reports',
    update: { body: { name: 'Changed' }, changed: (doc) => doc.name === 'Changed' },
  },
  {
    // A report on every site of Acme (its tenant, no sites of its own): for whoever manages
    // Acme's defaults — its tenant manager, who reads back what they created, and the
    // super-admin; not Acme's editor, who may update the sites but not speak for the tenant.
    cells: readWrite(only('manager', 'admin'), only('manager', 'admin'), only('manager', 'admin'), only('manager', 'admin')),
    createBody: async () => ({ name: 'Created', tenant: tenants.acme }),
    duplicateBody: async () => ({ name: `Copy ${unique()}` }),
    make: async () => (await create('analytics-reports', { name: `Matrix ${unique()}`, tenant: tenants.acme })).id,
    name: 'analytics-reports (Acme’s tenant)',
    slug: 'analytics-reports',
    update: { body: { name: 'Changed' }, changed: (doc) => doc.name === 'Changed' },
  },
  {
    // Acme's editor's API key: made by any logged-in user for themselves; read, changed and
    // copied by its owner and by those who may manage the global defaults (the super-admin).
    // No locks (lockDocuments off).
    cells: { ...readWrite(only('editor', 'admin'), only('editor', 'admin'), only('editor', 'admin')), create: only('otherEditor', 'editor', 'manager', 'admin') },
    createBody: async () => ({ name: `Created ${unique()}` }),
    duplicateBody: async () => ({ name: `Copy ${unique()}` }),
    make: async () => (await create('analytics-api-keys', { name: `Matrix ${unique()}`, user: userIds.editor })).id,
    name: 'analytics-api-keys (Acme’s editor’s)',
    slug: 'analytics-api-keys',
    update: { body: { name: 'Changed' }, changed: (doc) => doc.name === 'Changed' },
  },
  {
    // An alert on the shop: read and changed by whoever may update the site.
    cells: readWrite(acme, acme, acme, acme),
    createBody: async () => ({ kind: 'spike', name: 'Created', site: shop().id, threshold: 10 }),
    duplicateBody: async () => ({ name: `Copy ${unique()}` }),
    make: async () => (await create('analytics-alerts', { kind: 'spike', name: `Matrix ${unique()}`, site: shop().id, threshold: 10 })).id,
    name: 'analytics-alerts',
    slug: 'analytics-alerts',
    update: { body: { threshold: 77 }, changed: (doc) => doc.threshold === 77 },
  },
  {
    // A source connection mapped to the shop: whoever may manage the shop's sources (default:
    // update the site) reads and changes it; its credential never leaves the server.
    cells: readWrite(acme, acme, acme, acme),
    createBody: async () => ({ baseUrl: 'https://matomo.acme.test', credential: 'token', kind: 'matomo', name: 'Created', sites: [{ remoteId: '1', site: shop().id }] }),
    duplicateBody: async () => ({ name: `Copy ${unique()}` }),
    make: async () => (await create('analytics-sources', { baseUrl: 'https://matomo.acme.test', kind: 'matomo', name: `Matrix ${unique()}`, sites: [{ remoteId: '1', site: shop().id }] })).id,
    name: 'analytics-sources',
    slug: 'analytics-sources',
    update: { body: { name: 'Changed' }, changed: (doc) => doc.name === 'Changed' },
  },
  pipelineRow(
    'analytics-visits',
    () => ({ day: '2026-11-01T00:00:00.000Z', endedAt: '2026-11-01T10:00:00.000Z', session: unique(), site: shop().id, startedAt: '2026-11-01T09:00:00.000Z', tenant: shop().tenant }),
    'session',
  ),
  pipelineRow('analytics-search-stats', () => ({ date: '2026-11-01T00:00:00.000Z', dimension: 'query', key: unique(), site: shop().id, tenant: shop().tenant }), 'key'),
]

/** The collections that are not the plugin's, each with why the table leaves it out. */
const NOT_THE_PLUGINS: Record<string, string> = {
  'payload-kv': 'Payload’s key-value store, no user access',
  'payload-locked-documents': 'played as the `lock` operation of every collection above',
  'payload-migrations': 'Payload’s own',
  'payload-preferences': 'Payload’s own, per user',
  tenants: 'the host’s, untouched by the plugin',
  users: 'the host’s, untouched by the plugin',
}

/** A collection's routes that are no operation above, and why they need no cell. */
const OTHER_COLLECTION_ROUTES: Record<string, string> = {
  'post /access/:id?': 'the caller’s own permissions on a document (what the admin form may show)',
  'get /versions/:id': 'answers 404 like `versions` (no collection here keeps versions)',
  'post /versions/:id': 'answers 404 like `versions` (restoring a version)',
}

/** The REST route of each operation, to check that every route of a collection is covered. */
const OPERATION_ROUTES: Record<Operation, null | string> = {
  count: 'get /count',
  create: 'post /',
  delete: 'delete /:id',
  deleteWhere: 'delete /',
  duplicate: 'post /:id/duplicate',
  find: 'get /',
  findByID: 'get /:id',
  lock: null,
  update: 'patch /:id',
  updateWhere: 'patch /',
  versions: 'get /versions',
}

beforeAll(async () => {
  payload = await bootPayload()
  sites = await demoSites(payload)
  tokens = await roleTokens(payload)
  tenants = { acme: shop().tenant, globex: sites['globex.test']!.tenant }
  const idOf = async (email: string) => (await payload.find({ collection: 'users', where: { email: { equals: email } } })).docs[0]!.id
  userIds = {
    admin: await idOf(DEMO_USERS.superAdmin.email),
    editor: await idOf(DEMO_USERS.tenantUser.email),
    manager: await idOf(DEMO_USERS.tenantManager.email),
    otherEditor: await idOf(GLOBEX_EDITOR.email),
  }
})

/** The shop's current share token, its public settings made anew when gone (the erase endpoint deletes them). */
async function shopShareToken(): Promise<string> {
  const [row] = (await payload.find({ collection: 'analytics-settings', depth: 0, where: { site: { equals: shop().id } } })).docs as unknown as Doc[]
  if (row?.shareToken) return row.shareToken as string
  if (row) await payload.delete({ collection: 'analytics-settings', id: row.id })
  return (await create('analytics-settings', { publicDashboard: true, scope: 'site', site: shop().id })).shareToken as string
}

/** A fresh report on the shop, with no recipients (so sending it reaches nobody). */
const shopReport = async () => (await create('analytics-reports', { name: `Matrix ${unique()}`, sites: [shop().id] })).id

/** A forged token must answer 400 and leave the recipient subscribed; then the signed one unsubscribes: its status. */
async function unsubscribeCall(method: 'GET' | 'POST', role: Role): Promise<number> {
  const email = `m${unique()}@acme.test`
  const id = (await create('analytics-reports', { name: `Matrix ${unique()}`, recipients: [{ email }], sites: [shop().id] })).id
  const headers: Record<string, string> = tokens[role] ? { authorization: `JWT ${tokens[role]}` } : {}
  const subscribed = async () => ((await find('analytics-reports', id))!.recipients as Array<{ unsubscribed?: boolean }>)[0]!.unsubscribed !== true
  const forged = unsubscribeToken('not-the-secret', id, email)
  const refused = (await rawRequest(payload, method, `/analytics/reports/unsubscribe?token=${encodeURIComponent(forged)}`, { headers })).status
  if (refused !== 400 || !(await subscribed())) return refused === 400 ? -1 : refused
  const { status } = await rawRequest(payload, method, `/analytics/reports/unsubscribe?token=${encodeURIComponent(unsubscribeToken(payload.secret, id, email))}`, { headers })
  return status === 200 && !(await subscribed()) ? status : -status
}

afterAll(async () => {
  await payload?.destroy()
})

/** Operations that change nothing: every role's cell can use the same target. */
const READS: ReadonlySet<Operation> = new Set(['count', 'find', 'findByID'])

/** Play one cell: the request, then whether it took effect. `target`: a read's shared document. */
async function play(subject: Subject, operation: Operation, role: Role, target?: Id): Promise<{ effect: boolean; status: number }> {
  const { slug } = subject
  const auth = { token: tokens[role] }
  const byId = (id: Id) => `where[id][equals]=${encodeURIComponent(String(id))}`
  switch (operation) {
    case 'find':
    case 'findByID':
    case 'count': {
      const id = target ?? (await subject.make())
      const path = operation === 'find' ? `/${slug}?depth=0&limit=0&pagination=false` : operation === 'findByID' ? `/${slug}/${id}?depth=0` : `/${slug}/count?${byId(id)}`
      const { body, status } = await rest<{ docs?: Doc[]; id?: Id; totalDocs?: number }>(payload, 'GET', path, auth)
      const seen = operation === 'find' ? Boolean(body.docs?.some((doc) => String(doc.id) === String(id))) : operation === 'findByID' ? String(body.id) === String(id) : body.totalDocs === 1
      return { effect: status === 200 && seen, status }
    }
    case 'create': {
      const data = await subject.createBody()
      const before = await countAll(slug)
      const { status } = await rest(payload, 'POST', `/${slug}?depth=0`, { body: data, ...auth })
      return { effect: (await countAll(slug)) === before + 1, status }
    }
    case 'duplicate': {
      const id = await subject.make()
      const data = await subject.duplicateBody()
      const before = await countAll(slug)
      const { status } = await rest(payload, 'POST', `/${slug}/${id}/duplicate?depth=0`, { body: data, ...auth })
      return { effect: (await countAll(slug)) === before + 1, status }
    }
    case 'update':
    case 'updateWhere': {
      const id = await subject.make()
      const path = operation === 'update' ? `/${slug}/${id}?depth=0` : `/${slug}?depth=0&${byId(id)}`
      const { status } = await rest(payload, 'PATCH', path, { body: subject.update.body, ...auth })
      const doc = await find(slug, id)
      return { effect: Boolean(doc && subject.update.changed(doc)), status }
    }
    case 'delete':
    case 'deleteWhere': {
      const id = await subject.make()
      const path = operation === 'delete' ? `/${slug}/${id}` : `/${slug}?${byId(id)}`
      const { status } = await rest(payload, 'DELETE', path, auth)
      return { effect: (await find(slug, id)) === undefined, status }
    }
    case 'versions': {
      const { body, status } = await rest<{ docs?: unknown[] }>(payload, 'GET', `/${slug}/versions`, auth)
      return { effect: status === 200 && Array.isArray(body.docs), status }
    }
    case 'lock': {
      const id = await subject.make()
      const user = { relationTo: 'users', value: role === 'anonymous' ? userIds.editor : userIds[role] }
      const { status } = await rest(payload, 'POST', '/payload-locked-documents', { body: { document: { relationTo: slug, value: id }, user }, ...auth })
      const locks = await payload.find({ collection: 'payload-locked-documents', depth: 0, pagination: false })
      const effect = locks.docs.some((lock) => {
        const document = (lock as { document?: { relationTo: string; value: Id } }).document
        return document?.relationTo === slug && String(document.value) === String(id)
      })
      await payload.delete({ collection: 'payload-locked-documents', where: {} })
      return { effect, status }
    }
  }
}

describe('the table covers every surface', () => {
  test('every collection is in the table, or listed as not the plugin’s with a reason', () => {
    const inTable = new Set([...SUBJECTS.map((subject) => subject.slug), ...Object.keys(NOT_THE_PLUGINS)])
    expect(payload.config.collections.map((collection) => collection.slug).filter((slug) => !inTable.has(slug))).toEqual([])
  })

  test('every REST route of those collections is an operation in the table', () => {
    const covered = new Set([...Object.values(OPERATION_ROUTES).filter(Boolean), ...Object.keys(OTHER_COLLECTION_ROUTES)])
    for (const slug of new Set(SUBJECTS.map((subject) => subject.slug))) {
      const routes = (payload.collections[slug as 'sites']!.config.endpoints || []).map((endpoint) => `${endpoint.method} ${endpoint.path}`)
      expect(routes.filter((route) => !covered.has(route)), slug).toEqual([])
    }
  })

  test('GraphQL is not served by this host, and the plugin’s collections stay out of it anyway', async () => {
    const answer = await rest(payload, 'POST', '/graphql', { body: { query: '{ Sites { docs { id } } }' }, token: tokens.admin })
    expect(answer.status).toBe(404)
    for (const slug of ['analytics-events', 'analytics-daily-stats', 'analytics-monthly-stats', 'analytics-settings', 'analytics-salts', 'analytics-audit-log', 'analytics-report-deliveries', 'analytics-reports', 'analytics-alerts', 'analytics-api-keys', 'analytics-imports', 'analytics-imported-stats', 'analytics-visits']) {
      expect(payload.collections[slug as 'sites']!.config.graphQL, slug).toBe(false)
    }
  })
})

describe.each(SUBJECTS.map((subject) => [subject.name, subject] as const))('%s', (_name, subject) => {
  test.each(OPERATIONS.map((operation) => [operation] as const))('%s', async (operation) => {
    const outcomes: Record<string, { effect: boolean; status: number }> = {}
    const target = READS.has(operation) ? await subject.make() : undefined
    for (const role of ROLES) outcomes[role] = await play(subject, operation, role, target)
    const expected = Object.fromEntries(ROLES.map((role) => [role, subject.cells[operation][role]]))
    expect(Object.fromEntries(ROLES.map((role) => [role, outcomes[role]!.effect])), JSON.stringify(outcomes)).toEqual(expected)
    for (const role of ROLES) {
      const { status } = outcomes[role]!
      // A refusal is a 4xx (or an empty answer), never a server error; a permitted call is a 2xx.
      expect(status, `${role}: ${status}`).toBeLessThan(500)
      if (expected[role]) expect(status, role).toBeLessThan(300)
    }
  })
})

/** Every root endpoint, as each role calls it about Acme's shop: the status each gets. */
type EndpointRow = { call: (role: Role) => Promise<number>; statuses: Record<Role, number> }
const same = (status: number): Record<Role, number> => Object.fromEntries(ROLES.map((role) => [role, status])) as Record<Role, number>
const userStatuses = (allowed: number): Record<Role, number> => ({ admin: allowed, anonymous: 401, editor: allowed, manager: allowed, otherEditor: 404 })
const plausibleStatuses: Record<Role, number> = { admin: 200, anonymous: 401, editor: 200, manager: 200, otherEditor: 401 }
const get = async (path: string, role: Role) =>
  (await rawRequest(payload, 'GET', path, { headers: tokens[role] ? { authorization: `JWT ${tokens[role]}` } : {} })).status
const post = async (path: string, role: Role, body?: unknown) => (await rest(payload, 'POST', path, { body, token: tokens[role] })).status

const ENDPOINTS: Record<string, EndpointRow> = {
  // Tracking is anonymous: a login changes nothing.
  'post /analytics/track': { call: (role) => post('/analytics/track', role, { s: String(shop().id), t: 'pageview', u: 'https://shop.acme.test/' }), statuses: same(202) },
  'options /analytics/track': {
    call: async (role) => {
      const headers: Record<string, string> = { 'access-control-request-method': 'POST', origin: 'https://shop.acme.test' }
      if (tokens[role]) headers.authorization = `JWT ${tokens[role]}`
      return (await rawRequest(payload, 'OPTIONS', '/analytics/track', { headers })).status
    },
    statuses: same(204),
  },
  // Plausible's Events API: anonymous like tracking (a User-Agent is required, as Plausible documents).
  'post /event': {
    call: async (role) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' }
      if (tokens[role]) headers.authorization = `JWT ${tokens[role]}`
      return (await rawRequest(payload, 'POST', '/event', { body: JSON.stringify({ d: 'shop.acme.test', n: 'pageview', u: 'https://shop.acme.test/' }), headers })).status
    },
    statuses: same(202),
  },
  'options /event': {
    call: async (role) => {
      const headers: Record<string, string> = { 'access-control-request-method': 'POST', origin: 'https://shop.acme.test' }
      if (tokens[role]) headers.authorization = `JWT ${tokens[role]}`
      return (await rawRequest(payload, 'OPTIONS', '/event', { headers })).status
    },
    statuses: same(204),
  },
  // Plausible's Stats and Sites APIs: an API key or a login; another tenant's site is Plausible's 401.
  'post /v2/query': { call: (role) => post('/v2/query', role, { date_range: '7d', metrics: ['visitors'], site_id: 'shop.acme.test' }), statuses: plausibleStatuses },
  'get /v1/stats/realtime/visitors': { call: (role) => get('/v1/stats/realtime/visitors?site_id=shop.acme.test', role), statuses: plausibleStatuses },
  'get /v1/stats/aggregate': { call: (role) => get('/v1/stats/aggregate?site_id=shop.acme.test', role), statuses: plausibleStatuses },
  'get /v1/stats/timeseries': { call: (role) => get('/v1/stats/timeseries?site_id=shop.acme.test', role), statuses: plausibleStatuses },
  'get /v1/stats/breakdown': { call: (role) => get('/v1/stats/breakdown?site_id=shop.acme.test&property=event:page', role), statuses: plausibleStatuses },
  'get /v1/sites': { call: (role) => get('/v1/sites', role), statuses: { ...same(200), anonymous: 401 } },
  'get /v1/sites/:site_id': { call: (role) => get('/v1/sites/shop.acme.test', role), statuses: plausibleStatuses },
  'get /analytics/script.js': { call: (role) => get('/analytics/script.js', role), statuses: same(200) },
  'get /analytics/script.full.js': { call: (role) => get('/analytics/script.full.js', role), statuses: same(200) },
  // A scrape token, never a user's login: without one configured, closed to everyone.
  'get /analytics/metrics': { call: (role) => get('/analytics/metrics', role), statuses: same(401) },
  'get /analytics/stats': { call: (role) => get(`/analytics/stats?siteId=${shop().id}`, role), statuses: userStatuses(200) },
  'get /analytics/compare': { call: (role) => get(`/analytics/compare?siteId=${shop().id}`, role), statuses: userStatuses(200) },
  'get /analytics/realtime': { call: (role) => get(`/analytics/realtime?siteId=${shop().id}`, role), statuses: userStatuses(200) },
  'get /analytics/export': { call: (role) => get(`/analytics/export?range=month&siteId=${shop().id}`, role), statuses: userStatuses(200) },
  // Steps among the shop's goals (its conversion events, by default).
  'get /analytics/funnel': { call: (role) => get(`/analytics/funnel?siteId=${shop().id}&range=7d&steps=lead.created,form.submit`, role), statuses: userStatuses(200) },
  // A share link is the credential: the same for everyone, and a made-up token opens nothing.
  'get /analytics/share/:token/stats': {
    call: async (role) => ((await get('/analytics/share/not-a-token/stats', role)) === 404 ? get(`/analytics/share/${await shopShareToken()}/stats`, role) : 0),
    statuses: same(200),
  },
  'get /analytics/share/:token/compare': {
    call: async (role) => ((await get('/analytics/share/not-a-token/compare', role)) === 404 ? get(`/analytics/share/${await shopShareToken()}/compare`, role) : 0),
    statuses: same(200),
  },
  'post /analytics/share/rotate': {
    call: async (role) => {
      const before = await shopShareToken()
      const status = await post(`/analytics/share/rotate?siteId=${shop().id}`, role)
      // A rotation that was refused left the link as it was.
      if (status !== 200) expect(await shopShareToken()).toBe(before)
      return status
    },
    statuses: userStatuses(200),
  },
  'post /analytics/sites/:id/erase': { call: (role) => post(`/analytics/sites/${shop().id}/erase`, role), statuses: userStatuses(200) },
  // Importing into a site: whoever may manage its sources (default: may update it); exporting: whoever may export it.
  'post /analytics/sites/:id/imports/plausible-csv': {
    call: async (role) => {
      const body = await zipBytes({ 'imported_visitors_20260101_20260101.csv': csvText(['date', 'visitors', 'pageviews', 'bounces', 'visits', 'visit_duration'], [['2026-01-01', 1, 1, 1, 1, 0]]) })
      const runs = await countAll('analytics-imports')
      const headers: Record<string, string> = { 'content-type': 'application/zip', ...(tokens[role] ? { authorization: `JWT ${tokens[role]}` } : {}) }
      const { status } = await rawRequest(payload, 'POST', `/analytics/sites/${shop().id}/imports/plausible-csv`, { body, headers })
      // A refused upload started no run.
      if (status !== 201) expect(await countAll('analytics-imports')).toBe(runs)
      return status
    },
    statuses: userStatuses(201),
  },
  'get /analytics/sites/:id/export/plausible': { call: (role) => get(`/analytics/sites/${shop().id}/export/plausible`, role), statuses: userStatuses(200) },
  // A report on the shop without recipients: previewed and sent by whoever may manage it (a
  // report Globex's editor may not read is 404 to them, as a site is).
  'get /analytics/reports/:id/preview': { call: async (role) => get(`/analytics/reports/${await shopReport()}/preview`, role), statuses: userStatuses(200) },
  'post /analytics/reports/:id/send': { call: async (role) => post(`/analytics/reports/${await shopReport()}/send`, role), statuses: userStatuses(200) },
  // The signed token is the credential, a login changes nothing: a forged one is refused, and
  // only a valid one unsubscribes its address.
  // A Search Console source of the shop: found for Acme's users (then: Google is not configured in this app), not for Globex's.
  'get /analytics/sources/:id/google/connect': {
    call: async (role) => get(`/analytics/sources/${(await create('analytics-sources', { kind: 'gsc', name: `Matrix ${unique()}`, sites: [{ remoteId: 'sc-domain:shop.acme.test', site: shop().id }] })).id}/google/connect`, role),
    statuses: userStatuses(400),
  },
  'get /analytics/sources/google/callback': { call: (role) => get('/analytics/sources/google/callback?code=x&state=y', role), statuses: same(400) },
  'get /analytics/search': { call: (role) => get(`/analytics/search?site=${shop().id}&from=2026-11-01&to=2026-11-30`, role), statuses: userStatuses(200) },
  'get /analytics/reports/unsubscribe': { call: (role) => unsubscribeCall('GET', role), statuses: same(200) },
  'post /analytics/reports/unsubscribe': { call: (role) => unsubscribeCall('POST', role), statuses: same(200) },
}

/** Root endpoints that are not the plugin's. */
const OTHER_ENDPOINTS: Record<string, string> = { 'get /access': 'Payload’s own: the caller’s permissions' }

describe('root endpoints', () => {
  test('every root endpoint has a row', () => {
    const known = new Set([...Object.keys(ENDPOINTS), ...Object.keys(OTHER_ENDPOINTS)])
    expect((payload.config.endpoints || []).map((endpoint) => `${endpoint.method} ${endpoint.path}`).filter((key) => !known.has(key))).toEqual([])
  })

  test.each(Object.keys(ENDPOINTS).map((key) => [key] as const))('%s', async (key) => {
    const row = ENDPOINTS[key]!
    const statuses: Record<string, number> = {}
    for (const role of ROLES) statuses[role] = await row.call(role)
    expect(statuses).toEqual(row.statuses)
  })
})

/** The admin views, by the one data path each renders from (`loadDashboard`, the stats service). */
const VIEWS: Record<string, { cells: Cells; load: (req: PayloadRequest) => Promise<boolean> }> = {
  // Admin → Analytics with the shop selected; the document tab Sites → shop → Analytics.
  analytics: { cells: acme, load: async (req) => (await loadDashboard({ caller: { req }, payload, state: { range: '7d', site: String(shop().id) } })).ok },
  'sites edit tab: analytics': { cells: acme, load: async (req) => (await loadDashboard({ caller: { req }, fixedSite: shop().id, payload, state: { range: '7d' } })).ok },
  // Analytics → Sources: the connections the user may manage (the sources collection's own read access), here one mapped to the shop.
  analyticsSources: {
    cells: acme,
    load: async (req) => {
      const { id } = await create('analytics-sources', { kind: 'gsc', name: `Matrix ${unique()}`, sites: [{ remoteId: 'sc-domain:shop.acme.test', site: shop().id }] })
      return (await loadSources(req, payload.analytics!.config)).some((source) => source.id === String(id))
    },
  },
  // The share page: the token is the credential, the visitor's login plays no part.
  analyticsShare: {
    cells: only(...ROLES),
    load: async () => (await loadDashboard({ caller: { shareToken: await shopShareToken() }, payload, state: { range: '7d' } })).ok,
  },
  // The admin home's widget lists the sites the user may read.
  'beforeDashboard: widget': {
    cells: acme,
    load: async (req) => (req.user ? (await payload.analytics!.stats.readableSites({ req })).some((site) => String(site.id) === String(shop().id)) : false),
  },
}

describe('admin views', () => {
  test('every view the plugin adds has a row', () => {
    const rootViews = Object.keys(payload.config.admin.components.views ?? {})
    const tabs = Object.keys((payload.collections.sites!.config.admin.components?.views?.edit ?? {}) as object).map((name) => `sites edit tab: ${name}`)
    const widgets = (payload.config.admin.components.beforeDashboard ?? []).map(() => 'beforeDashboard: widget')
    expect([...new Set([...rootViews, ...tabs, ...widgets])].sort()).toEqual(Object.keys(VIEWS).sort())
  })

  test.each(Object.keys(VIEWS).map((key) => [key] as const))('%s', async (key) => {
    const view = VIEWS[key]!
    const seen: Record<string, boolean> = {}
    for (const role of ROLES) {
      const user = role === 'anonymous' ? null : { ...(await payload.findByID({ collection: 'users', id: userIds[role] })), collection: 'users' }
      const req = await createLocalReq({ user: user as never }, payload)
      seen[role] = await view.load(req).catch(() => false)
    }
    expect(seen).toEqual(view.cells)
  })
})
