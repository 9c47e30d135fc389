import type { Payload } from 'payload'

import { afterAll, beforeAll, expect, test } from 'vitest'

import { migrations } from '../../dev/migrations/index.js'
import { bootPayload } from '../helpers/payload.js'

let payload: Payload

beforeAll(async () => {
  // As the production build starts: no schema push, only the committed migrations.
  payload = await bootPayload({ push: false, seed: false })
  await payload.db.migrate({ migrations: migrations as unknown as Parameters<typeof payload.db.migrate>[0] extends { migrations?: infer M } ? M : never })
})

afterAll(async () => {
  await payload?.destroy()
})

test('the dev app’s committed migrations create exactly the schema of its config', async () => {
  const db = payload.db as unknown as {
    drizzle: unknown
    execute: (args: { drizzle: unknown; raw: string }) => Promise<{ rows: Array<Record<string, unknown>> }>
    requireDrizzleKit: () => {
      pushSchema: (schema: unknown, drizzle: unknown) => Promise<{ statementsToExecute: string[] }>
    }
    schema: unknown
  }
  const { statementsToExecute } = await db.requireDrizzleKit().pushSchema(db.schema, db.drizzle)

  // drizzle-kit re-sets numeric defaults it cannot compare ('0'::numeric vs 0): keep such a
  // statement only when the database's default really differs.
  const realChanges: string[] = []
  for (const statement of statementsToExecute) {
    const numericDefault = /^ALTER TABLE "(\w+)" ALTER COLUMN "(\w+)" SET DEFAULT (-?[\d.]+);$/.exec(statement)
    if (numericDefault) {
      const [, table, column, value] = numericDefault
      const { rows } = await db.execute({
        drizzle: db.drizzle,
        raw: `SELECT column_default FROM information_schema.columns WHERE table_name = '${table}' AND column_name = '${column}'`,
      })
      const current = String(rows[0]?.column_default ?? '').replace(/::\w+$/, '').replace(/^'(.*)'$/, '$1')
      if (current !== '' && Number(current) === Number(value)) continue
    }
    realChanges.push(statement)
  }
  // Anything listed here is a change to the config without `npm run migrate:create`.
  expect(realChanges).toEqual([])
})

test('a database built from the migrations works with the plugin', async () => {
  const tenant = await payload.create({ collection: 'tenants', data: { name: 'T', slug: 't' } })
  const site = await payload.create({ collection: 'sites', data: { domain: 'example.test', name: 'Example', tenant: tenant.id } })
  await payload.create({
    collection: 'analytics-events',
    data: { eventId: 'm-1', site: site.id, tenant: tenant.id, timestamp: new Date().toISOString(), type: 'pageview' },
  })
  expect((await payload.count({ collection: 'analytics-events' })).totalDocs).toBe(1)
})
