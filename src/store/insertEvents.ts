import type { Payload } from 'payload'

import type { AnalyticsEvent } from '../core/event.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { CollectionTable, SqlQuery, StoreOptions } from './db.js'

import { normalizeTimestamp } from '../core/dailyStats.js'
import { DEVICE_CLASSES, SCREEN_CLASSES } from '../core/dimensions.js'
import { arrayLiteral } from './arrayLiteral.js'
import { copyIn, copyText } from './copyIn.js'
import { collectionTable, drizzleOf, sql, timed } from './db.js'

export interface InsertEventsResult {
  /** Rows really inserted (events already in the table are not counted). */
  inserted: number
  /**
   * Events that could never be inserted and were left out rather than fail the batch: an
   * unreadable timestamp, a site id of the wrong kind, or a site that no longer exists.
   * Counting and acknowledging them is the caller's business.
   */
  skipped: number
}

const DEVICES: ReadonlySet<string> = new Set(DEVICE_CLASSES)
const SCREENS: ReadonlySet<string> = new Set(SCREEN_CLASSES)
const INTEGER_ID = /^[1-9]\d{0,17}$/
/** What a `numeric` id column (a number field) accepts from a site or tenant id. */
const NUMBER_ID = /^-?\d{1,30}(?:\.\d{1,30})?$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** What kind of id a column of this Postgres type holds. */
const idKind = (sqlType: string): 'integer' | 'numeric' | 'text' | 'uuid' =>
  /int|serial/i.test(sqlType) ? 'integer' : /numeric|decimal/i.test(sqlType) ? 'numeric' : /uuid/i.test(sqlType) ? 'uuid' : 'text'

/** Whether an id can be stored in a column of this Postgres type without an error (the type read once per batch). */
function idCheck(sqlType: string): (id: unknown) => boolean {
  const kind = idKind(sqlType)
  const fits =
    kind === 'integer'
      ? (text: string) => INTEGER_ID.test(text) && (/big/i.test(sqlType) || Number(text) <= 2_147_483_647)
      : kind === 'numeric'
        ? (text: string) => NUMBER_ID.test(text)
        : kind === 'uuid'
          ? (text: string) => UUID.test(text)
          : (text: string) => text.length > 0
  return (id) => (typeof id === 'number' || typeof id === 'string') && fits(String(id))
}

/** An amount Postgres reads as `numeric` (what `revenueSchema` produces). */
const DECIMAL_AMOUNT = /^-?\d{1,15}(\.\d{1,8})?$/

/** Amount and currency, both or neither: an amount without its currency means nothing. */
function storedRevenue(revenue: AnalyticsEvent['revenue']): [null | string, null | string] {
  const currency = storedText(revenue?.currency)
  return revenue && typeof revenue.amount === 'string' && DECIMAL_AMOUNT.test(revenue.amount) && currency ? [revenue.amount, currency] : [null, null]
}

/** The collection's fields the INSERT writes, in the order of its column list. */
const FIELDS = [
  'eventId',
  'site',
  'tenant',
  'timestamp',
  'type',
  'path',
  'hostname',
  'source',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'country',
  'browser',
  'os',
  'device',
  'screen',
  'visitorHash',
  'sessionId',
  'value',
  'props',
  'revenueAmount',
  'revenueCurrency',
] as const

type Field = (typeof FIELDS)[number]

/** An event's values as stored, in `FIELDS` order: text as Postgres reads it for the column, null for NULL. */
type StoredRow = Array<null | string>

/** Positions in a `StoredRow` of the values the batch is checked and sorted by. */
const EVENT_ID = FIELDS.indexOf('eventId')
const SITE = FIELDS.indexOf('site')
const TENANT = FIELDS.indexOf('tenant')
const TIMESTAMP = FIELDS.indexOf('timestamp')

/** A text value as stored: null for a non-string, NUL characters removed (Postgres text cannot hold them). */
const storedText = (value: unknown): null | string =>
  typeof value !== 'string' ? null : value.includes('\u0000') ? value.replaceAll('\u0000', '') : value

/**
 * Array types of the column types Payload gives these fields, for the `unnest` parameters
 * (a value list, not string-built: any other column type is refused with a clear error).
 */
const ARRAY_TYPES: Record<string, SqlQuery> = {
  bigint: sql`bigint[]`,
  integer: sql`integer[]`,
  jsonb: sql`jsonb[]`,
  numeric: sql`numeric[]`,
  text: sql`text[]`,
  'timestamp(3) with time zone': sql`timestamptz[]`,
  uuid: sql`uuid[]`,
  varchar: sql`text[]`,
}

function arrayTypeOf(table: CollectionTable, field: Field): SqlQuery {
  if (table.isEnum(field)) return sql`${table.enumType(field)}[]`
  const type = ARRAY_TYPES[table.sqlType(field)]
  if (!type) throw new Error(`payload-plugin-analytics: the events column of "${field}" has the unsupported type ${table.sqlType(field)}`)
  return type
}

/**
 * The event as it is stored (every value one Postgres accepts for its column, in `FIELDS`
 * order), or null when Postgres would refuse it: no timestamp, event id or type, or a site id
 * its column cannot hold. A tenant id its column cannot hold is stored as null (as is any
 * tenant with tenancy off), unknown device or screen classes too.
 */
function storedRow(event: AnalyticsEvent, siteFits: (id: unknown) => boolean, tenantFits: ((id: unknown) => boolean) | null): null | StoredRow {
  const timestamp = typeof event.timestamp === 'string' ? normalizeTimestamp(event.timestamp) : null
  const eventId = storedText(event.eventId)
  const type = storedText(event.type)
  if (!timestamp || !eventId || !type || !siteFits(event.siteId)) return null
  const { props, revenue, value } = event
  // In the order of FIELDS.
  return [
    eventId,
    String(event.siteId),
    tenantFits?.(event.tenantId) ? String(event.tenantId) : null,
    timestamp,
    type,
    storedText(event.path),
    storedText(event.hostname),
    storedText(event.source),
    storedText(event.utmSource),
    storedText(event.utmMedium),
    storedText(event.utmCampaign),
    storedText(event.utmTerm),
    storedText(event.utmContent),
    storedText(event.country),
    storedText(event.browser),
    storedText(event.os),
    typeof event.device === 'string' && DEVICES.has(event.device) ? event.device : null,
    typeof event.screen === 'string' && SCREENS.has(event.screen) ? event.screen : null,
    storedText(event.visitorHash),
    storedText(event.sessionId),
    typeof value === 'number' && Number.isFinite(value) ? String(value) : null,
    props && typeof props === 'object' && !Array.isArray(props) ? JSON.stringify(props) : null,
    ...storedRevenue(revenue),
  ]
}

/** A batch as it is stored: its rows (in `FIELDS` order) and the tables around them. */
interface StoredBatch {
  /** The fields the table has, in `FIELDS` order (no tenant with tenancy off). */
  fields: Field[]
  /** Their columns, as the COPY's and the INSERT's column list. */
  columnList: SqlQuery
  /** Events left out before reaching Postgres (see `storedRow`). */
  invalid: number
  /** Whether site ids are numbers (compared as such when sorting). */
  numericSites: boolean
  rows: StoredRow[]
  sites: CollectionTable
  table: CollectionTable
  tenants: CollectionTable | null
}

function storedBatch(payload: Payload, cfg: SanitizedAnalyticsConfig, events: readonly AnalyticsEvent[]): StoredBatch {
  const table = collectionTable(payload, cfg.slugs.events)
  const tenancy = cfg.tenantsCollection !== null && table.has('tenant')
  const siteType = table.sqlType('site')
  const siteFits = idCheck(siteType)
  const tenantFits = tenancy ? idCheck(table.sqlType('tenant')) : null
  const rows: StoredRow[] = []
  for (const event of events) {
    const row = storedRow(event, siteFits, tenantFits)
    if (row) rows.push(row)
  }
  const fields = FIELDS.filter((field) => tenancy || field !== 'tenant')
  const siteKind = idKind(siteType)
  return {
    columnList: sql.join(
      fields.map((field) => table.id(field)),
      sql`, `,
    ),
    fields,
    invalid: events.length - rows.length,
    numericSites: siteKind === 'integer' || siteKind === 'numeric',
    rows,
    sites: collectionTable(payload, cfg.slugs.sites),
    table,
    tenants: tenancy && cfg.tenantsCollection ? collectionTable(payload, cfg.tenantsCollection) : null,
  }
}

/**
 * Insert a batch of events into AnalyticsEvents, idempotently.
 *
 * The fast way is ONE `COPY … FROM STDIN` of the batch (text format, `copyIn.ts`): Postgres
 * fills whole heap pages per WAL record instead of inserting row by row (measured: about half
 * the Postgres CPU of the `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` below, ≈ 8
 * instead of ≈ 17 s per million events). COPY has no `ON CONFLICT`: a batch holding an event
 * that is already stored (a redelivery after a crash, or two workers on the same entries)
 * fails as a whole, atomically, on the unique event-id index, and is then inserted again by
 * that statement, which skips the stored events. Before the COPY, one query looks up which of
 * the batch's sites (and tenants) exist.
 *
 * Rows go in sorted by (site, timestamp, event id): a day's events sit close together on disk
 * for the recompute, the (site, timestamp) and timestamp indexes take them in order (measured:
 * ≈ 2 s of Postgres CPU per million events less than in buffer order), and two workers
 * copying overlapping batches take the unique-index locks in the same order (should they
 * deadlock all the same, the batch goes the `ON CONFLICT` way).
 *
 * An event Postgres would refuse (it would fail the whole batch, and with it every later
 * run) is left out and counted in `skipped`: unreadable timestamp, wrong kind of site id,
 * or a site that was deleted meanwhile (a tenant that no longer exists is stored as null).
 * Unknown device or screen classes are stored as null, NUL characters removed. The database
 * calls of one batch are timed together, as one `insert`.
 */
export async function insertEvents(
  payload: Payload,
  cfg: SanitizedAnalyticsConfig,
  events: readonly AnalyticsEvent[],
  options?: StoreOptions,
): Promise<InsertEventsResult> {
  if (events.length === 0) return { inserted: 0, skipped: 0 }
  const batch = storedBatch(payload, cfg, events)
  if (batch.rows.length === 0) return { inserted: 0, skipped: batch.invalid }
  return timed(options, 'insert', async () => {
    try {
      const copied = await copyBatch(payload, batch)
      return { inserted: copied.inserted, skipped: batch.invalid + copied.unknownSite }
    } catch (error) {
      if (!isConflict(error)) throw error
    }
    const result = await drizzleOf(payload).execute(insertStatement(batch))
    const counts = result.rows[0] as { inserted: number; unknown_site: number } | undefined
    return { inserted: Number(counts?.inserted ?? 0), skipped: batch.invalid + Number(counts?.unknown_site ?? 0) }
  })
}

/** A unique violation (an event already stored) or a deadlock: the batch goes the `ON CONFLICT` way. */
const isConflict = (error: unknown): boolean => {
  const code = (error as null | { code?: unknown })?.code
  return code === '23505' || code === '40P01'
}

/**
 * COPY the batch's rows whose site exists, sorted by (site, timestamp, event id); a tenant
 * that does not exist becomes null.
 */
async function copyBatch(payload: Payload, batch: StoredBatch): Promise<{ inserted: number; unknownSite: number }> {
  const { columnList, fields, numericSites, rows, table } = batch
  const known = await existingIds(payload, batch)
  const stored = rows.filter((row) => known.sites.has(row[SITE]!))
  if (known.tenants) for (const row of stored) if (row[TENANT] !== null && !known.tenants.has(row[TENANT]!)) row[TENANT] = null
  const unknownSite = rows.length - stored.length
  if (stored.length === 0) return { inserted: 0, unknownSite }
  // Sites in order (numbers as numbers), each ranked once, so the sort compares integers,
  // then timestamps (one format: their text order is their time order), then event ids.
  const siteIds = [...known.sites].sort((x, y) => (numericSites ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0))
  const rank = new Map(siteIds.map((id, index) => [id, index]))
  const keyed = stored.map((row) => ({ id: row[EVENT_ID]!, rank: rank.get(row[SITE]!)!, row, time: row[TIMESTAMP]! }))
  keyed.sort((x, y) => x.rank - y.rank || (x.time < y.time ? -1 : x.time > y.time ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
  const data = copyText(
    keyed.map((entry) => entry.row),
    fields.map((field) => FIELDS.indexOf(field)),
  )
  return { inserted: await copyIn(payload, sql`COPY ${table.ref} (${columnList}) FROM STDIN`, data), unknownSite }
}

/** Which of the batch's site ids (and tenant ids) exist, compared as the events' columns hold them. */
async function existingIds(payload: Payload, batch: StoredBatch): Promise<{ sites: Set<string>; tenants: null | Set<string> }> {
  const { rows, sites, table, tenants } = batch
  const distinct = (position: number) => [...new Set(rows.map((row) => row[position]).filter((id): id is string => id !== null))]
  const found = (ids: string[], ref: CollectionTable, field: 'site' | 'tenant', kind: string) =>
    sql`SELECT ${kind}::text AS ${sql.identifier('kind')}, v AS ${sql.identifier('id')} FROM unnest(${arrayLiteral(ids)}::text[]) v
      WHERE EXISTS (SELECT 1 FROM ${ref.ref} r WHERE r.${sql.identifier('id')}::${table.idType(field)} = v::${table.idType(field)})`
  const query = tenants
    ? sql`${found(distinct(SITE), sites, 'site', 'site')} UNION ALL ${found(distinct(TENANT), tenants, 'tenant', 'tenant')}`
    : found(distinct(SITE), sites, 'site', 'site')
  const result = await drizzleOf(payload).execute(query)
  const known = { sites: new Set<string>(), tenants: tenants ? new Set<string>() : null }
  for (const row of result.rows as Array<{ id: string; kind: string }>) (row.kind === 'site' ? known.sites : known.tenants)?.add(row.id)
  return known
}

/**
 * The `INSERT … ON CONFLICT (event_id) DO NOTHING` of a batch, for batches COPY refused. The
 * batch travels column by column: one array literal parameter per column (see
 * `arrayLiteral.ts`), expanded by `unnest` (22 bound parameters whatever the batch size);
 * the sites are checked and the tenants looked up in the statement, and the count returned is
 * of rows really inserted.
 */
function insertStatement(batch: StoredBatch): SqlQuery {
  const { columnList, fields, rows, sites, table, tenants } = batch
  /** One column of the batch as an array literal: a single text parameter. */
  const column = (field: Field): string => {
    const position = FIELDS.indexOf(field)
    return arrayLiteral(rows.map((row) => row[position]!))
  }

  const c = (field: string) => sql`x.${table.id(field)}`
  const selectList = sql.join(
    fields.map((field) => (tenants && field === 'tenant' ? sql`t.${sql.identifier('id')}` : c(field))),
    sql`, `,
  )
  const unnested = sql.join(
    fields.map((field) => sql`${column(field)}::${arrayTypeOf(table, field)}`),
    sql`, `,
  )
  // The sites' (tenants') ids compared as the events' columns hold them: integer ids widened
  // to numeric exactly, uuid ids as text (uuid = varchar has no operator).
  const tenantJoin = tenants
    ? sql`LEFT JOIN ${tenants.ref} t ON t.${sql.identifier('id')}::${table.idType('tenant')} = ${c('tenant')}`
    : sql``
  const siteExists = sql`EXISTS (SELECT 1 FROM ${sites.ref} s WHERE s.${sql.identifier('id')}::${table.idType('site')} = ${c('site')})`

  return sql`
    WITH x AS (
      SELECT * FROM unnest(${unnested}) AS x (${columnList})
    ), ins AS (
      INSERT INTO ${table.ref} (${columnList})
      SELECT ${selectList}
      FROM x ${tenantJoin}
      WHERE ${siteExists}
      ORDER BY ${c('site')}, ${c('timestamp')}, ${c('eventId')} COLLATE "C"
      ON CONFLICT (${table.id('eventId')}) DO NOTHING
      RETURNING 1
    )
    SELECT
      (SELECT count(*) FROM ins)::int AS inserted,
      (SELECT count(*) FROM x WHERE NOT ${siteExists})::int AS unknown_site`
}
