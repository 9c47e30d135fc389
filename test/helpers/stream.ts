import type { Redis } from 'ioredis'

import type { AnalyticsEvent } from '../../src/core/event.js'

/** Every event in the buffer's stream, read without claiming (XRANGE), oldest first. */
export async function streamEvents(redis: Redis, keyPrefix: string): Promise<AnalyticsEvent[]> {
  const entries = await redis.xrange(`${keyPrefix}{events}`, '-', '+')
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]!) as AnalyticsEvent)
}

/** The raw stored text of every entry, to search for what must never be there. */
export async function streamRaw(redis: Redis, keyPrefix: string): Promise<string> {
  const entries = await redis.xrange(`${keyPrefix}{events}`, '-', '+')
  return JSON.stringify(entries)
}
