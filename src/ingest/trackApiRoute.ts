import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Payload, SanitizedConfig } from 'payload'

import { getPayload } from 'payload'

import { headersFromRecord } from '../core/headers.js'
import { INTERNAL_ERROR, sendJson, sendReply } from './nodeReply.js'

const STARTING = Buffer.from(JSON.stringify({ error: 'Analytics is starting, retry shortly' }))
/** How long a failed boot is reported before the next attempt. */
const DEFAULT_BOOT_RETRY_MS = 30_000

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
export function createTrackApiRoute(config: Promise<SanitizedConfig> | SanitizedConfig, options: IngestApiRouteOptions = {}) {
  return createIngestApiRoute(config, options, 'handleTrackReply')
}

/**
 * Plausible's `POST|OPTIONS /api/event` as a Next.js Pages API route, for the same reason
 * and in the same way as `createTrackApiRoute` (`pages/api/event.ts`).
 */
export function createEventApiRoute(config: Promise<SanitizedConfig> | SanitizedConfig, options: IngestApiRouteOptions = {}) {
  return createIngestApiRoute(config, options, 'handleEventReply')
}

export interface IngestApiRouteOptions {
  /**
   * After a failed boot (wrong database credentials, database gone), requests are answered
   * 503 with the reason for this long before Payload is booted again: one attempt per
   * interval, however many requests arrive. @default 30000
   */
  bootRetryMs?: number
  /** The `getPayload` cache key, when the app boots Payload under one other than the default. */
  key?: string
}

function createIngestApiRoute(
  config: Promise<SanitizedConfig> | SanitizedConfig,
  options: IngestApiRouteOptions,
  route: 'handleEventReply' | 'handleTrackReply',
) {
  const bootRetryMs = options.bootRetryMs ?? DEFAULT_BOOT_RETRY_MS
  let payload: null | Payload = null
  let booting: null | Promise<Payload> = null
  let failed: { body: Buffer; retryAt: number } | null = null
  const load = (): Promise<Payload> => {
    booting ??= Promise.resolve(config)
      .then((resolved) => getPayload({ config: quietFailedInit(resolved), ...(options.key ? { key: options.key } : {}) }))
      .then(
      (instance) => {
        failed = null
        return (payload = instance)
      },
      (error: unknown) => {
        failed = { body: Buffer.from(JSON.stringify({ error: startupFailure(error) })), retryAt: Date.now() + bootRetryMs }
        booting = null
        throw error
      },
    )
    return booting
  }

  return async function trackApiRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!payload && failed && Date.now() < failed.retryAt) {
      sendJson(res, 503, failed.body, ['retry-after', String(Math.ceil((failed.retryAt - Date.now()) / 1000))])
      return
    }
    const instance = payload ?? (await load().catch(() => null))
    const runtime = instance?.analytics
    if (!runtime) {
      if (failed) sendJson(res, 503, failed.body, ['retry-after', String(Math.ceil(bootRetryMs / 1000))])
      else sendJson(res, 503, STARTING, ['retry-after', '5'])
      return
    }
    try {
      const reply = await runtime[route](
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

/**
 * Why Payload could not start, for the 503 body: the kind of configuration error when it is
 * recognisable, otherwise the error's first line — with any URL (which may carry a password)
 * and quoted names (users, databases) left out.
 */
export function startupFailure(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
  const known: Array<[RegExp, string]> = [
    [/password authentication failed|authentication failed|no pg_hba\.conf entry|role .* does not exist/i, 'the database refused the login: check the user and password of the database URL'],
    [/database .* does not exist/i, 'the database named in the database URL does not exist'],
    [/ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|timeout expired|Connection terminated/i, 'the database is not reachable: check the host and port of the database URL and that it is running'],
    [/ENOTFOUND|EAI_AGAIN/i, 'the database host of the database URL is not found'],
  ]
  const reason = known.find(([pattern]) => pattern.test(message))?.[1] ??
    message.replace(/[a-z][\w+.-]*:\/\/\S+/gi, '<url>').replace(/"[^"]*"/g, '"…"').slice(0, 200)
  return `Analytics is unavailable: Payload could not start (${reason}). This is a configuration error; the next attempt is made automatically.`
}

const guarded = new WeakSet<object>()

/**
 * The Postgres adapter rejects a promise of its own (`initializing`) that nothing awaits when
 * it cannot connect: each failed boot would add an unhandled rejection (which ends a plain
 * Node process) to the error `getPayload` already reports. Mark it handled, once per config.
 */
function quietFailedInit(config: SanitizedConfig): SanitizedConfig {
  const db = config.db as unknown as { init: (...args: unknown[]) => { initializing?: Promise<unknown> } }
  if (guarded.has(db)) return config
  guarded.add(db)
  const init = db.init
  db.init = (...args) => {
    const adapter = init(...args)
    adapter.initializing?.catch(() => undefined)
    return adapter
  }
  return config
}
