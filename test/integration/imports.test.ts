/**
 * Imported data: a Plausible CSV export built here (commas, quotes and unicode in pages and
 * sources) imports to exactly its figures; the plugin's own Plausible-format export,
 * imported into another site, gives the same stats; deleting an import removes its rows
 * only; imported and own days never overlap; a bad ZIP or CSV stores nothing.
 */
import type { Payload } from 'payload'

import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import type { StatsResult } from '../../src/stats/types.js'

import { addDays, todayIn } from '../../src/core/statsRange.js'
import { importPlausibleCsv } from '../../src/imports/plausibleCsv.js'
import { exportPlausibleZip } from '../../src/imports/plausibleExport.js'
import { ImportDataError, writeImportedDays } from '../../src/imports/store.js'
import { bootPayload } from '../helpers/payload.js'
import { csvText, writeZip } from '../helpers/zip.js'

let payload: Payload
let dir: string
let tenant: number | string
const today = todayIn(new Date(), 'UTC')
const D1 = addDays(today, -60)
const D2 = addDays(today, -59)
const D3 = addDays(today, -58)

const IMPORTS = 'analytics-imports'
const IMPORTED = 'analytics-imported-stats'

// ── The fixture: a Plausible export of three days ──────────────────────────────────────────
const visitors = [
  [D1, 10, 25, 4, 12, 600],
  [D2, 8, 20, 3, 9, 450],
  [D3, 15, 40, 5, 18, 900],
] as const
const SOURCE_HN = 'Hacker News, "Show HN"'
const SOURCE_UNICODE = 'Ünïcødé ✓ 日本'
// date, source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, visitors, visits, visit_duration, bounces
const sources = [
  [D1, 'Google', 'google.com', '', '', '', '', '', 10, 4, 5, 200, 2],
  [D1, '', '', '', '', '', '', '', 8, 3, 4, 250, 1],
  [D1, SOURCE_HN, 'news.ycombinator.com', 'news,letter', 'email', 'spring "sale"', '', '', 7, 3, 3, 150, 1],
  [D2, 'Google', 'google.com', '', '', '', '', '', 12, 5, 6, 300, 2],
  [D2, SOURCE_UNICODE, '', 'news,letter', '', '', '', '', 8, 3, 3, 150, 1],
  [D3, 'Google', 'google.com', '', '', '', '', '', 20, 9, 10, 500, 3],
  [D3, 'Direct / None', '', '', '', '', '', '', 20, 6, 8, 400, 2],
] as const
const PAGE_COMMA = '/a,b'
const PAGE_QUOTE = '/quote"d'
const PAGE_UNICODE = '/ünï/日本?x=1'
// date, hostname, page, visits, visitors, pageviews, total_scroll_depth, total_scroll_depth_visits, total_time_on_page, total_time_on_page_visits
const pages = [
  [D1, 'ex.test', PAGE_COMMA, 8, 7, 15, 400, 6, 300, 5],
  [D1, 'ex.test', PAGE_QUOTE, 5, 4, 10, 150, 3, 90, 3],
  [D2, 'ex.test', PAGE_COMMA, 6, 5, 12, 0, 0, 0, 0],
  [D2, 'ex.test', PAGE_UNICODE, 4, 4, 8, 200, 4, 120.5, 4],
  [D3, 'ex.test', PAGE_UNICODE, 18, 15, 40, 900, 12, 600, 10],
] as const
// date, entry_page, visitors, entrances, visit_duration, bounces, pageviews
const entryPages = [
  [D1, PAGE_COMMA, 7, 8, 400, 3, 15],
  [D2, PAGE_UNICODE, 4, 4, 100, 1, 8],
  [D3, PAGE_UNICODE, 15, 18, 900, 5, 40],
] as const
// date, exit_page, visitors, visit_duration, exits, bounces, pageviews
const exitPages = [
  [D1, PAGE_QUOTE, 4, 200, 5, 1, 10],
  [D3, PAGE_UNICODE, 15, 900, 18, 5, 40],
] as const
// date, name, link_url, path, visitors, events
const customEvents = [
  [D1, 'Signup', '', '/a,b', 2, 3],
  [D1, 'Signup', '', '/other', 1, 1],
  [D2, 'Click "Buy"', 'https://shop.test/ü', '', 3, 5],
] as const
// date, country, region, city, visitors, visits, visit_duration, bounces, pageviews
const locations = [
  [D1, 'DE', 'DE-BE', 'Berlin', 6, 7, 300, 2, 15],
  [D1, 'DE', 'DE-HH', 'Hamburg', 2, 2, 100, 1, 4],
  [D1, 'US', '', '', 2, 3, 200, 1, 6],
  [D2, '', '', '', 8, 9, 450, 3, 20],
] as const
// date, device, visitors, visits, visit_duration, bounces, pageviews
const devices = [
  [D1, 'Desktop', 6, 7, 400, 2, 15],
  [D1, 'Laptop', 1, 1, 50, 1, 1],
  [D1, 'Mobile', 3, 4, 150, 1, 9],
] as const
// date, browser, browser_version, visitors, visits, visit_duration, bounces, pageviews
const browsers = [
  [D1, 'Chrome', '120', 4, 5, 300, 2, 10],
  [D1, 'Chrome', '121', 3, 3, 100, 1, 8],
  [D1, 'Firefox', '', 3, 4, 200, 1, 7],
] as const
// date, operating_system, operating_system_version, visitors, visits, visit_duration, bounces, pageviews
const operatingSystems = [
  [D1, 'Mac', '14', 5, 6, 300, 2, 12],
  [D1, 'Windows', '11', 5, 6, 300, 2, 13],
] as const

const range = (from: string, to: string) => `${from.replace(/-/g, '')}_${to.replace(/-/g, '')}`
const plausibleFiles = (): Record<string, string> => ({
  [`imported_visitors_${range(D1, D3)}.csv`]: csvText(['date', 'visitors', 'pageviews', 'bounces', 'visits', 'visit_duration'], visitors),
  [`imported_sources_${range(D1, D3)}.csv`]: csvText(
    ['date', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'pageviews', 'visitors', 'visits', 'visit_duration', 'bounces'],
    sources,
  ),
  [`imported_pages_${range(D1, D3)}.csv`]: csvText(
    ['date', 'hostname', 'page', 'visits', 'visitors', 'pageviews', 'total_scroll_depth', 'total_scroll_depth_visits', 'total_time_on_page', 'total_time_on_page_visits'],
    pages,
  ),
  [`imported_entry_pages_${range(D1, D3)}.csv`]: csvText(['date', 'entry_page', 'visitors', 'entrances', 'visit_duration', 'bounces', 'pageviews'], entryPages),
  [`imported_exit_pages_${range(D1, D3)}.csv`]: csvText(['date', 'exit_page', 'visitors', 'visit_duration', 'exits', 'bounces', 'pageviews'], exitPages),
  [`imported_custom_events_${range(D1, D3)}.csv`]: csvText(['date', 'name', 'link_url', 'path', 'visitors', 'events'], customEvents),
  [`imported_locations_${range(D1, D3)}.csv`]: csvText(['date', 'country', 'region', 'city', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], locations),
  [`imported_devices_${range(D1, D3)}.csv`]: csvText(['date', 'device', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], devices),
  [`imported_browsers_${range(D1, D3)}.csv`]: csvText(['date', 'browser', 'browser_version', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], browsers),
  [`imported_operating_systems_${range(D1, D3)}.csv`]: csvText(
    ['date', 'operating_system', 'operating_system_version', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'],
    operatingSystems,
  ),
})

/** Per key, the sums of some columns of fixture rows. */
function sumsBy<R extends ReadonlyArray<number | string>>(rows: readonly R[], key: (row: R) => string, columns: Record<string, (row: R) => number>) {
  const out = new Map<string, Record<string, number>>()
  for (const row of rows) {
    const entry = out.get(key(row)) ?? out.set(key(row), Object.fromEntries(Object.keys(columns).map((name) => [name, 0]))).get(key(row))!
    for (const [name, read] of Object.entries(columns)) entry[name]! += read(row)
  }
  return out
}

const BREAKDOWNS = ['pages', 'sources', 'entryPages', 'exitPages', 'events', 'countries', 'devices', 'browsers', 'os', 'utmSource', 'utmCampaign'] as const

const statsOf = (siteId: number | string, from: string, to: string, extra: { imports?: boolean } = {}): Promise<StatsResult> =>
  payload.analytics!.stats.getStats({ breakdowns: [...BREAKDOWNS], from, limit: 100, range: 'custom', siteIds: [String(siteId)], to, ...extra }, { overrideAccess: true })

let siteCount = 0
async function newSite(): Promise<number | string> {
  siteCount += 1
  const doc = await payload.create({ collection: 'sites', data: { domain: `import-${siteCount}.test`, name: `Import ${siteCount}`, tenant } as never })
  return doc.id
}

async function zipOf(name: string, files: Record<string, string>): Promise<string> {
  const file = path.join(dir, name)
  await writeZip(file, files)
  return file
}

/** Own figures of a day, as the aggregation writes them. */
async function ownDay(siteId: number | string, day: string, figures: { page?: string; pageviews: number; visitors: number; visits: number }) {
  const base = { date: `${day}T00:00:00.000Z`, site: siteId, tenant }
  await payload.create({ collection: 'analytics-daily-stats', data: { ...base, dimension: 'total', key: '', pageviews: figures.pageviews, totalDuration: 120, visitors: figures.visitors, visits: figures.visits } as never })
  if (figures.page) {
    await payload.create({ collection: 'analytics-daily-stats', data: { ...base, dimension: 'page', key: figures.page, pageviews: figures.pageviews, visitors: figures.visitors, visits: figures.visits } as never })
  }
}

const importedRowCount = async (where: Record<string, unknown> = {}) => (await payload.count({ collection: IMPORTED as never, where: where as never })).totalDocs

beforeAll(async () => {
  payload = await bootPayload()
  dir = mkdtempSync(path.join(os.tmpdir(), 'imports-'))
  const { docs } = await payload.find({ collection: 'tenants', limit: 1 })
  tenant = docs[0]!.id
})

afterAll(async () => {
  await payload?.destroy()
  if (dir) rmSync(dir, { force: true, recursive: true })
})

describe('Plausible CSV import', () => {
  let siteId: number | string
  let result: Awaited<ReturnType<typeof importPlausibleCsv>>

  beforeAll(async () => {
    siteId = await newSite()
    result = await importPlausibleCsv(payload, { fileName: 'plausible.zip', filePath: await zipOf('plausible.zip', plausibleFiles()), siteId })
  })

  test('the run says what it imported', async () => {
    expect(result).toMatchObject({ daysWritten: 3, firstDay: D1, ignoredFiles: [], lastDay: D3 })
    expect(result.files.map((file) => [file.table, file.rows])).toEqual([
      ['imported_visitors', visitors.length],
      ['imported_sources', sources.length],
      ['imported_pages', pages.length],
      ['imported_entry_pages', entryPages.length],
      ['imported_exit_pages', exitPages.length],
      ['imported_custom_events', customEvents.length],
      ['imported_locations', locations.length],
      ['imported_devices', devices.length],
      ['imported_browsers', browsers.length],
      ['imported_operating_systems', operatingSystems.length],
    ])
    const run = await payload.findByID({ collection: IMPORTS as never, id: result.importId })
    expect(run).toMatchObject({ daysWritten: 3, fileName: 'plausible.zip', rowsWritten: result.rowsWritten, source: 'plausible-csv', status: 'done' })
  })

  test('totals and series are exactly the files’ figures, and say they are imported', async () => {
    const stats = await statsOf(siteId, D1, D3)
    const sum = (index: number) => visitors.reduce((total, row) => total + (row[index] as number), 0)
    expect(stats.totals).toMatchObject({ pageviews: sum(2), visitors: sum(1), visits: sum(4) })
    expect(stats.totals.bounceRate).toBeCloseTo(sum(3) / sum(4), 10)
    expect(stats.totals.avgVisitDuration).toBeCloseTo(sum(5) / sum(4), 10)
    // The day's time on page and scroll depth come from its pages.
    const engaged = pages.reduce((total, row) => total + row[8], 0)
    const engagedVisits = pages.reduce((total, row) => total + row[9], 0)
    expect(stats.totals.timeOnPage).toBeCloseTo(engaged / engagedVisits, 10)
    expect(stats.totals.scrollDepth).toBeCloseTo(pages.reduce((t, r) => t + r[6], 0) / pages.reduce((t, r) => t + r[7], 0), 10)
    expect(stats.series.map((point) => [point.date, point.visitors, point.pageviews])).toEqual(visitors.map((row) => [row[0], row[1], row[2]]))
    expect(stats.imported).toEqual({ from: D1, siteIds: [String(siteId)], to: D3 })
  })

  test('breakdowns hold every key as written, commas, quotes and unicode included', async () => {
    const stats = await statsOf(siteId, D1, D3)
    const rows = (name: keyof StatsResult['breakdowns']) => new Map((stats.breakdowns[name] ?? []).map((row) => [row.key, row]))

    const expectedSources = sumsBy(sources, (row) => (row[1] === 'Direct / None' ? '' : row[1]), { pageviews: (r) => r[8], visitors: (r) => r[9], visits: (r) => r[10] })
    expect(rows('sources').size).toBe(expectedSources.size)
    for (const [key, figures] of expectedSources) expect(rows('sources').get(key), key).toMatchObject(figures)
    expect(rows('sources').has(SOURCE_HN)).toBe(true)
    expect(rows('sources').has(SOURCE_UNICODE)).toBe(true)

    const expectedPages = sumsBy(pages, (row) => row[2], { pageviews: (r) => r[5], visitors: (r) => r[4], visits: (r) => r[3] })
    expect([...rows('pages').keys()].sort()).toEqual([PAGE_COMMA, PAGE_QUOTE, PAGE_UNICODE].sort())
    for (const [key, figures] of expectedPages) expect(rows('pages').get(key), key).toMatchObject(figures)
    expect(rows('pages').get(PAGE_UNICODE)!.timeOnPage).toBeCloseTo((120.5 + 600) / 14, 10)

    expect(rows('entryPages').get(PAGE_UNICODE)).toMatchObject({ visitors: 19, visits: 22 })
    expect(rows('exitPages').get(PAGE_QUOTE)).toMatchObject({ visitors: 4, visits: 5 })
    expect(rows('events').get('Signup')).toMatchObject({ events: 4, visitors: 3 })
    expect(rows('events').get('Click "Buy"')).toMatchObject({ events: 5, visitors: 3 })
    // Regions and cities add up to their country; an unknown country is no row.
    expect([...rows('countries').entries()].map(([key, row]) => [key, row.visitors, row.visits])).toEqual([
      ['DE', 8, 9],
      ['US', 2, 3],
    ])
    expect(rows('devices').get('desktop')).toMatchObject({ visitors: 7, visits: 8 })
    expect(rows('devices').get('mobile')).toMatchObject({ visitors: 3, visits: 4 })
    expect(rows('browsers').get('Chrome')).toMatchObject({ pageviews: 18, visitors: 7, visits: 8 })
    expect(rows('os').get('Windows')).toMatchObject({ visitors: 5 })
    expect(rows('utmSource').get('news,letter')).toMatchObject({ visitors: 6, visits: 6 })
    expect(rows('utmCampaign').get('spring "sale"')).toMatchObject({ visitors: 3 })
  })

  test('imports=false leaves imported days out', async () => {
    const stats = await statsOf(siteId, D1, D3, { imports: false })
    expect(stats.totals.visitors).toBe(0)
    expect(stats.breakdowns.pages).toEqual([])
    expect(stats.imported).toBeNull()
    const compare = await payload.analytics!.stats.compareStats({ from: D1, range: 'custom', siteIds: [String(siteId)], to: D3 }, { overrideAccess: true })
    expect(compare.imported).toEqual({ from: D1, siteIds: [String(siteId)], to: D3 })
    expect(compare.totals.visitors.current).toBe(33)
  })

  test('our export, imported into another site, gives the same stats', async () => {
    // Own figures after the imported days: the export holds both.
    const D5 = addDays(today, -50)
    await ownDay(siteId, D5, { page: PAGE_COMMA, pageviews: 9, visitors: 4, visits: 5 })
    await payload.analytics!.stats.invalidate([String(siteId)])
    const exported = await exportPlausibleZip(payload, { siteId })
    expect(exported).toMatchObject({ from: D1, to: D5 })
    const file = path.join(dir, exported.fileName)
    await pipeline(exported.stream, createWriteStream(file))

    const second = await newSite()
    const again = await importPlausibleCsv(payload, { filePath: file, siteId: second })
    expect(again.daysWritten).toBe(4)
    const [before, after] = await Promise.all([statsOf(siteId, D1, D5), statsOf(second, D1, D5)])
    expect(after.totals).toEqual(before.totals)
    expect(after.series).toEqual(before.series)
    // UTM breakdowns are not in the export (see plausibleExport.ts).
    const { utmCampaign: _c, utmSource: _s, ...withoutUtm } = before.breakdowns
    expect(after.breakdowns).toMatchObject(withoutUtm)
  })
})

describe('imported and own days never overlap', () => {
  test('an import fills only the days before the site’s own data; a second import of the same days adds nothing', async () => {
    const siteId = await newSite()
    await ownDay(siteId, D2, { pageviews: 3, visitors: 2, visits: 2 })
    const first = await importPlausibleCsv(payload, { filePath: await zipOf('overlap.zip', plausibleFiles()), siteId })
    expect(first.daysWritten).toBe(1)
    expect(first.skipped).toEqual({ ownData: { days: 2, first: D2, last: D3 } })
    // No row of the skipped days, of any breakdown.
    expect(await importedRowCount({ and: [{ importId: { equals: String(first.importId) } }, { date: { greater_than_equal: `${D2}T00:00:00.000Z` } }] })).toBe(0)
    const stats = await statsOf(siteId, D1, D3)
    expect(stats.series.map((point) => point.visitors)).toEqual([visitors[0][1], 2, 0])

    const second = await importPlausibleCsv(payload, { filePath: await zipOf('overlap.zip', plausibleFiles()), siteId })
    expect(second.daysWritten).toBe(0)
    expect(second.skipped).toEqual({ otherImport: { days: 1, first: D1, last: D1 }, ownData: { days: 2, first: D2, last: D3 } })
    expect((await statsOf(siteId, D1, D3)).totals.visitors).toBe(visitors[0][1] + 2)
  })

  test('the storage API: fill missingDays writes around own days, never on them', async () => {
    const siteId = await newSite()
    await ownDay(siteId, D2, { pageviews: 3, visitors: 2, visits: 2 })
    const run = await payload.create({ collection: IMPORTS as never, data: { site: siteId, source: 'matomo', status: 'running' } as never })
    const days = [D1, D2, D3].map((date) => ({ date, pages: [{ key: '/x', pageviews: 2, visitors: 1, visits: 1 }], totals: { pageviews: 2, visitors: 1, visits: 1 } }))
    const written = await writeImportedDays(payload, { days, fill: 'missingDays', importId: run.id, siteId })
    expect(written.daysWritten).toEqual([D1, D3])
    expect(written.skipped).toEqual([{ day: D2, reason: 'ownData' }])
    // Written again (a resumed run): replaced, not added.
    await writeImportedDays(payload, { days, fill: 'missingDays', importId: run.id, siteId })
    expect((await statsOf(siteId, D1, D3)).series.map((point) => point.visitors)).toEqual([1, 2, 1])
    await expect(writeImportedDays(payload, { days: [{ date: D1, totals: { visitors: -1 } }], importId: run.id, siteId })).rejects.toThrow(ImportDataError)
  })
})

describe('deleting an import', () => {
  test('removes its rows only', async () => {
    const siteId = await newSite()
    const D0 = addDays(today, -80)
    const older = { [`imported_visitors_${range(D0, D0)}.csv`]: csvText(['date', 'visitors', 'pageviews', 'bounces', 'visits', 'visit_duration'], [[D0, 50, 60, 1, 55, 10]]) }
    const kept = await importPlausibleCsv(payload, { filePath: await zipOf('kept.zip', plausibleFiles()), siteId })
    const gone = await importPlausibleCsv(payload, { filePath: await zipOf('gone.zip', older), siteId })
    await ownDay(siteId, addDays(today, -40), { pageviews: 1, visitors: 1, visits: 1 })
    const keptRows = await importedRowCount({ importId: { equals: String(kept.importId) } })
    const before = await statsOf(siteId, D1, D3)
    expect((await statsOf(siteId, D0, D0)).totals.visitors).toBe(50)

    await payload.delete({ collection: IMPORTS as never, id: gone.importId })
    expect(await importedRowCount({ importId: { equals: String(gone.importId) } })).toBe(0)
    expect(await importedRowCount({ importId: { equals: String(kept.importId) } })).toBe(keptRows)
    expect((await statsOf(siteId, D0, D0)).totals.visitors).toBe(0)
    expect(await statsOf(siteId, D1, D3)).toEqual(before)
    expect((await statsOf(siteId, addDays(today, -40), addDays(today, -40))).totals.visitors).toBe(1)
  })
})

describe('bad input stores nothing', () => {
  const attempts: Array<[string, () => Promise<string>, RegExp]> = [
    [
      'not a ZIP',
      async () => {
        const file = path.join(dir, 'not.zip')
        writeFileSync(file, 'date,visitors\n2024-01-01,1\n')
        return file
      },
      /not a readable ZIP/,
    ],
    ['no imported_visitors', () => zipOf('novisitors.zip', { 'imported_pages_x.csv': plausibleFiles()[`imported_pages_${range(D1, D3)}.csv`]! }), /no imported_visitors/],
    ['a missing column', () => zipOf('nocolumn.zip', { ...plausibleFiles(), 'imported_pages_y.csv': 'date,page\r\n2024-01-01,/x\r\n' }), /missing columns? visitors/],
    [
      'a bad number in a later file',
      () => zipOf('badnumber.zip', { ...plausibleFiles(), 'imported_pages_z.csv': csvText(['date', 'page', 'visitors', 'pageviews'], [[D1, '/ok', 1, 1], [D1, '/bad', 'lots', 1]]) }),
      /imported_pages_z\.csv, record 2: visitors: not a number/,
    ],
    ['a bad day', () => zipOf('badday.zip', { 'imported_visitors_q.csv': 'date,visitors,pageviews,visits\r\n2024-02-30,1,1,1\r\n' }), /not a day/],
    ['a broken CSV', () => zipOf('badcsv.zip', { 'imported_visitors_q.csv': `date,visitors,pageviews,visits\r\n${D1},1,1\r\n` }), /not valid CSV|not a CSV/],
  ]
  for (const [name, make, message] of attempts) {
    test(name, async () => {
      const siteId = await newSite()
      const [runs, rows] = [(await payload.count({ collection: IMPORTS as never })).totalDocs, await importedRowCount()]
      const error = await importPlausibleCsv(payload, { filePath: await make(), siteId }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ImportDataError)
      expect((error as Error).message).toMatch(message)
      expect((await payload.count({ collection: IMPORTS as never })).totalDocs).toBe(runs)
      expect(await importedRowCount()).toBe(rows)
    })
  }
})
