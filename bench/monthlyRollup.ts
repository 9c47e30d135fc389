/**
 * `npm run bench:monthly`: what one new event costs the aggregation when its site's month
 * already holds many keys — BENCH_KEYS (default 40,000) distinct keys in each of three
 * dimensions (pages, sources, UTM campaigns), each key on two days of the month.
 *
 * The daily rows are INSERTed directly (generate_series; no raw events are needed for days
 * nobody recomputes), the rollup is built from them by `recomputeMonthlyStats`, then ONE
 * server event lands on a day of that month that has no rows yet and `aggregateNow()` runs:
 * buffer → events → that day's rows → the month's rollup, under the run's locks. That run's
 * time is the figure the target is about (< 2 s).
 *
 * Side by side, on the same data: the monthly statement alone as it is now (one hashed full
 * join of sums and monthly rows) and as it was (an anti-join on `IS NOT DISTINCT FROM`, which Postgres cannot
 * hash: every monthly row was compared with every key of its dimension). The old form
 * (`previousMonthQuery`, below) runs under a statement
 * timeout (BENCH_BEFORE_TIMEOUT_S, default 60 s: at 40,000 keys it took 437 s when it was
 * reported), so the bench cannot hold a core for minutes; a cancelled run is reported as
 * `{ "timedOut": true, "ms": <timeout> }`, a lower bound. A smaller month
 * (BENCH_SMALL_KEYS, default 4,000 keys per dimension) is measured both ways to completion.
 *
 * Environment (optional): BENCH_KEYS=40000, BENCH_SMALL_KEYS=4000, BENCH_BEFORE_TIMEOUT_S=60,
 * BENCH_EXPLAIN=1 (print the EXPLAIN ANALYZE of the current statement at each size).
 * Progress goes to stdout; the LAST line is one JSON object. Every process started here is
 * stopped here, by handle, also on failure or Ctrl-C.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { getPayload } from 'payload'

import type { PostgresHandle } from '../scripts/services.js'
import type { SqlQuery } from '../src/store/db.js'
import type { RollupTables, SiteMonth } from '../src/store/recomputeMonthlyStats.js'

import { buildDevConfig } from '../dev/buildConfig.js'
import { JOBS_ENV } from '../jobs/scheduler.js'
import { startPostgres } from '../scripts/services.js'
import { ROLLUP_METRICS } from '../src/core/dimensions.js'
import { monthOf, nextMonth } from '../src/core/months.js'
import { recomputeMonthlyStats, recomputeMonthQuery, rollupTables, rollupWorkMem } from '../src/store/recomputeMonthlyStats.js'
import { statsUpsertColumns } from '../src/store/statsUpsert.js'
import { envNumber } from './envNumber.js'
import { load } from './readBench.js'
import { runBench } from './runBench.js'

process.env[JOBS_ENV] = 'manual'
process.env.NEXT_TELEMETRY_DISABLED = '1'

const KEYS = envNumber('BENCH_KEYS', 40_000)
const SMALL_KEYS = envNumber('BENCH_SMALL_KEYS', 4_000)
const BEFORE_TIMEOUT_MS = envNumber('BENCH_BEFORE_TIMEOUT_S', 60) * 1000
const TARGET_MS = 2_000
const DIMENSIONS = [
  { dimension: 'page', prefix: '/docs/page-' },
  { dimension: 'source', prefix: 'source-' },
  { dimension: 'utmCampaign', prefix: 'campaign-' },
] as const

const log = (message: string) => console.log(`[bench:monthly] ${message}`)
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

type Statement = { params: unknown[]; sql: string }
type Pool = { connect: () => Promise<{ query: (text: string, params?: unknown[]) => Promise<unknown>; release: () => void }> }
type Db = {
  dialect: { sqlToQuery: (query: SqlQuery) => { params: unknown[]; sql: string } }
  execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }>
}
const db = (p: Payload) => (p.db as unknown as { drizzle: Db }).drizzle
const pool = (p: Payload) => (p.db as unknown as { pool: Pool }).pool

let postgres: null | PostgresHandle = null
let payload: null | Payload = null

/** A month of `keys` keys per dimension for one site: each key on two of days 1–28, a total row per day. */
async function seedMonth(p: Payload, site: { id: number | string; tenant: number | string }, month: string, keys: number) {
  const start = `${month}T00:00:00Z`
  await db(p).execute(sql`
    INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews, visitors, visits, events)
    SELECT ${site.id}, ${site.tenant}, ${start}::timestamptz + (d || ' days')::interval, 'total', '', 1000, 500, 600, 1200
    FROM generate_series(0, 27) AS d`)
  for (const { dimension, prefix } of DIMENSIONS) {
    await db(p).execute(sql`
      INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews, visitors, visits)
      SELECT ${site.id}, ${site.tenant}, ${start}::timestamptz + (d || ' days')::interval,
        ${dimension}::enum_analytics_daily_stats_dimension, ${prefix}::text || r::text, 2, 1, 1
      FROM generate_series(1, ${keys}) AS r
      CROSS JOIN LATERAL (VALUES (r % 28), ((r * 7 + 3) % 28)) AS days (d)
      ON CONFLICT DO NOTHING`)
  }
}

/**
 * The monthly statement as it was before issue 19 (commit 70351e3), kept here verbatim but
 * for names, to measure it against the current one: every sum upserted, and the stale rows
 * found by an anti-join on `IS NOT DISTINCT FROM`, which Postgres cannot hash.
 */
function previousMonthQuery(tables: RollupTables, pair: SiteMonth): SqlQuery {
  const { daily: d, monthly: m, tenancy } = tables
  const a = (alias: string) => sql.identifier(alias)
  const siteId = String(pair.siteId)
  const start = sql`${`${monthOf(pair.month)}T00:00:00.000Z`}::timestamptz`
  const end = sql`${`${nextMonth(pair.month)}T00:00:00.000Z`}::timestamptz`
  const inMonth = sql`${d.id('site')} = ${siteId} AND ${d.id('date')} >= ${start} AND ${d.id('date')} < ${end}`
  const { changed, insertColumns, updates } = statsUpsertColumns(m, 'month', tenancy)
  const tenant = () => sql`(SELECT ${d.id('tenant')} FROM ${d.ref} WHERE ${inMonth} ORDER BY ${d.id('date')} DESC LIMIT 1)`
  return sql`
    WITH r AS (
      SELECT ${d.id('dimension')}::text AS ${a('dimension')}, ${d.id('key')} AS ${a('key')},
        ${sql.join(ROLLUP_METRICS.map((metric) => sql`sum(${d.id(metric)}) AS ${a(metric)}`), sql`, `)}
      FROM ${d.ref} WHERE ${inMonth}
      GROUP BY ${d.id('dimension')}, ${d.id('key')}
    ),
    up AS (
      INSERT INTO ${m.ref} AS o (${insertColumns})
      SELECT ${siteId}, ${tenancy ? sql`${tenant()}, ` : sql``}${start}, r.${a('dimension')}::${m.enumType('dimension')}, r.${a('key')},
        ${sql.join(ROLLUP_METRICS.map((metric) => sql`r.${a(metric)}`), sql`, `)}
      FROM r
      ON CONFLICT (${m.id('site')}, ${m.id('month')}, ${m.id('dimension')}, ${m.id('key')})
        DO UPDATE SET ${updates} WHERE ${changed}
      RETURNING 1
    ),
    gone AS (
      DELETE FROM ${m.ref} x
      WHERE x.${m.id('site')} = ${siteId} AND x.${m.id('month')} = ${start}
        AND NOT EXISTS (
          SELECT 1 FROM r WHERE r.${a('dimension')} = x.${m.id('dimension')}::text AND r.${a('key')} IS NOT DISTINCT FROM x.${m.id('key')}
        )
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM up)::int AS ${a('written')}, (SELECT count(*) FROM gone)::int AS ${a('deleted')}`
}

/** The monthly statement's SQL text and parameters, now and as it was. */
function monthlyStatements(p: Payload, siteId: number | string, month: string) {
  const tables = rollupTables(p, p.analytics!.config)
  const text = (query: SqlQuery) => db(p).dialect.sqlToQuery(query)
  // Both under the settings the rollup runs with.
  return { after: text(recomputeMonthQuery(tables, { month, siteId })), before: text(previousMonthQuery(tables, { month, siteId })), settings: text(rollupWorkMem()) }
}

/** One run of a statement in its own transaction, under a statement timeout; rolled back so both forms see the same rows. */
async function timeStatement(p: Payload, statement: Statement, settings: Statement, timeoutMs: number): Promise<{ ms: number; timedOut: boolean }> {
  const client = await pool(p).connect()
  try {
    await client.query('BEGIN')
    await client.query(settings.sql, settings.params)
    await client.query(`SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`)
    const started = performance.now()
    try {
      await client.query(statement.sql, statement.params)
      return { ms: round(performance.now() - started), timedOut: false }
    } catch (error) {
      if ((error as { code?: string }).code === '57014') return { ms: timeoutMs, timedOut: true }
      throw error
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined)
    client.release()
  }
}

/** EXPLAIN (with ANALYZE: run, inside a transaction rolled back). */
async function planOf(p: Payload, statement: Statement, settings: Statement, analyze = false): Promise<string> {
  const client = await pool(p).connect()
  try {
    await client.query('BEGIN')
    await client.query(settings.sql, settings.params)
    const result = (await client.query(`EXPLAIN ${analyze ? '(ANALYZE, BUFFERS) ' : ''}${statement.sql}`, statement.params)) as { rows: Array<{ 'QUERY PLAN': string }> }
    return result.rows.map((row) => row['QUERY PLAN']).join('\n')
  } finally {
    await client.query('ROLLBACK').catch(() => undefined)
    client.release()
  }
}

async function measureMonth(p: Payload, site: { id: number | string; tenant: number | string }, month: string, keys: number, withRun: boolean) {
  const seedStarted = performance.now()
  await seedMonth(p, site, month, keys)
  const rollup = await recomputeMonthlyStats(p, p.analytics!.config, [{ month, siteId: site.id }])
  await db(p).execute(sql`VACUUM ANALYZE analytics_daily_stats`)
  await db(p).execute(sql`VACUUM ANALYZE analytics_monthly_stats`)
  log(`${keys.toLocaleString('en-US')} keys × ${DIMENSIONS.length} dimensions in ${month}: ${rollup.rowsWritten.toLocaleString('en-US')} monthly rows (seed and first rollup ${round((performance.now() - seedStarted) / 1000)} s)`)

  let run: null | { aggregateMs: number; daysRecomputed: number; inserted: number } = null
  if (withRun) {
    // One new event on a day of the month that has no rows yet (day 29): what a 5-minute run sees.
    await p.analytics!.track({ path: '/docs/new-page', siteId: site.id, timestamp: `${month.slice(0, 8)}29T12:00:00.000Z`, type: 'signup' })
    const started = performance.now()
    const result = await p.analytics!.aggregateNow()
    const aggregateMs = round(performance.now() - started)
    if (result.inserted !== 1 || result.daysRecomputed !== 1) throw new Error(`expected one event and one day, got ${JSON.stringify(result)}`)
    run = { aggregateMs, daysRecomputed: result.daysRecomputed, inserted: result.inserted }
    log(`one new event → aggregateNow(): ${aggregateMs} ms (target < ${TARGET_MS} ms: ${aggregateMs < TARGET_MS ? 'met' : 'NOT met'})`)
  }

  const statements = monthlyStatements(p, site.id, month)
  const afterPlan = await planOf(p, statements.after, statements.settings)
  await timeStatement(p, statements.after, statements.settings, 60_000) // warm
  const after = await timeStatement(p, statements.after, statements.settings, 60_000)
  const hashed = /Hash (Full|Right Anti|Anti) Join/.test(afterPlan) && !/Nested Loop/.test(afterPlan)
  log(`monthly statement now (hashed full join): ${after.ms} ms; keys joined by ${hashed ? 'a hash join' : 'NOT a hash join'}`)
  if (process.env.BENCH_EXPLAIN) log(`EXPLAIN ANALYZE of the monthly statement now:\n${await planOf(p, statements.after, statements.settings, true)}`)
  const before = await timeStatement(p, statements.before, statements.settings, BEFORE_TIMEOUT_MS)
  log(`monthly statement as it was (IS NOT DISTINCT FROM): ${before.timedOut ? `cancelled after ${before.ms} ms` : `${before.ms} ms`}`)
  await db(p).execute(sql`DELETE FROM analytics_daily_stats`)
  await db(p).execute(sql`DELETE FROM analytics_monthly_stats`)
  return { after: { hashJoin: hashed, monthlyStatementMs: after.ms, run }, before: { monthlyStatementMs: before.ms, timedOut: before.timedOut }, keysPerDimension: keys, monthlyRows: rollup.rowsWritten }
}

async function main() {
  const loadAtStart = load()
  postgres = await startPostgres()
  const databaseUri = await postgres.createDatabase('bench_monthly')
  payload = await getPayload({ config: buildDevConfig({ databaseUri, push: true, seed: true }), key: 'bench-monthly' })
  ;(payload.db as unknown as { pool?: { on: (event: 'error', listener: () => void) => void } }).pool?.on('error', () => undefined)
  const { docs } = await payload.find({ collection: 'sites', depth: 0, where: { domain: { equals: 'shop.acme.test' } } })
  const site = { id: docs[0]!.id, tenant: docs[0]!.tenant as number | string }
  // Last month: whole, in the past, within retention.
  const month = monthOf(new Date(Date.parse(`${monthOf(new Date().toISOString().slice(0, 10))}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10))

  const small = await measureMonth(payload, site, month, SMALL_KEYS, false)
  const large = await measureMonth(payload, site, month, KEYS, true)
  const runMs = large.after.run?.aggregateMs ?? Number.NaN
  // Valid: the statement measured is the product's (its keys joined by hashing, as the test pins it).
  return { bench: 'monthly', valid: large.after.hashJoin && small.after.hashJoin, loadAverage: { end: load(), start: loadAtStart }, large, small, target: { met: runMs < TARGET_MS, ms: TARGET_MS, runMs } }
}

async function cleanup() {
  await payload?.destroy().catch(() => undefined)
  await postgres?.stop().catch(() => undefined)
}

runBench(main, cleanup, log)
