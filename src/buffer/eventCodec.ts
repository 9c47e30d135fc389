import type { AnalyticsEvent } from '../core/event.js'

/**
 * The event as stored in the buffer: its JSON. Both buffers store the same bytes, so the
 * in-process buffer has exactly the Redis buffer's semantics (a copy per delivery, values
 * that JSON cannot carry dropped the same way).
 */
export const encodeEvent = (event: AnalyticsEvent): string => JSON.stringify(event)

/**
 * The event's JSON without its `sessionId`, for the ingest script to prepend the final
 * one. Splicing text (rather than decoding and re-encoding in Lua, whose cjson keeps only
 * 14 significant digits of a number) leaves every other byte as the caller serialised it.
 */
export function encodeEventWithoutSession(event: AnalyticsEvent): string {
  const json = JSON.stringify(event)
  // The enrichers put `sessionId: null` first (`enrichTrackEvent`): cutting it off the text
  // is cheaper than copying the event without it.
  if (json.startsWith(NULL_SESSION_HEAD)) return `{${json.slice(NULL_SESSION_HEAD.length)}`
  const { sessionId: _sessionId, ...rest } = event
  return JSON.stringify(rest)
}

const NULL_SESSION_HEAD = '{"sessionId":null,'

/** What the ingest script does to the output of `encodeEventWithoutSession` (kept in step with it). */
export function spliceSessionId(jsonWithoutSession: string, sessionId: string): string {
  const head = `{"sessionId":${JSON.stringify(sessionId)}`
  return jsonWithoutSession === '{}' ? `${head}}` : `${head},${jsonWithoutSession.slice(1)}`
}

export type DecodedEntry = { event: AnalyticsEvent; ok: true } | { ok: false; reason: string }

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Decode a stored entry. Only the fields the consumer cannot do without are checked (the
 * event was validated before it was appended); anything else that fails here was written by
 * something other than this buffer and is treated as malformed.
 */
export function decodeEntry(raw: null | string | undefined): DecodedEntry {
  if (typeof raw !== 'string') return { ok: false, reason: 'no event field' }
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return { ok: false, reason: 'invalid JSON' }
  }
  if (!isRecord(value)) return { ok: false, reason: 'not an object' }
  if (typeof value.eventId !== 'string' || value.eventId === '') return { ok: false, reason: 'missing eventId' }
  if (typeof value.type !== 'string' || value.type === '') return { ok: false, reason: 'missing type' }
  if (typeof value.timestamp !== 'string') return { ok: false, reason: 'missing timestamp' }
  if (typeof value.siteId !== 'string' && typeof value.siteId !== 'number') return { ok: false, reason: 'missing siteId' }
  return { event: value as unknown as AnalyticsEvent, ok: true }
}
