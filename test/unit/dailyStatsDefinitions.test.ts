import { describe, expect, test } from 'vitest'

import {
  dayBounds,
  dayOfTimestamp,
  isDay,
  normalizeTimestamp,
  parseSiteDayKey,
  siteDayKey,
  siteDaysOf,
} from '../../src/core/dailyStats.js'
import { MemoryDirtyDays } from '../../src/store/dirtyDays.js'
import { tableKey } from '../../src/store/db.js'

describe('days', () => {
  test('isDay accepts real calendar days only', () => {
    expect(isDay('2026-02-28')).toBe(true)
    expect(isDay('2028-02-29')).toBe(true)
    for (const day of ['2026-02-29', '2026-13-01', '2026-1-01', '20260101', '2026-01-01T00:00:00Z', '']) expect(isDay(day)).toBe(false)
  })

  test('dayBounds is the UTC day, [start, end)', () => {
    expect(dayBounds('2026-03-29')).toEqual({ end: new Date('2026-03-30T00:00:00.000Z'), start: new Date('2026-03-29T00:00:00.000Z') })
    expect(() => dayBounds('2026-02-30')).toThrow(TypeError)
  })

  test('timestamps are taken to whole milliseconds, as Postgres stores them, and filed under their UTC day', () => {
    expect(normalizeTimestamp('2026-05-01T23:59:59.9996Z')).toBe('2026-05-01T23:59:59.999Z')
    expect(normalizeTimestamp('2026-05-02T01:30:00+02:00')).toBe('2026-05-01T23:30:00.000Z')
    expect(dayOfTimestamp('2026-05-02T01:30:00+02:00')).toBe('2026-05-01')
    expect(normalizeTimestamp('2026-05-01T10:00:00.000Z')).toBe('2026-05-01T10:00:00.000Z')
    expect(normalizeTimestamp('2028-02-29T10:00:00.000Z')).toBe('2028-02-29T10:00:00.000Z')
    expect(normalizeTimestamp('2026-02-29T10:00:00.000Z')).toBeNull()
    expect(normalizeTimestamp('2026-04-31T10:00:00.000Z')).toBeNull()
    expect(normalizeTimestamp('2026-04-30T24:00:00.000Z')).toBe('2026-05-01T00:00:00.000Z')
    expect(normalizeTimestamp('yesterday')).toBeNull()
    expect(normalizeTimestamp('+275760-09-13T00:00:00.000Z')).toBeNull()
  })
})

describe('site-day keys', () => {
  test('round-trip, whatever the site id holds', () => {
    for (const siteId of [42, 'abc', 'a|b', '6f1c2e4a-0000-4000-8000-000000000000']) {
      expect(parseSiteDayKey(siteDayKey({ day: '2026-01-31', siteId }))).toEqual({ day: '2026-01-31', siteId: String(siteId) })
    }
    expect(parseSiteDayKey('42|2026-02-30')).toBeNull()
    expect(parseSiteDayKey('|2026-01-01')).toBeNull()
    expect(parseSiteDayKey('nonsense')).toBeNull()
  })

  test('siteDaysOf: distinct pairs, events without a date left out', () => {
    expect(
      siteDaysOf([
        { siteId: 1, timestamp: '2026-01-01T10:00:00.000Z' },
        { siteId: 1, timestamp: '2026-01-01T23:00:00.000Z' },
        { siteId: '1', timestamp: '2026-01-02T00:00:00.000Z' },
        { siteId: 2, timestamp: '2026-01-01T00:00:00.000Z' },
        { siteId: 2, timestamp: 'not a date' },
      ]),
    ).toEqual([
      { day: '2026-01-01', siteId: 1 },
      { day: '2026-01-02', siteId: '1' },
      { day: '2026-01-01', siteId: 2 },
    ])
  })
})

describe('MemoryDirtyDays', () => {
  test('clear removes only pairs not marked again since they were listed', async () => {
    const dirty = new MemoryDirtyDays()
    await dirty.mark([
      { day: '2026-01-01', siteId: 1 },
      { day: '2026-01-02', siteId: 1 },
    ])
    const listed = await dirty.list()
    expect(listed.map(({ day, siteId }) => `${siteId}|${day}`).sort()).toEqual(['1|2026-01-01', '1|2026-01-02'])
    // A batch of 2026-01-02 lands while the listed pairs are being recomputed.
    await dirty.mark([{ day: '2026-01-02', siteId: '1' }])
    expect(await dirty.clear(listed)).toBe(1)
    const left = await dirty.list()
    expect(left.map(({ day, siteId }) => ({ day, siteId }))).toEqual([{ day: '2026-01-02', siteId: '1' }])
    expect(await dirty.clear(left)).toBe(1)
    expect(await dirty.list()).toEqual([])
  })
})

describe('tableKey', () => {
  test('writes slugs the way Payload keys its table names (to-snake-case)', () => {
    expect(tableKey('analytics-events')).toBe('analytics_events')
    expect(tableKey('analytics-daily-stats')).toBe('analytics_daily_stats')
    expect(tableKey('sites')).toBe('sites')
    expect(tableKey('dailyStats')).toBe('daily_stats')
    expect(tableKey('my.events:v2')).toBe('my_events_v2')
    expect(tableKey('Events')).toBe('events')
    expect(tableKey('HTMLPage')).toBe('h_t_m_l_page')
    expect(tableKey('a__b')).toBe('a_b')
  })
})
