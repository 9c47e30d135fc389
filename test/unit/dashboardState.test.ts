import { describe, expect, test } from 'vitest'

import { BREAKDOWN_LISTS, columnCell, describeChange, formatValue, KPIS, RATIO_BASES, seriesValue } from '../../admin/Dashboard/metrics.js'
import { dashboardSearch, parseDashboardState, statsRange } from '../../admin/Dashboard/state.js'

describe('dashboard URL state', () => {
  test('defaults to the last 30 days of every site', () => {
    expect(parseDashboardState({})).toEqual({ range: '30d' })
    expect(dashboardSearch({ range: '30d' })).toBe('')
  })

  test('a bookmarked URL opens the same view it was copied from', () => {
    for (const state of [
      { range: '7d' as const, site: '12' },
      { from: '2026-01-01', range: 'custom' as const, to: '2026-03-31' },
      { range: 'year' as const, table: true },
      { range: 'today' as const, site: 'c2f0a1-b' },
    ]) {
      const params = Object.fromEntries(new URLSearchParams(dashboardSearch(state)))
      expect(parseDashboardState(params)).toEqual(state)
    }
  })

  test('hand-edited nonsense falls back to defaults instead of failing the page', () => {
    expect(parseDashboardState({ range: 'forever' })).toEqual({ range: '30d' })
    expect(parseDashboardState({ from: '2026-02-30x', range: 'custom', to: '2026-03-01' })).toEqual({ range: '30d' })
    expect(parseDashboardState({ range: 'custom', to: '2026-03-01' })).toEqual({ range: '30d' })
    expect(parseDashboardState({ site: '1; drop table' })).toEqual({ range: '30d' })
    expect(parseDashboardState({ range: ['7d', 'today'] })).toEqual({ range: '7d' })
  })

  test('reversed custom days are swapped, and the stats query carries only what the range needs', () => {
    const state = parseDashboardState({ from: '2026-05-10', range: 'custom', to: '2026-05-01' })
    expect(state).toEqual({ from: '2026-05-01', range: 'custom', to: '2026-05-10' })
    expect(statsRange(state)).toEqual({ from: '2026-05-01', range: 'custom', to: '2026-05-10' })
    expect(statsRange({ from: '2026-05-01', range: 'month', to: '2026-05-10' })).toEqual({ range: 'month' })
  })
})

describe('KPI values and changes', () => {
  test('formats counts, rates, decimals and durations as a reader expects', () => {
    expect(formatValue(1234567, 'count')).toBe('1,234,567')
    expect(formatValue(0.4211, 'percent')).toBe('42.1%')
    expect(formatValue(2.345, 'decimal')).toBe('2.35')
    expect(formatValue(42, 'duration')).toBe('42s')
    expect(formatValue(95, 'duration')).toBe('1m 35s')
    expect(formatValue(7260, 'duration')).toBe('2h 1m')
    expect(formatValue(Number.NaN, 'count')).toBe('–')
  })

  const kpi = (key: string) => KPIS.find((candidate) => candidate.key === key)!
  const total = (previous: number, current: number) => ({
    change: current - previous,
    current,
    previous,
    relativeChange: previous === 0 ? null : (current - previous) / previous,
  })

  test('a change is good or bad by what the metric means: fewer bounces is good news', () => {
    const [visitors, bounce] = [kpi('visitors'), kpi('bounceRate')]
    const visits = total(100, 120)
    expect(describeChange(visitors, total(100, 150))).toMatchObject({ text: '↑ 50%', tone: 'good' })
    expect(describeChange(visitors, total(100, 75))).toMatchObject({ text: '↓ 25%', tone: 'bad' })
    expect(describeChange(bounce, total(0.5, 0.45), visits)).toMatchObject({ text: '↓ 5.0 pts', tone: 'good' })
    expect(describeChange(bounce, total(0.4, 0.5), visits)).toMatchObject({ tone: 'bad' })
    expect(describeChange(visitors, total(3, 3))).toMatchObject({ text: '±0', tone: 'neutral' })
    expect(describeChange(visitors, total(100, 150)).label).toBe('up 50% against the previous period (100)')
    // A count that fell to nothing did fall.
    expect(describeChange(visitors, total(40, 0))).toMatchObject({ text: '↓ 100%', tone: 'bad' })
  })

  test('a previous period that could not be read (filters past raw events) reads "—", never a change', () => {
    const unavailable = { change: null, current: 12, previous: null, relativeChange: null }
    expect(describeChange(kpi('visitors'), unavailable)).toEqual({ label: 'the previous period is not available', text: '—', tone: 'neutral' })
    expect(describeChange(kpi('bounceRate'), { ...unavailable, current: 0.4 }, unavailable)).toMatchObject({ text: '—' })
  })

  test('a previous period without data reads "new" on every KPI, never a rise against a ratio that was not measured', () => {
    // The previous period had no visits: its bounce rate, views per visit, durations and
    // conversion rate are the API's 0 over nothing, not values to compare with.
    const previous = { aiTokens: 0, avgVisitDuration: 0, bounceRate: 0, conversionRate: 0, leads: 0, pageviews: 0, viewsPerVisit: 0, visitors: 0, visits: 0 }
    const current = { aiTokens: 900, avgVisitDuration: 42, bounceRate: 0.6, conversionRate: 0.1, leads: 2, pageviews: 30, viewsPerVisit: 1.5, visitors: 19, visits: 20 }
    const totals = Object.fromEntries(KPIS.map(({ key }) => [key, total(previous[key as keyof typeof previous], current[key as keyof typeof current])]))
    for (const card of KPIS) {
      const base = RATIO_BASES[card.key]
      const described = describeChange(card, totals[card.key]!, base && totals[base])
      expect({ [card.key]: described }).toEqual({ [card.key]: { label: 'no data in the previous period', text: 'new', tone: 'neutral' } })
    }
    // Nothing in either period: no change at all.
    expect(describeChange(kpi('bounceRate'), total(0, 0), total(0, 0))).toMatchObject({ text: '±0', tone: 'neutral' })
    // Visits before, none now: the bounce rate has no value now (not a fall of 60 points).
    expect(describeChange(kpi('bounceRate'), total(0.6, 0), total(12, 0))).toEqual({ label: 'no data in this period', text: 'no data', tone: 'neutral' })
    // A real 0% bounce rate over real visits is a change.
    expect(describeChange(kpi('bounceRate'), total(0.6, 0), total(12, 10))).toMatchObject({ text: '↓ 60.0 pts', tone: 'good' })
  })
})

describe('ranked lists', () => {
  test('Entry pages label their counts for what they count, unlike Top pages', () => {
    const list = (breakdown: string) => BREAKDOWN_LISTS.find((candidate) => candidate.breakdown === breakdown)!
    expect(list('pages').columns.map((column) => column.label)).toEqual(['Visitors', 'Pageviews', 'Time on page', 'Scroll depth'])
    const entry = list('entryPages').columns
    expect(entry.map((column) => column.label)).toEqual(['Visitors', 'Visits', 'Views in visits'])
    expect(entry.every((column) => column.label !== 'Pageviews')).toBe(true)
    expect(entry.find((column) => column.field === 'pageviews')!.description).toMatch(/visits that began on this page/)
  })

  test('custom events are listed with their count (ranked by it) and visitors', () => {
    const events = BREAKDOWN_LISTS.find((candidate) => candidate.breakdown === 'events')!
    expect(events.title).toBe('Custom events')
    expect(events.columns.map((column) => [column.field, column.label])).toEqual([
      ['events', 'Count'],
      ['visitors', 'Visitors'],
    ])
  })
})

describe('ranked list cells', () => {
  test('a count absent reads 0; a time on page or scroll depth nobody reported reads a dash, not 0', () => {
    expect(columnCell(undefined)).toBe('0')
    expect(columnCell(null, 'duration')).toBe('–')
    expect(columnCell(undefined, 'percent')).toBe('–')
    expect(columnCell(75, 'duration')).toBe('1m 15s')
    expect(columnCell(50, 'percent')).toMatch(/^50(\.0)?\s?%$/)
  })
})

describe('chart series', () => {
  test('a day without visits is 0 visitors but no conversion rate or bounce rate (a gap, not a drop to 0)', () => {
    const day = { aiTokens: 0, automationRuns: 0, avgVisitDuration: 0, bounceRate: 0, conversionRate: 0, conversions: 0, exports: 0, forms: 0, leads: 0, pageviews: 0, scrollDepth: 0, timeOnPage: 0, viewsPerVisit: 0, visitors: 0, visits: 0 }
    const empty = { ...day, date: '2026-05-01' }
    expect(seriesValue(empty, 'visitors')).toBe(0)
    expect(seriesValue(empty, 'pageviews')).toBe(0)
    expect(seriesValue(empty, 'conversionRate')).toBeNull()
    expect(seriesValue(empty, 'bounceRate')).toBeNull()
    const visited = { ...empty, bounceRate: 0, conversionRate: 0, visitors: 4, visits: 5 }
    expect(seriesValue(visited, 'conversionRate')).toBe(0)
    expect(seriesValue(visited, 'bounceRate')).toBe(0)
  })
})
