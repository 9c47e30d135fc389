import type { Payload } from 'payload'

/** The demo logins `npm run dev` prints. Development only. */
export const DEMO_USERS = {
  superAdmin: { email: 'admin@example.com', password: 'admin' },
  tenantManager: { email: 'manager@acme.test', password: 'manager' },
  tenantUser: { email: 'editor@acme.test', password: 'editor' },
} as const

/**
 * Two tenants, three sites, a super-admin, and a user and a tenant manager limited to the first tenant.
 * Runs only on an empty database, so restarts keep whatever was changed by hand.
 */
export async function seedIfEmpty(payload: Payload): Promise<void> {
  const { totalDocs } = await payload.count({ collection: 'users' })
  if (totalDocs > 0) return

  const acme = await payload.create({ collection: 'tenants', data: { name: 'Acme', slug: 'acme' } })
  const globex = await payload.create({ collection: 'tenants', data: { name: 'Globex', slug: 'globex' } })

  const sites = [
    { name: 'Acme Shop', domain: 'shop.acme.test', tenant: acme.id },
    { name: 'Acme Blog', domain: 'blog.acme.test', tenant: acme.id },
    { name: 'Globex', domain: 'globex.test', tenant: globex.id },
  ]
  for (const data of sites) await payload.create({ collection: 'sites', data })

  await payload.create({
    collection: 'users',
    data: { ...DEMO_USERS.superAdmin, roles: ['super-admin'] },
  })
  await payload.create({
    collection: 'users',
    data: { ...DEMO_USERS.tenantUser, roles: ['user'], tenants: [{ tenant: acme.id }] },
  })
  await payload.create({
    collection: 'users',
    data: { ...DEMO_USERS.tenantManager, roles: ['tenant-manager'], tenants: [{ tenant: acme.id }] },
  })
  payload.logger.info('Seeded demo data: 2 tenants, 3 sites, 3 users.')
}
