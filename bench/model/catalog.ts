/**
 * What the traffic model draws from: user-agents, referrers, countries, screen widths,
 * UTM tags, custom events and time zones, each with a share close to what public web
 * statistics report for a general-audience site (2024–2025). Fixed tables, not seeded:
 * the seed decides who draws what, not what exists.
 */
import type { Rng } from './random.js'

import { tableOf, WeightedTable, zipfWeights } from './random.js'

export type FormFactor = 'desktop' | 'mobile' | 'tablet'

interface AgentFamily {
  form: FormFactor
  /** Every version the family is seen in, most used first. */
  variants: string[]
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => to - i)

const windows = ['Windows NT 10.0; Win64; x64', 'Windows NT 10.0; WOW64', 'Windows NT 6.1; Win64; x64']
const macs = ['Macintosh; Intel Mac OS X 10_15_7', 'Macintosh; Intel Mac OS X 10_15_6', 'Macintosh; Intel Mac OS X 14_6_1']
const iosVersions = ['18_1', '18_0_1', '17_6_1', '17_5_1', '18_2', '17_4', '16_7_10', '17_3_1', '16_6_1', '15_8_3']
const androidDevices = ['K', 'SM-S918B', 'SM-A546B', 'Pixel 8', 'SM-G991B', 'Redmi Note 12', 'moto g(30)', 'CPH2581', 'SM-A155F', 'Pixel 7a', '2201117TY', 'SM-A145R']
const androidVersions = ['10', '14', '13', '12', '11', '15']

const chromeWin = range(118, 131).flatMap((major) => windows.map((os) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`))
const chromeMac = range(118, 131).flatMap((major) => macs.map((os) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`))
const chromeLinux = range(118, 131).map((major) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`)
const edgeWin = range(118, 131).flatMap((major) => windows.slice(0, 2).map((os) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36 Edg/${major}.0.${2000 + major * 7}.${major % 90}`))
const firefox = range(115, 133).flatMap((major) =>
  [...windows.slice(0, 1), 'X11; Linux x86_64', 'X11; Ubuntu; Linux x86_64', macs[0]!].map((os) => `Mozilla/5.0 (${os}; rv:${major}.0) Gecko/20100101 Firefox/${major}.0`),
)
const chromeAndroid = range(120, 131).flatMap((major) =>
  androidVersions.flatMap((version) => androidDevices.map((device) => `Mozilla/5.0 (Linux; Android ${version}; ${device}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Mobile Safari/537.36`)),
)
const samsung = range(22, 27).flatMap((major) =>
  androidDevices.slice(1, 6).map((device) => `Mozilla/5.0 (Linux; Android 14; ${device}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${major}.0 Chrome/${100 + major * 2}.0.0.0 Mobile Safari/537.36`),
)
const safariIphone = iosVersions.map((os) => `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${os.split('_').slice(0, 2).join('.')} Mobile/15E148 Safari/604.1`)
const inAppIphone = iosVersions.flatMap((os) =>
  ['Instagram 356.0.0.41.101', 'FBAN/FBIOS;FBAV/489.0.0.52.108', 'GSA/343.0.695551749'].map((app) => `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ${app}`),
)
const safariIpad = iosVersions.slice(0, 6).map((os) => `Mozilla/5.0 (iPad; CPU OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${os.split('_').slice(0, 2).join('.')} Mobile/15E148 Safari/604.1`)
const safariMac = ['18.1', '18.0.1', '17.6', '17.5', '17.4.1', '16.6'].flatMap((version) => macs.map((os) => `Mozilla/5.0 (${os}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${version} Safari/605.1.15`))
const androidTablet = range(124, 131).flatMap((major) =>
  ['SM-X200', 'SM-X710', 'Lenovo TB-X606F'].map((device) => `Mozilla/5.0 (Linux; Android 13; ${device}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`),
)

/** Browser families by share of visitors; within a family, newer versions are more common (Zipf). */
const FAMILIES = tableOf<AgentFamily>([
  [{ form: 'desktop', variants: chromeWin }, 27],
  [{ form: 'mobile', variants: chromeAndroid }, 21],
  [{ form: 'mobile', variants: safariIphone }, 15],
  [{ form: 'mobile', variants: inAppIphone }, 4],
  [{ form: 'desktop', variants: chromeMac }, 7],
  [{ form: 'desktop', variants: safariMac }, 5],
  [{ form: 'desktop', variants: edgeWin }, 6],
  [{ form: 'desktop', variants: firefox }, 4],
  [{ form: 'desktop', variants: chromeLinux }, 1.5],
  [{ form: 'mobile', variants: samsung }, 3],
  [{ form: 'tablet', variants: safariIpad }, 2.5],
  [{ form: 'tablet', variants: androidTablet }, 1],
])
const VARIANT_TABLES = FAMILIES.items.map((family) => new WeightedTable(family.variants, zipfWeights(family.variants.length, 1.2)))

/** Crawlers and monitors that run the tracker's script (the ingest drops them as bots). */
const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
]

export interface Agent {
  bot: boolean
  form: FormFactor
  userAgent: string
}

/** Distinct user-agent strings in the catalogue (more than the ingest's 2,000-entry parse memo). */
export const USER_AGENT_COUNT = FAMILIES.items.reduce((sum, family) => sum + family.variants.length, 0) + BOTS.length

export function drawAgent(rng: Rng, botShare: number): Agent {
  if (rng.chance(botShare)) return { bot: true, form: 'desktop', userAgent: rng.pick(BOTS) }
  const family = FAMILIES.index(rng)
  return { bot: false, form: FAMILIES.items[family]!.form, userAgent: VARIANT_TABLES[family]!.draw(rng) }
}

const SCREENS: Record<FormFactor, WeightedTable<number>> = {
  desktop: tableOf([
    [1920, 24],
    [1536, 12],
    [1366, 10],
    [1440, 9],
    [2560, 6],
    [1280, 6],
    [1680, 3],
    [3840, 1],
  ]),
  mobile: tableOf([
    [390, 14],
    [393, 10],
    [414, 8],
    [412, 9],
    [375, 7],
    [360, 10],
    [430, 6],
    [384, 3],
  ]),
  tablet: tableOf([
    [768, 6],
    [810, 5],
    [820, 5],
    [1024, 4],
    [800, 2],
  ]),
}

export const drawScreenWidth = (rng: Rng, form: FormFactor): number => SCREENS[form].draw(rng)

/** ISO countries by share of visitors of an English/European-language site; `null`: no country header. */
export const COUNTRIES = tableOf<null | string>(
  (
    [
      ['US', 24], ['DE', 8], ['GB', 7], ['IN', 6], ['FR', 4.5], ['CA', 3.5], ['BR', 3], ['NL', 2.5], ['ES', 2.5], ['IT', 2.5],
      ['JP', 2], ['AU', 2], ['PL', 1.8], ['SE', 1.2], ['CH', 1.1], ['AT', 1], ['BE', 1], ['MX', 1.2], ['TR', 1], ['ID', 1],
      ['KR', 0.8], ['CN', 0.8], ['RU', 0.7], ['UA', 0.7], ['PT', 0.6], ['DK', 0.6], ['NO', 0.6], ['FI', 0.5], ['IE', 0.5], ['CZ', 0.6],
      ['RO', 0.5], ['HU', 0.4], ['GR', 0.4], ['IL', 0.4], ['ZA', 0.5], ['AR', 0.5], ['CO', 0.4], ['CL', 0.3], ['PH', 0.6], ['VN', 0.5],
      ['TH', 0.4], ['MY', 0.3], ['SG', 0.4], ['NZ', 0.3], ['PK', 0.4], ['BD', 0.3], ['NG', 0.4], ['EG', 0.3], ['KE', 0.2], ['AE', 0.3],
      ['SA', 0.3], ['HK', 0.3], ['TW', 0.3], ['BG', 0.2], ['HR', 0.15], ['SK', 0.2], ['SI', 0.1], ['LT', 0.1], ['LV', 0.1], ['EE', 0.1],
      [null, 2],
    ] as const
  ).map(([code, weight]) => [code, weight] as const),
)

/** Where a visit comes from: its referrer URL (none: direct) — search, social, and a long tail of sites linking in. */
type ReferrerKind = 'direct' | 'search' | 'social' | 'tail'
const REFERRER_KINDS = tableOf<ReferrerKind>([
  ['direct', 42],
  ['search', 36],
  ['social', 8],
  ['tail', 14],
])
const SEARCH = tableOf([
  ['https://www.google.com/', 80],
  ['https://www.bing.com/', 8],
  ['https://duckduckgo.com/', 5],
  ['https://search.yahoo.com/', 2],
  ['https://www.ecosia.org/', 2],
  ['https://yandex.ru/', 1.5],
  ['https://search.brave.com/', 1.5],
])
const SOCIAL = tableOf([
  ['https://t.co/', 18],
  ['https://www.facebook.com/', 20],
  ['https://l.facebook.com/', 10],
  ['https://www.linkedin.com/', 12],
  ['https://www.reddit.com/', 12],
  ['https://news.ycombinator.com/', 8],
  ['https://www.youtube.com/', 8],
  ['android-app://com.google.android.gm/', 4],
  ['https://l.instagram.com/', 6],
  ['https://github.com/', 5],
])
/** Referring sites of the long tail: a few link a lot, most link once in a while. */
const TAIL_SITES = 4_000
const TAIL = new WeightedTable(
  Array.from({ length: TAIL_SITES }, (_, rank) => rank),
  zipfWeights(TAIL_SITES, 1.05),
)

export function drawReferrer(rng: Rng): string | undefined {
  switch (REFERRER_KINDS.draw(rng)) {
    case 'direct':
      return undefined
    case 'search':
      return SEARCH.draw(rng)
    case 'social':
      return SOCIAL.draw(rng)
    case 'tail': {
      const rank = TAIL.draw(rng)
      return `https://${rank % 3 === 0 ? 'www.' : ''}linking-site-${rank}.example/${rank % 5 === 0 ? '' : `posts/${rng.int(200)}`}`
    }
  }
}

/** UTM-tagged landings: a campaign source/medium, a campaign (Zipf over the site's campaigns), sometimes a term and a content. */
const UTM_CHANNELS = tableOf([
  [{ medium: 'email', source: 'newsletter', terms: false }, 35],
  [{ medium: 'cpc', source: 'google', terms: true }, 25],
  [{ medium: 'paid_social', source: 'facebook', terms: false }, 15],
  [{ medium: 'social', source: 'linkedin', terms: false }, 10],
  [{ medium: 'referral', source: 'partner', terms: false }, 8],
  [{ medium: 'cpc', source: 'bing', terms: true }, 7],
])
const CAMPAIGNS = 80
const CAMPAIGN = new WeightedTable(
  Array.from({ length: CAMPAIGNS }, (_, rank) => rank),
  zipfWeights(CAMPAIGNS, 1.1),
)
const TERMS = 400
const TERM = new WeightedTable(
  Array.from({ length: TERMS }, (_, rank) => rank),
  zipfWeights(TERMS, 1),
)
const CONTENTS = ['hero', 'banner-a', 'banner-b', 'footer', 'sidebar', 'text-link']

/** The query string of a UTM-tagged landing page. */
export function drawUtm(rng: Rng): string {
  const channel = UTM_CHANNELS.draw(rng)
  const params = new URLSearchParams({ utm_medium: channel.medium, utm_source: channel.source, utm_campaign: `campaign-${CAMPAIGN.draw(rng)}` })
  if (channel.terms && rng.chance(0.8)) params.set('utm_term', `search term ${TERM.draw(rng)}`)
  if (rng.chance(0.3)) params.set('utm_content', rng.pick(CONTENTS))
  return params.toString()
}

/** A custom event after a pageview: its name, props and value as the tracker sends them (`t`, `p`, `v`). */
export interface CustomEvent {
  p?: Record<string, boolean | number | string>
  t: string
  v?: number
}

/** Per pageview: the chance of each custom event (a page may have none). */
export const CUSTOM_EVENTS: ReadonlyArray<{ chance: number; make: (rng: Rng, path: string) => CustomEvent }> = [
  { chance: 0.03, make: (rng) => ({ p: { url: `https://linking-site-${rng.int(500)}.example/` }, t: 'Outbound Link: Click' }) },
  { chance: 0.01, make: (rng) => ({ p: { url: `/files/report-${rng.int(60)}.pdf` }, t: 'File Download' }) },
  { chance: 0.02, make: (rng) => ({ p: { position: rng.pick(['hero', 'nav', 'footer', 'pricing-table']) }, t: 'cta.click' }) },
  { chance: 0.006, make: (rng) => ({ p: { plan: rng.pick(['free', 'pro', 'team']) }, t: 'signup' }) },
  { chance: 0.007, make: (rng, path) => ({ p: { form: path.startsWith('/contact') ? 'contact' : rng.pick(['newsletter', 'demo', 'contact']) }, t: 'form.submit' }) },
  { chance: 0.003, make: (rng) => ({ t: 'lead.created', v: 50 + rng.int(950) }) },
  { chance: 0.004, make: () => ({ t: '404' }) },
  { chance: 0.01, make: (rng) => ({ p: { seconds: 5 + rng.int(600) }, t: 'video.play' }) },
]

/** Time zones of the sites, in turn: local days start at different UTC hours. */
export const TIME_ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'America/Los_Angeles', 'Australia/Sydney', 'Asia/Kolkata'] as const

/** Visits by local hour of the day (0–23): a night trough, a working-day plateau, an evening bump. */
export const HOURLY_SHARE = [1.6, 1.1, 0.8, 0.6, 0.6, 0.9, 1.8, 3.2, 4.8, 5.8, 6.3, 6.4, 6.1, 6.3, 6.4, 6.3, 6.0, 5.7, 5.6, 5.9, 5.8, 5.0, 3.8, 2.6]

/** Weekday factors, Sunday first: weekends are quieter. */
export const WEEKDAY_FACTOR = [0.72, 1.05, 1.08, 1.07, 1.04, 0.96, 0.7]
