/**
 * Generated analytics events for the aggregation benchmarks (bench/aggregate.ts,
 * bench/aggregateStore.ts): deterministic (seeded) but for their ids, sessions of 1–7 events over one UTC day,
 * a few custom and server events.
 */
import type { Payload } from 'payload'

import type { AnalyticsEvent } from '../src/core/event.js'

import { uuidv7 } from '../src/core/uuidv7.js'

/** mulberry32 */
export function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PATHS = Array.from({ length: 40 }, (_, i) => `/page/${i}`)
const SOURCES = [null, null, 'Google', 'Bing', 'news.ycombinator.com', 'newsletter', 'twitter']
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'JP', 'BR', 'IN', null]
const BROWSERS = [
  ['Chrome', 'Windows', 'desktop'],
  ['Safari', 'iOS', 'mobile'],
  ['Firefox', 'Linux', 'desktop'],
  ['Chrome', 'Android', 'mobile'],
  ['Safari', 'macOS', 'desktop'],
  ['Samsung Internet', 'Android', 'tablet'],
] as const

/** About `count` events of one (site, day): sessions of 1–7 events, a few custom and server events. */
export function siteDayEvents(site: BenchSite, day: string, count: number, seed: number): AnalyticsEvent[] {
  const random = prng(seed)
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
  const start = Date.parse(`${day}T00:00:00.000Z`)
  const events: AnalyticsEvent[] = []
  let n = 0
  // Ids as the tracker makes them: a UUIDv7 of the time they are made (here: generated,
  // there: received), so they grow as the events arrive, like in production.
  const id = () => {
    n++
    return uuidv7()
  }
  while (events.length < count) {
    const [browser, os, device] = pick(BROWSERS)
    const visitorHash = `v${Math.floor(random() * 2_000)}-${day}`
    const sessionId = `s${seed}-${n}`
    const source = pick(SOURCES)
    let ms = start + Math.floor(random() * 86_000_000)
    const length = random() < 0.4 ? 1 : 2 + Math.floor(random() * 6)
    for (let i = 0; i < length && events.length < count; i++) {
      const type = i > 0 && random() < 0.1 ? pick(['signup', 'video.play', 'lead.created', 'form.submit']) : 'pageview'
      events.push({
        browser,
        country: pick(COUNTRIES),
        device,
        eventId: id(),
        hostname: 'example.test',
        os,
        path: pick(PATHS),
        props: null,
        screen: device === 'mobile' ? 'mobile' : 'desktop',
        sessionId,
        siteId: site.id,
        source: i === 0 ? source : null,
        tenantId: site.tenant,
        timestamp: new Date(ms).toISOString(),
        type,
        utmCampaign: i === 0 && source === 'newsletter' ? 'spring' : null,
        utmContent: null,
        utmMedium: i === 0 && source === 'newsletter' ? 'email' : null,
        utmSource: i === 0 && source === 'newsletter' ? 'newsletter' : null,
        utmTerm: null,
        value: null,
        visitorHash,
      })
      ms += 5_000 + Math.floor(random() * 120_000)
    }
    if (random() < 0.02) {
      events.push({ ...events[events.length - 1]!, eventId: id(), sessionId: null, type: 'ai.usage', value: Math.floor(random() * 5_000), visitorHash: null })
    }
  }
  return events
}

export interface BenchSite {
  id: number | string
  tenant: null | number | string
}

/** The first `count` sites (by id), creating the missing ones under the seeded tenants. */
export async function benchSites(payload: Payload, count: number): Promise<BenchSite[]> {
  const { docs: seeded } = await payload.find({ collection: 'sites', depth: 0, pagination: false })
  const tenants = [...new Set(seeded.map((doc) => doc.tenant as number))]
  for (let i = seeded.length; i < count; i++) {
    await payload.create({ collection: 'sites', data: { domain: `site${i}.bench.test`, name: `Bench ${i}`, tenant: tenants[i % tenants.length] } })
  }
  const { docs } = await payload.find({ collection: 'sites', depth: 0, pagination: false, sort: 'id' })
  return docs.slice(0, count).map((doc) => ({ id: doc.id, tenant: (doc.tenant as null | number) ?? null }))
}

/**
 * The last `count` UTC days up to today, as YYYY-MM-DD: inside the raw retention (30 days by
 * default), whose expired days a scheduled or `aggregateNow()` run does not recompute.
 */
export function benchDays(count: number): string[] {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate())
  return Array.from({ length: count }, (_, i) => new Date(today - (count - 1 - i) * 86_400_000).toISOString().slice(0, 10))
}
