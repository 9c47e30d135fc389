/**
 * Backfill / re-aggregation on real Postgres: corrupted daily stats are restored from the raw
 * events, runs are idempotent, days past the raw retention are left as they are, bad input
 * is refused; and the same through the CLI (`payload-analytics reaggregate`) in a child
 * process that boots Payload from a config file.
 */
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'

import type { ReaggregateProgress } from '../../jobs/reaggregate.js'
import type { AnalyticsEvent } from '../../src/core/event.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { ReaggregateInputError } from '../../jobs/reaggregate.js'
import { dailyStatsRows, expectStatsToEqualReference, generateEvents, recentDays } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { runCli as cli } from '../helpers/cli.js'
import { bootPayload } from '../helpers/payload.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

type Db = { execute: (query: unknown) => Promise<{ rows: Array<Record<string, unknown>> }> }
const dbOf = (payload: Payload) => (payload.db as unknown as { drizzle: Db }).drizzle

const now = new Date()
const DAYS = recentDays(5, 1, now)
const [FIRST, SECOND, THIRD, , LAST] = DAYS as [string, string, string, string, string]
const dayAgo = (days: number) => recentDays(1, days, now)[0]!

let payload: Payload
let sites: DemoSite[]
let site1: DemoSite
let site2: DemoSite
let events: AnalyticsEvent[]
let configDir: string

/** Damage three days: a wrong total, a missing breakdown, a row for a page that never was. */
async function corrupt(): Promise<void> {
  await dbOf(payload).execute(sql`
    UPDATE analytics_daily_stats SET pageviews = 999, visitors = 1
    WHERE site_id = ${site1.id} AND date = ${`${SECOND}T00:00:00.000Z`}::timestamptz AND dimension = 'total'`)
  await dbOf(payload).execute(sql`
    DELETE FROM analytics_daily_stats WHERE site_id = ${site2.id} AND date = ${`${THIRD}T00:00:00.000Z`}::timestamptz AND dimension = 'page'`)
  await dbOf(payload).execute(sql`
    INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews)
    VALUES (${site1.id}, ${site1.tenant}, ${`${FIRST}T00:00:00.000Z`}::timestamptz, 'page', '/ghost', 5)`)
}

beforeAll(async () => {
  payload = await bootPayload({ analytics: { redisKeyPrefix: `rea${randomBytes(4).toString('hex')}:`, redisUrl: inject('redisUrl') } })
  sites = Object.values(await demoSites(payload))
  ;[site1, site2] = sites as [DemoSite, DemoSite]
  // Sessions end before midnight of LAST's next day at the latest, which is today: within range checks below.
  events = generateEvents({ days: DAYS, seed: 61, sessionsPerDay: [12, 20], sites })
  await payload.analytics!.buffer.append(events)
  await payload.analytics!.aggregateNow()
  await expectStatsToEqualReference(payload, events)

  const databaseUri = (payload.db as unknown as { poolOptions: { connectionString: string } }).poolOptions.connectionString
  configDir = mkdtempSync(path.join(os.tmpdir(), 'analytics-cli-'))
  // A Payload 3 project is ESM; so is this one-file "project".
  writeFileSync(path.join(configDir, 'package.json'), '{ "type": "module" }\n')
  writeFileSync(
    path.join(configDir, 'payload.config.ts'),
    `import { buildDevConfig } from ${JSON.stringify(path.join(root, 'dev/buildConfig.ts'))}\n` +
      `export default buildDevConfig({ databaseUri: ${JSON.stringify(databaseUri)}, push: false, seed: false, analytics: { redisUrl: undefined } })\n`,
  )
})

afterAll(async () => {
  await payload?.destroy()
  if (configDir) rmSync(configDir, { force: true, recursive: true })
})

describe('payload.analytics.reaggregate', () => {
  test('restores corrupted daily stats from the raw events, with progress, idempotently', async () => {
    await corrupt()
    const progress: ReaggregateProgress[] = []
    const result = await payload.analytics!.reaggregate({ from: FIRST, onProgress: (p) => progress.push(p), site: 'all', to: LAST })
    expect(result).toMatchObject({ beyondRetention: 0, from: FIRST, recomputed: 15, siteDays: 15, sites: 3, to: LAST })
    expect(result.rowsDeleted).toBe(1) // the ghost page
    expect(result.rowsWritten).toBeGreaterThanOrEqual(2) // the total and the page rows
    expect(progress[0]).toEqual({ done: 0, total: 15 })
    expect(progress.at(-1)).toEqual({ done: 15, total: 15 })
    expect(progress.every((p, i) => i === 0 || p.done >= progress[i - 1]!.done)).toBe(true)
    await expectStatsToEqualReference(payload, events)

    const again = await payload.analytics!.reaggregate({ from: FIRST, site: 'all', to: LAST })
    expect(again).toMatchObject({ recomputed: 15, rowsDeleted: 0, rowsWritten: 0 })
    await expectStatsToEqualReference(payload, events)
  })

  test('one site, one day', async () => {
    await corrupt()
    const result = await payload.analytics!.reaggregate({ from: SECOND, site: site1.id, to: SECOND })
    expect(result).toMatchObject({ recomputed: 1, rowsWritten: 1, sites: 1, siteDays: 1 })
    // The other damaged days are still damaged: only what was asked was recomputed.
    const rows = await dailyStatsRows(payload)
    expect(rows.some((row) => row.key === '/ghost')).toBe(true)
    await payload.analytics!.reaggregate({ from: FIRST, site: 'all', to: LAST })
    await expectStatsToEqualReference(payload, events)
  })

  test('days past the raw retention are left exactly as they are, and said so', async () => {
    const old = dayAgo(40)
    await dbOf(payload).execute(sql`
      INSERT INTO analytics_daily_stats (site_id, tenant_id, date, dimension, key, pageviews)
      VALUES (${site1.id}, ${site1.tenant}, ${`${old}T00:00:00.000Z`}::timestamptz, 'total', '', 1234)`)
    const result = await payload.analytics!.reaggregate({ from: dayAgo(45), now, site: 'all', to: dayAgo(1) })
    // 30 days kept: days 45…31 ago are past it, 30…1 ago are recomputed.
    expect(result).toMatchObject({ beyondRetention: 3 * 15, firstKeptDay: dayAgo(30), recomputed: 3 * 30, siteDays: 3 * 45 })
    const kept = (await dailyStatsRows(payload)).filter((row) => row.day === old)
    expect(kept.map((row) => row.pageviews)).toEqual([1234])
    await dbOf(payload).execute(sql`DELETE FROM analytics_daily_stats WHERE date = ${`${old}T00:00:00.000Z`}::timestamptz`)
    await expectStatsToEqualReference(payload, events)
  })

  test('refuses bad dates, a reversed range and an unknown site', async () => {
    const attempt = (request: Parameters<NonNullable<Payload['analytics']>['reaggregate']>[0]) =>
      payload.analytics!.reaggregate(request).then(
        () => null,
        (error: unknown) => error,
      )
    const badDate = await attempt({ from: '2026-02-30', site: 'all', to: LAST })
    expect(badDate).toBeInstanceOf(ReaggregateInputError)
    expect(badDate).toMatchObject({ code: 'bad-date' })
    expect(await attempt({ from: LAST, site: 'all', to: FIRST })).toMatchObject({ code: 'bad-range' })
    expect(await attempt({ from: FIRST, site: 987_654, to: LAST })).toMatchObject({ code: 'unknown-site', message: expect.stringContaining('987654') })
  })
})

describe('payload-analytics reaggregate (CLI)', () => {
  test('boots Payload from --config, prints progress and a summary, and restores the stats', { timeout: 120_000 }, async () => {
    await corrupt()
    const config = path.join(configDir, 'payload.config.ts')
    const started = Date.now()
    const result = await cli(['reaggregate', '--site', 'all', '--from', dayAgo(33), '--to', LAST, '--config', config])
    const seconds = (Date.now() - started) / 1000
    expect(result.stderr).not.toMatch(/error/i)
    expect(result.code).toBe(0)
    // 3 sites × 33 days (33…1 days ago): 3 × 3 before the retention (33…31), 3 × 30 recomputed.
    expect(result.stdout).toContain('reaggregate: 0/90 days (0%)')
    expect(result.stdout).toContain('reaggregate: 90/90 days (100%)')
    expect(result.stdout).toMatch(/reaggregate: done in [\d.]+ s — 90 site-days recomputed from raw events \(3 sites, /)
    expect(result.stdout).toContain(`9 site-days before the raw-event retention (first kept day ${dayAgo(30)}) were left as they are`)
    expect(seconds).toBeLessThan(90)
    await expectStatsToEqualReference(payload, events)
  })

  test('exit code 2 with a clear message for bad input', { timeout: 120_000 }, async () => {
    const config = path.join(configDir, 'payload.config.ts')
    const reversed = await cli(['reaggregate', '--site', 'all', '--from', LAST, '--to', FIRST, '--config', config])
    expect(reversed.code).toBe(2)
    expect(reversed.stderr).toContain(`--from (${LAST}) is after --to (${FIRST})`)
    const badDate = await cli(['reaggregate', '--site', 'all', '--from', 'yesterday', '--to', LAST, '--config', config])
    expect(badDate.code).toBe(2)
    expect(badDate.stderr).toContain('--from must be a calendar day written YYYY-MM-DD, got "yesterday"')
    const missing = await cli(['reaggregate', '--site', 'all', '--from', FIRST, '--to', LAST, '--config', path.join(configDir, 'nope.ts')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--config: no such file')
    const unknown = await cli(['reaggregate', '--site', '987654', '--from', FIRST, '--to', LAST, '--config', config])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown site "987654"')
  })
})
