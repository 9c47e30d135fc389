/**
 * The pure parts of the Plausible compatibility: the Events API body mapped onto our
 * tracker's body, the v2/v1 filters mapped onto ours, Plausible's period names as days,
 * and API key secrets.
 */
import { describe, expect, test } from 'vitest'

import { MODEL_REVENUE_CURRENCY, plausibleRequestOf, requestOf, TrafficModel } from '../../bench/model/traffic.js'
import { bearerSecret, hashApiKeySecret, newApiKeySecret } from '../../src/core/apiKeySecret.js'
import { parsePlausibleEvent } from '../../src/core/plausibleEvent.js'
import { revenueSchema } from '../../src/core/revenue.js'
import { parseTrackBody } from '../../src/core/trackSchema.js'
import { namedRange, planQuery, PlausibleQueryError, v1Filters, v2Filters, v2QuerySchema } from '../../src/core/plausibleQuery.js'

describe('parsePlausibleEvent', () => {
  test('short and long names give the same body', () => {
    const short = parsePlausibleEvent(JSON.stringify({ d: 'example.com', n: 'Signup', p: { plan: 'pro' }, r: 'https://google.com/', u: 'https://example.com/a', w: 390 }))
    const long = parsePlausibleEvent(JSON.stringify({ domain: 'example.com', name: 'Signup', props: '{"plan":"pro"}', referrer: 'https://google.com/', screen_width: 390, url: 'https://example.com/a' }))
    expect(short).toEqual(long)
    expect(short).toEqual({ event: { body: { p: { plan: 'pro' }, r: 'https://google.com/', t: 'Signup', u: 'https://example.com/a', w: 390 }, domains: ['example.com'], interactive: true }, ok: true })
  })

  test('meta is props, lists and maps in props are left out, and unknown fields ignored', () => {
    const parsed = parsePlausibleEvent(JSON.stringify({ d: 'example.com', m: { a: 'x', list: [1], map: { b: 1 } }, n: 'pageview', u: 'https://example.com/', v: 36 }))
    expect(parsed.ok && parsed.event.body.p).toEqual({ a: 'x' })
  })

  test('a comma-separated domain names every site once; no domain takes the URL host', () => {
    expect(parsePlausibleEvent(JSON.stringify({ d: 'A.com, b.com,a.com', n: 'pageview', u: 'https://a.com/' }))).toMatchObject({ event: { domains: ['a.com', 'b.com'] } })
    expect(parsePlausibleEvent(JSON.stringify({ n: 'pageview', u: 'https://shop.example.com/x' }))).toMatchObject({ event: { domains: ['shop.example.com'] } })
  })

  test('engagement: sd and e become our depth and engaged ms, rounded and clamped; its props are dropped', () => {
    const parsed = parsePlausibleEvent(JSON.stringify({ d: 'example.com', e: 3210.6, n: 'engagement', p: { plan: 'pro' }, sd: 104, u: 'https://example.com/' }))
    expect(parsed).toMatchObject({ event: { body: { d: 100, e: 3211, t: 'engagement' } }, ok: true })
    expect(parsed.ok && parsed.event.body.p).toBeUndefined()
    expect(parsePlausibleEvent(JSON.stringify({ d: 'example.com', n: 'engagement', u: 'https://example.com/' }))).toMatchObject({ errors: { e: expect.any(Array), sd: expect.any(Array) }, ok: false })
  })

  test('revenue: an exact amount with its currency; hash mode; interactive false', () => {
    const parsed = parsePlausibleEvent(JSON.stringify({ $: '{"amount":"12.50","currency":"EUR"}', d: 'example.com', h: 1, i: false, n: 'Purchase', u: 'https://example.com/#/cart' }))
    expect(parsed).toMatchObject({ event: { body: { h: 1, v: { revenue: { amount: '12.5', currency: 'EUR' } } }, interactive: false }, ok: true })
    expect(parsed.ok && parsed.event.body.p).toBeUndefined()
    expect(parsePlausibleEvent(JSON.stringify({ $: { amount: 'x', currency: 'euro' }, d: 'e.com', n: 'P', u: 'https://e.com/' }))).toMatchObject({ errors: { revenue: [expect.stringMatching(/amount/), expect.stringMatching(/currency/)] }, ok: false })
  })

  test('errors name Plausible\'s fields', () => {
    expect(parsePlausibleEvent('{')).toEqual({ errors: { request: ['Unable to parse request body as json'] }, ok: false, status: 400 })
    expect(parsePlausibleEvent('{}')).toEqual({ errors: { name: ["can't be blank"], url: ["can't be blank"] }, ok: false, status: 400 })
    expect(parsePlausibleEvent(JSON.stringify({ d: 'e.com', n: 'pageview', u: 'mailto:x@e.com' }))).toMatchObject({ errors: { url: [expect.stringMatching(/http/)] } })
    expect(parsePlausibleEvent(JSON.stringify({ d: 'e.com', n: 'x', p: '[1]', u: 'https://e.com/' }))).toMatchObject({ errors: { props: [expect.any(String)] } })
    expect(parsePlausibleEvent(JSON.stringify({ d: 'e.com', n: 'x'.repeat(65), u: 'https://e.com/' }))).toMatchObject({ errors: { name: [expect.any(String)] } })
  })

  test('a prop named __proto__ is refused by name, whether or not lists or maps are left out beside it', () => {
    for (const props of ['{"__proto__":"x"}', '{"__proto__":"x","list":[1]}']) {
      expect(parsePlausibleEvent(`{"d":"e.com","n":"x","p":${props},"u":"https://e.com/"}`)).toMatchObject({ errors: { 'props.__proto__': [expect.stringMatching(/not allowed/)] }, ok: false })
    }
  })

  test('every hit of the traffic model, sent as Plausible trackers send it, is the body our tracker sends for it (a lead value as revenue)', () => {
    const model = new TrafficModel({ botShare: 0, dailyEvents: 20_000, seed: 11, sites: 3 })
    const hits = model.sites.flatMap((site) => model.dayHits(site.index, '2026-11-18'))
    const types = new Set(hits.map((hit) => hit.body.t))
    expect([...types]).toEqual(expect.arrayContaining(['pageview', 'engagement', 'cta.click', 'lead.created']))
    for (const hit of hits) {
      const ours = parseTrackBody(requestOf(hit).body)
      if (!ours.ok) throw new Error(ours.error)
      const { s: domain, ...body } = ours.body
      // Plausible has no event value but revenue: the lead's value arrives as revenue in the model's currency.
      if (typeof body.v === 'number') body.v = { revenue: revenueSchema.parse({ amount: body.v, currency: MODEL_REVENUE_CURRENCY }) }
      expect(parsePlausibleEvent(plausibleRequestOf(hit).body)).toEqual({ event: { body, domains: [domain], interactive: true }, ok: true })
    }
    // Tens of thousands of hits parsed twice: seconds on a loaded machine, past the 5 s default.
  }, 60_000)
})

describe('Plausible filters as ours', () => {
  test('v2: and flattens, not negates, or over one dimension joins values, props map to prop:<key>', () => {
    expect(
      v2Filters([
        ['and', [['is', 'visit:country', ['DE']], ['not', ['contains', 'event:page', ['/blog']]]]],
        ['or', [['is', 'visit:browser', ['Chrome']], ['is', 'visit:browser', ['Firefox']]]],
        ['is_not', 'event:props:plan', ['free']],
      ]),
    ).toEqual([
      { dimension: 'country', op: 'is', values: ['DE'] },
      { dimension: 'page', op: 'contains_not', values: ['/blog'] },
      { dimension: 'browser', op: 'is', values: ['Chrome', 'Firefox'] },
      { dimension: 'prop:plan', op: 'is_not', values: ['free'] },
    ])
  })

  test('v2: what our filters cannot express is refused with why', () => {
    expect(() => v2Filters([['or', [['is', 'visit:country', ['DE']], ['is', 'visit:os', ['Linux']]]]])).toThrow(/one dimension/)
    expect(() => v2Filters([['matches', 'event:page', ['^/a']]])).toThrow(/"matches" is not supported/)
    expect(() => v2Filters([['is', 'visit:city', ['Paris']]])).toThrow(/visit:city is not supported/)
    expect(() => v2Filters([['is', 'visit:country', ['de'], { case_sensitive: false }]])).toThrow(PlausibleQueryError)
  })

  test('v1: == != ~ !~, | ORs values, ; ANDs filters', () => {
    expect(v2Filters(v1Filters('visit:browser==Chrome|Firefox;event:page!=/admin;visit:source~goog;event:props:plan!~fr'))).toEqual([
      { dimension: 'browser', op: 'is', values: ['Chrome', 'Firefox'] },
      { dimension: 'page', op: 'is_not', values: ['/admin'] },
      { dimension: 'source', op: 'contains', values: ['goog'] },
      { dimension: 'prop:plan', op: 'contains_not', values: ['fr'] },
    ])
    expect(() => v1Filters('visit:browser>>Chrome')).toThrow(/Invalid filter/)
  })
})

describe('v2 query plan and periods', () => {
  const plan = (body: Record<string, unknown>) => planQuery(v2QuerySchema.parse({ date_range: '7d', metrics: ['visitors'], site_id: 'e.com', ...body }))

  test('one dimension at a time; metrics each dimension has', () => {
    expect(plan({ dimensions: ['visit:source'], metrics: ['visitors', 'percentage'] })).toMatchObject({ breakdown: 'visit:source', time: null })
    expect(plan({ dimensions: ['time:week'] })).toMatchObject({ breakdown: null, time: 'time:week' })
    expect(() => plan({ dimensions: ['time:day', 'visit:source'] })).toThrow(/not supported/)
    expect(() => plan({ dimensions: ['visit:source'], metrics: ['bounce_rate'] })).toThrow(/bounce_rate is not supported with dimension visit:source/)
    expect(() => plan({ metrics: ['events'] })).toThrow(/event:name/)
    expect(() => plan({ order_by: [['pageviews', 'desc']] })).toThrow(/order_by/)
  })

  test('named periods end today; months start on the 1st', () => {
    expect(namedRange('day', '2026-03-15', 365)).toEqual({ from: '2026-03-15', to: '2026-03-15' })
    expect(namedRange('28d', '2026-03-15', 365)).toEqual({ from: '2026-02-16', to: '2026-03-15' })
    expect(namedRange('6mo', '2026-03-15', 365)).toEqual({ from: '2025-10-01', to: '2026-03-15' })
    expect(namedRange('all', '2026-03-15', 10)).toEqual({ from: '2026-03-06', to: '2026-03-15' })
    expect(() => namedRange('1y', '2026-03-15', 365)).toThrow(/Invalid date_range/)
  })
})

describe('API key secrets', () => {
  test('random, prefixed, stored as a hash; the Bearer header parsed strictly', () => {
    const one = newApiKeySecret()
    const two = newApiKeySecret()
    expect(one.secret).not.toBe(two.secret)
    expect(one.hash).toBe(hashApiKeySecret(one.secret))
    expect(one.hash).not.toContain(one.secret.slice(3))
    expect(one.secret.startsWith(one.prefix)).toBe(true)
    expect(bearerSecret(`Bearer ${one.secret}`)).toBe(one.secret)
    expect(bearerSecret(null)).toBeNull()
    expect(bearerSecret(`JWT ${one.secret}`)).toBeNull()
    expect(bearerSecret('Bearer x')).toBe('')
  })
})
