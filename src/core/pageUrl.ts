/**
 * The parts of a page URL that become event dimensions: hostname, a normalised path, UTM
 * tags and which ad click id was present. The query string itself, and the click id's
 * value (an identifier the ad network can join to a person), are never kept.
 */
import { MAX_HOSTNAME_LENGTH } from './domain.js'
import { hasUnsafeChars, normalizeKey, truncate } from './safeText.js'

export const MAX_PATH_LENGTH = 1024
export const MAX_UTM_LENGTH = 256

const QUERY_OR_FRAGMENT = /[?#]/

export interface Utm {
  campaign: null | string
  content: null | string
  medium: null | string
  source: null | string
  term: null | string
}

/**
 * Ad-network click ids, in order of precedence, and what a click id implies when a link
 * carries no `utm_source`. Medium `cpc` only for ids the network adds to paid clicks
 * alone; Facebook, X and Pinterest add theirs to organic shares too, so those set the
 * source but not the medium.
 */
export const CLICK_ID_SOURCES = {
  gclid: { medium: 'cpc', source: 'Google' },
  gbraid: { medium: 'cpc', source: 'Google' },
  wbraid: { medium: 'cpc', source: 'Google' },
  dclid: { medium: 'display', source: 'Google' },
  msclkid: { medium: 'cpc', source: 'Bing' },
  ttclid: { medium: 'cpc', source: 'TikTok' },
  li_fat_id: { medium: 'cpc', source: 'LinkedIn' },
  yclid: { medium: 'cpc', source: 'Yandex' },
  rdt_cid: { medium: 'cpc', source: 'Reddit' },
  ScCid: { medium: 'cpc', source: 'Snapchat' },
  fbclid: { medium: null, source: 'Facebook' },
  twclid: { medium: null, source: 'Twitter' },
  epik: { medium: null, source: 'Pinterest' },
} as const satisfies Record<string, { medium: null | string; source: string }>

export type ClickId = keyof typeof CLICK_ID_SOURCES

const CLICK_IDS = Object.keys(CLICK_ID_SOURCES) as ClickId[]
/** The UTM query parameters and the tag each fills. */
const UTM_PARAMS: ReadonlyMap<string, keyof Utm> = new Map([
  ['utm_source', 'source'],
  ['utm_medium', 'medium'],
  ['utm_campaign', 'campaign'],
  ['utm_term', 'term'],
  ['utm_content', 'content'],
])
/** A click id's precedence: its place in `CLICK_ID_SOURCES`. */
const CLICK_ID_RANK: ReadonlyMap<string, number> = new Map(CLICK_IDS.map((name, rank) => [name, rank]))

export interface PageUrl {
  /** The ad click id parameter present (its name only), or null. */
  clickId: ClickId | null
  /** Lower case, without a trailing dot; `www.` kept, as it is a host of its own. */
  hostname: string
  path: string
  /**
   * The explicit source the link was tagged with: `utm_source`, else `source`, else
   * `ref` (as Plausible reads them), else the click id's network. For `referrerSource`.
   */
  sourceParam: null | string
  /** UTM tags; `source` and `medium` filled from the click id when the link had none. */
  utm: Utm
}

/**
 * A URL path as a dimension key: percent-decoded for readability (`/caf%C3%A9` and
 * `/café` are one page; reserved characters such as `%2F` stay encoded) and then a key as
 * `normalizeKey` makes it (NFC, no bidi, zero-width or other format characters), trailing
 * slashes trimmed except for the root, query and fragment removed, length-limited.
 */
export function normalizePath(pathname: string): string {
  let path = pathname
  const cut = path.search(QUERY_OR_FRAGMENT)
  if (cut !== -1) path = path.slice(0, cut)
  if (path.includes('%')) {
    try {
      const decoded = decodeURI(path)
      // A decoded control character would be worse than the encoded form.
      if (!hasUnsafeChars(decoded)) path = normalizeKey(decoded)
    } catch {
      // Malformed escapes: keep the path as sent.
    }
  }
  let end = path.length
  while (end > 1 && path.charCodeAt(end - 1) === 0x2f) end--
  path = path.slice(0, end)
  if (!path.startsWith('/')) path = `/${path}`
  return truncate(path, MAX_PATH_LENGTH)
}

const cleanParam = (value: null | string): null | string => {
  if (value === null) return null
  const cleaned = truncate(normalizeKey(value).trim(), MAX_UTM_LENGTH)
  return cleaned === '' ? null : cleaned
}

/**
 * Parses the page URL the tracker reports. Null unless it is an absolute http(s) URL with a
 * host of at most `MAX_HOSTNAME_LENGTH` characters (the URL parser sets no limit). With
 * `hashRouting` (the tracker's `data-hash`: a single-page app routing by fragment) the fragment
 * is part of the path: `https://x.org/#/settings` → `/#/settings`.
 */
export function parsePageUrl(url: string, hashRouting = false): null | PageUrl {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null
  const hostname = parsed.hostname.endsWith('.') ? parsed.hostname.slice(0, -1) : parsed.hostname
  if (hostname === '' || hostname.length > MAX_HOSTNAME_LENGTH) return null

  const route = hashRouting && parsed.hash.length > 1 ? normalizeKey(parsed.hash) : ''
  const path = route ? truncate(normalizePath(parsed.pathname) + route, MAX_PATH_LENGTH) : normalizePath(parsed.pathname)
  const utm: Utm = { campaign: null, content: null, medium: null, source: null, term: null }
  let clickId: ClickId | null = null
  let sourceParam: null | string = null

  // Most pageviews carry no query string; skip URLSearchParams for them. Otherwise one pass
  // over the parameters, keeping the first value of each that matters.
  if (parsed.search.length > 1) {
    let source: null | string = null
    let ref: null | string = null
    let clickRank = CLICK_IDS.length
    for (const [name, value] of parsed.searchParams) {
      const tag = UTM_PARAMS.get(name)
      if (tag) utm[tag] ??= cleanParam(value)
      else if (name === 'source') source ??= cleanParam(value)
      else if (name === 'ref') ref ??= cleanParam(value)
      else clickRank = Math.min(clickRank, CLICK_ID_RANK.get(name) ?? clickRank)
    }
    sourceParam = utm.source ?? source ?? ref
    clickId = CLICK_IDS[clickRank] ?? null
    if (clickId !== null && utm.source === null) {
      const implied = CLICK_ID_SOURCES[clickId]
      utm.source = implied.source
      utm.medium = utm.medium ?? implied.medium
      sourceParam = sourceParam ?? implied.source
    }
  }
  return { clickId, hostname, path, sourceParam, utm }
}
