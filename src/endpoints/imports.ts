/**
 * Imported data over REST (thin: check → `src/imports/` → respond):
 * - `POST /api/analytics/sites/:id/imports/plausible-csv` — the body is a Plausible CSV export
 *   (the ZIP itself, `Content-Type: application/zip`; `?fileName=` names it in the history),
 *   streamed to a temporary file and imported; 201 with what was imported, 400 with the
 *   reason (nothing stored) for a bad ZIP or CSV, 413 past `MAX_IMPORT_BYTES`.
 * - `GET /api/analytics/sites/:id/export/plausible` — the site's figures as a Plausible CSV
 *   export (`?from=&to=` days, `?imports=false` without imported days).
 * Importing needs `access.manageSources` (default: may update the site), exporting
 * `access.export` (default: may read it). The history and deleting an import are the
 * `analytics-imports` collection's own REST API (`GET/DELETE /api/analytics-imports`).
 */
import type { Endpoint, PayloadRequest } from 'payload'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'

import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import type { AnalyticsAction } from '../access/actions.js'
import type { SanitizedAnalyticsConfig } from '../types.js'

import { mayAct } from '../access/actions.js'
import { canAccessSite } from '../access/siteAccess.js'
import { audit, viaOf } from '../audit.js'
import { ENDPOINT_PREFIX } from '../constants.js'
import { isDay } from '../core/dailyStats.js'
import { importPlausibleCsv } from '../imports/plausibleCsv.js'
import { exportPlausibleZip } from '../imports/plausibleExport.js'
import { outageBehind, outageResponse, presentsCredentials } from './outage.js'

/** The largest upload accepted (a Plausible export of several years is a few hundred MB). */
export const MAX_IMPORT_BYTES = 2 * 1024 ** 3

const NO_STORE = { 'Cache-Control': 'no-store' }
const json = (body: unknown, status = 200) => Response.json(body, { headers: NO_STORE, status })

class TooLarge extends Error {}

const searchParams = (req: PayloadRequest): URLSearchParams => req.searchParams ?? new URL(req.url ?? '', 'http://localhost').searchParams

/** The site of the path, once the user may do `action` on it; else the answer to give. */
async function siteFor(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, action: AnalyticsAction, verb: string): Promise<Response | string> {
  if (!req.user) {
    const outage = presentsCredentials(req) ? await outageBehind(req, null) : null
    return outage ? outageResponse(outage, NO_STORE) : json({ error: `Log in to ${verb}.` }, 401)
  }
  const id = req.routeParams?.id
  // "Not found" for sites the user may not read: the answer does not say whether one exists.
  if (typeof id !== 'string' || !/^[\w-]{1,64}$/.test(id) || !(await canAccessSite(req, cfg, id, 'read'))) return json({ error: 'Site not found.' }, 404)
  if (!(await mayAct(req, cfg, action, id))) return json({ error: `You may not ${verb} for this site.` }, 403)
  const { totalDocs } = await req.payload.count({ collection: cfg.slugs.sites, overrideAccess: true, where: { id: { equals: id } } })
  if (totalDocs === 0) return json({ error: 'Site not found.' }, 404)
  return id
}

/** Stream the body to a file, refusing more than `limit` bytes. */
async function saveBody(req: PayloadRequest, file: string, limit: number): Promise<number> {
  if (!req.body) return 0
  let bytes = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      done(bytes > limit ? new TooLarge() : null, chunk)
    },
  })
  await pipeline(Readable.fromWeb(req.body as NodeReadableStream<Uint8Array>), counter, createWriteStream(file))
  return bytes
}

const isImportDataError = (error: unknown): error is Error => error instanceof Error && error.name === 'ImportDataError'

export function importEndpoints(cfg: SanitizedAnalyticsConfig): Endpoint[] {
  const upload = async (req: PayloadRequest): Promise<Response> => {
    const site = await siteFor(req, cfg, 'manageSources', 'import analytics data')
    if (typeof site !== 'string') return site
    const declared = Number(req.headers.get('content-length') ?? 0)
    if (declared > MAX_IMPORT_BYTES) return json({ error: `The file is larger than ${MAX_IMPORT_BYTES} bytes.` }, 413)
    const fileName = (searchParams(req).get('fileName') ?? 'plausible-export.zip').slice(0, 200)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'analytics-import-'))
    try {
      const file = path.join(dir, 'upload.zip')
      try {
        if ((await saveBody(req, file, MAX_IMPORT_BYTES)) === 0) return json({ error: 'Send the ZIP of a Plausible CSV export as the request body.' }, 400)
      } catch (error) {
        if (error instanceof TooLarge) return json({ error: `The file is larger than ${MAX_IMPORT_BYTES} bytes.` }, 413)
        return json({ error: 'The upload was interrupted.' }, 400)
      }
      const user = req.user as { collection?: string; email?: string; id: number | string }
      const result = await importPlausibleCsv(req.payload, {
        fileName,
        filePath: file,
        siteId: site,
        startedBy: { collection: user.collection, email: user.email, id: user.id, type: 'user' },
      })
      await audit(req.payload, {
        action: 'import',
        details: { days: result.daysWritten, file: fileName, import: result.importId, rows: result.rowsWritten, source: 'plausible-csv' },
        req,
        siteId: site,
        via: viaOf(req),
      })
      return json({ import: result }, 201)
    } catch (error) {
      if (isImportDataError(error)) return json({ error: `${fileName}: ${error.message}. Nothing was imported.` }, 400)
      const outage = await outageBehind(req, error)
      if (outage) return outageResponse(outage, NO_STORE)
      req.payload.logger.error({ err: error, msg: 'analytics: import failed' })
      return json({ error: 'Internal error while importing' }, 500)
    } finally {
      rmSync(dir, { force: true, recursive: true })
    }
  }

  const download = async (req: PayloadRequest): Promise<Response> => {
    const site = await siteFor(req, cfg, 'export', 'export analytics data')
    if (typeof site !== 'string') return site
    const params = searchParams(req)
    const from = params.get('from') ?? undefined
    const to = params.get('to') ?? undefined
    for (const [name, value] of [['from', from], ['to', to]] as const) if (value !== undefined && !isDay(value)) return json({ error: `${name}: not a day (YYYY-MM-DD)` }, 400)
    if (from && to && from > to) return json({ error: 'from: after to' }, 400)
    const imports = params.get('imports')
    if (imports !== null && imports !== 'true' && imports !== 'false') return json({ error: 'imports: true or false' }, 400)
    const zip = await exportPlausibleZip(req.payload, { from, imports: imports !== 'false', siteId: site, to })
    await audit(req.payload, { action: 'export', details: { format: 'plausible-zip', from: zip.from, to: zip.to }, req, siteId: site, via: viaOf(req) })
    return new Response(Readable.toWeb(Readable.from(zip.stream)) as ReadableStream<Uint8Array>, {
      headers: { ...NO_STORE, 'Content-Disposition': `attachment; filename="${zip.fileName}"`, 'Content-Type': 'application/zip' },
      status: 200,
    })
  }

  return [
    { handler: upload, method: 'post', path: `${ENDPOINT_PREFIX}/sites/:id/imports/plausible-csv` },
    { handler: download, method: 'get', path: `${ENDPOINT_PREFIX}/sites/:id/export/plausible` },
  ]
}
