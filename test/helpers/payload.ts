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

/** The `getPayload` cache key of each booted instance, so HTTP-level helpers reach that instance. */
const instanceKeys = new WeakMap<Payload, string>()

/**
 * The cache key `bootPayload` booted this instance under. Pass it to `handleEndpoints` as
 * `payloadInstanceCacheKey`: without it Payload looks up the key 'default' and boots a second
 * instance of the same config.
 */
export function payloadKey(payload: Payload): string | undefined {
  return instanceKeys.get(payload)
}

/**
 * Boot the dev app's Payload config (users, tenants, sites, multi-tenant plugin, this
 * plugin) against a fresh database, seeded with the demo tenants, sites and users.
 */
export async function bootPayload(options: Partial<DevConfigOptions> & { key?: string } = {}): Promise<Payload> {
  const databaseUri = await freshDatabase()
  const { key, ...configOptions } = options
  const config = buildDevConfig({ databaseUri, push: true, seed: true, ...configOptions })
  const instanceKey = key ?? databaseUri
  const payload = await getPayload({ config, key: instanceKey })
  instanceKeys.set(payload, instanceKey)
  return payload
}
