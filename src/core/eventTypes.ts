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
  'engagement',
] as const

export type BuiltInEventType = (typeof BUILT_IN_EVENT_TYPES)[number]

/**
 * Letters, digits, `.`, `_`, `-`, `:`, `/` and inner spaces; starts with a letter or digit;
 * at most 64 characters. Spaces and a leading digit admit the names the optional tracker
 * features send (`Outbound Link: Click`, `File Download`, `404`), as Plausible names them.
 */
export const CUSTOM_EVENT_NAME = /^[a-z\d](?:[\w.:/ -]{0,62}[\w.:/-])?$/i

/**
 * What the tracker sends for the page being left: engaged seconds and the deepest scroll
 * position. Never an event, a pageview or a visit of its own (see `dailyStats.ts`).
 */
export const ENGAGEMENT = 'engagement' satisfies BuiltInEventType

/** The events the tracker's optional features send (`data-outbound`, `data-downloads`, `data-404`). */
export const OUTBOUND_LINK_EVENT = 'Outbound Link: Click'
export const FILE_DOWNLOAD_EVENT = 'File Download'
export const NOT_FOUND_EVENT = '404'

export const isBuiltInEventType = (type: string): type is BuiltInEventType =>
  (BUILT_IN_EVENT_TYPES as readonly string[]).includes(type)

/** Event types that count as conversions unless a site's settings say otherwise. */
export const DEFAULT_CONVERSION_EVENTS: readonly string[] = ['lead.created', 'form.submit']
