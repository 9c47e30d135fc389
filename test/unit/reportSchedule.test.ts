import { createHmac } from 'node:crypto'
import { describe, expect, test } from 'vitest'

import { alertFires } from '../../src/core/alerts.js'
import { cronPattern, dueOccurrence, localDay, nextOccurrence, reportRange } from '../../src/core/reportSchedule.js'
import { backoffMs, readUnsubscribeToken, signWebhook, unsubscribeToken, verifyWebhook } from '../../src/core/signing.js'

const berlinMonday = { frequency: 'weekly', hour: 9, timeZone: 'Europe/Berlin', weekday: 'monday' } as const

describe('schedules', () => {
  test('weekly, monthly and cron as cron patterns', () => {
    expect(cronPattern(berlinMonday)).toBe('0 9 * * 1')
    expect(cronPattern({ frequency: 'weekly', hour: 7, timeZone: 'UTC', weekday: 'sunday' })).toBe('0 7 * * 0')
    expect(cronPattern({ dayOfMonth: 3, frequency: 'monthly', hour: 6, timeZone: 'UTC' })).toBe('0 6 3 * *')
    expect(() => cronPattern({ dayOfMonth: 31, frequency: 'monthly', timeZone: 'UTC' })).toThrow(/dayOfMonth/)
    expect(() => nextOccurrence({ cron: '0 9 * *', frequency: 'cron', timeZone: 'UTC' }, new Date())).toThrow(/five fields/)
    expect(() => nextOccurrence({ ...berlinMonday, timeZone: 'Mars/Olympus' }, new Date())).toThrow(/not an IANA time zone/)
  })

  test('Monday 09:00 in Berlin is 07:00 UTC in summer time and 08:00 UTC after the October change', () => {
    expect(nextOccurrence(berlinMonday, new Date('2026-10-15T00:00:00Z'))?.toISOString()).toBe('2026-10-19T07:00:00.000Z')
    expect(nextOccurrence(berlinMonday, new Date('2026-10-19T07:00:00Z'))?.toISOString()).toBe('2026-10-26T08:00:00.000Z')
  })

  test('due: nothing before the time, the occurrence at it, the latest one only after a long gap (marked missed)', () => {
    const since = new Date('2026-10-19T07:00:00Z')
    expect(dueOccurrence(berlinMonday, since, new Date('2026-10-26T07:59:59Z'))).toBeNull()
    expect(dueOccurrence(berlinMonday, since, new Date('2026-10-26T08:00:00Z'))).toEqual({ missed: false, occurrence: new Date('2026-10-26T08:00:00Z') })
    expect(dueOccurrence(berlinMonday, since, new Date('2026-10-26T08:05:00Z'))?.missed).toBe(false)
    expect(dueOccurrence(berlinMonday, since, new Date('2026-11-04T12:00:00Z'))).toEqual({ missed: true, occurrence: new Date('2026-11-02T08:00:00Z') })
  })
})

describe('report ranges in the report’s zone', () => {
  test('the local day decides: 00:30 in Berlin is still the previous day in UTC', () => {
    expect(localDay(new Date('2026-10-25T23:30:00Z'), 'Europe/Berlin')).toBe('2026-10-26')
    expect(localDay(new Date('2026-10-25T23:30:00Z'), 'UTC')).toBe('2026-10-25')
  })

  test('last week, last month, month and year to date', () => {
    const monday = new Date('2026-10-26T08:00:00Z')
    expect(reportRange('lastWeek', monday, 'Europe/Berlin')).toEqual({ from: '2026-10-19', to: '2026-10-25' })
    expect(reportRange('lastWeek', new Date('2026-10-29T10:00:00Z'), 'Europe/Berlin')).toEqual({ from: '2026-10-19', to: '2026-10-25' })
    expect(reportRange('lastMonth', new Date('2026-03-01T08:00:00Z'), 'Europe/Berlin')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(reportRange('monthToDate', monday, 'Europe/Berlin')).toEqual({ from: '2026-10-01', to: '2026-10-25' })
    expect(reportRange('yearToDate', new Date('2026-01-01T08:00:00Z'), 'Europe/Berlin')).toEqual({ from: '2025-01-01', to: '2025-12-31' })
  })
})

describe('signing', () => {
  test('the webhook signature is HMAC-SHA256 over "timestamp.body", checked with a tolerance', () => {
    const body = '{"a":1}'
    const signature = signWebhook('s3cret', 1_700_000_000, body)
    expect(signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(`1700000000.${body}`).digest('hex')}`)
    const header = { signature, timestamp: '1700000000' }
    expect(verifyWebhook('s3cret', header, body, 1_700_000_100_000)).toBe(true)
    expect(verifyWebhook('s3cret', header, '{"a":2}', 1_700_000_100_000)).toBe(false)
    expect(verifyWebhook('other', header, body, 1_700_000_100_000)).toBe(false)
    expect(verifyWebhook('s3cret', header, body, 1_700_001_000_000)).toBe(false)
  })

  test('backoff doubles from the first retry', () => {
    expect([2, 3, 4, 5].map((attempt) => backoffMs(attempt, 1000))).toEqual([1000, 2000, 4000, 8000])
  })

  test('an unsubscribe token names one address of one report and cannot be forged', () => {
    const token = unsubscribeToken('k', 7, 'Ann@Example.com')
    expect(readUnsubscribeToken('k', token)).toEqual({ email: 'ann@example.com', reportId: '7' })
    expect(readUnsubscribeToken('other', token)).toBeNull()
    const [, address, signature] = token.split('.')
    expect(readUnsubscribeToken('k', `8.${address}.${signature}`)).toBeNull()
    expect(readUnsubscribeToken('k', 'garbage')).toBeNull()
  })
})

describe('alerts', () => {
  test('a spike fires at the threshold, a drop only below it', () => {
    expect([alertFires('spike', 9, 10), alertFires('spike', 10, 10), alertFires('spike', 11, 10)]).toEqual([false, true, true])
    expect([alertFires('drop', 9, 10), alertFires('drop', 10, 10), alertFires('drop', 0, 1)]).toEqual([true, false, true])
  })
})
