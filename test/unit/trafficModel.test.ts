import { describe, expect, it } from 'vitest'

import { eventsOf, modelSiteSettings } from '../../bench/model/events.js'
import { EVENTS_PER_VISIT, pagePath, SLOTS_PER_DAY, TrafficModel } from '../../bench/model/traffic.js'
import { dayBounds } from '../../src/core/dailyStats.js'
import { parseTrackBody } from '../../src/core/trackSchema.js'

const DAY = '2026-11-18' // a Wednesday
const model = (seed: number) => new TrafficModel({ dailyEvents: 40_000, seed, sites: 8 })
const storedSites = (m: TrafficModel) => m.sites.map((site) => ({ ref: { domain: site.domain, id: site.index + 1, tenantId: 1 }, settings: modelSiteSettings(site.timeZone) }))
const countBy = <T>(items: readonly T[], key: (item: T) => unknown) => {
  const counts = new Map<unknown, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return counts
}

describe('the traffic model', () => {
  it('gives the same hits and events for the same seed, and other ones for another seed', () => {
    const [a, b, c] = [model(7), model(7), model(8)]
    const hitsA = a.dayHits(3, DAY)
    expect(b.dayHits(3, DAY)).toEqual(hitsA)
    expect(eventsOf(b, b.dayHits(3, DAY), storedSites(b))).toEqual(eventsOf(a, hitsA, storedSites(a)))
    expect(c.dayHits(3, DAY)).not.toEqual(hitsA)
    // A slot drawn alone is the same as within its day: parts can be made in any order.
    expect(a.slotHits(3, DAY, 150)).toEqual(hitsA.filter((hit) => hit.session.startsWith(`3-${DAY}-150-`)))
  }, 60_000)

  it('skews traffic over sites and pages, and keeps each day inside its site’s local day', () => {
    const m = model(3)
    const volumes = m.sites.map((site) => m.dayHits(site.index, DAY).length)
    expect(volumes[0]).toBeGreaterThan(3 * volumes[7]!)
    expect(new Set(m.sites.map((site) => site.timeZone)).size).toBeGreaterThanOrEqual(4)

    const site = m.sites.find((candidate) => candidate.timeZone === 'America/New_York')!
    const hits = m.dayHits(site.index, DAY)
    // The volume asked for (±25 %: weekday factor and noise), in arrival order.
    expect(hits.length).toBeGreaterThan(site.dailyEvents * 0.75)
    expect(hits.length).toBeLessThan(site.dailyEvents * 1.35)
    expect(hits.map((hit) => hit.at)).toEqual([...hits.map((hit) => hit.at)].sort((x, y) => x - y))
    // Sessions start inside the local day; busier at 14:00 than at 04:00 local time.
    const { end, start } = dayBounds(DAY, site.timeZone)
    const firsts = [...countBy(hits, (hit) => hit.session).keys()].map((session) => hits.find((hit) => hit.session === session)!.at)
    expect(Math.min(...firsts)).toBeGreaterThanOrEqual(start.getTime())
    expect(Math.max(...firsts)).toBeLessThan(end.getTime())
    const inHour = (hour: number) => firsts.filter((at) => at >= start.getTime() + hour * 3_600_000 && at < start.getTime() + (hour + 1) * 3_600_000).length
    expect(inHour(14)).toBeGreaterThan(4 * inHour(4))
    expect(hits.length / firsts.length).toBeGreaterThan(EVENTS_PER_VISIT * 0.8)
    expect(hits.length / firsts.length).toBeLessThan(EVENTS_PER_VISIT * 1.2)

    // Zipf pages: the home page leads, the top ten hold a minority, and there is a long tail.
    const pages = countBy(hits.filter((hit) => hit.body.t === 'pageview'), (hit) => new URL(hit.body.u).pathname)
    const ranked = [...pages.values()].sort((x, y) => y - x)
    expect(pages.get(pagePath(0))).toBe(ranked[0])
    const pageviews = ranked.reduce((x, y) => x + y, 0)
    expect(ranked.slice(0, 10).reduce((x, y) => x + y, 0) / pageviews).toBeLessThan(0.6)
    expect(pages.size).toBeGreaterThan(1_000)
  }, 60_000)

  it('mixes visits like real traffic: bounces, user-agents, countries, referrers, UTM tags, events', () => {
    const m = model(11)
    const hits = m.dayHits(0, DAY)
    const sessions = countBy(
      hits.filter((hit) => hit.body.t === 'pageview'),
      (hit) => hit.session,
    )
    const bounceShare = [...sessions.values()].filter((n) => n === 1).length / sessions.size
    expect(bounceShare).toBeGreaterThan(0.35)
    expect(bounceShare).toBeLessThan(0.6)
    expect(Math.max(...sessions.values())).toBeGreaterThan(10)
    expect(countBy(hits, (hit) => hit.userAgent).size).toBeGreaterThan(150)
    expect(countBy(hits, (hit) => hit.ip).size).toBeGreaterThan(sessions.size / 3)
    expect(countBy(hits, (hit) => hit.country).size).toBeGreaterThan(40)
    expect(countBy(hits, (hit) => hit.body.w).size).toBeGreaterThan(15)
    expect(hits.filter((hit) => hit.body.u.includes('utm_campaign=')).length / sessions.size).toBeGreaterThan(0.05)
    const types = countBy(hits, (hit) => hit.body.t)
    expect(types.get('engagement')).toBeGreaterThan(0)
    expect(types.size).toBeGreaterThan(6)
    // Every body is one the tracker endpoint accepts.
    for (const hit of hits.slice(0, 2_000)) expect(parseTrackBody(JSON.stringify(hit.body)).ok).toBe(true)

    // Through the product's enrichment: bots dropped, mobile and desktop both common, many sources.
    const events = eventsOf(m, hits, storedSites(m))
    expect(events.length).toBeLessThan(hits.length)
    expect(events.length).toBeGreaterThan(hits.length * 0.9)
    const devices = countBy(events, (event) => event.device)
    expect(devices.get('mobile')! / events.length).toBeGreaterThan(0.25)
    expect(devices.get('desktop')! / events.length).toBeGreaterThan(0.3)
    expect(countBy(events, (event) => event.source).size).toBeGreaterThan(50)
    expect(countBy(events, (event) => event.browser).size).toBeGreaterThan(5)
    expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length)
  }, 60_000)

  it('has a slot count that covers a day in 5-minute steps', () => {
    expect(SLOTS_PER_DAY * 5).toBe(24 * 60)
  })
})
