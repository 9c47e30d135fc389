import type { Endpoint } from 'payload'

import { createHash } from 'node:crypto'

import { ENDPOINT_PREFIX } from '../constants.js'
import { TRACKER_SCRIPT } from '../tracker/script.generated.js'

const ETAG = `"${createHash('sha256').update(TRACKER_SCRIPT).digest('base64url').slice(0, 16)}"`

/** The tracker's response, shared by the Payload endpoint and the standalone ingest server. */
export function trackerScriptResponse(ifNoneMatch: null | string | undefined): Response {
  const headers = {
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'public, max-age=3600, stale-while-revalidate=86400',
    'Content-Type': 'application/javascript; charset=utf-8',
    ETag: ETAG,
    'X-Content-Type-Options': 'nosniff',
  }
  if (ifNoneMatch === ETAG) return new Response(null, { headers, status: 304 })
  return new Response(TRACKER_SCRIPT, { headers, status: 200 })
}

/** `GET /api/analytics/script.js`: the tracker, cacheable, from any origin. */
export const scriptEndpoint: Endpoint = {
  handler: (req) => trackerScriptResponse(req.headers.get('if-none-match')),
  method: 'get',
  path: `${ENDPOINT_PREFIX}/script.js`,
}
