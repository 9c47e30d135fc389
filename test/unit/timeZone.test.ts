import { describe, expect, test } from 'vitest'

import { siteDaysOf } from '../../src/core/dailyStats.js'
import { resolveRange } from '../../src/core/statsRange.js'
import { checkTimeZone, localDayBounds, localDayOf, localHours } from '../../src/core/timeZone.js'
import { timeZoneNote } from '../../src/core/timeZoneNote.js'

const hoursOf = (day: string, timeZone: string) => {
  const { end, start } = localDayBounds(day, timeZone)
  return (end.getTime() - start.getTime()) / 3_600_000
}

describe('time zones', () => {
  test('names are IANA names, spelled canonically; offsets and unknown names are refused', () => {
    expect(checkTimeZone('america/new_york')).toBe('America/New_York')
    expect(checkTimeZone('UTC')).toBe('UTC')
    expect(() => checkTimeZone('+05:30')).toThrow(/not an IANA time zone name/)
    expect(() => checkTimeZone('Europe/Atlantis')).toThrow(/unknown time zone "Europe\/Atlantis"/)
    expect(() => checkTimeZone(42)).toThrow(/not an IANA time zone name/)
  })

  test('a local day is 23, 24 or 25 hours (23.5 and 24.5 on Lord Howe Island)', () => {
    expect(hoursOf('2026-03-08', 'America/New_York')).toBe(23)
    expect(hoursOf('2026-11-01', 'America/New_York')).toBe(25)
    expect(hoursOf('2026-03-09', 'America/New_York')).toBe(24)
    expect(hoursOf('2026-04-05', 'Australia/Lord_Howe')).toBe(24.5)
    expect(hoursOf('2026-10-04', 'Australia/Lord_Howe')).toBe(23.5)
    expect(localDayBounds('2026-03-08', 'Asia/Kolkata')).toEqual({ end: new Date('2026-03-08T18:30:00.000Z'), start: new Date('2026-03-07T18:30:00.000Z') })
  })

  test('local hours: one per clock hour and offset, the repeated hour twice', () => {
    const { end, start } = localDayBounds('2026-11-01', 'America/New_York')
    const labels = localHours(start, end, 'America/New_York').map((hour) => hour.label)
    expect(labels.slice(0, 4)).toEqual(['2026-11-01T00:00-04:00', '2026-11-01T01:00-04:00', '2026-11-01T01:00-05:00', '2026-11-01T02:00-05:00'])
    expect(labels).toHaveLength(25)
  })

  test('events are marked under their site\'s local day', () => {
    const event = (siteId: number, timestamp: string) => ({ siteId, timestamp })
    const zones: Record<number, string> = { 1: 'America/New_York', 2: 'Asia/Kolkata', 3: 'UTC' }
    const pairs = siteDaysOf([event(1, '2026-03-09T03:59:59.000Z'), event(2, '2026-03-08T18:30:00.000Z'), event(3, '2026-03-08T23:59:59.999Z')], (id) => zones[Number(id)]!)
    expect(pairs).toEqual([
      { day: '2026-03-08', siteId: 1 },
      { day: '2026-03-09', siteId: 2 },
      { day: '2026-03-08', siteId: 3 },
    ])
    expect(localDayOf(Date.parse('2026-03-09T04:00:00.000Z'), 'America/New_York')).toBe('2026-03-09')
  })

  test('named ranges end on the zone\'s own today', () => {
    const now = new Date('2026-12-01T03:00:00.000Z')
    expect(resolveRange({ range: 'month' }, now, 365, 'America/New_York')).toEqual({ from: '2026-11-01', name: 'month', to: '2026-11-30' })
    expect(resolveRange({ range: 'month' }, now, 365, 'Asia/Kolkata')).toEqual({ from: '2026-12-01', name: 'month', to: '2026-12-01' })
  })

  test('the settings view says which days are in which zone', () => {
    expect(timeZoneNote({ applied: 'America/New_York', previous: 'UTC', progress: { done: 3, total: 40 }, since: '2026-11-04' })).toBe(
      'Figures from 2026-11-04 on are in America/New_York. Days before 2026-11-04 stay in UTC: their raw events are past retention, so they cannot be recomputed. Recomputing in America/New_York: 3 of 40 days done.',
    )
    expect(timeZoneNote({ applied: 'Asia/Kolkata', previous: null, progress: { done: 5, total: 5 }, since: '2026-11-04' })).toBe("Every day's figures are in Asia/Kolkata.")
  })
})
