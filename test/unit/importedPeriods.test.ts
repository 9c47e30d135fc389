import { describe, expect, test } from 'vitest'

import { importedPeriods } from '../../admin/Dashboard/importedPeriods.js'

const imported = { from: '2026-03-03', siteIds: ['1'], to: '2026-03-05' }

describe('importedPeriods', () => {
  test('days: exactly the imported days are marked', () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']
    expect(importedPeriods(days, 'day', imported, '2026-03-06')).toEqual([false, false, true, true, true, false])
  })

  test('weeks and months: a period is marked when any of its days was imported', () => {
    expect(importedPeriods(['2026-02-23', '2026-03-02', '2026-03-09'], 'week', imported, '2026-03-15')).toEqual([false, true, false])
    // The last period runs to the range's end.
    expect(importedPeriods(['2026-01-01', '2026-02-01', '2026-03-01'], 'month', imported, '2026-03-31')).toEqual([false, false, true])
    expect(importedPeriods(['2026-02-23', '2026-03-02'], 'week', { ...imported, from: '2026-03-01', to: '2026-03-01' }, '2026-03-08')).toEqual([true, false])
  })

  test('hours: the hours of an imported day', () => {
    expect(importedPeriods(['2026-03-05T00:00+01:00', '2026-03-05T01:00+01:00'], 'hour', imported, '2026-03-05')).toEqual([true, true])
    expect(importedPeriods(['2026-03-06T00:00+01:00'], 'hour', imported, '2026-03-06')).toEqual([false])
  })

  test('no imported days: nothing is marked', () => {
    expect(importedPeriods(['2026-03-03', '2026-03-04'], 'day', null, '2026-03-04')).toEqual([false, false])
  })
})
