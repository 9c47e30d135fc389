import { describe, expect, test } from 'vitest'

import { SMALL_CHART_TICKS, tickInterval, WIDE_CHART_TICKS } from '../../admin/Dashboard/chartTicks.js'

/** The periods recharts labels for a numeric `interval`: the first, then every (interval + 1)-th. */
const labelled = (periods: number, interval: number) => Array.from({ length: periods }, (_, index) => index).filter((index) => index % (interval + 1) === 0)

describe('tickInterval', () => {
  test('a year of days: about a label a month on the wide chart, one every two months on a small one', () => {
    const wide = labelled(365, tickInterval(365, WIDE_CHART_TICKS))
    expect(wide.length).toBeLessThanOrEqual(WIDE_CHART_TICKS)
    expect(wide.length).toBeGreaterThanOrEqual(WIDE_CHART_TICKS - 1)
    expect(wide[1]! - wide[0]!).toBe(31)
    const small = labelled(365, tickInterval(365, SMALL_CHART_TICKS))
    expect(small.length).toBeLessThanOrEqual(SMALL_CHART_TICKS)
    expect(small.at(-1)).toBeGreaterThan(300) // the labels still span the year
  })

  test('every period is labelled when they all fit; none is skipped for one more than fits', () => {
    expect(tickInterval(7, WIDE_CHART_TICKS)).toBe(0)
    expect(tickInterval(WIDE_CHART_TICKS, WIDE_CHART_TICKS)).toBe(0)
    expect(labelled(WIDE_CHART_TICKS + 1, tickInterval(WIDE_CHART_TICKS + 1, WIDE_CHART_TICKS)).length).toBeLessThanOrEqual(WIDE_CHART_TICKS)
    expect(tickInterval(1, SMALL_CHART_TICKS)).toBe(0)
    expect(tickInterval(0, SMALL_CHART_TICKS)).toBe(0)
  })

  test('24 hours of a day: every other hour on the wide chart, every fourth on a small one', () => {
    expect(labelled(24, tickInterval(24, WIDE_CHART_TICKS))).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22])
    expect(labelled(24, tickInterval(24, SMALL_CHART_TICKS))).toEqual([0, 4, 8, 12, 16, 20])
  })
})
