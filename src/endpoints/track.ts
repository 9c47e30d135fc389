import type { Endpoint, PayloadHandler } from 'payload'

import { ENDPOINT_PREFIX, PLAUSIBLE_EVENT_PATH } from '../constants.js'

/**
 * Under Next.js there is no socket to read: Next sets X-Forwarded-For from it when the
 * header is absent, and a proxy in front appends the address it saw — so the right-most
 * entry is the peer. `trustProxy` decides how far left to trust beyond that.
 */
const peerAddress = (forwardedFor: null | string): null | string =>
  forwardedFor ? forwardedFor.slice(forwardedFor.lastIndexOf(',') + 1).trim() || null : null

const ingestHandler =
  (route: 'handleEvent' | 'handleTrack'): PayloadHandler =>
  async (req) => {
    const runtime = req.payload.analytics
    if (!runtime) return Response.json({ error: 'Analytics is starting, retry shortly' }, { headers: { 'Retry-After': '5' }, status: 503 })
    return runtime[route](
      { body: req.body as AsyncIterable<Uint8Array> | null | undefined, headers: req.headers, method: req.method },
      { remoteAddress: peerAddress(req.headers.get('x-forwarded-for')) },
    )
  }

const track = ingestHandler('handleTrack')
const event = ingestHandler('handleEvent')

/** `POST /api/analytics/track`, Plausible's `POST /api/event`, and their CORS preflights. */
export const trackEndpoints: Endpoint[] = [
  { handler: track, method: 'post', path: `${ENDPOINT_PREFIX}/track` },
  { handler: track, method: 'options', path: `${ENDPOINT_PREFIX}/track` },
  { handler: event, method: 'post', path: PLAUSIBLE_EVENT_PATH },
  { handler: event, method: 'options', path: PLAUSIBLE_EVENT_PATH },
]
