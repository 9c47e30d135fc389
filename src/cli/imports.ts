/**
 * `payload-analytics import …` and `payload-analytics export plausible`: imported data from
 * the command line — a Plausible CSV export into a site (with progress), the import history
 * of a site, deleting an import, and a site's figures as a Plausible-format ZIP.
 */
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'

import type { Payload, PayloadRequest } from 'payload'

import type { AuditActor } from '../audit.js'

import { mayAct } from '../access/actions.js'
import { audit } from '../audit.js'
import { isDay } from '../core/dailyStats.js'
import { importPlausibleCsv } from '../imports/plausibleCsv.js'
import { exportPlausibleZip } from '../imports/plausibleExport.js'
import { userRequest } from './export.js'
import { runWithAnalytics } from './loadPayload.js'
import { BIN, parseCommand, usageOf } from './parseCommand.js'

export const IMPORT_HELP = `Usage: ${BIN} import plausible-csv --site <id> --file <export.zip> [options]
       ${BIN} import list --site <id>
       ${BIN} import delete --id <import id>

plausible-csv  Import a Plausible CSV export (the ZIP of imported_visitors_….csv,
               imported_pages_….csv, … from Plausible's Settings → Imports & Exports) into a
               site. Only days before the site's own data begins are imported, and none
               another import already holds. The ZIP is streamed: it never sits in memory.
               Progress goes to stderr, the summary to stdout.
list           The site's imports: id, source, status, days, first and last day.
delete         Delete an import and every figure it brought.

Payload is booted with your project's config (--config, else PAYLOAD_CONFIG_PATH, else
payload.config.ts/.js).

Options:
  --site ID      The site
  --file FILE    The ZIP to import
  --id ID        The import to delete
  --as EMAIL     Act as this user: they must be allowed to manage the site's sources
                 (access.manageSources, default: may update the site); default: trusted
  --config FILE  The Payload config
  -h, --help     Show this help

Exit codes: 0 done, 1 failure, 2 bad usage or a bad file (nothing imported).

Example:
  ${BIN} import plausible-csv --site 3 --file ./plausible-export.zip
`

export const EXPORT_PLAUSIBLE_HELP = `Usage: ${BIN} export plausible --site <id> [--out FILE] [--from DAY] [--to DAY] [--no-imports]

Writes a site's daily figures as a Plausible CSV export (a ZIP of imported_visitors_….csv,
imported_sources_….csv, …) that Plausible — or another site here — can import. Includes
the site's imported days unless --no-imports.

Options:
  --site ID       The site
  --out FILE      The ZIP to write (default <domain>_plausible_<from>_<to>.zip)
  --from DAY      First day, YYYY-MM-DD (default: the site's first day of data)
  --to DAY        Last day (default: its last)
  --no-imports    Our own figures only
  --as EMAIL      Export as this user (access.export); default: trusted
  --config FILE   The Payload config
  -h, --help      Show this help
`

/** Across two copies of the module (the config may load the plugin from another path). */
const isImportDataError = (error: unknown): error is Error => error instanceof Error && error.name === 'ImportDataError'

const SITE_ID = /^[\w-]{1,64}$/

async function siteExists(payload: Payload, siteId: string): Promise<boolean> {
  const cfg = payload.analytics!.config
  return (await payload.count({ collection: cfg.slugs.sites, overrideAccess: true, where: { id: { equals: siteId } } })).totalDocs > 0
}

/** The acting user's request (`--as`), or null for a trusted run; a usage message when refused. */
async function actingAs(payload: Payload, email: string | undefined, action: 'export' | 'manageSources', siteId: string): Promise<{ error: string } | { req: null | PayloadRequest }> {
  if (email === undefined) return { req: null }
  const req = await userRequest(payload, email)
  if (!req) return { error: `--as: no user with the email "${email}"` }
  if (!(await mayAct(req, payload.analytics!.config, action, siteId))) return { error: `${email} may not ${action === 'export' ? 'export' : 'import into'} site ${siteId}` }
  return { req }
}

const actorOf = (req: null | PayloadRequest): AuditActor => {
  const user = req?.user as ({ collection?: string; email?: string; id: number | string } & object) | null | undefined
  return user ? { collection: user.collection, email: user.email, id: user.id, type: 'cli' } : { type: 'cli' }
}

export async function runImport(args: string[]): Promise<number> {
  const usage = usageOf('import')
  const parsed = parseCommand(args, {
    help: IMPORT_HELP,
    options: { as: { type: 'string' }, config: { type: 'string' }, file: { type: 'string' }, id: { type: 'string' }, site: { type: 'string' } },
    usage,
  })
  if (typeof parsed === 'number') return parsed
  const { positionals, values } = parsed
  const [sub, extra] = positionals
  if (extra !== undefined) return usage(`unexpected argument "${extra}"`)
  if (sub !== 'plausible-csv' && sub !== 'list' && sub !== 'delete') return usage(sub === undefined ? 'which import command? plausible-csv, list or delete' : `unknown import command "${sub}"`)
  if (sub === 'delete') {
    if (!values.id || !SITE_ID.test(values.id)) return usage('--id: the import to delete')
  } else if (!values.site || !SITE_ID.test(values.site)) return usage('--site: a site id')
  const file = values.file === undefined ? undefined : path.resolve(process.cwd(), values.file)
  if (sub === 'plausible-csv') {
    if (!file) return usage('--file: the ZIP to import')
    if (!existsSync(file) || !statSync(file).isFile()) return usage(`--file: no such file "${values.file}"`)
  }

  return runWithAnalytics('import', { config: values.config, usage }, async (analytics, { payload }) => {
    const cfg = analytics.config
    if (sub === 'delete') {
      const found = await payload.find({ collection: cfg.slugs.imports, depth: 0, limit: 1, overrideAccess: true, where: { id: { equals: values.id } } })
      const run = found.docs[0] as { id: number | string; site: number | string } | undefined
      if (!run) return usage(`no import with the id "${values.id}"`)
      const as = await actingAs(payload, values.as, 'manageSources', String(run.site))
      if ('error' in as) return usage(as.error)
      await payload.delete({ collection: cfg.slugs.imports, context: { analyticsVia: 'cli' }, id: run.id, overrideAccess: !as.req, req: as.req ?? undefined })
      console.log(`import: deleted import ${String(run.id)} of site ${String(run.site)}`)
      return 0
    }
    const siteId = values.site!
    if (!(await siteExists(payload, siteId))) return usage(`unknown site "${siteId}"`)
    if (sub === 'list') {
      const { docs } = await payload.find({ collection: cfg.slugs.imports, depth: 0, overrideAccess: true, pagination: false, sort: '-startedAt', where: { site: { equals: siteId } } })
      console.log(['id', 'source', 'status', 'days', 'first_day', 'last_day', 'started_at', 'file'].join('\t'))
      for (const doc of docs as Array<Record<string, unknown>>) {
        const day = (value: unknown) => (typeof value === 'string' ? value.slice(0, 10) : '')
        console.log([doc.id, doc.source, doc.status, doc.daysWritten ?? 0, day(doc.firstDay), day(doc.lastDay), doc.startedAt ?? '', doc.fileName ?? ''].join('\t'))
      }
      return 0
    }
    const as = await actingAs(payload, values.as, 'manageSources', siteId)
    if ('error' in as) return usage(as.error)
    let lastPercent = -1
    try {
      const result = await importPlausibleCsv(payload, {
        fileName: path.basename(file!),
        filePath: file!,
        onProgress: ({ done, file: entry, rows, total }) => {
          const percent = total ? Math.floor((done / total) * 100) : 100
          if (percent === lastPercent) return
          lastPercent = percent
          process.stderr.write(`import: ${percent}% (${entry}: ${rows} rows)\n`)
        },
        siteId,
        startedBy: actorOf(as.req),
      })
      await audit(payload, {
        action: 'import',
        actor: actorOf(as.req),
        details: { days: result.daysWritten, file: path.basename(file!), import: result.importId, rows: result.rowsWritten, source: 'plausible-csv' },
        siteId,
        via: 'cli',
      })
      console.log(`import: ${String(result.importId)}: ${result.daysWritten} days (${result.firstDay ?? '–'}..${result.lastDay ?? '–'}), ${result.rowsWritten} rows`)
      for (const [reason, skipped] of Object.entries(result.skipped)) console.log(`import: skipped ${skipped.days} days (${skipped.first}..${skipped.last}): ${reason}`)
      for (const entry of result.files) console.log(`import: ${entry.file}: ${entry.rows} rows`)
      if (result.ignoredFiles.length) console.log(`import: ignored ${result.ignoredFiles.join(', ')}`)
      return 0
    } catch (error) {
      if (isImportDataError(error)) return usage(`${path.basename(file!)}: ${error.message} (nothing imported)`)
      throw error
    }
  })
}

export async function runPlausibleExport(args: string[]): Promise<number> {
  const usage = usageOf('export plausible')
  const parsed = parseCommand(args, {
    help: EXPORT_PLAUSIBLE_HELP,
    options: { as: { type: 'string' }, config: { type: 'string' }, from: { type: 'string' }, 'no-imports': { type: 'boolean' }, out: { type: 'string' }, site: { type: 'string' }, to: { type: 'string' } },
    positionals: false,
    usage,
  })
  if (typeof parsed === 'number') return parsed
  const { values } = parsed
  if (!values.site || !SITE_ID.test(values.site)) return usage('--site: a site id')
  for (const flag of ['from', 'to'] as const) if (values[flag] !== undefined && !isDay(values[flag])) return usage(`--${flag}: a day, YYYY-MM-DD`)
  const siteId = values.site
  return runWithAnalytics('export plausible', { config: values.config, usage }, async (_analytics, { payload }) => {
    if (!(await siteExists(payload, siteId))) return usage(`unknown site "${siteId}"`)
    const as = await actingAs(payload, values.as, 'export', siteId)
    if ('error' in as) return usage(as.error)
    const started = Date.now()
    const zip = await exportPlausibleZip(payload, { from: values.from, imports: !values['no-imports'], siteId, to: values.to })
    const file = path.resolve(process.cwd(), values.out ?? zip.fileName)
    const temporary = `${file}.partial`
    try {
      await pipeline(zip.stream, createWriteStream(temporary))
      renameSync(temporary, file)
    } catch (error) {
      rmSync(temporary, { force: true })
      throw error
    }
    await audit(payload, { action: 'export', actor: actorOf(as.req), details: { file: path.basename(file), format: 'plausible-zip', from: zip.from, to: zip.to }, siteId, via: 'cli' })
    console.log(`export: wrote ${file} (${zip.from ?? '–'}..${zip.to ?? '–'}) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return 0
  })
}
