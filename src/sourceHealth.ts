/**
 * Whether the plugin's data sources answer: Postgres (every stats read, the sites, the
 * users behind a login) and Redis (the buffer, realtime, locks). The endpoints ask when a
 * request failed, so an outage is answered as one (503 with Retry-After, naming the source)
 * instead of as a 500 — or as a 401, when Payload could not read the user behind a valid
 * token. The admin asks to say why analytics are unavailable.
 */
import type { Redis } from 'ioredis'
import type { Payload } from 'payload'

import { sql } from '@payloadcms/db-postgres'

import { withTimeout } from './core/time.js'
import { postgresAdapter } from './store/db.js'

export type AnalyticsSource = 'postgres' | 'redis'

export interface SourceOutage {
  /** For people: which source is down and what that means; never a credential or a host. */
  message: string
  source: AnalyticsSource
}

export interface SourceHealth {
  /** The first source that does not answer within about a second, or null when both do (or Redis is not used). */
  outage(): Promise<null | SourceOutage>
}

/** How long a probe may take before its source counts as down. */
const PROBE_TIMEOUT_MS = 1_500

export const OUTAGE_MESSAGES: Record<AnalyticsSource, string> = {
  postgres: 'Analytics is unavailable: the database (Postgres) is not reachable. Retry shortly.',
  redis: 'Analytics is unavailable: Redis (the event buffer) is not reachable; tracked events are refused meanwhile. Retry shortly.',
}

export const outageOf = (source: AnalyticsSource): SourceOutage => ({ message: OUTAGE_MESSAGES[source], source })

const answers = async (probe: () => Promise<unknown>): Promise<boolean> => {
  try {
    await withTimeout(probe(), PROBE_TIMEOUT_MS, () => new Error('probe timed out'))
    return true
  } catch {
    return false
  }
}

export function createSourceHealth(payload: Payload, redis: null | Redis): SourceHealth {
  // A burst of failing requests shares the probe in flight; a later one probes afresh.
  let running: null | Promise<null | SourceOutage> = null
  const probe = async (): Promise<null | SourceOutage> => {
    // Redis first: a client that is not connected is known down without a round trip.
    if (redis && (redis.status !== 'ready' || !(await answers(() => redis.ping())))) return outageOf('redis')
    if (!(await answers(() => postgresAdapter(payload).drizzle.execute(sql`select 1`)))) return outageOf('postgres')
    return null
  }
  return {
    outage() {
      running ??= probe().finally(() => (running = null))
      return running
    },
  }
}
