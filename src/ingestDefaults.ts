/**
 * Default values of the ingestion options, in one place: the plugin's option sanitizer
 * (`src/options.ts`) and the standalone ingest server (`src/ingest/standaloneServer.ts`,
 * the `payload-analytics ingest` command) both read them from here, so a Payload app and
 * a standalone server configured alike behave alike.
 */
import type { RateLimitOptions } from './types.js'

/** Prefix of every Redis key and channel. */
export const DEFAULT_REDIS_KEY_PREFIX = 'analytics:'

/** Trusted country headers: none (a client can send any header; list only your CDN's). */
export const DEFAULT_INGEST_COUNTRY_HEADERS: readonly string[] = []

/** Single-IP headers read when `trustProxy` is on. */
export const DEFAULT_INGEST_IP_HEADERS: readonly string[] = ['cf-connecting-ip', 'x-real-ip']

/** Accepted events per anonymised client (IPv4 /24, IPv6 /48). */
export const DEFAULT_RATE_LIMIT_PER_CLIENT: Readonly<RateLimitOptions> = { limit: 300, windowSeconds: 60 }

/** Accepted events per site. */
export const DEFAULT_RATE_LIMIT_PER_SITE: Readonly<RateLimitOptions> = { limit: 100_000, windowSeconds: 60 }

/** Minutes of inactivity that end a visit. */
export const DEFAULT_SESSION_IDLE_MINUTES = 30

/** Whether X-Forwarded-For and the IP headers are trusted. */
export const DEFAULT_TRUST_PROXY: boolean | number = false
