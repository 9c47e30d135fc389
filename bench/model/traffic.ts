/**
 * The seeded traffic model every bench and load test draws from: sites with skewed traffic
 * (site r gets 1/r^1.3 of it), each with its own time zone and tens of thousands of pages
 * (Zipf popularity); visitors with their own user-agent, address, country and screen who
 * come back; sessions of realistic length (45 % bounce, a long tail of deep visits) with
 * log-normal gaps between pages, engagement pings and custom events; visits spread over
 * the local day by a diurnal curve and over the week.
 *
 * What it makes are *hits*: what a browser would send (`body` as the tracker posts it,
 * plus the request's user-agent, address and country header). A bench sends them to the
 * real endpoint (`requestOf`) or turns them into buffered events with the product's own
 * enrichment (`eventOf`, bench/model/events.ts) — never into statistics.
 *
 * Each (site, local day, 5-minute slot) is drawn from its own seed, so any part can be made
 * alone, in any order, and the same seed gives the same traffic everywhere.
 */
import type { FormFactor } from './catalog.js'
import type { Rng } from './random.js'

import { dayBounds } from '../../src/core/dailyStats.js'
import { COUNTRIES, CUSTOM_EVENTS, drawAgent, drawReferrer, drawScreenWidth, drawUtm, HOURLY_SHARE, TIME_ZONES, WEEKDAY_FACTOR } from './catalog.js'
import { createRng, subSeed, WeightedTable, zipfWeights } from './random.js'

/** What the tracker posts (`trackBodySchema`), as an object. */
export interface HitBody {
  d?: number
  e?: number
  p?: Record<string, boolean | number | string>
  r?: string
  s: string
  t: string
  u: string
  v?: number
  w?: number
}

export interface Hit {
  /** When the server receives it (ms since the epoch). */
  at: number
  body: HitBody
  /** A crawler the ingest drops. */
  bot: boolean
  /** The country header a CDN would add (`cf-ipcountry`), or null. */
  country: null | string
  /** 32 hex digits of seeded randomness: the event id's random part, so ids repeat with the seed too. */
  entropy: string
  ip: string
  /** The visit this hit belongs to (what the ingest's session store would find). */
  session: string
  /** The model's index of the site. */
  site: number
  userAgent: string
}

export interface ModelSite {
  /** Events (pageviews, engagement pings, custom events) on an average weekday. */
  dailyEvents: number
  domain: string
  index: number
  /** Distinct pages; page r gets 1/r of the page draws. */
  pages: number
  timeZone: string
}

export interface TrafficModelOptions {
  /** Share of visits by crawlers (dropped by the ingest). @default 0.03 */
  botShare?: number
  /** Events per average day over all sites. */
  dailyEvents: number
  /** Pages of the busiest site (the others have fewer, down to 200). @default 30000 */
  largestSitePages?: number
  /** Names the sites' domains (`site<i>.<name>.test`), so two models can share an app. @default 'model' */
  name?: string
  seed: number
  /** @default 20 */
  sites?: number
  /** Time zones, in turn per site. @default TIME_ZONES */
  timeZones?: readonly string[]
}

export const SLOTS_PER_DAY = 288
export const SLOT_MS = 5 * 60 * 1000
/** Events per visit the session shape below averages (measured by the model's unit test), to turn events into visits. */
export const EVENTS_PER_VISIT = 4.1
const BOUNCE_SHARE = 0.45
const MAX_PAGES_PER_VISIT = 40
const MAX_GAP_MS = 20 * 60 * 1000
const ENGAGEMENT_SHARE = 0.55
const UTM_SHARE = 0.1
/** Visitors a site sees over time, per visit on an average day; a share of visits comes from a small loyal core. */
const POPULATION_PER_DAILY_VISIT = 4
const LOYAL_SHARE = 0.25
const LOYAL_FRACTION = 0.03

const FIXED_PAGES = ['/', '/pricing', '/blog', '/docs', '/about', '/contact', '/features', '/login', '/signup', '/changelog']
const SECTIONS = ['getting-started', 'guides', 'api', 'integrations', 'reference', 'faq', 'security', 'billing']

/** The path of the page of popularity rank `rank` (0: the home page). */
export function pagePath(rank: number): string {
  if (rank < FIXED_PAGES.length) return FIXED_PAGES[rank]!
  switch (rank % 4) {
    case 0:
      return `/blog/${2015 + (rank % 11)}/post-${rank}`
    case 1:
      return `/docs/${SECTIONS[rank % SECTIONS.length]}/topic-${rank}`
    case 2:
      return `/products/item-${rank}`
    default:
      return `/help/article-${rank}`
  }
}

const weekday = (day: string) => new Date(`${day}T12:00:00.000Z`).getUTCDay()
const HOUR_TOTAL = HOURLY_SHARE.reduce((a, b) => a + b, 0)
/** Stochastic rounding: on average exactly `x`. */
const roundRandom = (rng: Rng, x: number) => Math.floor(x + rng.next())

interface Visitor {
  bot: boolean
  country: null | string
  form: FormFactor
  ip: string
  screen: number
  userAgent: string
}

export class TrafficModel {
  readonly seed: number
  readonly sites: readonly ModelSite[]
  private readonly botShare: number
  private readonly pageTables = new Map<number, WeightedTable<number>>()
  /** Local midnights by (site, day): finding one asks Intl a few dozen times. */
  private readonly midnights = new Map<string, number>()

  constructor(options: TrafficModelOptions) {
    this.seed = options.seed
    this.botShare = options.botShare ?? 0.03
    const count = options.sites ?? 20
    const zones = options.timeZones ?? TIME_ZONES
    const weights = zipfWeights(count, 1.3)
    const total = weights.reduce((a, b) => a + b, 0)
    const largestPages = options.largestSitePages ?? 30_000
    this.sites = weights.map((weight, index) => ({
      dailyEvents: (options.dailyEvents * weight) / total,
      domain: `site${index}.${options.name ?? 'model'}.test`,
      index,
      pages: Math.max(200, Math.round(largestPages * weight)),
      timeZone: zones[index % zones.length]!,
    }))
  }

  /** Every hit of sessions that start in one local day of a site, in arrival order. */
  dayHits(site: number, day: string): Hit[] {
    const hits: Hit[] = []
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) hits.push(...this.slotHits(site, day, slot))
    return hits.sort(byArrival)
  }

  /**
   * The hits of the sessions that start in one 5-minute slot of a site's local day (slot 0
   * starts at local midnight), in arrival order. A session's later hits may fall in later slots.
   */
  slotHits(site: number, day: string, slot: number): Hit[] {
    const model = this.sites[site]
    if (!model) throw new RangeError(`the model has no site ${site}`)
    const dayRng = createRng(subSeed(this.seed, 'day', site, day))
    const dayEvents = model.dailyEvents * WEEKDAY_FACTOR[weekday(day)]! * (0.9 + 0.2 * dayRng.next())
    const rng = createRng(subSeed(this.seed, 'slot', site, day, slot))
    const slotShare = HOURLY_SHARE[Math.floor((slot * 24) / SLOTS_PER_DAY)]! / HOUR_TOTAL / (SLOTS_PER_DAY / 24)
    const visits = roundRandom(rng, (dayEvents / EVENTS_PER_VISIT) * slotShare)
    const slotStart = this.midnight(model, day) + slot * SLOT_MS
    const hits: Hit[] = []
    for (let visit = 0; visit < visits; visit++) {
      this.visit(rng, model, `${site}-${day}-${slot}-${visit}`, slotStart + rng.int(SLOT_MS), hits)
    }
    return hits.sort(byArrival)
  }

  private midnight(model: ModelSite, day: string): number {
    const key = `${model.timeZone}|${day}`
    let start = this.midnights.get(key)
    if (start === undefined) this.midnights.set(key, (start = dayBounds(day, model.timeZone).start.getTime()))
    return start
  }

  /** A visitor of a site: the same id is the same person (address, user-agent, country, screen) on every day. */
  private visitor(model: ModelSite, rng: Rng): Visitor {
    const population = Math.max(50, Math.round((model.dailyEvents / EVENTS_PER_VISIT) * POPULATION_PER_DAILY_VISIT))
    const id = rng.chance(LOYAL_SHARE) ? rng.int(Math.max(1, Math.round(population * LOYAL_FRACTION))) : rng.int(population)
    const own = createRng(subSeed(this.seed, 'visitor', model.index, id))
    const agent = drawAgent(own, this.botShare)
    const ip = own.chance(0.15)
      ? `2001:db8:${(own.int(0xffff) + 1).toString(16)}:${own.int(0xffff).toString(16)}::${(own.int(0xffff) + 1).toString(16)}`
      : `${1 + own.int(223)}.${own.int(256)}.${own.int(256)}.${1 + own.int(254)}`
    return { bot: agent.bot, country: COUNTRIES.draw(own), form: agent.form, ip, screen: drawScreenWidth(own, agent.form), userAgent: agent.userAgent }
  }

  private pageTable(model: ModelSite): WeightedTable<number> {
    let table = this.pageTables.get(model.pages)
    if (!table) {
      table = new WeightedTable(
        Array.from({ length: model.pages }, (_, rank) => rank),
        zipfWeights(model.pages, 1),
      )
      this.pageTables.set(model.pages, table)
    }
    return table
  }

  private visit(rng: Rng, model: ModelSite, session: string, start: number, hits: Hit[]) {
    const person = this.visitor(model, rng)
    const pages = this.pageTable(model)
    const origin = `https://${model.domain}`
    const pageviews = rng.chance(BOUNCE_SHARE) ? 1 : Math.min(MAX_PAGES_PER_VISIT, 2 + Math.floor(rng.exponential(2.2)))
    const push = (at: number, body: Omit<HitBody, 's'>) => {
      const entropy = Array.from({ length: 4 }, () => rng.int(0x100000000).toString(16).padStart(8, '0')).join('')
      hits.push({ at: Math.round(at), body: { s: model.domain, ...body }, bot: person.bot, country: person.country, entropy, ip: person.ip, session, site: model.index, userAgent: person.userAgent })
    }
    let at = start
    let rank = pages.draw(rng)
    let previousUrl = drawReferrer(rng)
    for (let i = 0; i < pageviews; i++) {
      const path = pagePath(rank)
      const url = `${origin}${path}${i === 0 && rng.chance(UTM_SHARE) ? `?${drawUtm(rng)}` : ''}`
      push(at, { r: previousUrl, t: 'pageview', u: url, w: person.screen })
      const gap = Math.min(MAX_GAP_MS, rng.logNormal(30_000, 1.1))
      for (const custom of CUSTOM_EVENTS) {
        if (rng.chance(custom.chance)) push(at + 500 + rng.int(Math.max(1, Math.round(gap))), { ...custom.make(rng, path), u: url, w: person.screen })
      }
      if (rng.chance(ENGAGEMENT_SHARE)) push(at + gap * 0.95, { d: rng.int(101), e: Math.round(gap * (0.4 + 0.5 * rng.next())), t: 'engagement', u: url, w: person.screen })
      previousUrl = url
      // Half of the next pages are popular ones, half are near this one (related links).
      rank = rng.chance(0.5) ? pages.draw(rng) : Math.min(model.pages - 1, Math.max(0, rank + rng.int(21) - 10))
      at += gap
    }
  }
}

const byArrival = (a: Hit, b: Hit) => a.at - b.at || (a.entropy < b.entropy ? -1 : a.entropy > b.entropy ? 1 : 0)

/** The request a browser would make for a hit: body and headers as `POST /api/analytics/track` receives them. */
export function requestOf(hit: Hit): { body: string; headers: Record<string, string> } {
  const origin = new URL(hit.body.u).origin
  const headers: Record<string, string> = {
    accept: '*/*',
    'accept-language': 'en-US,en;q=0.9',
    'content-type': 'text/plain;charset=UTF-8',
    origin,
    referer: hit.body.u,
    'user-agent': hit.userAgent,
    'x-forwarded-for': hit.ip,
  }
  if (hit.country) headers['cf-ipcountry'] = hit.country
  return { body: JSON.stringify(hit.body), headers }
}

/** The currency a model lead's value is sent in as Plausible revenue (the model has no revenue of its own). */
export const MODEL_REVENUE_CURRENCY = 'EUR'

/**
 * The same hit as Plausible's trackers send it to `POST /api/event` (its Events API, as
 * documented): `n` name, `u` URL, `d` domain, `r` referrer, `w` screen width, `p` props, a
 * lead's value as revenue `$`, and an engagement's scroll depth and engaged time as `sd`/`e`.
 * Same headers as `requestOf`, so the two endpoints get the same visitors.
 */
export function plausibleRequestOf(hit: Hit): { body: string; headers: Record<string, string> } {
  const { d: depth, e: engaged, p: props, r: referrer, s: domain, t: name, u: url, v: value, w: width } = hit.body
  const body: Record<string, unknown> = { n: name, u: url, d: domain }
  if (referrer !== undefined) body.r = referrer
  if (width !== undefined) body.w = width
  if (props !== undefined) body.p = props
  if (value !== undefined) body.$ = { amount: value, currency: MODEL_REVENUE_CURRENCY }
  if (depth !== undefined) body.sd = depth
  if (engaged !== undefined) body.e = engaged
  const { headers } = requestOf(hit)
  return { body: JSON.stringify(body), headers }
}
