/**
 * The event types the product knows by name. Any other name matching
 * `CUSTOM_EVENT_NAME` is a custom event (counted under the `event` breakdown).
 */
export const BUILT_IN_EVENT_TYPES = [
  'pageview',
  'lead.created',
  'form.submit',
  'automation.run',
  'ai.usage',
  'export.completed',
] as const

export type BuiltInEventType = (typeof BUILT_IN_EVENT_TYPES)[number]

/** Letters, digits, `.`, `_`, `-`, `:` and `/`; starts with a letter; at most 64 characters. */
export const CUSTOM_EVENT_NAME = /^[a-z][\w.:/-]{0,63}$/i

export const isBuiltInEventType = (type: string): type is BuiltInEventType =>
  (BUILT_IN_EVENT_TYPES as readonly string[]).includes(type)

/** Event types that count as conversions unless a site's settings say otherwise. */
export const DEFAULT_CONVERSION_EVENTS: readonly string[] = ['lead.created', 'form.submit']
