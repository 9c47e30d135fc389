import type { SanitizedAnalyticsConfig } from './types.js'

/** The sanitized plugin config of a Payload config (set by `analyticsPlugin`). */
export const getAnalyticsConfig = (config: { custom?: Record<string, unknown> }): SanitizedAnalyticsConfig => {
  const cfg = config.custom?.analytics as SanitizedAnalyticsConfig | undefined
  if (!cfg) throw new Error('payload-plugin-analytics is not installed in this Payload config.')
  return cfg
}
