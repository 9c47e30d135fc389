/**
 * Default values of the ingestion options, in one place: the plugin's option sanitizer
 * (`src/options.ts`) and the standalone ingest server (`src/ingest/standaloneServer.ts`,
 * the `payload-analytics ingest` command) both read them from here, so a Payload app and
 * a standalone server configured alike behave alike.
 */
import type { MetricsOptions, RateLimitOptions } from './types.js'

/** Prefix of every Redis key and channel. */
export const DEFAULT_REDIS_KEY_PREFIX = 'analytics:'

/** Trusted country headers: none (a client can send any header; list only your CDN's). */
export const DEFAULT_INGEST_COUNTRY_HEADERS: readonly string[] = []

/**
 * Single-IP headers trusted as the client's address: none. A client can send any of them;
 * only the operator knows which one their proxy overwrites on every request.
 */
export const DEFAULT_INGEST_IP_HEADERS: readonly string[] = []

/** Accepted events per anonymised client (IPv4 /24, IPv6 /48). */
export const DEFAULT_RATE_LIMIT_PER_CLIENT: Readonly<RateLimitOptions> = { limit: 300, windowSeconds: 60 }

/** Accepted events per site. */
export const DEFAULT_RATE_LIMIT_PER_SITE: Readonly<RateLimitOptions> = { limit: 100_000, windowSeconds: 60 }

/** Minutes of inactivity that end a visit. */
export const DEFAULT_SESSION_IDLE_MINUTES = 30

/** Whether X-Forwarded-For is trusted (the single-IP headers are `ipHeaders`' alone). */
export const DEFAULT_TRUST_PROXY: boolean | number = false

/** Whether anonymous clients are told why a tracking request was not counted: in development only. */
export const defaultExplainRejections = (): boolean => process.env.NODE_ENV !== 'production'

/** The ingestion settings the tracking handler runs with, every default applied. */
export interface ResolvedIngestOptions {
  countryHeaders: string[]
  explainRejections: boolean
  geoipDatabase: null | string
  ipHeaders: string[]
  rateLimits: { perClient: RateLimitOptions; perSite: RateLimitOptions }
  sessionIdleSeconds: number
  trustProxy: boolean | number
}

/**
 * Apply the defaults and check the values — one place for the plugin's `ingest` options
 * and the standalone server's. `label` prefixes error messages with where the option came from.
 */
export function resolveIngestOptions(
  input: {
    countryHeaders?: readonly string[]
    explainRejections?: boolean
    geoipDatabase?: null | string
    ipHeaders?: readonly string[]
    rateLimits?: { perClient?: RateLimitOptions; perSite?: RateLimitOptions }
    sessionIdleSeconds?: number
    trustProxy?: boolean | number
  },
  label: { rateLimits: string; sessionIdle: string },
): ResolvedIngestOptions {
  const rateLimit = (value: RateLimitOptions | undefined, fallback: Readonly<RateLimitOptions>, name: string): RateLimitOptions => {
    const limit = value ?? fallback
    if (!Number.isInteger(limit.limit) || limit.limit < 1 || !Number.isInteger(limit.windowSeconds) || limit.windowSeconds < 1) {
      throw new Error(`${label.rateLimits}.${name} needs whole numbers limit ≥ 1 and windowSeconds ≥ 1`)
    }
    return { limit: limit.limit, windowSeconds: limit.windowSeconds }
  }
  const sessionIdleSeconds = input.sessionIdleSeconds ?? DEFAULT_SESSION_IDLE_MINUTES * 60
  if (!Number.isInteger(sessionIdleSeconds) || sessionIdleSeconds < 1) {
    throw new Error(`${label.sessionIdle} must be a positive whole number, got ${String(sessionIdleSeconds)}`)
  }
  return {
    countryHeaders: (input.countryHeaders ?? DEFAULT_INGEST_COUNTRY_HEADERS).map((name) => name.toLowerCase()),
    explainRejections: input.explainRejections ?? defaultExplainRejections(),
    geoipDatabase: input.geoipDatabase ?? null,
    ipHeaders: (input.ipHeaders ?? DEFAULT_INGEST_IP_HEADERS).map((name) => name.toLowerCase()),
    rateLimits: {
      perClient: rateLimit(input.rateLimits?.perClient, DEFAULT_RATE_LIMIT_PER_CLIENT, 'perClient'),
      perSite: rateLimit(input.rateLimits?.perSite, DEFAULT_RATE_LIMIT_PER_SITE, 'perSite'),
    },
    sessionIdleSeconds,
    trustProxy: input.trustProxy ?? DEFAULT_TRUST_PROXY,
  }
}

/**
 * The metrics endpoint's options with their defaults, for the plugin and the standalone
 * ingest server alike. An empty or blank token is no token: it must never open the endpoint.
 */
export function resolveMetricsOptions(input: MetricsOptions | undefined): { public: boolean; siteLabels: boolean; token: null | string } {
  return {
    public: input?.public ?? false,
    siteLabels: input?.siteLabels ?? true,
    token: (input?.token ?? process.env.ANALYTICS_METRICS_TOKEN ?? '').trim() || null,
  }
}
