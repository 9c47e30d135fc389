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
 * Run a boot with Payload's schema push forced: it skips the push of a schema it pushed before
 * in this process (to another database), which leaves a second instance's fresh database empty.
 */
export async function withSchemaPush<T>(boot: () => Promise<T>): Promise<T> {
  const force = process.env.PAYLOAD_FORCE_DRIZZLE_PUSH
  process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'
  try {
    return await boot()
  } finally {
    if (force === undefined) delete process.env.PAYLOAD_FORCE_DRIZZLE_PUSH
    else process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = force
  }
}

/**
 * Boot the dev app's Payload config (users, tenants, sites, multi-tenant plugin, this
 * plugin) against a fresh database, seeded with the demo tenants, sites and users. Any number
 * of instances, each on its own database.
 */
export async function bootPayload(options: Partial<DevConfigOptions> & { key?: string } = {}): Promise<Payload> {
  const databaseUri = await freshDatabase()
  const { key, ...configOptions } = options
  const config = buildDevConfig({ databaseUri, push: true, seed: true, ...configOptions })
  const instanceKey = key ?? databaseUri
  const payload = await withSchemaPush(() => getPayload({ config, key: instanceKey }))
  instanceKeys.set(payload, instanceKey)
  return payload
}
