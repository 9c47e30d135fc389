import { domainToASCII } from 'node:url'

/**
 * The longest hostname DNS allows (253 characters, dots included). The URL parser takes
 * longer ones; a page or referrer host beyond it is not a host anyone can visit.
 */
export const MAX_HOSTNAME_LENGTH = 253

/** Lower-case letters, digits, dots and hyphens, not ending in a dot: what `normalizeDomain` returns unchanged. */
const BARE_HOSTNAME = /^[a-z0-9.-]*[a-z0-9-]$/

/** Dot-separated labels of letters, digits and inner hyphens: a hostname a site may be stored under. */
const VALID_HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

/**
 * The one canonical form of a domain, as stored and as looked up: `https://WWW.Bücher.Example:443/path`
 * becomes `www.xn--bcher-kva.example` — lower case, no scheme, credentials, port, path or
 * trailing dot, an internationalised name in its ASCII (punycode) form. The `www.` stays,
 * since it is a host of its own; matching treats the apex and its subdomains alike anyway.
 */
export function normalizeDomain(input: string): string {
  // Already bare and lower case (a parsed URL's hostname, a stored domain): nothing to
  // strip. The tracking hot path calls this several times per request.
  if (BARE_HOSTNAME.test(input)) return input
  let value = input.trim().toLowerCase()
  value = value.replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
  value = value.split(/[/?#]/, 1)[0] ?? ''
  value = value.replace(/^[^@]*@/, '')
  value = value.replace(/:\d*$/, '')
  value = value.replace(/\.+$/, '')
  // Non-ASCII (an IDN, or full-width look-alikes): the ASCII form, or nothing when invalid.
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(value) ? domainToASCII(value) : value
}

/**
 * A domain as a site may store it — `normalizeDomain`'s form — or null when that is no
 * hostname at all (empty, spaces, `..`), so two spellings of one domain can never be two sites.
 */
export function canonicalDomain(input: string): null | string {
  const value = normalizeDomain(input)
  return VALID_HOSTNAME.test(value) ? value : null
}

/** Whether a page's hostname belongs to a domain: the domain itself or any subdomain. */
export function hostnameMatchesDomain(hostname: string, domain: string): boolean {
  const host = normalizeDomain(hostname)
  const base = normalizeDomain(domain).replace(/^www\./, '')
  return base.length > 0 && (host === base || host.endsWith(`.${base}`))
}
