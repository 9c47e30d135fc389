import { ENDPOINT_PREFIX } from './constants.js'

export interface ScriptTagOptions {
  /** The host's REST prefix. @default '/api' */
  apiRoute?: string
  /** Endpoint for events when it is not beside the script (e.g. a standalone ingest server). */
  api?: string
  /** Origin serving the script, e.g. `https://cms.example.com`; empty for a relative path. */
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
