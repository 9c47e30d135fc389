/**
 * Where a visit came from: an explicit source parameter, else the referrer's host under a
 * known display name, else the bare host. Self-referrals are internal navigation and have
 * no source.
 */
import { hostnameMatchesDomain, MAX_HOSTNAME_LENGTH } from './domain.js'
import { ANDROID_APP_SOURCES, COUNTRY_DOMAIN_SOURCES, KNOWN_SOURCE_HOSTS, SOURCE_ALIASES } from './knownSources.js'
import { normalizeKey, truncate } from './safeText.js'

/** Longest source name kept; matches the UTM value limit. */
export const MAX_SOURCE_LENGTH = 256

const COUNTRY_DOMAIN = new RegExp(`(?:^|\\.)(${[...COUNTRY_DOMAIN_SOURCES.keys()].join('|')})\\.(?:com?\\.)?[a-z]{2,3}$`)
/** Looks like a host name: `chatgpt.com`, `news.ycombinator.com`. */
const HOST_LIKE = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/

const withoutWww = (host: string): string => (host.startsWith('www.') ? host.slice(4) : host)

/**
 * The display name of a referring host (`l.facebook.com` → `Facebook`,
 * `www.google.co.uk` → `Google`), or null when it is not in the known-sources list.
 * The most specific listed domain wins.
 */
export function knownSourceForHost(hostname: string): null | string {
  let host = withoutWww(hostname.toLowerCase())
  for (;;) {
    const name = KNOWN_SOURCE_HOSTS.get(host)
    if (name !== undefined) return name
    const dot = host.indexOf('.')
    // Stop before the bare top-level domain: no entry is one.
    if (dot === -1 || host.indexOf('.', dot + 1) === -1) break
    host = host.slice(dot + 1)
  }
  const label = COUNTRY_DOMAIN.exec(hostname.toLowerCase())?.[1]
  return label === undefined ? null : (COUNTRY_DOMAIN_SOURCES.get(label) ?? null)
}

/**
 * An explicit `utm_source` / `source` / `ref` value as a source name: known aliases and
 * hosts get their display name (`fb` → `Facebook`), anything else is kept as written.
 */
export function sourceFromParam(value: string): null | string {
  const cleaned = truncate(normalizeKey(value).trim(), MAX_SOURCE_LENGTH)
  if (cleaned === '') return null
  const lower = cleaned.toLowerCase()
  const alias = SOURCE_ALIASES.get(lower)
  if (alias !== undefined) return alias
  if (HOST_LIKE.test(lower)) return knownSourceForHost(lower) ?? cleaned
  return cleaned
}

/**
 * The source of a pageview.
 *
 * An explicit source parameter on the page URL (`utm_source`, else `source`, else `ref`,
 * as `parsePageUrl` picks it) takes precedence over the referrer, as in Plausible: the
 * site owner tagged the link on purpose, and many apps send no referrer at all. It wins
 * even on a self-referral, since a tagged internal link is still a deliberate label.
 *
 * Otherwise: no or an invalid referrer → null (direct traffic); the page's own host, the
 * site's domain or any subdomain of it → null (internal navigation); a known host → its
 * display name; `android-app://<package>` → the app's name or package; anything else →
 * the bare host without `www.`.
 */
export function referrerSource(
  referrer: string | undefined,
  pageHostname: string,
  siteDomain: string,
  sourceParam?: null | string,
): null | string {
  if (sourceParam) {
    const explicit = sourceFromParam(sourceParam)
    if (explicit !== null) return explicit
  }
  const value = referrer?.trim()
  if (!value) return null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return null
  }
  if (url.protocol === 'android-app:') {
    const pkg = url.hostname.toLowerCase()
    return pkg === '' ? null : (ANDROID_APP_SOURCES.get(pkg) ?? truncate(normalizeKey(pkg), MAX_SOURCE_LENGTH))
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null

  const hostname = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname
  const host = withoutWww(hostname)
  // No real referrer has a longer host: it would only fill the Sources list.
  if (host === '' || hostname.length > MAX_HOSTNAME_LENGTH) return null
  if (host === withoutWww(pageHostname.toLowerCase()) || hostnameMatchesDomain(host, siteDomain)) return null
  return knownSourceForHost(host) ?? host
}
