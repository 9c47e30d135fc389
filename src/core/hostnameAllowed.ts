/**
 * Which page hostnames a site accepts events from (and, for CORS, which origins it
 * answers): its domain and every subdomain, plus the hostnames its settings allow.
 */
import { hostnameMatchesDomain, normalizeDomain } from './domain.js'

interface AllowedList {
  exact: ReadonlySet<string>
  /** Parents from `*.example.com` entries: any subdomain of them is allowed. */
  parents: readonly string[]
}

function compileAllowed(entries: readonly string[]): AllowedList {
  const exact = new Set<string>()
  const parents: string[] = []
  for (const entry of entries) {
    const wildcard = entry.trim().startsWith('*.')
    const host = normalizeDomain(wildcard ? entry.trim().slice(2) : entry)
    if (host === '') continue
    if (wildcard) parents.push(host)
    else exact.add(host)
  }
  return { exact, parents }
}

// Settings arrays are resolved once and reused, so normalising them per request is waste.
const compiled = new WeakMap<readonly string[], AllowedList>()

/**
 * Whether a page on `hostname` may report to a site. `allowedHostnames` entries match
 * exactly (`localhost`, `preview.example.net`; any port ignored) or, written
 * `*.example.net`, any subdomain of the rest.
 */
export function isHostnameAllowed(hostname: string, siteDomain: null | string, allowedHostnames: readonly string[]): boolean {
  const host = normalizeDomain(hostname)
  if (host === '') return false
  if (siteDomain && hostnameMatchesDomain(host, siteDomain)) return true
  if (allowedHostnames.length === 0) return false
  let allowed = compiled.get(allowedHostnames)
  if (allowed === undefined) {
    allowed = compileAllowed(allowedHostnames)
    compiled.set(allowedHostnames, allowed)
  }
  if (allowed.exact.has(host)) return true
  return allowed.parents.some((parent) => host.endsWith(`.${parent}`))
}
