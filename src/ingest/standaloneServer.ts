/**
 * The standalone ingest server (`payload-analytics ingest`): the tracking endpoint and the
 * tracker script on plain `node:http`, with no Payload boot (`startIngestServer`); or the
 * same routes as a request listener for a Node server of your own (`createIngestListener`).
 * It needs only Redis: the Payload app publishes every site's ingestion settings there
 * (`RedisSiteSync`), and this server appends to the same buffer the Payload app's
 * aggregation job reads. Any number of them can run behind a load balancer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Redis } from 'ioredis'

import type { TrustProxy } from '../core/ip.js'
import type { AnalyticsMetrics } from '../metrics/registry.js'
import type { EventBuffer } from '../buffer/types.js'
import type { MetricsOptions, RateLimitOptions } from '../types.js'
import type { IngestRequest } from './trackHandler.js'

import { createServer } from 'node:http'

import { createEventBuffer } from '../buffer/index.js'
import { createFailFastRedis, redactRedisUrl, waitForReady } from '../buffer/redisClient.js'
import { createSaltStore } from '../buffer/saltStore.js'
import { ENDPOINT_PREFIX, PLAUSIBLE_EVENT_PATH } from '../constants.js'
import { openCountryLookup } from '../core/country.js'
import { headersFromRecord } from '../core/headers.js'
import { metricsResponse } from '../endpoints/metrics.js'
import { TRACKER_FILES, trackerScriptResponse, type TrackerFile } from '../endpoints/script.js'
import { DEFAULT_REDIS_KEY_PREFIX, resolveIngestOptions, resolveMetricsOptions } from '../ingestDefaults.js'
import { createAnalyticsMetrics } from '../metrics/registry.js'
import { INTERNAL_ERROR, sendJson, sendReply } from './nodeReply.js'
import { RedisSiteSync, SiteDirectory } from './siteDirectory.js'
import { createRedisRejectionLog } from './rejectionLog.js'
import { createPlausibleEventHandler } from './plausibleEventHandler.js'
import { createIngestCore, createTrackReplyHandler } from './trackHandler.js'

export interface IngestServerLogger {
  error(message: string): void
  info(message: string): void
  warn(message: string): void
}

export interface IngestServerOptions {
  /** The Payload app's `routes.api`, so the paths match the app's. @default '/api' */
  apiRoute?: string
  /** Trusted headers with the visitor's country, as the plugin's `ingest.countryHeaders`. @default [] */
  countryHeaders?: readonly string[]
  /** As the plugin's `ingest.explainRejections`. @default true unless NODE_ENV is 'production' */
  explainRejections?: boolean
  /** A local MaxMind-format `.mmdb` file for the country, as `ingest.geoipDatabase` (without it and country headers: the bundled database). */
  geoipDatabase?: null | string
  /** @default '0.0.0.0' */
  host?: string
  /** As the plugin's `ingest.ipHeaders`: single-IP headers your proxy sets, believed when listed. @default [] */
  ipHeaders?: readonly string[]
  /** The Payload app's `redisKeyPrefix`: sites, salts and the stream live under it. @default 'analytics:' */
  keyPrefix?: string
  /** @default console, prefixed */
  logger?: IngestServerLogger
  /**
   * `GET <apiRoute>/analytics/metrics`: the plugin's Prometheus metrics as this server sees
   * them (events accepted, refused and dropped; the buffer's length; Node's defaults), behind
   * the same bearer token as the Payload app's. Scrape every ingest server: each counts the
   * events it accepted.
   * @default { token: process.env.ANALYTICS_METRICS_TOKEN, public: false, siteLabels: true }
   */
  metrics?: MetricsOptions
  /** 0 picks a free port (see the returned `port`). */
  port: number
  /** @default { perClient: 300 per 60 s, perSite: 100,000 per 60 s } (the plugin's defaults) */
  rateLimits?: { perClient?: RateLimitOptions; perSite?: RateLimitOptions }
  /** How long to wait for Redis at start before serving anyway (503 until it is there). @default 5000 */
  redisConnectWaitMs?: number
  redisUrl: string
  /** Idle time that ends a visit. @default 1800 (the plugin's 30 minutes) */
  sessionIdleSeconds?: number
  /** As the plugin's `ingest.trustProxy`. @default false */
  trustProxy?: TrustProxy
}

export interface IngestServer {
  /** Stop accepting connections, finish the requests in flight (at most `graceMs`), then let go of Redis. */
  close(options?: { graceMs?: number }): Promise<void>
  /** The port it listens on. */
  port: number
  /** The sites it knows (filled from Redis, kept current by the Payload app's announcements). */
  sites: SiteDirectory
}

const ingestPaths = (apiRoute = '/api') => {
  const api = apiRoute.replace(/\/+$/, '')
  const base = `${api}${ENDPOINT_PREFIX}`
  return { base, eventPath: `${api}${PLAUSIBLE_EVENT_PATH}`, metricsPath: `${base}/metrics`, scriptPath: `${base}/script.js`, trackPath: `${base}/track` }
}
const HEALTH_PATH = '/healthz'
const REDIS_ERROR_LOG_INTERVAL_MS = 30_000

const consoleLogger: IngestServerLogger = {
  error: (message) => console.error(`[analytics ingest] ${message}`),
  // eslint-disable-next-line no-console -- the server's own default log, for operators
  info: (message) => console.log(`[analytics ingest] ${message}`),
  warn: (message) => console.warn(`[analytics ingest] ${message}`),
}

// Small fixed answers, encoded once.
const NOT_FOUND = Buffer.from(JSON.stringify({ error: 'Not found' }))
const METHOD_NOT_ALLOWED = Buffer.from(JSON.stringify({ error: 'Use GET' }))
/**
 * Copy a fetch `Response` (the tracker script's) to Node's response: one flat header array for `writeHead` (no
 * header object, no per-header `setHeader`), the body read in one piece (the handler's
 * bodies are small and complete) and sent with its length, so keep-alive needs no chunking.
 */
async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: string[] = []
  let hasLength = false
  response.headers.forEach((value, name) => {
    if (name === 'content-length') hasLength = true
    headers.push(name, value)
  })
  if (response.body === null) {
    if (!hasLength && response.status !== 204 && response.status !== 304) headers.push('content-length', '0')
    res.writeHead(response.status, headers)
    res.end()
    return
  }
  const body = Buffer.from(await response.arrayBuffer())
  if (!hasLength) headers.push('content-length', String(body.byteLength))
  res.writeHead(response.status, headers)
  res.end(body)
}

/**
 * The ingest routes (`POST|OPTIONS <apiRoute>/analytics/track`, Plausible's `POST|OPTIONS <apiRoute>/event`, `GET <apiRoute>/analytics/script.js`,
 * `GET <apiRoute>/analytics/metrics`)
 * as a Node request listener that needs only Redis, for `startIngestServer` and for any
 * Node server of your own — e.g. a custom server in front of Next.js that answers tracking
 * before Next's router, which costs far more per request than the handler does.
 */
export interface IngestListener {
  /** Let go of Redis (the caller closes its own server first). */
  close(): Promise<void>
  /** Answers the request and returns true when it is an ingest route; otherwise touches nothing and returns false. */
  handle(req: IncomingMessage, res: ServerResponse): boolean
  /** What it counts, served at `<apiRoute>/analytics/metrics`. */
  metrics: AnalyticsMetrics
  /** The shared client: `status === 'ready'` is the health check. */
  redis: Redis
  /** The sites it knows (filled from Redis, kept current by the Payload app's announcements). */
  sites: SiteDirectory
}

export type IngestListenerOptions = Omit<IngestServerOptions, 'host' | 'port'>

/** Connect to Redis, load the sites, and return the listener; throws on bad options. */
export async function createIngestListener(options: IngestListenerOptions): Promise<IngestListener> {
  const logger = options.logger ?? consoleLogger
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX
  const { base, eventPath, metricsPath, trackPath } = ingestPaths(options.apiRoute)
  const metricsConfig = resolveMetricsOptions(options.metrics)
  const metrics = createAnalyticsMetrics({ logger, siteLabels: metricsConfig.siteLabels })
  const ingest = resolveIngestOptions(options, { rateLimits: 'analytics ingest: rateLimits', sessionIdle: 'analytics ingest: sessionIdleSeconds' })
  const geoLookup = await openCountryLookup(options.geoipDatabase, ingest.countryHeaders)

  // No auto-pipelining: the buffer already sends the tracking requests that arrive
  // together as one command, and ioredis's pipelining would only add its own cost to it.
  const redis: Redis = createFailFastRedis(options.redisUrl)
  let lastRedisError = 0
  // Without a listener ioredis prints every reconnect failure; log them, throttled.
  redis.on('error', (error: Error) => {
    const now = Date.now()
    if (now - lastRedisError < REDIS_ERROR_LOG_INTERVAL_MS) return
    lastRedisError = now
    logger.warn(`Redis error (retrying on its own; tracking answers 503 meanwhile): ${error.message}`)
  })

  let buffer: EventBuffer | null = null
  let siteSync: null | RedisSiteSync = null
  const close = async () => {
    await siteSync?.close()
    await buffer?.close()
    redis.disconnect()
  }

  try {
    const ready = await waitForReady(redis, options.redisConnectWaitMs ?? 5_000)
    if (!ready) logger.warn(`Redis at ${redactRedisUrl(options.redisUrl)} is not reachable yet; tracking (and /healthz) answer 503 until it is`)

    buffer = await createEventBuffer({ keyPrefix, logger, redis })
    metrics.setQueueSource(buffer.pending.bind(buffer))
    const salts = createSaltStore({ keyPrefix, redis })
    const sites = new SiteDirectory()
    const sync = new RedisSiteSync(redis, sites, { keyPrefix })
    siteSync = sync

    const reportSites = () => {
      if (sites.size === 0) {
        logger.warn(
          `knows 0 sites under the Redis prefix "${keyPrefix}": every event is refused as an unknown site. ` +
            'Start the Payload app once so it publishes the sites (and check that --key-prefix matches its redisKeyPrefix).',
        )
      } else {
        logger.info(`knows ${sites.size} site${sites.size === 1 ? '' : 's'} (kept current by the Payload app through Redis)`)
      }
    }

    // Subscribe once Redis is there (now, or when it first comes up); reload everything on
    // every reconnect after that, in case an announcement was missed while disconnected.
    let subscribed = false
    const follow = async () => {
      if (!subscribed) {
        subscribed = true
        await sync.subscribe()
        reportSites()
      } else {
        await sync.reload()
      }
    }
    redis.on('ready', () => {
      void follow().catch((error: Error) => logger.warn(`could not load the sites from Redis: ${error.message}`))
    })
    if (ready) await follow()

    const core = createIngestCore({
      buffer,
      countryHeaders: ingest.countryHeaders,
      explainRejections: ingest.explainRejections,
      geoLookup,
      ipHeaders: ingest.ipHeaders,
      logError: (message) => logger.error(message),
      observe: {
        accepted: (type, siteId, tenantId) => metrics.eventAccepted(type, siteId, tenantId),
        dropped: (reason) => metrics.eventRejected(reason),
        rejected: (reason) => metrics.eventRejected(reason),
      },
      rateLimits: ingest.rateLimits,
      rejections: createRedisRejectionLog(redis, keyPrefix),
      salts,
      sessionIdleSeconds: ingest.sessionIdleSeconds,
      sites,
      trustProxy: ingest.trustProxy,
    })
    const handleTrack = createTrackReplyHandler(core)
    const handleEvent = createPlausibleEventHandler(core)

    const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
      const url = req.url ?? '/'
      const query = url.indexOf('?')
      const path = query === -1 ? url : url.slice(0, query)

      if (path === trackPath || path === eventPath) {
        const request: IngestRequest = { body: req, headers: headersFromRecord(req.headers), method: req.method }
        ;(path === trackPath ? handleTrack : handleEvent)(request, { remoteAddress: req.socket.remoteAddress })
          .then((reply) => sendReply(res, reply))
          .catch((error: unknown) => {
            logger.error(`tracking request failed: ${error instanceof Error ? error.message : String(error)}`)
            if (!res.headersSent) sendJson(res, 500, INTERNAL_ERROR)
            else res.destroy()
          })
        return true
      }
      if (path === metricsPath) {
        if (req.method !== 'GET' && req.method !== 'HEAD') sendJson(res, 405, METHOD_NOT_ALLOWED, ['allow', 'GET, HEAD'])
        else {
          metricsResponse(metricsConfig, req.headers.authorization ?? null, metrics)
            .then((response) => sendResponse(res, response))
            .catch(() => res.destroy())
        }
        return true
      }
      const file = path.startsWith(`${base}/`) ? path.slice(base.length + 1) : ''
      if (Object.hasOwn(TRACKER_FILES, file)) {
        if (req.method !== 'GET' && req.method !== 'HEAD') sendJson(res, 405, METHOD_NOT_ALLOWED, ['allow', 'GET, HEAD'])
        else sendResponse(res, trackerScriptResponse(req.headers['if-none-match'], file as TrackerFile)).catch(() => res.destroy())
        return true
      }
      return false
    }

    return { close, handle, metrics, redis, sites }
  } catch (error) {
    await close().catch(() => undefined)
    throw error
  }
}

/** Start the server; resolves once it listens. Throws on bad options or a port already in use. */
export async function startIngestServer(options: IngestServerOptions): Promise<IngestServer> {
  const logger = options.logger ?? consoleLogger
  const listener = await createIngestListener({ ...options, logger })
  const { redis, sites } = listener

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (listener.handle(req, res)) return
    const url = req.url ?? '/'
    if (url === HEALTH_PATH || url.startsWith(`${HEALTH_PATH}?`)) {
      const healthy = redis.status === 'ready'
      const body = Buffer.from(JSON.stringify({ redis: redis.status, sites: sites.size, status: healthy ? 'ok' : 'unavailable' }))
      return sendJson(res, healthy ? 200 : 503, body)
    }
    sendJson(res, 404, NOT_FOUND)
  }

  const httpServer = createServer({ keepAlive: true }, onRequest)
  // Longer than the idle timeout of the usual load balancers (60 s), so they never reuse
  // a connection this server has just closed.
  httpServer.keepAliveTimeout = 65_000
  httpServer.headersTimeout = 66_000
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject)
      httpServer.listen(options.port, options.host ?? '0.0.0.0', () => {
        httpServer.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    await listener.close().catch(() => undefined)
    throw error
  }
  const address = httpServer.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const { eventPath, metricsPath, scriptPath, trackPath } = ingestPaths(options.apiRoute)
  logger.info(`listening on http://${options.host ?? '0.0.0.0'}:${port} (POST ${trackPath}, POST ${eventPath}, GET ${scriptPath}, GET ${metricsPath}, GET ${HEALTH_PATH})`)

  let closing: null | Promise<void> = null
  return {
    close({ graceMs = 5_000 } = {}) {
      closing ??= new Promise<void>((resolve) => {
        // close() stops accepting and ends idle keep-alive connections; busy ones end
        // after their response, or are cut once the grace period is over.
        const timer = setTimeout(() => httpServer.closeAllConnections(), graceMs)
        timer.unref()
        httpServer.close(() => {
          clearTimeout(timer)
          resolve()
        })
        httpServer.closeIdleConnections()
      }).then(() => listener.close())
      return closing
    },
    port,
    sites,
  }
}

/** A Redis URL without its password, for logs. */