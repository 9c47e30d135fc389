import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'
import { getPayload } from 'payload'
import pg from 'pg'
import { inject } from 'vitest'

import type { DevConfigOptions } from '../../dev/buildConfig.js'

import { buildDevConfig } from '../../dev/buildConfig.js'

/** A fresh, empty database on the run's Postgres, so schema push never has to ask. */
export async function freshDatabase(prefix = 'test'): Promise<string> {
  const port = inject('postgresPort')
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE "${name}"`)
  } finally {
    await client.end()
  }
  return `postgres://postgres:postgres@127.0.0.1:${port}/${name}`
}

/**
 * Boot the dev app's Payload config (users, tenants, sites, multi-tenant plugin, this
 * plugin) against a fresh database, seeded with the demo tenants, sites and users.
 */
export async function bootPayload(options: Partial<DevConfigOptions> & { key?: string } = {}): Promise<Payload> {
  const databaseUri = await freshDatabase()
  const { key, ...configOptions } = options
  const config = buildDevConfig({ databaseUri, push: true, seed: true, ...configOptions })
  return getPayload({ config, key: key ?? databaseUri })
}
