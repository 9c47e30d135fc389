import { ENDPOINT_PREFIX } from './constants.js'

export interface ScriptTagOptions {
  /** The host's REST prefix. @default '/api' */
  apiRoute?: string
  /** Endpoint for events when it is not beside the script (e.g. a standalone ingest server). */
  api?: string
  /**
   * Origin serving the script, e.g. `https://cms.example.com`; empty for a relative path (only
   * right for pages served by this app: pasted into another site, a relative src loads a 404).
   */
  origin: string
  /** The site's id (or domain). */
  site: number | string
  /** Also count visits from automated browsers. */
  trackAutomation?: boolean
}

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The script's URL on a Payload server (`apiRoute` is the host's REST prefix, usually `/api`). */
export const scriptUrl = (origin: string, apiRoute = '/api'): string =>
  `${origin.replace(/\/+$/, '')}${apiRoute}${ENDPOINT_PREFIX}/script.js`

/**
 * The tracking `<script>` tag for any front-end (server templates, static sites): the same
 * markup `<AnalyticsScript />` renders and the site document shows.
 */
export function analyticsScriptTag(options: ScriptTagOptions): string {
  const attributes = [`defer`, `data-site="${escapeAttribute(String(options.site))}"`]
  if (options.api) attributes.push(`data-api="${escapeAttribute(options.api)}"`)
  if (options.trackAutomation) attributes.push('data-track-automation="true"')
  return `<script ${attributes.join(' ')} src="${escapeAttribute(scriptUrl(options.origin, options.apiRoute))}"></script>`
}

/** Said wherever the snippet is shown while its origin is only the admin's own address. */
export const SNIPPET_ORIGIN_WARNING =
  'No public address of this server is configured (serverURL in the Payload config, or the analytics plugin’s scriptOrigin), ' +
  'so this snippet uses the address this admin was opened at. If sites reach this server at another address, set one of them.'

/** `host` or `host:port`; host a name, IPv4 or bracketed IPv6. */
const HOST = /^(?:\[[\da-f:.]+\]|[\w.-]+)(?::\d{1,5})?$/i

const first = (value: null | string): string | undefined => value?.split(',')[0]?.trim() || undefined

/**
 * The origin a request was addressed to, as its browser saw it: `X-Forwarded-Proto` /
 * `X-Forwarded-Host` first (Next fills both in on every request unless a proxy in
 * front already did), else `Host` over http. Null without a usable host.
 */
export function requestOrigin(headers: Headers | null | undefined): null | string {
  const host = first(headers?.get('x-forwarded-host') ?? null) ?? first(headers?.get('host') ?? null)
  if (!host) return null
  // A host with a path, credentials or odd characters is not an address to put in a snippet.
  if (!HOST.test(host)) return null
  const proto = first(headers?.get('x-forwarded-proto') ?? null) === 'https' ? 'https' : 'http'
  try {
    return new URL(`${proto}://${host}`).origin
  } catch {
    return null
  }
}

/**
 * Where a shown snippet loads the script from: the configured origin (`scriptOrigin`, else
 * the Payload config's `serverURL`), else the origin of the request showing it — then
 * `configured` is false and the admin shows `SNIPPET_ORIGIN_WARNING`. Relative (`origin: ''`)
 * only when neither is known (the Local API without a request).
 */
export function snippetOrigin(configured: string, headers: Headers | null | undefined): { configured: boolean; origin: string } {
  if (configured) return { configured: true, origin: configured }
  return { configured: false, origin: requestOrigin(headers) ?? '' }
}
