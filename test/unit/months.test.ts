import fc from 'fast-check'
import { describe, expect, test } from 'vitest'

import { lastDayOfMonth, monthOf, nextMonth, splitByMonths } from '../../src/core/months.js'

const DAY = 86_400_000
const day = (time: number) => new Date(time).toISOString().slice(0, 10)
const daysOf = (from: string, to: string) => {
  const days: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) days.push(day(t))
  return days
}

describe('months', () => {
  test('month of a day, the next month, the last day (leap years included)', () => {
    expect(monthOf('2024-02-29')).toBe('2024-02-01')
    expect(nextMonth('2024-12-31')).toBe('2025-01-01')
    expect(lastDayOfMonth('2024-02-10')).toBe('2024-02-29')
    expect(lastDayOfMonth('2025-02-10')).toBe('2025-02-28')
    expect(lastDayOfMonth('2100-02-01')).toBe('2100-02-28')
  })

  test('a range splits into leading days, whole months and trailing days', () => {
    expect(splitByMonths('2024-01-15', '2024-04-10')).toEqual({
      days: [
        { from: '2024-01-15', to: '2024-01-31' },
        { from: '2024-04-01', to: '2024-04-10' },
      ],
      months: { from: '2024-02-01', to: '2024-03-01' },
    })
    expect(splitByMonths('2024-02-01', '2024-02-29')).toEqual({ days: [], months: { from: '2024-02-01', to: '2024-02-01' } })
    expect(splitByMonths('2024-02-01', '2024-02-28')).toEqual({ days: [{ from: '2024-02-01', to: '2024-02-28' }], months: null })
    expect(splitByMonths('2024-01-31', '2024-03-01')).toEqual({
      days: [
        { from: '2024-01-31', to: '2024-01-31' },
        { from: '2024-03-01', to: '2024-03-01' },
      ],
      months: { from: '2024-02-01', to: '2024-02-01' },
    })
    expect(splitByMonths('2024-01-31', '2024-02-28')).toEqual({ days: [{ from: '2024-01-31', to: '2024-02-28' }], months: null })
    expect(splitByMonths('2024-03-05', '2024-03-05')).toEqual({ days: [{ from: '2024-03-05', to: '2024-03-05' }], months: null })
    expect(splitByMonths('2025-11-23', '2026-11-22')).toEqual({
      days: [
        { from: '2025-11-23', to: '2025-11-30' },
        { from: '2026-11-01', to: '2026-11-22' },
      ],
      months: { from: '2025-12-01', to: '2026-10-01' },
    })
  })

  test('every day of any range is covered exactly once', () => {
    const start = Date.parse('2023-10-01T00:00:00Z')
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 0, max: 500 }), (offset, length) => {
        const from = day(start + offset * DAY)
        const to = day(start + (offset + length) * DAY)
        const split = splitByMonths(from, to)
        const covered = split.days.flatMap((range) => daysOf(range.from, range.to))
        for (let month = split.months?.from; split.months && month && month <= split.months.to; month = nextMonth(month)) {
          covered.push(...daysOf(month, lastDayOfMonth(month)))
        }
        expect(covered.sort()).toEqual(daysOf(from, to))
        for (const range of split.days) expect(range.from <= range.to).toBe(true)
      }),
      { numRuns: 500 },
    )
  })
})
