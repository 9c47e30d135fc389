/**
 * The visitor's country, from a header a trusted CDN sets or from a local MaxMind-format
 * database. Never a remote call; the full IP is used for the in-memory lookup only.
 */
import maxmind from 'maxmind'
import { existsSync } from 'node:fs'
import { isIP } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import type { CountryResponse, Reader } from 'maxmind'

import type { HeaderLookup } from './headers.js'

import { unmapIpv4 } from './ip.js'

/**
 * Headers Cloudflare, Vercel and CloudFront set to the client's country. A client could
 * send them itself where no such CDN sits in front; the worst it can do is misstate its
 * own country.
 */
export const DEFAULT_COUNTRY_HEADERS: readonly string[] = ['cf-ipcountry', 'x-vercel-ip-country', 'cloudfront-viewer-country']

const ALPHA_2 = /^[A-Z]{2}$/

/**
 * Codes that are not countries: unknown (`XX`, `ZZ`), Cloudflare's Tor (`T1`, caught by
 * the pattern anyway), and MaxMind's legacy pseudo-countries (EU, AP, A1, A2, O1).
 */
const NOT_A_COUNTRY: ReadonlySet<string> = new Set(['AP', 'EU', 'XX', 'ZZ'])

/** An ISO 3166-1 alpha-2 code in upper case, or null for anything else. */
export function normalizeCountryCode(value: null | string | undefined): null | string {
  if (!value) return null
  const code = value.trim().toUpperCase()
  return ALPHA_2.test(code) && !NOT_A_COUNTRY.has(code) ? code : null
}

/**
 * The country from the first of the given headers that holds a real country code. Only
 * list headers your CDN or proxy sets (and overwrites): a client can send any header.
 */
export function countryFromHeaders(headers: HeaderLookup, headerNames: readonly string[]): null | string {
  for (const name of headerNames) {
    const code = normalizeCountryCode(headers.get(name))
    if (code !== null) return code
  }
  return null
}

/** Looks up the country of an IP address; null when unknown. */
export type GeoIpLookup = (ip: string) => null | string

/**
 * Opens a MaxMind-format database (GeoLite2-Country, GeoLite2-City, DB-IP…) from a local
 * `.mmdb` file and returns a lookup. The file is read once into memory; lookups are
 * synchronous and cached by maxmind. Rejects with a clear message when the file is
 * missing or not a database, so a misconfiguration shows at startup, not per request.
 */
export async function openGeoIpReader(mmdbPath: string): Promise<GeoIpLookup> {
  let reader: Reader<CountryResponse>
  try {
    reader = await maxmind.open<CountryResponse>(mmdbPath)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`Cannot open the GeoIP database at ${mmdbPath}: ${reason}`, { cause: error })
  }
  return (ip) => {
    const address = unmapIpv4(ip.trim())
    if (isIP(address) === 0) return null
    try {
      const record = reader.get(address) as (CountryResponse & { country_code?: string }) | null
      // MaxMind and DB-IP files nest the code; ip-location-db's files hold it as `country_code`.
      return normalizeCountryCode(record?.country?.iso_code ?? record?.registered_country?.iso_code ?? record?.country_code)
    } catch {
      // An IPv6 address against an IPv4-only database, for one.
      return null
    }
  }
}

/**
 * The IP-to-country database shipped with the plugin (an npm dependency, updated with it):
 * ip-location-db's "geo-whois-asn-country" (GeoFeed, then the five RIRs' WHOIS, then their
 * ASN data), IPv4 and IPv6 in one `.mmdb`; data under CC BY 4.0 by the NRO (nro.net).
 */
export const BUNDLED_GEOIP_DATABASE = '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb'

/**
 * The file of `BUNDLED_GEOIP_DATABASE` in the installed package, or null when it is not there.
 * Looked up in the `node_modules` folders above this module and above the working directory,
 * not with `require.resolve`: a bundler (Next's Turbopack) turns that into a module id, or
 * fails on a file type it cannot bundle.
 */
export function bundledGeoIpPath(): null | string {
  const file = path.join('node_modules', ...BUNDLED_GEOIP_DATABASE.split('/'))
  const here = import.meta.url.startsWith('file:') ? path.dirname(fileURLToPath(import.meta.url)) : null
  for (const start of [here, process.cwd()]) {
    for (let dir = start; dir; dir = path.dirname(dir) === dir ? null : path.dirname(dir)) {
      const candidate = path.join(dir, file)
      if (existsSync(candidate)) return candidate
    }
  }
  return null
}

/**
 * The country lookup an ingest path uses: the configured database; without one, the bundled
 * database, unless country headers are configured (a CDN answers then, and a visitor it does
 * not place stays unknown rather than guessed from a second source).
 */
export async function openCountryLookup(geoipDatabase: null | string | undefined, countryHeaders: readonly string[]): Promise<GeoIpLookup | null> {
  if (geoipDatabase) return openGeoIpReader(geoipDatabase)
  const bundled = countryHeaders.length > 0 ? null : bundledGeoIpPath()
  return bundled ? openGeoIpReader(bundled) : null
}
