import { parse } from 'csv-parse/sync'
import { describe, expect, test } from 'vitest'

import type { Counters } from '../../src/core/statsMath.js'

import { csvCell, csvLine, exportCsvLine, exportHeaderLine } from '../../src/core/csv.js'
import { parseCompareParams, parseExportParams, parseRealtimeParams, parseStatsParams } from '../../src/core/statsQuerySchema.js'
import {
  alignSeries,
  breakdownRow,
  bucketStarts,
  buildSeries,
  compareTotals,
  conversionsOf,
  totalsOf,
  zeroCounters,
} from '../../src/core/statsMath.js'
import { previousRange, resolveRange, StatsInputError } from '../../src/core/statsRange.js'

const NOW = new Date('2026-11-22T15:30:00.000Z')
const params = (query: string) => new URLSearchParams(query)
const counters = (values: Partial<Counters>): Counters => ({ ...zeroCounters(), ...values })

describe('resolveRange', () => {
  test('named ranges end today (UTC) and are inclusive', () => {
    expect(resolveRange({ range: 'today' }, NOW, 365)).toEqual({ from: '2026-11-22', name: 'today', to: '2026-11-22' })
    expect(resolveRange({ range: '7d' }, NOW, 365)).toEqual({ from: '2026-11-16', name: '7d', to: '2026-11-22' })
    expect(resolveRange({ range: '30d' }, NOW, 365)).toEqual({ from: '2026-10-24', name: '30d', to: '2026-11-22' })
    expect(resolveRange({ range: 'month' }, NOW, 365)).toEqual({ from: '2026-11-01', name: 'month', to: '2026-11-22' })
    expect(resolveRange({ range: 'year' }, NOW, 365)).toEqual({ from: '2026-01-01', name: 'year', to: '2026-11-22' })
    expect(resolveRange({}, NOW, 365).name).toBe('30d')
  })

  test('from/to mean a custom range, checked', () => {
    expect(resolveRange({ from: '2026-11-01', to: '2026-11-03' }, NOW, 365)).toEqual({ from: '2026-11-01', name: 'custom', to: '2026-11-03' })
    const bad = (request: Parameters<typeof resolveRange>[0], message: RegExp) =>
      expect(() => resolveRange(request, NOW, 365)).toThrow(message)
    bad({ from: '2026-11-05', to: '2026-11-01' }, /after/)
    bad({ from: '2026-02-30', to: '2026-03-01' }, /not a day/)
    bad({ range: 'custom', from: '2026-11-01' }, /both required/)
    bad({ from: '2025-11-01', to: '2025-11-02' }, /older than the stats retention of 365 days \(the first day kept is 2025-11-23\)/)
    bad({ from: '2026-11-20', to: '2026-11-25' }, /in the future/)
    bad({ range: '7d', from: '2026-11-01' }, /range=custom/)
    // Exactly the retention is fine; a shorter retention moves the bound.
    expect(resolveRange({ from: '2025-11-23', to: '2025-11-23' }, NOW, 365).from).toBe('2025-11-23')
    expect(() => resolveRange({ range: '30d' }, NOW, 10)).toThrow(StatsInputError)
  })

  test('the previous range has the same length and ends the day before', () => {
    expect(previousRange({ from: '2026-11-01', name: 'month', to: '2026-11-22' })).toEqual({ from: '2026-10-10', name: 'custom', to: '2026-10-31' })
    expect(previousRange({ from: '2026-03-01', name: 'custom', to: '2026-03-01' })).toEqual({ from: '2026-02-28', name: 'custom', to: '2026-02-28' })
  })
})

describe('query parameters', () => {
  test('repeated and comma-separated lists, defaults left out', () => {
    expect(parseStatsParams(params('siteId=1&siteId=2,3&breakdown=pages,sources&breakdown=pages&limit=5&interval=week&range=7d'))).toEqual({
      breakdowns: ['pages', 'sources'],
      interval: 'week',
      limit: 5,
      range: '7d',
      siteIds: ['1', '2', '3'],
    })
    expect(parseStatsParams(params(''))).toEqual({})
    expect(parseStatsParams(params('siteId=all'))).toEqual({})
    expect(parseCompareParams(params('from=2026-11-01&to=2026-11-07&compareFrom=2026-10-01&compareTo=2026-10-07'))).toEqual({
      compareFrom: '2026-10-01',
      compareTo: '2026-10-07',
      from: '2026-11-01',
      to: '2026-11-07',
    })
    expect(parseRealtimeParams(params('siteId=4&limit=3'))).toEqual({ limit: 3, siteIds: ['4'] })
    expect(parseExportParams(params('siteId=all&range=year'))).toEqual({ format: 'csv', range: 'year' })
  })

  test('bad parameters are refused with a message naming them', () => {
    const bad = (parse: (p: URLSearchParams) => unknown, query: string, message: RegExp) =>
      expect(() => parse(params(query))).toThrow(message)
    bad(parseStatsParams, 'breakdown=pages,referrers', /breakdown: one of pages/)
    bad(parseStatsParams, 'limit=0', /limit: at least 1/)
    bad(parseStatsParams, 'limit=1001', /limit: at most 1000/)
    bad(parseStatsParams, 'limit=ten', /limit: a whole number/)
    bad(parseStatsParams, 'from=yesterday&to=2026-11-01', /from: not a day/)
    bad(parseStatsParams, 'interval=minute', /interval: one of hour, day, week, month/)
    bad(parseStatsParams, 'range=forever', /range: one of today/)
    bad(parseStatsParams, 'range=7d&range=30d', /range: give it once/)
    bad(parseStatsParams, 'siteId=1;DROP', /siteId: not a site id/)
    bad(parseStatsParams, 'sort=visitors', /unknown parameter sort/)
    bad(parseStatsParams, 'compareFrom=2026-01-01', /unknown parameter compareFrom/)
    bad(parseCompareParams, 'breakdown=pages', /unknown parameter breakdown/)
    bad(parseExportParams, 'format=xlsx', /format: one of csv, json/)
  })
})

describe('totals and series', () => {
  test('ratios, and 0 rather than NaN without a denominator', () => {
    const totals = totalsOf(counters({ bounces: 3, conversions: 2, pageviews: 25, totalDuration: 600, visitors: 8, visits: 10 }))
    expect(totals).toMatchObject({ avgVisitDuration: 60, bounceRate: 0.3, conversionRate: 0.25, viewsPerVisit: 2.5 })
    expect(totalsOf(zeroCounters())).toMatchObject({ avgVisitDuration: 0, bounceRate: 0, conversionRate: 0, viewsPerVisit: 0 })
  })

  test('conversions: built-in types from the totals, custom ones from the event dimension, ai.usage from what is left', () => {
    const day = {
      customEvents: new Map([
        ['signup', 4],
        ['video.play', 7],
      ]),
      total: { ...zeroCounters(), automationRuns: 1, events: 40, exports: 2, forms: 3, leads: 5, pageviews: 15 },
    }
    expect(conversionsOf(day, ['lead.created', 'form.submit'])).toBe(8)
    expect(conversionsOf(day, ['signup', 'form.submit', 'signup'])).toBe(7)
    expect(conversionsOf(day, ['pageview', 'export.completed', 'automation.run'])).toBe(18)
    // 40 events − 15 pageviews − 11 counted built-ins − 11 custom = 3 ai.usage events.
    expect(conversionsOf(day, ['ai.usage'])).toBe(3)
    expect(conversionsOf(day, ['unknown.event'])).toBe(0)
  })

  test('week and month buckets start on Monday / the 1st, the first one at the range start', () => {
    expect(bucketStarts('2026-11-04', '2026-11-20', 'week')).toEqual(['2026-11-04', '2026-11-09', '2026-11-16'])
    expect(bucketStarts('2026-01-15', '2026-03-02', 'month')).toEqual(['2026-01-15', '2026-02-01', '2026-03-01'])
    expect(bucketStarts('2026-12-30', '2027-01-01', 'day')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01'])
  })

  test('series are zero-filled and summed per bucket with their own ratios', () => {
    const byDay = new Map([
      ['2026-11-03', counters({ pageviews: 4, visits: 2, visitors: 2 })],
      ['2026-11-05', counters({ bounces: 1, pageviews: 2, visits: 2, visitors: 1 })],
      ['2026-11-10', counters({ pageviews: 1, visits: 1, visitors: 1 })],
      ['2026-10-30', counters({ pageviews: 99 })], // outside the range
    ])
    const daily = buildSeries(byDay, '2026-11-02', '2026-11-06', 'day')
    expect(daily.map((point) => [point.date, point.pageviews])).toEqual([
      ['2026-11-02', 0],
      ['2026-11-03', 4],
      ['2026-11-04', 0],
      ['2026-11-05', 2],
      ['2026-11-06', 0],
    ])
    const weekly = buildSeries(byDay, '2026-11-02', '2026-11-10', 'week')
    expect(weekly.map((point) => [point.date, point.pageviews, point.visits, point.bounceRate, point.viewsPerVisit])).toEqual([
      ['2026-11-02', 6, 4, 0.25, 1.5],
      ['2026-11-09', 1, 1, 0, 1],
    ])
  })

  test('compare: changes and relative changes, null against zero; series aligned and padded', () => {
    const changes = compareTotals(totalsOf(counters({ pageviews: 30, visitors: 0 })), totalsOf(counters({ pageviews: 20, visitors: 0 })))
    expect(changes.pageviews).toEqual({ change: 10, current: 30, previous: 20, relativeChange: 0.5 })
    expect(changes.visitors).toEqual({ change: 0, current: 0, previous: 0, relativeChange: null })
    const current = buildSeries(new Map(), '2026-11-01', '2026-11-22', 'week')
    const previous = buildSeries(new Map(), '2026-10-10', '2026-10-31', 'week')
    const aligned = alignSeries(current, previous, 'week')
    expect(aligned).toHaveLength(Math.max(current.length, previous.length))
    expect(aligned.map((pair) => [pair.current.date, pair.previous.date])).toEqual([
      ['2026-11-01', '2026-10-10'],
      ['2026-11-02', '2026-10-12'],
      ['2026-11-09', '2026-10-19'],
      ['2026-11-16', '2026-10-26'],
    ])
  })
})

describe('engagement figures', () => {
  const page = { engagedMs: 0, engagedVisits: 0, events: 0, key: '/a', pageviews: 9, scrollDepthSum: 0, scrollVisits: 0, visitors: 5, visits: 6 }

  test('a page row divides the sums: seconds per engaged visit, percent per visit with a depth; null without any', () => {
    expect(breakdownRow('page', { ...page, engagedMs: 95_500, engagedVisits: 2, scrollDepthSum: 150, scrollVisits: 3 })).toEqual({
      events: 0, key: '/a', pageviews: 9, scrollDepth: 50, timeOnPage: 47.75, visitors: 5, visits: 6,
    })
    expect(breakdownRow('page', page)).toMatchObject({ scrollDepth: null, timeOnPage: null })
    // Other dimensions carry neither.
    expect(breakdownRow('source', { ...page, engagedMs: 1000, engagedVisits: 1 })).toEqual({ events: 0, key: '/a', pageviews: 9, visitors: 5, visits: 6 })
  })

  test('totals: 0 rather than undefined without engagement, like every ratio', () => {
    expect(totalsOf({ ...zeroCounters(), engagedMs: 12_000, engagedVisits: 4, scrollDepthSum: 240, scrollVisits: 3 })).toMatchObject({ scrollDepth: 80, timeOnPage: 3 })
    expect(totalsOf(zeroCounters())).toMatchObject({ scrollDepth: 0, timeOnPage: 0 })
  })
})

describe('CSV', () => {
  test('RFC 4180 quoting and the formula guard', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(csvCell('=1+1')).toBe("'=1+1")
    expect(csvCell('-2')).toBe("'-2")
    expect(csvCell('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`)
    expect(csvCell(-2)).toBe('-2')
    expect(csvCell(null)).toBe('')
    expect(csvLine(['a', 1, null])).toBe('a,1,\r\n')
  })

  test('guards a formula sign after leading white space, and the full-width signs', () => {
    expect(csvCell(' =1+2')).toBe("' =1+2")
    expect(csvCell('\n=1+2')).toBe(`"'\n=1+2"`)
    expect(csvCell('\t@SUM(A1)')).toBe(`"'\t@SUM(A1)"`)
    expect(csvCell('\u00a0\u3000+cmd')).toBe("'\u00a0\u3000+cmd")
    for (const sign of ['＝', '＋', '－', '＠']) expect(csvCell(`${sign}1+2`)).toBe(`'${sign}1+2`)
    expect(csvCell('\r')).toBe(`"'\r"`)
    // Signs later in the text are harmless; a plain word is left alone.
    expect(csvCell('a=1')).toBe('a=1')
    expect(csvCell('   ')).toBe('   ')
  })

  test('quotes semicolons, so a `;`-separator spreadsheet never splits a cell into a formula', () => {
    expect(csvCell('x;=1+2;')).toBe('"x;=1+2;"')
    const line = csvLine(['x;=1+2;', 'a;b', 3])
    expect(line).toBe('"x;=1+2;","a;b",3\r\n')
    // Read as Excel reads it in a German locale: `;` separates, quoted fields stay whole.
    const asSemicolon = parse(line, { delimiter: ';', relax_quotes: true }) as string[][]
    for (const cell of asSemicolon.flat()) expect(cell.trimStart()).not.toMatch(/^[=+\-@]/)
    // And as RFC 4180 reads it: every field back intact.
    expect(parse(line) as string[][]).toEqual([['x;=1+2;', 'a;b', '3']])
  })

  test('a CSV library reads every field back intact', () => {
    const nasty = ['comma, inside', 'quote " inside', 'new\nline', 'crlf\r\nline', '=SUM(A1:A9)', '+cmd', '-1+1', '@import', 'plain', '', 'semi;colon', ' =1', '＝1']
    const text = nasty.map((value) => csvLine([value, 42])).join('')
    const records = parse(text, { relax_column_count: false }) as string[][]
    expect(records.map((record) => record[1])).toEqual(nasty.map(() => '42'))
    // Formula-like cells come back with their guard, everything else verbatim.
    expect(records.map((record) => record[0])).toEqual(nasty.map((value) => (/^\s*[=+\-@＝]/.test(value) ? `'${value}` : value)))
  })

  test('export rows: Plausible-style rounding, one line per site', () => {
    const row = {
      avgVisitDuration: 61.6,
      bounceRate: 0.4249,
      domain: 'shop.acme.test',
      pageviews: 120,
      period: '2026-11-01..2026-11-22',
      scrollDepth: 47.6,
      siteId: 7,
      timeOnPage: 33.4,
      importedDays: '2025-01-01..2025-03-31',
      timeZone: 'America/New_York',
      viewsPerVisit: 2.345,
      visitors: 40,
      visits: 50,
    }
    expect(exportHeaderLine()).toBe('site,period,visitors,visits,pageviews,bounce_rate,visit_duration,views_per_visit,time_on_page,scroll_depth,site_id,time_zone,imported_days\r\n')
    expect(exportCsvLine(row)).toBe('shop.acme.test,2026-11-01..2026-11-22,40,50,120,42,62,2.35,33,48,7,America/New_York,2025-01-01..2025-03-31\r\n')
  })
})
