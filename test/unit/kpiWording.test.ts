import { describe, expect, test } from 'vitest'

import { cardNotes, kpiNotes } from '../../admin/Dashboard/kpiWording.js'
import { computeKpis, linearTrend, movingAverage, projectMonth } from '../../src/core/kpis.js'

const metric = (values: number[], monthDays: number[] = []) => ({
  growth: { change: 0, current: 0, previous: 0, relativeChange: null },
  movingAverage: movingAverage(values),
  projection: projectMonth('2026-05', monthDays, 31),
  trend: linearTrend(values),
})

describe('KPI notes under a dashboard card', () => {
  test('a week rising by 1 a day: trend +1/day, 7-day average 4, May projected from its complete days with the interval', () => {
    const notes = kpiNotes(metric([1, 2, 3, 4, 5, 6, 7], [10, 12]))
    expect(notes.map((note) => [note.kind, note.text])).toEqual([
      ['trend', 'Trend +1/day'],
      ['average', '7-day avg 4'],
      // 22 + 29 × 11 = 341; s² = 2, k = 29, n = 2: 1.96 · √(2 · (29 + 29²/2)) = 1.96 · √899 ≈ 58.8.
      ['projection', 'May ≈ 341 (282–400)'],
    ])
    expect(notes[0]!.label).toContain('fit r² 1.00')
  })
  test('falling and short ranges: a minus sign; no 7-day average under 7 days; no projection before two complete days', () => {
    expect(kpiNotes(metric([9, 7, 5])).map((note) => note.text)).toEqual(['Trend −2/day'])
    expect(kpiNotes(metric([4]))).toEqual([])
  })
  test('only the KPI metrics’ cards get notes', () => {
    const kpis = computeKpis({
      current: { conversions: [0, 0], pageviews: [3, 5], visitors: [1, 2], visits: [1, 2] },
      dates: ['2026-05-01', '2026-05-02'],
      month: { days: { conversions: [], pageviews: [], visitors: [], visits: [] }, month: '2026-05' },
      previousRange: { from: '2026-04-29', to: '2026-04-30' },
      previousTotals: { conversions: 0, pageviews: 0, visitors: 0, visits: 0 },
    })
    expect(cardNotes(kpis, 'pageviews').map((note) => note.text)).toEqual(['Trend +2/day'])
    expect(cardNotes(kpis, 'bounceRate')).toEqual([])
    expect(cardNotes(undefined, 'visitors')).toEqual([])
  })
})
