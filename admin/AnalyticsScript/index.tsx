import React from 'react'

import { scriptUrl } from '../../src/snippet.js'

export interface AnalyticsScriptProps {
  /** Endpoint for events when it is not beside the script (e.g. a standalone ingest server). */
  api?: string
  /** The host's REST prefix. @default '/api' */
  apiRoute?: string
  /** Origin of the Payload server, e.g. `https://cms.example.com`; omit when the front-end is served by the same app. */
  origin?: string
  /** The site's id (or domain). */
  site: number | string
  /** Also count visits from automated browsers. */
  trackAutomation?: boolean
}

/**
 * The tracking script for a Next.js (or any React) front-end: put it in the root layout.
 *
 * ```tsx
 * <AnalyticsScript site={site.id} origin="https://cms.example.com" />
 * ```
 */
export function AnalyticsScript({ api, apiRoute, origin = '', site, trackAutomation }: AnalyticsScriptProps) {
  return (
    <script
      data-api={api}
      data-site={String(site)}
      data-track-automation={trackAutomation ? 'true' : undefined}
      defer
      src={scriptUrl(origin, apiRoute)}
    />
  )
}
