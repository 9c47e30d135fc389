import type { Payload } from 'payload'

import { DEMO_USERS } from '../../dev/seed.js'
import { login } from './rest.js'

/** The roles every access test plays, from least to most trusted. */
export const ROLES = ['anonymous', 'otherEditor', 'editor', 'manager', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** An editor of the second demo tenant (Globex), which the seed does not create. */
export const GLOBEX_EDITOR = { email: 'editor@globex.test', password: 'editor' } as const

/**
 * A JWT per role on the seeded dev app (undefined for anonymous): Acme's editor and tenant
 * manager, Globex's editor (created here) and the super-admin.
 */
export async function roleTokens(payload: Payload): Promise<Record<Role, string | undefined>> {
  const globex = (await payload.find({ collection: 'tenants', where: { slug: { equals: 'globex' } } })).docs[0]!
  await payload.create({ collection: 'users', data: { ...GLOBEX_EDITOR, roles: ['user'], tenants: [{ tenant: globex.id }] } })
  return {
    admin: await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password),
    anonymous: undefined,
    editor: await login(payload, DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password),
    manager: await login(payload, DEMO_USERS.tenantManager.email, DEMO_USERS.tenantManager.password),
    otherEditor: await login(payload, GLOBEX_EDITOR.email, GLOBEX_EDITOR.password),
  }
}
