import { describe, expect, test } from 'vitest'

import { alpha2OfAlpha3, ALPHA3_COUNT } from '../../src/core/countryAlpha3.js'
import { createSecretBox } from '../../src/core/secretBox.js'
import { searchDaysMeta, searchRatios, searchRowsOf } from '../../src/core/searchStats.js'
import { backoffDelayMs, createPacer, retryAfterSeconds } from '../../src/sources/http.js'
import { checkRemoteId } from '../../src/sources/kinds.js'
import { matomoDay } from '../../src/sources/matomo.js'
import { nightlyDays } from '../../src/sources/sync.js'

describe('secret box', () => {
  test('seals with a fresh IV each time and opens only with the same key, untampered', () => {
    const box = createSecretBox('payload-secret')
    const a = box.seal('refresh-token-1')
    const b = box.seal('refresh-token-1')
    expect(a).not.toBe(b)
    expect(a).not.toContain('refresh-token')
    expect(box.open(a)).toBe('refresh-token-1')
    expect(() => createSecretBox('another-secret').open(a)).toThrow(/could not be decrypted/)
    const [version, iv, tag, data] = a.split('.')
    const flipped = `${data![0] === 'A' ? 'B' : 'A'}${data!.slice(1)}`
    expect(() => box.open([version, iv, tag, flipped].join('.'))).toThrow(/could not be decrypted/)
    expect(() => box.open('plain text')).toThrow(/not in a known format/)
    expect(() => createSecretBox('')).toThrow(/encryption key/)
  })
})

describe('backoff and pacing', () => {
  test('exponential with jitter in the upper half, capped; Retry-After wins', () => {
    const policy = { baseMs: 1000, maxMs: 30_000 }
    expect(backoffDelayMs(0, { ...policy, random: () => 0 })).toBe(500)
    expect(backoffDelayMs(0, { ...policy, random: () => 1 })).toBe(1000)
    expect(backoffDelayMs(3, { ...policy, random: () => 0.5 })).toBe(6000)
    expect(backoffDelayMs(10, { ...policy, random: () => 1 })).toBe(30_000)
    expect(backoffDelayMs(4, { ...policy, retryAfterSeconds: 7 })).toBe(7000)
    expect(retryAfterSeconds('12')).toBe(12)
    expect(retryAfterSeconds(null)).toBeNull()
    expect(retryAfterSeconds('soon')).toBeNull()
  })

  test('the pacer spaces one key’s requests and leaves other keys alone', async () => {
    const pacer = createPacer(30)
    const started = Date.now()
    const times: Record<string, number[]> = { a: [], b: [] }
    await Promise.all([
      ...[1, 2, 3].map(async () => {
        await pacer.wait('a')
        times.a!.push(Date.now() - started)
      }),
      (async () => {
        await pacer.wait('b')
        times.b!.push(Date.now() - started)
      })(),
    ])
    expect(times.a![2]!).toBeGreaterThanOrEqual(58)
    expect(times.b![0]!).toBeLessThan(25)
  })
})

describe('search rows', () => {
  test('countries in alpha-3 become alpha-2 (unknown: empty), merged; positions weighted by impressions', () => {
    expect(ALPHA3_COUNT()).toBe(250)
    expect(alpha2OfAlpha3('deu')).toBe('DE')
    expect(alpha2OfAlpha3('GBR')).toBe('GB')
    expect(alpha2OfAlpha3('zzz')).toBeNull()
    const rows = searchRowsOf('country', [
      { clicks: 5, impressions: 100, keys: ['deu'], position: 2 },
      { clicks: 1, impressions: 50, keys: ['zzz'], position: 10 },
      { clicks: 2, impressions: 20, keys: ['xkx'], position: 4 },
    ])
    expect(rows).toEqual([
      { clicks: 5, dimension: 'country', impressions: 100, key: 'DE', positionSum: 200 },
      { clicks: 2, dimension: 'country', impressions: 20, key: 'XK', positionSum: 80 },
      { clicks: 1, dimension: 'country', impressions: 50, key: '', positionSum: 500 },
    ])
    expect(searchRatios({ clicks: 6, impressions: 120, positionSum: 280 })).toEqual({ ctr: 0.05, position: 280 / 120 })
    expect(searchRatios({ clicks: 0, impressions: 0, positionSum: 0 })).toEqual({ ctr: 0, position: 0 })
    const many = Array.from({ length: 300 }, (_, i) => ({ clicks: i, impressions: 1000, keys: [`q${i}`], position: 1 }))
    const top = searchRowsOf('query', many, 10)
    expect(top.map((row) => row.key)).toEqual(Array.from({ length: 10 }, (_, i) => `q${299 - i}`))
  })

  test('search days are Google\'s Pacific days; the answer says so when the site keeps another zone', () => {
    expect(searchDaysMeta('America/Los_Angeles')).toEqual({ siteTimeZone: 'America/Los_Angeles', timeZone: 'America/Los_Angeles' })
    // A link to the same zone is the same days.
    expect(searchDaysMeta('US/Pacific')).toEqual({ siteTimeZone: 'US/Pacific', timeZone: 'America/Los_Angeles' })
    expect(searchDaysMeta('Europe/Berlin')).toEqual({
      daysNote: expect.stringMatching(/Google's days in America\/Los_Angeles \(Pacific time\), not the site's days in Europe\/Berlin/),
      siteTimeZone: 'Europe/Berlin',
      timeZone: 'America/Los_Angeles',
    })
  })
})

describe('source settings', () => {
  test('site ids per kind, and the nightly days', () => {
    expect(checkRemoteId('gsc', 'sc-domain:example.com')).toBeNull()
    expect(checkRemoteId('gsc', 'https://example.com/')).toBeNull()
    expect(checkRemoteId('gsc', 'example.com')).toMatch(/sc-domain/)
    expect(checkRemoteId('gsc', 'https://example.com')).toMatch(/ending in \//)
    expect(checkRemoteId('matomo', '12')).toBeNull()
    expect(checkRemoteId('matomo', 'abc')).toMatch(/whole number/)
    expect(checkRemoteId('plausible', '')).toMatch(/required/)
    expect(nightlyDays('matomo', '2026-10-10')).toEqual(['2026-10-09'])
    expect(nightlyDays('gsc', '2026-10-10')).toEqual(['2026-10-06', '2026-10-07', '2026-10-08'])
  })

  test('Matomo reports become an imported day of totals', () => {
    const day = matomoDay('2026-10-01', [
      { bounce_count: 3, nb_uniq_visitors: 8, nb_visits: 10, sum_visit_length: 420 },
      { nb_pageviews: 25 },
      [{ label: '/a', nb_hits: 20, nb_uniq_visitors: 8, nb_visits: 9, url: 'https://x.test/a?b=1' }],
      [{ label: 'Direct Entry', nb_uniq_visitors: 2, nb_visits: 2, referer_type: 1 }],
      [{ code: 'xx', label: 'Unknown', nb_uniq_visitors: 1, nb_visits: 1 }],
      [{ label: 'Phablet', nb_uniq_visitors: 1, nb_visits: 1 }],
    ])
    expect(day).toEqual({
      countries: [{ key: '', visitors: 1, visits: 1 }],
      date: '2026-10-01',
      devices: [{ key: 'mobile', visitors: 1, visits: 1 }],
      pages: [{ key: '/a', pageviews: 20, visitors: 8, visits: 9 }],
      sources: [{ key: '', visitors: 2, visits: 2 }],
      totals: { bounces: 3, pageviews: 25, visitDuration: 420, visitors: 8, visits: 10 },
    })
  })
})
