import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Payload, SanitizedConfig } from 'payload'

import { getPayload } from 'payload'

import { headersFromRecord } from '../core/headers.js'
import { INTERNAL_ERROR, sendJson, sendReply } from './nodeReply.js'

const STARTING = Buffer.from(JSON.stringify({ error: 'Analytics is starting, retry shortly' }))

/**
 * `POST|OPTIONS /api/analytics/track` as a Next.js **Pages API route** of the Payload app.
 *
 * Payload's own endpoint works everywhere, but it sits behind Next's App Router, which turns
 * every request into a fetch `Request` and back — about 1 ms of CPU per request, far more
 * than tracking itself costs. A Pages API route gets Node's request and response as they
 * are, so the same handler (same Payload instance, same Redis pipeline, same checks) answers
 * about 2.4 times as many requests per core. Next routes the specific file before
 * Payload's `api/[...slug]` catch-all.
 *
 * ```ts
 * // pages/api/analytics/track.ts (next to your app/ folder)
 * import payloadConfig from '@payload-config'
 * import { createTrackApiRoute } from 'payload-plugin-analytics/next'
 *
 * export const config = { api: { bodyParser: false } } // the handler reads (and limits) the body itself
 * export default createTrackApiRoute(payloadConfig)
 * ```
 */
export function createTrackApiRoute(
  config: Promise<SanitizedConfig> | SanitizedConfig,
  options: {
    /** The `getPayload` cache key, when the app boots Payload under one other than the default. */
    key?: string
  } = {},
) {
  let payload: null | Payload = null
  let booting: null | Promise<Payload> = null
  const load = (): Promise<Payload> => {
    booting ??= getPayload({ config, ...(options.key ? { key: options.key } : {}) }).then(
      (instance) => (payload = instance),
      (error: unknown) => {
        booting = null // try again on the next request
        throw error
      },
    )
    return booting
  }

  return async function trackApiRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const instance = payload ?? (await load().catch(() => null))
    const runtime = instance?.analytics
    if (!runtime) {
      sendJson(res, 503, STARTING, ['retry-after', '5'])
      return
    }
    try {
      const reply = await runtime.handleTrackReply(
        { body: req, headers: headersFromRecord(req.headers), method: req.method },
        // The socket's peer: what the Payload endpoint reads from the X-Forwarded-For entry Next adds.
        { remoteAddress: req.socket.remoteAddress },
      )
      sendReply(res, reply)
    } catch (error) {
      instance.logger.error(`analytics: tracking request failed: ${error instanceof Error ? error.message : String(error)}`)
      if (!res.headersSent) sendJson(res, 500, INTERNAL_ERROR)
      else res.destroy()
    }
  }
}
