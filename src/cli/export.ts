/**
 * `payload-analytics export`: the portfolio files (month-to-date, year-to-date) of one site
 * or all, written from the stats service exactly as `GET /api/analytics/export` serves them.
 */
import { once } from 'node:events'
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'

import type { CollectionSlug, Payload, PayloadRequest, TypedUser } from 'payload'

import type { ExportFormat } from '../core/statsQuerySchema.js'
import type { StatsCaller, StatsService } from '../stats/types.js'

import { firstRefused } from '../access/actions.js'
import { audit } from '../audit.js'
import { exportCsvLine, exportHeaderLine, exportRecord } from '../core/csv.js'
import { EXPORT_FORMATS } from '../core/statsQuerySchema.js'
import { runWithAnalytics } from './loadPayload.js'
import { BIN, parseCommand, usageOf } from './parseCommand.js'

const RANGES = ['month', 'year'] as const
type ExportRange = (typeof RANGES)[number]
const FILE_STEM: Record<ExportRange, string> = { month: 'month-to-date', year: 'year-to-date' }

export const EXPORT_HELP = `Usage: ${BIN} export [--range month|year] [--site <id|all>] [--out DIR] [options]

Writes the portfolio files: one row per site with its domain, the period, visitors, visits,
pageviews, bounce rate (%), visit duration (s) and views per visit — month-to-date.csv
and/or year-to-date.csv (each site's own local days, up to and including its today). The same rows as
GET /api/analytics/export, read from the daily statistics. Progress goes to stderr.

Payload is booted with your project's config, found like the Payload CLI finds it:
--config, else PAYLOAD_CONFIG_PATH, else payload.config.ts/.js. .env files are loaded first.

Options:
  --range month|year   Which file; repeat or comma-separate for both (default: both)
  --site ID|all        One site, or every site (default all)
  --out DIR            Directory to write to, created if missing (default .)
  --format csv|json    File format (default csv)
  --as EMAIL           Export as this user: only sites they may read and export
                       (access.export); default: every site
  --config FILE        The Payload config (default: as the Payload CLI finds it)
  -h, --help           Show this help

Exit codes: 0 done, 1 failure, 2 bad usage (unknown range, format or site).

Example:
  ${BIN} export --range month --range year --out ./output/
`

const usage = usageOf('export')

/** Also across two copies of the module (the config may load the plugin from another path). */
const isStatsError = (error: unknown): error is Error & { status: number } =>
  error instanceof Error && error.name === 'StatsError' && typeof (error as { status?: unknown }).status === 'number'

/**
 * Stream one file: rows are written as the service yields them, into a temporary file
 * renamed at the end (a failed export leaves no half file behind).
 */
export async function writeExportFile(args: {
  file: string
  format: ExportFormat
  onRow?: (written: number) => void
  /** Whose access applies. @default trusted (every site) */
  caller?: StatsCaller
  range: ExportRange
  siteIds?: Array<number | string>
  stats: StatsService
}): Promise<number> {
  const temporary = `${args.file}.partial`
  const out = createWriteStream(temporary)
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain')
  }
  let written = 0
  try {
    await write(args.format === 'csv' ? exportHeaderLine() : '[')
    for await (const row of args.stats.exportRows({ range: args.range, siteIds: args.siteIds }, args.caller ?? { overrideAccess: true })) {
      await write(args.format === 'csv' ? exportCsvLine(row) : `${written === 0 ? '\n' : ',\n'}${JSON.stringify(exportRecord(row))}`)
      args.onRow?.(++written)
    }
    if (args.format === 'json') await write(written === 0 ? ']\n' : '\n]\n')
    out.end()
    await once(out, 'finish')
    renameSync(temporary, args.file)
    return written
  } catch (error) {
    out.destroy()
    rmSync(temporary, { force: true })
    throw error
  }
}

/** A request as the user with this email (of the admin's auth collection), for access checks. */
export async function userRequest(payload: Payload, email: string): Promise<null | PayloadRequest> {
  const collection = payload.config.admin.user as CollectionSlug
  const { docs } = await payload.find({ collection, depth: 0, limit: 1, overrideAccess: true, where: { email: { equals: email } } })
  const user = docs[0]
  if (!user) return null
  // Loaded here: the CLI's other commands (the standalone ingest server) never load Payload.
  const { createLocalReq } = await import('payload')
  return createLocalReq({ user: { ...user, collection } as unknown as TypedUser }, payload)
}

export async function runExport(args: string[]): Promise<number> {
  const parsed = parseCommand(args, {
    help: EXPORT_HELP,
    options: { as: { type: 'string' }, config: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, range: { multiple: true, type: 'string' }, site: { type: 'string' } },
    positionals: false,
    usage,
  })
  if (typeof parsed === 'number') return parsed
  const { values } = parsed
  const requested = (values.range ?? ['month,year']).flatMap((value) => value.split(',')).map((value) => value.trim())
  const unknownRange = requested.find((range) => !(RANGES as readonly string[]).includes(range))
  if (unknownRange !== undefined) return usage(`--range must be month or year, got "${unknownRange}"`)
  const ranges = RANGES.filter((range) => requested.includes(range))
  const format = (values.format ?? 'csv') as ExportFormat
  if (!EXPORT_FORMATS.includes(format)) return usage(`--format must be csv or json, got "${values.format}"`)
  const site = values.site ?? 'all'
  if (!/^[\w-]{1,64}$/.test(site)) return usage(`--site must be a site id or all, got "${site}"`)
  const outDir = path.resolve(process.cwd(), values.out ?? '.')

  return runWithAnalytics('export', { config: values.config, usage }, async (analytics, { payload }) => {
    try {
      const stats = analytics.stats
      const siteIds = site === 'all' ? undefined : [site]
      // `--as <email>`: that user's access (the sites they may read, and `access.export`).
      const as = values.as === undefined ? null : await userRequest(payload, values.as)
      if (values.as !== undefined && !as) return usage(`--as: no user with the email "${values.as}"`)
      const caller: StatsCaller = as ? { req: as } : { overrideAccess: true }
      const readable = await stats.readableSites(caller)
      if (as) {
        const refused = await firstRefused(as, analytics.config, 'export', siteIds ?? readable.map((s) => s.id))
        if (refused !== null) return usage(`${values.as} may not export the analytics of site ${String(refused)}`)
      }
      const total = site === 'all' ? readable.length : 1
      mkdirSync(outDir, { recursive: true })
      for (const range of ranges) {
        const file = path.join(outDir, `${FILE_STEM[range]}.${format}`)
        const started = Date.now()
        let lastReport = 0
        const step = Math.max(1, Math.ceil(total / 10))
        process.stderr.write(`export: ${path.basename(file)}: 0/${total} sites\n`)
        const rows = await writeExportFile({
          file,
          format,
          onRow: (written) => {
            // Every 10 % of the sites, and the last one.
            if (written < total && written - lastReport < step) return
            lastReport = written
            process.stderr.write(`export: ${path.basename(file)}: ${written}/${total} sites\n`)
          },
          caller,
          range,
          siteIds,
          stats,
        })
        await audit(payload, {
          action: 'export',
          actor: as ? undefined : { type: 'cli' },
          req: as ?? undefined,
          details: { file: path.basename(file), format, range, sites: siteIds ?? 'all', written: rows },
          siteId: siteIds?.[0] ?? null,
          via: 'cli',
        })
        console.log(`export: wrote ${file} (${rows} site${rows === 1 ? '' : 's'}) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      }
      return 0
    } catch (error) {
      if (isStatsError(error)) return usage(error.status === 404 ? `unknown site "${site}"` : error.message)
      console.error(`${BIN} export: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      return 1
    }
  })
}
