import { describe, expect, test } from 'vitest'

import { addRevenue, eventRevenueKey, parseEventRevenueKey, revenueSchema, revenueSums } from '../../src/core/revenue.js'
import { parseTrackBody } from '../../src/core/trackSchema.js'

describe('revenue', () => {
  test('amounts are rounded once to four places and kept as decimal text', () => {
    expect(revenueSchema.parse({ amount: 19.99 * 3, currency: 'EUR' })).toEqual({ amount: '59.97', currency: 'EUR' })
    expect(revenueSchema.parse({ amount: '12.50', currency: 'USD' })).toEqual({ amount: '12.5', currency: 'USD' })
    expect(revenueSchema.parse({ amount: -0.00001, currency: 'USD' })).toEqual({ amount: '0', currency: 'USD' })
    expect(revenueSchema.parse({ amount: 100_000_000_000, currency: 'JPY' }).amount).toBe('100000000000')
    for (const bad of [{ amount: 1e11 + 1, currency: 'EUR' }, { amount: '1e3', currency: 'EUR' }, { amount: 5, currency: 'eur' }, { amount: 5 }]) {
      expect(revenueSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
  })

  test('sums are exact and listed by currency', () => {
    const sums = new Map<string, bigint>()
    for (let i = 0; i < 10; i++) addRevenue(sums, 'USD', '0.1')
    addRevenue(sums, 'EUR', '-10')
    addRevenue(sums, 'EUR', '2.0001')
    addRevenue(sums, 'USD', '0.2000')
    expect(revenueSums(sums)).toEqual([
      { amount: '-7.9999', currency: 'EUR' },
      { amount: '1.2', currency: 'USD' },
    ])
  })

  test('an event revenue key keeps names with colons', () => {
    expect(parseEventRevenueKey(eventRevenueKey('EUR', 'Outbound Link: Click'))).toEqual({ currency: 'EUR', event: 'Outbound Link: Click' })
  })

  test('the tracker body: v is a number or { revenue }, and each bad field is named', () => {
    const body = { s: 'site', t: 'Purchase', u: 'https://example.com/' }
    expect(parseTrackBody(JSON.stringify({ ...body, v: { revenue: { amount: 9.5, currency: 'GBP' } } }))).toMatchObject({ body: { v: { revenue: { amount: '9.5', currency: 'GBP' } } }, ok: true })
    expect(parseTrackBody(JSON.stringify({ ...body, v: 3 }))).toMatchObject({ body: { v: 3 }, ok: true })
    expect(parseTrackBody(JSON.stringify({ ...body, v: { revenue: { amount: 9.5, currency: 'gbp' } } }))).toMatchObject({ error: expect.stringMatching(/^Invalid event: v\.revenue\.currency: must be an ISO 4217 code/), ok: false })
    expect(parseTrackBody(JSON.stringify({ ...body, v: { amount: 9.5 } }))).toMatchObject({ ok: false })
  })
})
