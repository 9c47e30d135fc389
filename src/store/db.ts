/**
 * How the store reaches SQL: the Postgres adapter's drizzle instance (`payload.db.drizzle`)
 * and drizzle's `sql` tag as `@payloadcms/db-postgres` re-exports it. Values always travel
 * as bound parameters; identifiers (table, column and enum names) come from the adapter's
 * own schema for our collection slugs and are quoted with `sql.identifier`.
 */
import type { PostgresAdapter } from '@payloadcms/db-postgres'
import type { CollectionSlug, Payload } from 'payload'

import type { DbOperation } from '../metrics/names.js'

import { sql } from '@payloadcms/db-postgres'

/** A query built with the `sql` tag. */
export type SqlQuery = ReturnType<typeof sql>
/** A quoted identifier (or a schema-qualified one). */
export type SqlName = ReturnType<typeof sql.identifier> | SqlQuery

export type Drizzle = PostgresAdapter['drizzle']

/** The `operation` label of `analytics_db_latency_seconds`: `insert` and `recompute` here. */
export type { DbOperation }

export interface StoreOptions {
  /**
   * Called after every database call with its duration in seconds, failed calls included
   * (a lock wait counts: it is time the job spent on the database).
   */
  observeDbLatency?: (seconds: number, operation: DbOperation) => void
}

export function postgresAdapter(payload: Payload): PostgresAdapter {
  const db = payload.db as unknown as Partial<PostgresAdapter>
  if (!db.drizzle || !(db.tableNameMap instanceof Map) || !db.tables) {
    throw new Error('payload-plugin-analytics: the aggregation needs the Postgres adapter (@payloadcms/db-postgres)')
  }
  return db as PostgresAdapter
}

/** `payload.db.drizzle`, typed down to what the store uses. */
export const drizzleOf = (payload: Payload): Drizzle => postgresAdapter(payload).drizzle

const SEPARATORS = /[\W_]+(.|$)/g
const spaced = (text: string) => text.replace(SEPARATORS, (_m, next: string) => (next ? ` ${next}` : ''))

/**
 * The adapter's key for a collection slug in `tableNameMap`: the slug in snake case, as the
 * `to-snake-case` package (which Payload uses) writes it — `analytics-events` →
 * `analytics_events`, `dailyStats` → `daily_stats`.
 */
export function tableKey(slug: string): string {
  let plain: string
  if (/\s/.test(slug)) plain = slug.toLowerCase()
  else if (/[_\-.:]/.test(slug)) plain = (spaced(slug) || slug).toLowerCase()
  else if (/[a-z][A-Z]|[A-Z][a-z]/.test(slug))
    plain = slug.replace(/(.)([A-Z]+)/g, (_m, before: string, uppers: string) => `${before} ${uppers.toLowerCase().split('').join(' ')}`).toLowerCase()
  else plain = slug.toLowerCase()
  return spaced(plain).trim().replace(/\s/g, '_')
}

export interface CollectionTable {
  /** Database column name of a field (`siteId` field `site` → `site_id`); throws for an unknown field. */
  column: (field: string) => string
  /** Quoted column identifier of a field. */
  id: (field: string) => ReturnType<typeof sql.identifier>
  /** Whether the collection has this field (e.g. `tenant` only with tenancy on). */
  has: (field: string) => boolean
  /**
   * The SQL type of an id column (`integer`, `bigint`, `numeric`, `uuid`, `varchar`, `text`),
   * to cast between the raw events' plain id columns and the ids they name; throws for others.
   */
  idType: (field: string) => SqlQuery
  /** Whether a field's column is an enum (a select field). */
  isEnum: (field: string) => boolean
  /** The table's name. */
  name: string
  /** The schema-qualified, quoted table name for a FROM / INTO clause. */
  ref: SqlName
  /** Postgres type of a field's column (`integer`, `varchar`, an enum's name, …). */
  sqlType: (field: string) => string
  /** A field's enum type, quoted and schema-qualified, to cast text to. */
  enumType: (field: string) => SqlName
}

interface DrizzleColumnLike {
  enum?: { enumName: string; schema?: string }
  getSQLType: () => string
  name: string
}

/** Column types an id can have (serial, number, uuid and text ids), as SQL. */
const ID_TYPES: Record<string, SqlQuery> = {
  bigint: sql`bigint`,
  integer: sql`integer`,
  numeric: sql`numeric`,
  text: sql`text`,
  uuid: sql`uuid`,
  varchar: sql`varchar`,
}

const qualified = (schema: string | undefined, name: string): SqlName =>
  schema && schema !== 'public' ? sql`${sql.identifier(schema)}.${sql.identifier(name)}` : sql.identifier(name)

/** The table behind one of the plugin's collections, as the adapter built it. */
export function collectionTable(payload: Payload, slug: CollectionSlug | string): CollectionTable {
  const adapter = postgresAdapter(payload)
  const name = adapter.tableNameMap.get(tableKey(slug))
  const table = name ? (adapter.tables[name] as unknown as Record<string, unknown> | undefined) : undefined
  if (!name || !table) throw new Error(`payload-plugin-analytics: no database table for the collection "${slug}"`)
  const columnOf = (field: string): DrizzleColumnLike => {
    const column = table[field] as DrizzleColumnLike | undefined
    if (!column || typeof column.name !== 'string' || typeof column.getSQLType !== 'function') {
      throw new Error(`payload-plugin-analytics: the collection "${slug}" has no field "${field}" (was it removed by an override?)`)
    }
    return column
  }
  return {
    column: (field) => columnOf(field).name,
    enumType: (field) => {
      const column = columnOf(field)
      if (!column.enum) throw new Error(`payload-plugin-analytics: "${slug}.${field}" is not an enum`)
      return qualified(column.enum.schema ?? adapter.schemaName, column.enum.enumName)
    },
    has: (field) => {
      const column = table[field] as DrizzleColumnLike | undefined
      return Boolean(column && typeof column.getSQLType === 'function')
    },
    id: (field) => sql.identifier(columnOf(field).name),
    idType: (field) => {
      const type = ID_TYPES[columnOf(field).getSQLType()]
      if (!type) throw new Error(`payload-plugin-analytics: "${slug}.${field}" is not an id column (${columnOf(field).getSQLType()})`)
      return type
    },
    isEnum: (field) => Boolean(columnOf(field).enum),
    name,
    ref: qualified(adapter.schemaName, name),
    sqlType: (field) => columnOf(field).getSQLType(),
  }
}

/** Run one database call, reporting its duration (also when it fails). */
export async function timed<T>(options: StoreOptions | undefined, operation: DbOperation, call: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint()
  try {
    return await call()
  } finally {
    options?.observeDbLatency?.(Number(process.hrtime.bigint() - started) / 1e9, operation)
  }
}

export { sql }
