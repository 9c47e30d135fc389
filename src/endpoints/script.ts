import type { Endpoint } from 'payload'

import { createHash } from 'node:crypto'

import { ENDPOINT_PREFIX } from '../constants.js'
import { TRACKER_FULL_SCRIPT, TRACKER_SCRIPT } from '../tracker/script.generated.js'

/** The tracker's builds by file name: the default one and the one with the optional features. */
export const TRACKER_FILES = { 'script.full.js': TRACKER_FULL_SCRIPT, 'script.js': TRACKER_SCRIPT } as const
export type TrackerFile = keyof typeof TRACKER_FILES

const etagOf = (script: string) => `"${createHash('sha256').update(script).digest('base64url').slice(0, 16)}"`
const ETAGS: Record<TrackerFile, string> = { 'script.full.js': etagOf(TRACKER_FULL_SCRIPT), 'script.js': etagOf(TRACKER_SCRIPT) }

/** A tracker build's response, shared by the Payload endpoints and the standalone ingest server. */
export function trackerScriptResponse(ifNoneMatch: null | string | undefined, file: TrackerFile = 'script.js'): Response {
  const headers = {
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'public, max-age=3600, stale-while-revalidate=86400',
    'Content-Type': 'application/javascript; charset=utf-8',
    ETag: ETAGS[file],
    'X-Content-Type-Options': 'nosniff',
  }
  if (ifNoneMatch === ETAGS[file]) return new Response(null, { headers, status: 304 })
  return new Response(TRACKER_FILES[file], { headers, status: 200 })
}

/**
 * `GET /api/analytics/script.js` (the tracker) and `GET /api/analytics/script.full.js` (with
 * the optional features): cacheable, from any origin.
 */
export const scriptEndpoints: Endpoint[] = (Object.keys(TRACKER_FILES) as TrackerFile[]).map((file) => ({
  handler: (req) => trackerScriptResponse(req.headers.get('if-none-match'), file),
  method: 'get',
  path: `${ENDPOINT_PREFIX}/${file}`,
}))
