import type { Payload } from 'payload'

import type { ServerEventInput } from './core/trackSchema.js'

import { AnalyticsInputError } from './runtime.js'

/**
 * Record an event that happened on the server — `automation.run`, `ai.usage` (with the
 * tokens as `value`), `export.completed`, or a custom name — into the same buffer as
 * tracker events. Same as `payload.analytics.track(…)`.
 *
 * ```ts
 * await trackServerEvent(payload, { siteId: site.id, type: 'ai.usage', value: 1830, props: { model: 'gpt-x' } })
 * await trackServerEvent(payload, { siteId: site.id, type: 'Purchase', revenue: { amount: '49.90', currency: 'EUR' } })
 * ```
 */
export async function trackServerEvent(payload: Payload, input: ServerEventInput): Promise<{ eventId: string }> {
  if (!payload.analytics) {
    throw new AnalyticsInputError('payload-plugin-analytics is not enabled in this Payload instance', 400)
  }
  return payload.analytics.track(input)
}
