import { describe, expect, test } from 'vitest'

import { computeKpis, daysInMonth, linearTrend, movingAverage, projectMonth } from '../../src/core/kpis.js'
import { parseStatsParams } from '../../src/core/statsQuerySchema.js'

describe('linearTrend', () => {
  test('a straight line: its slope, intercept, and a perfect fit', () => {
    expect(linearTrend([1, 2, 3, 4, 5])).toEqual({ intercept: 1, r2: 1, slopePerDay: 1 })
    expect(linearTrend([10, 8, 6])).toEqual({ intercept: 10, r2: 1, slopePerDay: -2 })
  })

  test('a noisy series (by hand: sxy 9, sxx 10, syy 10 → slope 0.9, intercept 2.2, r² 0.81)', () => {
    const trend = linearTrend([2, 4, 3, 5, 6])
    expect(trend.slopePerDay).toBeCloseTo(0.9, 12)
    expect(trend.intercept).toBeCloseTo(2.2, 12)
    expect(trend.r2).toBeCloseTo(0.81, 12)
  })

  test('a flat series has no fit to measure; one day has no slope', () => {
    expect(linearTrend([4, 4, 4])).toEqual({ intercept: 4, r2: null, slopePerDay: 0 })
    expect(linearTrend([7])).toEqual({ intercept: 7, r2: null, slopePerDay: 0 })
    expect(linearTrend([])).toEqual({ intercept: 0, r2: null, slopePerDay: 0 })
  })
})

describe('movingAverage', () => {
  test('7-day trailing mean, null until a whole week is there', () => {
    expect(movingAverage([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([null, null, null, null, null, null, 4, 5, 6, 7])
    expect(movingAverage([3, 0, 3, 0], 2)).toEqual([null, 1.5, 1.5, 1.5])
  })

  test('a bad window is refused', () => {
    expect(() => movingAverage([1], 0)).toThrow(/window/)
  })
})

describe('projectMonth', () => {
  test('mean of the complete days for the rest, with a 95 % interval (by hand)', () => {
    // n = 3, mean 20, s² = 100, k = 27: expected 60 + 27·20 = 600; margin 1.959964·√(100·(27 + 27²/3)) = 1.959964·√27000 ≈ 322.055.
    const projection = projectMonth('2026-11', [10, 20, 30], 30)!
    expect(projection).toMatchObject({ completeDays: 3, daysInMonth: 30, expected: 600, month: '2026-11', soFar: 60 })
    expect(projection.high).toBeCloseTo(600 + 322.055, 2)
    expect(projection.low).toBeCloseTo(600 - 322.055, 2)
  })

  test('the lower bound never falls below what the month already has', () => {
    const projection = projectMonth('2026-11', [0, 100], 30)!
    expect(projection.expected).toBe(100 + 28 * 50)
    expect(projection.low).toBe(100)
  })

  test('a steady month projects exactly; fewer than two days project nothing', () => {
    expect(projectMonth('2026-02', [5, 5, 5, 5], 28)).toEqual({ completeDays: 4, daysInMonth: 28, expected: 140, high: 140, low: 140, month: '2026-02', soFar: 20 })
    expect(projectMonth('2026-11', [5], 30)).toBeNull()
  })

  test('daysInMonth knows leap years', () => {
    expect([daysInMonth('2024-02'), daysInMonth('2026-02'), daysInMonth('2026-12'), daysInMonth('2026-04')]).toEqual([29, 28, 31, 30])
  })
})

describe('computeKpis', () => {
  test('growth against the previous total, per metric', () => {
    const zeros = { conversions: [0, 0], pageviews: [0, 0], visitors: [0, 0], visits: [0, 0] }
    const kpis = computeKpis({
      current: { ...zeros, pageviews: [20, 30], visitors: [5, 10] },
      dates: ['2026-11-20', '2026-11-21'],
      month: { days: { ...zeros, visitors: [4, 6] }, month: '2026-11' },
      previousRange: { from: '2026-11-18', to: '2026-11-19' },
      previousTotals: { conversions: 0, pageviews: 40, visitors: 10, visits: 0 },
    })
    expect(kpis.metrics.visitors.growth).toEqual({ change: 5, current: 15, previous: 10, relativeChange: 0.5 })
    expect(kpis.metrics.pageviews.growth.relativeChange).toBe(0.25)
    expect(kpis.metrics.conversions.growth.relativeChange).toBeNull()
    expect(kpis.metrics.visitors.trend.slopePerDay).toBe(5)
    expect(kpis.metrics.visitors.projection?.expected).toBe(10 + 28 * 5)
    expect(kpis.metrics.visitors.movingAverage).toEqual([null, null])
  })
})

describe('kpis parameter', () => {
  test('true / false, anything else a clear error', () => {
    expect(parseStatsParams(new URLSearchParams('kpis=true')).kpis).toBe(true)
    expect(parseStatsParams(new URLSearchParams('kpis=false')).kpis).toBe(false)
    expect(parseStatsParams(new URLSearchParams('range=7d')).kpis).toBeUndefined()
    expect(() => parseStatsParams(new URLSearchParams('kpis=yes'))).toThrow(/kpis: one of true, false/)
  })
})
