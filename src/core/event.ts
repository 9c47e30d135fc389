import type { DeviceClass, ScreenClass } from './dimensions.js'
import type { Revenue } from './revenue.js'

/** A primitive custom property value (props are flat: no objects, no arrays). */
export type PropValue = boolean | null | number | string

/**
 * One enriched event, as the ingestion endpoint appends it to the buffer and the
 * aggregation job inserts it into AnalyticsEvents. Never an IP address, never a
 * user-agent string. Every field is JSON-safe.
 */
export interface AnalyticsEvent {
  browser: null | string
  /** ISO 3166-1 alpha-2, upper case. */
  country: null | string
  device: DeviceClass | null
  /** Unique per event; the idempotency key of the insert. */
  eventId: string
  hostname: null | string
  os: null | string
  path: null | string
  props: null | Record<string, PropValue>
  /** An amount (exact decimal text) with its ISO-4217 currency; absent or null without. */
  revenue?: null | Revenue
  screen: null | ScreenClass
  sessionId: null | string
  siteId: number | string
  /** Search engine, social network or referring domain; null for direct traffic. */
  source: null | string
  tenantId: null | number | string
  /** ISO 8601, set by the server. */
  timestamp: string
  /** `pageview`, a built-in event type or a custom name. */
  type: string
  utmCampaign: null | string
  utmContent: null | string
  utmMedium: null | string
  utmSource: null | string
  utmTerm: null | string
  /** Numeric value, e.g. AI tokens of an `ai.usage` event. */
  value: null | number
  /** Keyed hash of (site, anonymised IP, user-agent) with a daily salt; null for server events. */
  visitorHash: null | string
}
