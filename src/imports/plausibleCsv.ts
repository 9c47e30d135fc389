/**
 * Import a Plausible CSV export (a ZIP on disk) into a site: the ZIP's directory is read
 * first (yauzl, random access: nothing but the directory is held), every file's header is
 * checked, and only then is a run started; the files are streamed through csv-parse, the
 * totals file first (the other files' days need its totals, see `store.ts`), in batches of
 * rows. Memory stays flat in the file's size. Any bad cell ends the run with its rows and
 * run document removed — a bad file stores nothing — and an `ImportDataError` naming the
 * file and line.
 */
import type { Payload } from 'payload'
import type { Readable } from 'node:stream'
import type { Entry, ZipFile } from 'yauzl'

import { parse } from 'csv-parse'
import yauzl from 'yauzl'

import type { AuditActor } from '../audit.js'
import type { Id, SkipReason } from './store.js'
import type { ImportedDay } from './types.js'
import type { PlausibleTable } from './plausibleFormat.js'

import { getAnalyticsConfig } from '../analyticsConfig.js'
import { isDay } from '../core/dailyStats.js'
import { PLAUSIBLE_COLUMNS, PLAUSIBLE_TABLES, plausibleRowFigures, plausibleTableOf, PlausibleRowError } from './plausibleFormat.js'
import { deleteImportedRows, finishImport, ImportDataError, importedFigures, startImport, summariseSkipped, updateImportProgress, writeImportedDays } from './store.js'

/** CSV rows per write (one transaction). */
const BATCH_ROWS = 5000
/** The longest CSV record accepted (a page path with its figures is far shorter). */
const MAX_RECORD_BYTES = 64 * 1024
/** How often the run's document gets its progress, at most. */
const PROGRESS_EVERY_MS = 2000

export interface PlausibleCsvProgress {
  /** Bytes of CSV read so far, of `total`. */
  done: number
  file: string
  rows: number
  total: number
}

export interface ImportPlausibleCsvInput {
  /** The ZIP's path on disk (uploads are streamed to a temporary file first). */
  filePath: string
  /** The name shown in the import history. */
  fileName?: string
  onProgress?: (progress: PlausibleCsvProgress) => void
  siteId: Id
  startedBy?: AuditActor
}

export interface ImportPlausibleCsvResult {
  daysWritten: number
  files: Array<{ file: string; rows: number; table: PlausibleTable }>
  firstDay: null | string
  ignoredFiles: string[]
  importId: Id
  lastDay: null | string
  rowsWritten: number
  skipped: ReturnType<typeof summariseSkipped>
}

const openZip = (filePath: string): Promise<ZipFile> =>
  new Promise((resolve, reject) => {
    yauzl.open(filePath, { autoClose: false, lazyEntries: true, strictFileNames: false }, (error, zip) => (error || !zip ? reject(error ?? new Error('no zip')) : resolve(zip)))
  })

const entriesOf = (zip: ZipFile): Promise<Entry[]> =>
  new Promise((resolve, reject) => {
    const entries: Entry[] = []
    zip.on('entry', (entry: Entry) => {
      entries.push(entry)
      zip.readEntry()
    })
    zip.once('end', () => resolve(entries))
    zip.once('error', reject)
    zip.readEntry()
  })

const streamOf = (zip: ZipFile, entry: Entry): Promise<Readable> =>
  new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(error ?? new Error('no stream')) : resolve(stream))))

const csvParser = (onHeader?: (columns: string[]) => void) =>
  parse({ bom: true, columns: onHeader ? (columns: string[]) => (onHeader(columns), columns) : true, max_record_size: MAX_RECORD_BYTES, relax_column_count: false, skip_empty_lines: true })

/** The files of a Plausible export in the order they are imported: totals first. */
async function readDirectory(filePath: string): Promise<{ files: Array<{ entry: Entry; table: PlausibleTable }>; ignored: string[]; zip: ZipFile }> {
  let zip: ZipFile
  try {
    zip = await openZip(filePath)
  } catch (error) {
    throw new ImportDataError(`not a readable ZIP file (${(error as Error).message})`)
  }
  let entries: Entry[]
  try {
    entries = await entriesOf(zip)
  } catch (error) {
    zip.close()
    throw new ImportDataError(`not a readable ZIP file (${(error as Error).message})`)
  }
  const files: Array<{ entry: Entry; table: PlausibleTable }> = []
  const ignored: string[] = []
  for (const entry of entries) {
    if (entry.fileName.endsWith('/')) continue
    const table = plausibleTableOf(entry.fileName)
    if (table) files.push({ entry, table })
    else ignored.push(entry.fileName)
  }
  if (!files.some((file) => file.table === 'imported_visitors')) {
    zip.close()
    throw new ImportDataError('no imported_visitors CSV in the ZIP: not a Plausible CSV export (expected files named imported_visitors_YYYYMMDD_YYYYMMDD.csv, imported_pages_…)')
  }
  files.sort((x, y) => PLAUSIBLE_TABLES.indexOf(x.table) - PLAUSIBLE_TABLES.indexOf(y.table) || (x.entry.fileName < y.entry.fileName ? -1 : 1))
  return { files, ignored, zip }
}

/** Every file's header has the table's required columns (read before anything is written). */
async function checkHeaders(zip: ZipFile, files: Array<{ entry: Entry; table: PlausibleTable }>): Promise<void> {
  for (const { entry, table } of files) {
    const stream = await streamOf(zip, entry).catch((error: Error) => {
      throw new ImportDataError(`${entry.fileName}: cannot be read (${error.message})`)
    })
    let header: string[] = []
    const parser = csvParser((columns) => (header = columns))
    stream.pipe(parser)
    try {
      // The header is known once the first record (or the end) is reached.
      for await (const _record of parser) break
    } catch (error) {
      throw new ImportDataError(`${entry.fileName}: not a CSV file (${(error as Error).message})`)
    } finally {
      stream.unpipe(parser)
      stream.destroy()
      parser.destroy()
    }
    const missing = PLAUSIBLE_COLUMNS[table].required.filter((column) => !header.includes(column))
    if (missing.length) throw new ImportDataError(`${entry.fileName}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`)
  }
}

/**
 * Import a Plausible CSV export. Throws `ImportDataError` (nothing stored) for a bad ZIP or
 * CSV; other failures mark the run `failed` with its rows removed.
 */
export async function importPlausibleCsv(payload: Payload, input: ImportPlausibleCsvInput): Promise<ImportPlausibleCsvResult> {
  const { files, ignored, zip } = await readDirectory(input.filePath)
  let importId: Id | null = null
  try {
    await checkHeaders(zip, files)
    importId = await startImport(payload, { fileName: input.fileName ?? null, siteId: input.siteId, source: 'plausible-csv', startedBy: input.startedBy })
    const total = files.reduce((sum, file) => sum + file.entry.uncompressedSize, 0)
    let done = 0
    let lastProgress = 0
    const skipped: Array<{ day: string; reason: SkipReason }> = []
    const summary: ImportPlausibleCsvResult['files'] = []
    for (const { entry, table } of files) {
      let rows = 0
      let batch = new Map<string, ImportedDay>()
      let batchRows = 0
      const flush = async () => {
        if (batch.size === 0) return
        const result = await writeImportedDays(payload, { days: [...batch.values()], importId: importId!, mode: 'add', siteId: input.siteId })
        // Breakdown files repeat the totals' skipped days as "no totals": count each day once, by its totals.
        if (table === 'imported_visitors') skipped.push(...result.skipped)
        batch = new Map()
        batchRows = 0
      }
      const stream = await streamOf(zip, entry)
      stream.on('data', (chunk: Buffer) => (done += chunk.length))
      const parser = csvParser()
      stream.pipe(parser)
      try {
        for await (const record of parser) {
          rows += 1
          const row = record as Record<string, string>
          const date = (row.date ?? '').trim()
          if (!isDay(date)) throw new PlausibleRowError(`date: not a day (YYYY-MM-DD): ${JSON.stringify(date.slice(0, 20))}`)
          const figures = plausibleRowFigures(table, row)
          const day = batch.get(date) ?? batch.set(date, { date }).get(date)!
          if (figures.totals) day.totals = figures.totals
          for (const [breakdown, value] of figures.breakdowns) (day[breakdown] ??= []).push(value)
          batchRows += 1
          if (batchRows >= BATCH_ROWS) await flush()
          if (input.onProgress || Date.now() - lastProgress > PROGRESS_EVERY_MS) {
            input.onProgress?.({ done, file: entry.fileName, rows, total })
            if (Date.now() - lastProgress > PROGRESS_EVERY_MS) {
              lastProgress = Date.now()
              await updateImportProgress(payload, importId, { done, total, unit: 'bytes' })
            }
          }
        }
        await flush()
      } catch (error) {
        if (error instanceof PlausibleRowError || error instanceof ImportDataError) throw new ImportDataError(`${entry.fileName}, record ${rows}: ${error.message}`)
        if (error instanceof Error && 'code' in error && String(error.code).startsWith('CSV_')) throw new ImportDataError(`${entry.fileName}: not valid CSV (${error.message})`)
        throw error
      } finally {
        stream.destroy()
      }
      summary.push({ file: entry.fileName, rows, table })
      input.onProgress?.({ done, file: entry.fileName, rows, total })
    }
    await updateImportProgress(payload, importId, { done: total, total, unit: 'bytes' })
    await finishImport(payload, importId, { skipped, status: 'done', summary: { files: summary, ignoredFiles: ignored } })
    const figures = await importedFigures(payload, importId)
    return {
      daysWritten: figures.days,
      files: summary,
      firstDay: figures.firstDay,
      ignoredFiles: ignored,
      importId,
      lastDay: figures.lastDay,
      rowsWritten: figures.rows,
      skipped: summariseSkipped(skipped),
    }
  } catch (error) {
    if (importId !== null) await abandon(payload, importId, error)
    throw error
  } finally {
    zip.close()
  }
}

/**
 * A run that cannot finish: bad data removes the run and its rows (nothing stored); any other
 * failure keeps the run as `failed`, with the reason, and removes its rows.
 */
async function abandon(payload: Payload, importId: Id, error: unknown): Promise<void> {
  const cfg = getAnalyticsConfig(payload.config)
  if (error instanceof ImportDataError) {
    // Deleting the run deletes its rows (the collection's afterDelete hook).
    await payload.delete({ collection: cfg.slugs.imports, context: { analyticsQuiet: true }, id: importId, overrideAccess: true })
    return
  }
  await deleteImportedRows(payload, importId)
  await finishImport(payload, importId, { error: error instanceof Error ? error.message : String(error), status: 'failed' })
}
