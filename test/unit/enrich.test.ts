import { describe, expect, it } from 'vitest'

import type { EnrichTrackInput } from '../../src/core/enrich.js'
import type { EffectiveSiteSettings } from '../../src/core/siteSettings.js'
import type { TrackBody } from '../../src/core/trackSchema.js'

import { enrichServerEvent, enrichTrackEvent } from '../../src/core/enrich.js'
import { headersFromRecord } from '../../src/core/headers.js'
import { parseServerEvent } from '../../src/core/trackSchema.js'
import { visitorHash } from '../../src/core/visitorHash.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const HEADLESS = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36'
const IP = '203.0.113.77'
const NOW = new Date('2026-05-04T12:00:00.000Z')

const settings = (overrides: Partial<EffectiveSiteSettings> = {}): EffectiveSiteSettings => ({
  allowedHostnames: [],
  conversionEvents: ['lead.created'],
  excludedPaths: [],
  funnels: [],
  goalRollup: null,
  goals: [],
  ipAnonymization: 'standard',
  publicDashboard: false,
  respectDoNotTrack: true,
  retentionDays: 30,
  rolledUpProps: [],
  shareToken: null,
  timeZone: 'UTC',
  timeZoneState: null,
  trackAutomation: false,
  trackingEnabled: true,
  ...overrides,
})

const body = (overrides: Partial<TrackBody> = {}): TrackBody => ({
  s: '7',
  t: 'pageview',
  u: 'https://www.example.com/pricing/?utm_campaign=spring',
  ...overrides,
})

const input = (overrides: Partial<EnrichTrackInput> = {}, request: Partial<EnrichTrackInput['request']> = {}): EnrichTrackInput => ({
  body: body(),
  request: { headers: headersFromRecord({}), ip: IP, now: NOW, userAgent: CHROME, ...request },
  salt: 'salt-of-the-day',
  settings: settings(),
  site: { domain: 'example.com', id: 7, tenantId: 3 },
  ...overrides,
})

const accepted = (result: ReturnType<typeof enrichTrackEvent>) => {
  if (!('event' in result)) throw new Error(`expected an event, got ${JSON.stringify(result)}`)
  return result
}

describe('enrichTrackEvent', () => {
  it('builds the full event from a pageview', () => {
    const { clientKey, event, previousVisitorHash } = accepted(
      enrichTrackEvent(
        input(
          {
            body: body({ p: { plan: 'pro' }, r: 'https://www.google.de/', w: 1280 }),
            countryHeaders: ['cf-ipcountry'],
            sessionId: 'session-1',
          },
          { headers: headersFromRecord({ 'cf-ipcountry': 'de' }) },
        ),
      ),
    )
    expect(event).toEqual({
      browser: 'Chrome',
      country: 'DE',
      device: 'desktop',
      eventId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      hostname: 'www.example.com',
      os: 'Windows',
      path: '/pricing',
      props: { plan: 'pro' },
      revenue: null,
      screen: 'laptop',
      sessionId: 'session-1',
      siteId: 7,
      source: 'Google',
      tenantId: 3,
      timestamp: '2026-05-04T12:00:00.000Z',
      type: 'pageview',
      utmCampaign: 'spring',
      utmContent: null,
      utmMedium: null,
      utmSource: null,
      utmTerm: null,
      value: null,
      visitorHash: visitorHash('salt-of-the-day', 7, '203.0.113.0', CHROME),
    })
    expect(clientKey).toMatch(/^[\w-]{22}$/)
    expect(previousVisitorHash).toBeNull()
  })

  it('never lets the IP or the user-agent into the result', () => {
    const result = enrichTrackEvent(input({ previousSalt: 'yesterday' }, { ip: '2001:db8:abcd:12::99' }))
    const text = JSON.stringify(result)
    // Fragments with ':' '.' '/' or ' ', which ids and base64url hashes cannot contain by chance.
    for (const fragment of ['2001:', ':abcd', 'Mozilla/', 'Windows NT', 'Chrome/126']) expect(text).not.toContain(fragment)
    const v4 = JSON.stringify(enrichTrackEvent(input()))
    expect(v4).not.toContain('203.0.113')
  })

  it('gives each event a fresh id, time-ordered: a UUIDv7 of the request time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => accepted(enrichTrackEvent(input())).event.eventId))
    expect(ids.size).toBe(100)
    for (const id of ids) expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(NOW.getTime())
  })

  it('hashes the anonymised IP: same network, same visitor; strict mode widens it', () => {
    const hashFor = (ip: string, mode: 'standard' | 'strict' = 'standard') =>
      accepted(enrichTrackEvent(input({ settings: settings({ ipAnonymization: mode }) }, { ip }))).event.visitorHash
    expect(hashFor('203.0.113.1')).toBe(hashFor('203.0.113.254'))
    expect(hashFor('::ffff:203.0.113.9')).toBe(hashFor('203.0.113.1'))
    expect(hashFor('203.0.114.1')).not.toBe(hashFor('203.0.113.1'))
    expect(hashFor('203.0.114.1', 'strict')).toBe(hashFor('203.0.113.1', 'strict'))
  })

  it("offers yesterday's hash for sessions crossing midnight, and a UA-independent rate-limit key", () => {
    const today = accepted(enrichTrackEvent(input({ previousSalt: 'yesterday' })))
    expect(today.previousVisitorHash).toBe(visitorHash('yesterday', 7, '203.0.113.0', CHROME))
    expect(today.previousVisitorHash).not.toBe(today.event.visitorHash)
    const otherBrowser = accepted(enrichTrackEvent(input({}, { userAgent: `${CHROME} Edg/126.0` })))
    expect(otherBrowser.event.visitorHash).not.toBe(today.event.visitorHash)
    expect(otherBrowser.clientKey).toBe(today.clientKey)
  })

  it('still hashes when the IP is unknown', () => {
    expect(accepted(enrichTrackEvent(input({}, { ip: null }))).event.visitorHash).toMatch(/^[\w-]{22}$/)
  })

  it('refuses hostnames the site does not allow, with 403', () => {
    expect(enrichTrackEvent(input({ body: body({ u: 'https://evil.net/' }) }))).toEqual({
      error: 'Hostname "evil.net" is not allowed for this site',
      reject: 403,
    })
    expect(enrichTrackEvent(input({ body: body({ u: 'https://example.com.evil.net/' }) }))).toMatchObject({ reject: 403 })
    const local = input({ body: body({ u: 'http://localhost:3000/' }), settings: settings({ allowedHostnames: ['localhost'] }) })
    expect(accepted(enrichTrackEvent(local)).event.hostname).toBe('localhost')
  })

  it('refuses events of a site with tracking off, with 403', () => {
    expect(enrichTrackEvent(input({ settings: settings({ trackingEnabled: false }) }))).toMatchObject({ reject: 403 })
  })

  it('refuses a page URL without a usable host, with 400', () => {
    expect(enrichTrackEvent(input({ body: body({ u: 'https://' }) }))).toMatchObject({ reject: 400 })
  })

  it('drops bots, and automated browsers unless the site counts them', () => {
    const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
    expect(enrichTrackEvent(input({}, { userAgent: googlebot }))).toEqual({ drop: 'bot' })
    expect(enrichTrackEvent(input({}, { userAgent: '' }))).toEqual({ drop: 'bot' })
    expect(enrichTrackEvent(input({}, { userAgent: HEADLESS }))).toEqual({ drop: 'automation' })
    const counted = enrichTrackEvent(input({ settings: settings({ trackAutomation: true }) }, { userAgent: HEADLESS }))
    expect(accepted(counted).event.browser).toBe('Chrome')
    // Counting automation does not let crawlers in.
    expect(enrichTrackEvent(input({ settings: settings({ trackAutomation: true }) }, { userAgent: googlebot }))).toEqual({
      drop: 'bot',
    })
  })

  it('drops Do-Not-Track and Global Privacy Control visitors when the site honours them', () => {
    const dnt = { headers: headersFromRecord({ dnt: '1' }) }
    const gpc = { headers: new Headers({ 'Sec-GPC': '1' }) }
    expect(enrichTrackEvent(input({}, dnt))).toEqual({ drop: 'dnt' })
    expect(enrichTrackEvent(input({}, gpc))).toEqual({ drop: 'dnt' })
    expect(enrichTrackEvent(input({ settings: settings({ respectDoNotTrack: false }) }, dnt))).toHaveProperty('event')
    expect(enrichTrackEvent(input({}, { headers: headersFromRecord({ dnt: '0' }) }))).toHaveProperty('event')
  })

  it('drops excluded paths', () => {
    const excluded = settings({ excludedPaths: ['/pricing', '/admin/**'] })
    expect(enrichTrackEvent(input({ settings: excluded }))).toEqual({ drop: 'excluded-path' })
    expect(enrichTrackEvent(input({ body: body({ u: 'https://example.com/admin/users/1' }), settings: excluded }))).toEqual({
      drop: 'excluded-path',
    })
    expect(enrichTrackEvent(input({ body: body({ u: 'https://example.com/blog' }), settings: excluded }))).toHaveProperty('event')
  })

  it('checks the hostname before dropping, so a misconfigured site sees its 403', () => {
    const googlebot = 'Googlebot/2.1 (+http://www.google.com/bot.html)'
    expect(enrichTrackEvent(input({ body: body({ u: 'https://evil.net/' }) }, { userAgent: googlebot }))).toMatchObject({
      reject: 403,
    })
  })

  it('takes the country from trusted headers first, then from the GeoIP lookup with the full IP', () => {
    const seen: string[] = []
    const geoLookup = (ip: string) => {
      seen.push(ip)
      return 'JP'
    }
    const fromHeader = enrichTrackEvent(
      input({ countryHeaders: ['cf-ipcountry'], geoLookup }, { headers: headersFromRecord({ 'cf-ipcountry': 'FR' }) }),
    )
    expect(accepted(fromHeader).event.country).toBe('FR')
    expect(seen).toEqual([])
    expect(accepted(enrichTrackEvent(input({ countryHeaders: ['cf-ipcountry'], geoLookup }))).event.country).toBe('JP')
    expect(seen).toEqual([IP])
    // Headers not configured are not trusted.
    const untrusted = enrichTrackEvent(input({}, { headers: headersFromRecord({ 'cf-ipcountry': 'FR' }) }))
    expect(accepted(untrusted).event.country).toBeNull()
  })

  it('derives source, UTM and device from body and URL', () => {
    const mobile = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
    const { event } = accepted(
      enrichTrackEvent(
        input(
          { body: body({ r: 'https://www.example.com/', t: 'lead.created', u: 'https://example.com/?gclid=abc', v: 3, w: 390 }) },
          { userAgent: mobile },
        ),
      ),
    )
    expect(event).toMatchObject({
      browser: 'Safari',
      device: 'mobile',
      os: 'iOS',
      screen: 'mobile',
      source: 'Google',
      type: 'lead.created',
      utmMedium: 'cpc',
      utmSource: 'Google',
      value: 3,
    })
    expect(JSON.stringify(event)).not.toContain('abc')
  })

  it('treats a self-referral without tags as direct, and empty props as none', () => {
    const { event } = accepted(enrichTrackEvent(input({ body: body({ p: {}, r: 'https://blog.example.com/x' }) })))
    expect(event.source).toBeNull()
    expect(event.props).toBeNull()
  })
})

describe('enrichTrackEvent: engagement and hash routing', () => {
  it('keeps an engagement’s engaged time as its value (seconds) and its scroll depth as its one prop', () => {
    const { event } = accepted(enrichTrackEvent(input({ body: body({ d: 55, e: 4250, t: 'engagement', u: 'https://shop.example.com/article?x=1' }) })))
    expect(event).toMatchObject({ path: '/article', props: { scrollDepth: 55 }, type: 'engagement', value: 4.25 })
  })

  it('puts the fragment into the path only for hash-routed pages', () => {
    const url = 'https://shop.example.com/app/#/settings/profile'
    expect(accepted(enrichTrackEvent(input({ body: body({ h: 1, u: url }) }))).event.path).toBe('/app#/settings/profile')
    expect(accepted(enrichTrackEvent(input({ body: body({ u: url }) }))).event.path).toBe('/app')
    expect(accepted(enrichTrackEvent(input({ body: body({ h: 1, u: 'https://shop.example.com/about' }) }))).event.path).toBe('/about')
  })
})

describe('enrichServerEvent', () => {
  const site = { domain: 'example.com', id: 7, tenantId: 3 }
  const serverEvent = (input: Record<string, unknown>) => {
    const parsed = parseServerEvent({ siteId: 7, ...input })
    if (!parsed.ok) throw new Error(parsed.error)
    return parsed.event
  }

  it('builds an event without visitor dimensions', () => {
    const result = enrichServerEvent({
      event: serverEvent({ path: '/exports/monthly/', props: { format: 'csv' }, type: 'ai.usage', value: 1500 }),
      now: NOW,
      settings: settings(),
      site,
    })
    expect(result).toEqual({
      event: {
        browser: null,
        country: null,
        device: null,
        eventId: expect.any(String),
        hostname: null,
        os: null,
        path: '/exports/monthly',
        props: { format: 'csv' },
        revenue: null,
        screen: null,
        sessionId: null,
        siteId: 7,
        source: null,
        tenantId: 3,
        timestamp: NOW.toISOString(),
        type: 'ai.usage',
        utmCampaign: null,
        utmContent: null,
        utmMedium: null,
        utmSource: null,
        utmTerm: null,
        value: 1500,
        visitorHash: null,
      },
    })
  })

  it('keeps a reported time within the retention window and 10 minutes of skew', () => {
    const at = (timestamp: Date) =>
      enrichServerEvent({ event: serverEvent({ timestamp, type: 'automation.run' }), now: NOW, settings: settings(), site })
    const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000)
    const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000)

    expect(at(days(-2))).toMatchObject({ event: { timestamp: days(-2).toISOString() } })
    // The id is made at the time of recording, so ids keep growing whatever times are reported.
    const { eventId } = (at(days(-2)) as { event: { eventId: string } }).event
    expect(Number.parseInt(eventId.slice(0, 8) + eventId.slice(9, 13), 16)).toBe(NOW.getTime())
    expect(at(minutes(9))).toHaveProperty('event')
    expect(at(minutes(11))).toEqual({ error: 'timestamp is more than 10 minutes in the future', reject: 400 })
    expect(at(days(-29))).toHaveProperty('event')
    expect(at(days(-31))).toMatchObject({ error: expect.stringMatching(/retention window \(30 days\)/), reject: 400 })
  })

  it('refuses events of a site with tracking off', () => {
    const result = enrichServerEvent({
      event: serverEvent({ type: 'export.completed' }),
      now: NOW,
      settings: settings({ trackingEnabled: false }),
      site,
    })
    expect(result).toMatchObject({ reject: 403 })
  })
})
