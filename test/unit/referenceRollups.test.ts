/**
 * The bench's reference for revenue, goal and property rows (`bench/referenceRollups.ts`)
 * against numbers worked out by hand: the ground truth bench:aggregate checks the product's
 * `goal`, `goalRevenue`, `revenue`, `eventRevenue` and `prop` rows against is itself checked.
 */
import { describe, expect, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { SiteRollups } from '../../src/core/siteRollups.js'

import { referenceRollupRows, revenueUnits } from '../../bench/referenceRollups.js'
import { MAX_PROP_VALUES_PER_DAY } from '../../src/core/siteRollups.js'

const blank: AnalyticsEvent = {
  browser: null,
  country: null,
  device: null,
  eventId: '',
  hostname: null,
  os: null,
  path: null,
  props: null,
  screen: null,
  sessionId: null,
  siteId: 1,
  source: null,
  tenantId: null,
  timestamp: '',
  type: 'pageview',
  utmCampaign: null,
  utmContent: null,
  utmMedium: null,
  utmSource: null,
  utmTerm: null,
  value: null,
  visitorHash: null,
}

let n = 0
const ev = (fields: Partial<AnalyticsEvent>): AnalyticsEvent => ({ ...blank, eventId: `e${++n}`, timestamp: new Date(Date.UTC(2026, 4, 1, 10) + n * 1_000).toISOString(), ...fields })

const rollups: SiteRollups = {
  goals: [
    { event: 'signup', name: 'Signup' },
    { name: 'Blog', page: '/blog/**' },
    { name: 'Pro pricing', page: '/pricing', prop: { key: 'plan', value: 'pro' } },
  ],
  props: ['plan'],
}

const events = [
  ev({ path: '/blog', props: { plan: 'pro' }, sessionId: 's1', visitorHash: 'v1' }), // Blog (the section's root)
  ev({ path: '/blog/a/b', sessionId: 's2', visitorHash: 'v2' }), // Blog
  ev({ path: '/blogroll', sessionId: 's2', visitorHash: 'v2' }), // not Blog
  ev({ props: { plan: 'pro' }, revenue: { amount: '10.5', currency: 'EUR' }, sessionId: 's1', type: 'signup', visitorHash: 'v1' }),
  ev({ revenue: { amount: '2.25', currency: 'EUR' }, sessionId: 's2', type: 'signup', visitorHash: 'v2' }),
  ev({ path: '/blog', props: { plan: 'pro' }, sessionId: 's1', type: 'engagement', value: 3, visitorHash: 'v1' }), // counts nowhere here
  ev({ path: '/pricing', props: { plan: 'pro' }, sessionId: 's3', visitorHash: 'v3' }), // Pro pricing
  ev({ path: '/pricing', props: { plan: 'free' }, sessionId: 's3', visitorHash: 'v3' }), // not Pro pricing
  ev({ revenue: { amount: '1', currency: 'USD' }, sessionId: 's3', type: 'lead.created', visitorHash: 'v3' }), // built in: no eventRevenue row
]

describe('referenceRollupRows on a hand-computed day', () => {
  const rows = referenceRollupRows(events, () => rollups)
  const row = (dimension: string, key: string) => rows.find((r) => r.dimension === dimension && r.key === key)
  const figures = (dimension: string, key: string) => {
    const found = row(dimension, key)
    return found && { events: found.events, pageviews: found.pageviews, revenueUnits: found.revenueUnits, visitors: found.visitors, visits: found.visits }
  }

  test('goals: conversions and converting visitors; a page goal by its pattern and property', () => {
    // Blog: e1 (/blog, the root of /blog/**) and e2 (/blog/a/b), not /blogroll; visitors v1, v2.
    expect(figures('goal', 'Blog')).toEqual({ events: 2, pageviews: 0, revenueUnits: 0n, visitors: 2, visits: 0 })
    expect(figures('goal', 'Signup')).toEqual({ events: 2, pageviews: 0, revenueUnits: 0n, visitors: 2, visits: 0 })
    // Only the /pricing pageview with plan = pro.
    expect(figures('goal', 'Pro pricing')).toEqual({ events: 1, pageviews: 0, revenueUnits: 0n, visitors: 1, visits: 0 })
  })

  test('revenue per currency, per custom event and per goal, summed exactly', () => {
    // 10.5 + 2.25 = 12.75 EUR = 127,500 units of 0.0001.
    expect(figures('revenue', 'EUR')).toEqual({ events: 2, pageviews: 0, revenueUnits: 127_500n, visitors: 2, visits: 0 })
    expect(figures('revenue', 'USD')).toEqual({ events: 1, pageviews: 0, revenueUnits: 10_000n, visitors: 1, visits: 0 })
    expect(figures('eventRevenue', 'EUR:signup')).toEqual({ events: 2, pageviews: 0, revenueUnits: 127_500n, visitors: 2, visits: 0 })
    expect(row('eventRevenue', 'USD:lead.created')).toBeUndefined()
    expect(figures('goalRevenue', 'EUR:Signup')).toEqual({ events: 2, pageviews: 0, revenueUnits: 127_500n, visitors: 2, visits: 0 })
  })

  test("a listed property's values: events, pageviews, visitors and visits carrying them (engagement left out)", () => {
    // plan = pro: e1 (pageview, s1), e4 (signup, s1), e7 (pageview, s3) → 3 events, 2 pageviews, v1 v3, s1 s3.
    expect(figures('prop', 'plan:pro')).toEqual({ events: 3, pageviews: 2, revenueUnits: 0n, visitors: 2, visits: 2 })
    expect(figures('prop', 'plan:free')).toEqual({ events: 1, pageviews: 1, revenueUnits: 0n, visitors: 1, visits: 1 })
  })

  test('nothing else: a site without goals or listed keys has only its revenue rows', () => {
    expect(rows).toHaveLength(3 + 2 + 1 + 1 + 2)
    const bare = referenceRollupRows(events, () => ({ goals: [], props: [] }))
    expect(bare.map((r) => `${r.dimension} ${r.key}`).sort()).toEqual(['eventRevenue EUR:signup', 'revenue EUR', 'revenue USD'])
  })
})

test("a key's values beyond the day's cap are left out: the least visited, then the last by byte order", () => {
  const many = Array.from({ length: MAX_PROP_VALUES_PER_DAY + 1 }, (_, i) => ev({ props: { id: `v${String(i).padStart(3, '0')}` }, sessionId: `s${i}`, visitorHash: `h${i}` }))
  // One value with a second visitor: it ranks first whatever its text.
  many.push(ev({ props: { id: `v${String(MAX_PROP_VALUES_PER_DAY).padStart(3, '0')}` }, sessionId: 'x', visitorHash: 'x' }))
  const keys = referenceRollupRows(many, () => ({ goals: [], props: ['id'] })).map((r) => r.key)
  expect(keys).toHaveLength(MAX_PROP_VALUES_PER_DAY)
  expect(keys[0]).toBe(`id:v${MAX_PROP_VALUES_PER_DAY}`)
  expect(keys).not.toContain(`id:v${String(MAX_PROP_VALUES_PER_DAY - 1).padStart(3, '0')}`)
})

test('revenue amounts as exact units', () => {
  expect(revenueUnits('12.75')).toBe(127_500n)
  expect(revenueUnits('-0.0001')).toBe(-1n)
  expect(revenueUnits('3')).toBe(30_000n)
  expect(revenueUnits('1.50000')).toBe(15_000n)
  expect(revenueUnits('abc')).toBeNull()
})
