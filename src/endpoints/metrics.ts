import type { Endpoint, PayloadHandler } from 'payload'

import type { AnalyticsMetrics } from '../metrics/registry.js'
import type { SanitizedAnalyticsConfig } from '../types.js'

import { createHash, timingSafeEqual } from 'node:crypto'

import { ENDPOINT_PREFIX } from '../constants.js'

const NO_STORE = { 'Cache-Control': 'no-store' }

const unauthorized = (error: string, challenge: string): Response =>
  Response.json({ error }, { headers: { ...NO_STORE, 'WWW-Authenticate': challenge }, status: 401 })

/** Digests have one length, so the comparison takes the same time whatever the input's length. */
const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

/** The bearer token of an `Authorization` header, or null. */
const bearerToken = (header: null | string): null | string => {
  const value = header?.trim() ?? ''
  const space = value.search(/[ \t]/)
  if (space < 0 || value.slice(0, space).toLowerCase() !== 'bearer') return null
  return value.slice(space).trim() || null
}

/**
 * Answers the scrape of a metrics registry after the bearer-token check; shared by the
 * Payload endpoint and anything else that serves the same metrics.
 */
export async function metricsResponse(
  config: SanitizedAnalyticsConfig['metrics'],
  authorization: null | string,
  metrics: AnalyticsMetrics | undefined,
): Promise<Response> {
  if (!config.public) {
    if (!config.token) {
      return unauthorized(
        'Metrics are protected and no token is configured: set ANALYTICS_METRICS_TOKEN (or the plugin option metrics.token) ' +
          'and scrape with "Authorization: Bearer <token>", or set metrics.public: true to serve them without one.',
        'Bearer realm="analytics-metrics"',
      )
    }
    const given = bearerToken(authorization)
    if (!given) return unauthorized('Send the metrics token as "Authorization: Bearer <token>".', 'Bearer realm="analytics-metrics"')
    if (!timingSafeEqual(digest(given), digest(config.token))) {
      return unauthorized('The metrics token is not valid.', 'Bearer realm="analytics-metrics", error="invalid_token"')
    }
  }
  if (!metrics) return Response.json({ error: 'Analytics is starting, retry shortly' }, { headers: { ...NO_STORE, 'Retry-After': '5' }, status: 503 })
  const body = await metrics.registry.metrics()
  return new Response(body, { headers: { ...NO_STORE, 'Content-Type': metrics.registry.contentType }, status: 200 })
}

/** `GET /api/analytics/metrics`: Prometheus text format, behind the bearer token unless `metrics.public`. */
export function metricsEndpoint(config: SanitizedAnalyticsConfig['metrics']): Endpoint {
  const handler: PayloadHandler = (req) => metricsResponse(config, req.headers.get('authorization'), req.payload.analytics?.metrics)
  return { handler, method: 'get', path: `${ENDPOINT_PREFIX}/metrics` }
}
