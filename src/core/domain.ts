/**
 * The longest hostname DNS allows (253 characters, dots included). The URL parser takes
 * longer ones; a page or referrer host beyond it is not a host anyone can visit.
 */
export const MAX_HOSTNAME_LENGTH = 253

/** Lower-case letters, digits, dots and hyphens, not ending in a dot: what `normalizeDomain` returns unchanged. */
const BARE_HOSTNAME = /^[a-z0-9.-]*[a-z0-9-]$/

/**
 * The bare hostname of a domain as an editor may type it: `https://WWW.Example.com/path`
 * becomes `www.example.com`. The `www.` stays, since it is a host of its own; matching
 * treats the apex and its subdomains alike anyway.
 */
export function normalizeDomain(input: string): string {
  // Already bare and lower case (a parsed URL's hostname, a stored domain): nothing to
  // strip. The tracking hot path calls this several times per request.
  if (BARE_HOSTNAME.test(input)) return input
  let value = input.trim().toLowerCase()
  value = value.replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
  value = value.split(/[/?#]/, 1)[0] ?? ''
  value = value.replace(/^[^@]*@/, '')
  value = value.replace(/:\d+$/, '')
  return value.replace(/\.$/, '')
}

/** Whether a page's hostname belongs to a domain: the domain itself or any subdomain. */
export function hostnameMatchesDomain(hostname: string, domain: string): boolean {
  const host = normalizeDomain(hostname)
  const base = normalizeDomain(domain).replace(/^www\./, '')
  return base.length > 0 && (host === base || host.endsWith(`.${base}`))
}
