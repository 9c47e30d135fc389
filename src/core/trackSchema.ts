/**
 * The wire contract of the tracker (`POST /api/analytics/track`) and of server-side
 * events, as zod schemas, plus safe parsing into clear 400 messages. Every string has a
 * length limit; props are flat and few; nothing unknown passes.
 */
import * as z from 'zod'

import type { PropValue } from './event.js'

import { MAX_EVENT_VALUE, SUMMED_EVENT_TYPES } from './dailyStats.js'

export { MAX_EVENT_VALUE }
import { CUSTOM_EVENT_NAME, ENGAGEMENT } from './eventTypes.js'
import { revenueSchema } from './revenue.js'
import { hasUnsafeChars, hasUnsafeTextChars } from './safeText.js'

/** Larger bodies are answered 413 before they are decoded. */
export const MAX_BODY_BYTES = 8 * 1024
export const MAX_URL_LENGTH = 2048
export const MAX_PROPS = 30
export const MAX_PROP_KEY_LENGTH = 64
export const MAX_PROP_VALUE_LENGTH = 256
export const MAX_SCREEN_WIDTH = 100_000
/** An engagement's engaged time, in milliseconds: under one day. */
export const MAX_ENGAGED_MS = 24 * 60 * 60 * 1000 - 1
/** Issues listed in an error response; a hostile body must not produce a huge answer. */
const MAX_REPORTED_ISSUES = 10

/** Keys that would reach an object's prototype if a consumer ever assigned them. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
/** Payload ids: serial numbers, ObjectIds, UUIDs. */
/** A site id (a number or a uuid) or the site's domain, as a script tag may name either. */
const SITE_ID = /^[\w-][\w.-]{0,252}$/
const HTTP_URL = /^https?:\/\//i

const siteIdString = z.string().regex(SITE_ID, { error: 'must be a site id or domain (letters, digits, ".", "-" or "_")' })

const eventType = z.string({ error: 'must be a string' }).regex(CUSTOM_EVENT_NAME, {
  error: `must be 'pageview', a built-in event type or a custom name (a letter or digit, then up to 63 letters, digits, spaces, ".", "_", ":", "/" or "-", not ending in a space)`,
})

const safeString = (max: number, what: string) =>
  z
    .string({ error: `must be ${what}` })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((value) => !hasUnsafeChars(value), { error: 'must not contain control characters or unpaired surrogates' })

const finiteNumber = z.number({ error: 'must be a finite number' })

const VALUE_RANGE_ERROR = `must be a number between -${MAX_EVENT_VALUE.toLocaleString('en-US')} and ${MAX_EVENT_VALUE.toLocaleString('en-US')}`
const eventValue = finiteNumber.min(-MAX_EVENT_VALUE, { error: VALUE_RANGE_ERROR }).max(MAX_EVENT_VALUE, { error: VALUE_RANGE_ERROR })

/** Event types whose value is summed into a metric (AI tokens): a count, never below zero. */
const NON_NEGATIVE_VALUE_TYPES: ReadonlySet<string> = new Set(Object.keys(SUMMED_EVENT_TYPES))

/** The issue of a negative value where the event type's value is a count, or null. */
function negativeValueIssue(type: string, value: number | undefined, field: string) {
  if (value === undefined || value >= 0 || !NON_NEGATIVE_VALUE_TYPES.has(type)) return null
  return { code: 'custom' as const, input: value, message: `must not be negative for ${type} events (it is summed into a count)`, path: [field] }
}

const PROP_VALUE_ERROR = `must be a string of at most ${MAX_PROP_VALUE_LENGTH} characters (no control characters), a finite number, a boolean or null`

// The union reports its own message when no member fits the type, and the string member's
// message when a string is too long or unsafe: both say the same.
const propValue = z.union(
  [
    z
      .string()
      .max(MAX_PROP_VALUE_LENGTH, { error: PROP_VALUE_ERROR })
      .refine((value) => !hasUnsafeTextChars(value), { error: PROP_VALUE_ERROR }),
    finiteNumber,
    z.boolean(),
    z.null(),
  ],
  { error: PROP_VALUE_ERROR },
)

/** Why a prop name is refused, or null when it is fine. */
function propKeyProblem(key: string): null | string {
  if (key === '') return 'prop names must not be empty'
  if (key.length > MAX_PROP_KEY_LENGTH) return `prop names must be at most ${MAX_PROP_KEY_LENGTH} characters`
  if (RESERVED_KEYS.has(key)) return `"${key}" is not allowed as a prop name`
  if (hasUnsafeChars(key)) return 'prop names must not contain control characters'
  return null
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)

/**
 * Count and names are checked on the raw object, before the record schema runs: zod
 * silently drops a `__proto__` key instead of reporting it, reports bad keys only as
 * "Invalid key in record", and a body with 10,000 keys should be refused without
 * validating each of them.
 */
const propsSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { error: `must be a flat object of at most ${MAX_PROPS} properties` })
  .check((ctx) => {
    const keys = Object.keys(ctx.value)
    if (keys.length > MAX_PROPS) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `must have at most ${MAX_PROPS} properties` })
      return
    }
    for (const key of keys) {
      const problem = propKeyProblem(key)
      if (problem !== null) ctx.issues.push({ code: 'custom', input: key, message: problem, path: [key] })
    }
  })
  .pipe(z.record(z.string(), propValue))

/**
 * The tracker's `v`: a number (the value), or `{ revenue: { amount, currency } }` — the third
 * argument of `analytics.track` passed as given, which costs the script no bytes.
 */
const revenueValue = z.strictObject({ revenue: revenueSchema }, { error: 'must be a number or { revenue: { amount, currency } }' })
// Dispatched on the input's type rather than a union, so each message names what is wrong.
const trackValue = z.unknown().transform((value, ctx): number | z.output<typeof revenueValue> => {
  const result = (typeof value === 'object' && value !== null ? revenueValue : eventValue).safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path })
  return z.NEVER
})

/**
 * The tracker's body: `s` site id, `t` event type, `u` page URL, `r` referrer, `w` window
 * width, `p` props, `v` value or revenue. Short keys keep the tracker script small.
 */
const wholeNumber = (max: number, what: string) =>
  z
    .number({ error: `must be ${what}` })
    .int({ error: `must be ${what}` })
    .min(0, { error: `must be ${what}` })
    .max(max, { error: `must be ${what}` })

/**
 * An `engagement` carries both `d` and `e` and no props or value; any other event neither.
 * Checked after the fields themselves, so each message names the one field at fault.
 */
const engagementFields = (body: { d?: number; e?: number; p?: unknown; t: string; v?: unknown }, ctx: z.RefinementCtx) => {
  const engagement = body.t === ENGAGEMENT
  for (const key of ['d', 'e'] as const) {
    if (engagement && body[key] === undefined) ctx.addIssue({ code: 'custom', message: `is required for an engagement event`, path: [key] })
    if (!engagement && body[key] !== undefined) ctx.addIssue({ code: 'custom', message: `is allowed on engagement events only`, path: [key] })
  }
  for (const key of ['p', 'v'] as const) {
    if (engagement && body[key] !== undefined) ctx.addIssue({ code: 'custom', message: `is not allowed on an engagement event`, path: [key] })
  }
}

/** The tracker body's fields but the site (`s`), checked alike on both routes (`trackBodySchema`, `pageEventBodySchema`). */
const pageEventFields = {
  /** Engagement only: the deepest scroll position reached on the page, percent of its height. */
  d: wholeNumber(100, 'a whole percentage from 0 to 100').optional(),
  /** Engagement only: milliseconds the page was visible and focused since the last engagement sent. */
  e: wholeNumber(MAX_ENGAGED_MS, `a whole number of milliseconds from 0 to ${MAX_ENGAGED_MS} (under one day)`).optional(),
  /** Hash-based routing (the tracker's `data-hash`): the URL's fragment is part of the page path. */
  h: z.literal(1, { error: 'must be 1 (hash-based routing) or absent' }).optional(),
  p: propsSchema.optional(),
  r: safeString(MAX_URL_LENGTH, 'the referrer URL (a string)').optional(),
  t: eventType,
  u: safeString(MAX_URL_LENGTH, 'the page URL (a string)').regex(HTTP_URL, { error: 'must be an http(s) URL' }),
  v: trackValue.optional(),
  w: z
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be at least 0' })
    .max(MAX_SCREEN_WIDTH, { error: `must be at most ${MAX_SCREEN_WIDTH}` })
    .optional(),
}

/** The checks across fields, after each field's own. */
const pageEventChecks = (body: { d?: number; e?: number; p?: unknown; t: string; v?: unknown }, ctx: z.RefinementCtx) => {
  engagementFields(body, ctx)
  const issue = negativeValueIssue(body.t, typeof body.v === 'number' ? body.v : undefined, 'v')
  if (issue) ctx.addIssue(issue)
}

export const trackBodySchema = z.strictObject({ ...pageEventFields, s: siteIdString }).superRefine(pageEventChecks)

/**
 * The same body without the site: for routes that name the site another way (Plausible's
 * `/api/event` names it by domain, possibly several), so the parsed body goes to the
 * pipeline as it is, with no placeholder site to add and strip again.
 */
export const pageEventBodySchema = z.strictObject(pageEventFields).superRefine(pageEventChecks)

/** What the pipeline records: a validated body, the site known apart from it. */
export type PageEventBody = z.output<typeof pageEventBodySchema>

export type TrackBody = z.output<typeof trackBodySchema>

/** The latest instant a JS Date can hold; later epoch values would be an Invalid Date. */
const MAX_EPOCH_MS = 8.64e15
const TIMESTAMP_ERROR = 'must be a valid Date, an ISO 8601 date-time with offset or epoch milliseconds'

/**
 * An event recorded by server code (automation runs, AI usage, exports, form submissions)
 * through `trackServerEvent`. Same limits as the tracker; the time may be given, since a
 * job may report an event after the fact.
 */
export const serverEventSchema = z.strictObject({
  path: safeString(MAX_URL_LENGTH, 'a path (a string)')
    .regex(/^\//, { error: 'must start with "/"' })
    .optional(),
  props: propsSchema.optional(),
  /** An amount with its ISO-4217 currency (a purchase, a subscription). */
  revenue: revenueSchema.optional(),
  siteId: z.union([siteIdString, z.number().int().positive()], {
    error: 'must be a site id (a positive integer or 1–64 letters, digits, "-" or "_")',
  }),
  timestamp: z
    .union(
      [
        z.date({ error: TIMESTAMP_ERROR }),
        z.iso.datetime({ error: TIMESTAMP_ERROR, offset: true }),
        z.number().int({ error: TIMESTAMP_ERROR }).min(0, { error: TIMESTAMP_ERROR }).max(MAX_EPOCH_MS, { error: TIMESTAMP_ERROR }),
      ],
      { error: TIMESTAMP_ERROR },
    )
    .transform((value) => (value instanceof Date ? value : new Date(value)))
    .optional(),
  type: eventType.refine((type) => type !== ENGAGEMENT, { error: 'engagement events come from the browser tracker only' }),
  value: eventValue.optional(),
}).check((ctx) => {
  const issue = negativeValueIssue(ctx.value.type, ctx.value.value, 'value')
  if (issue) ctx.issues.push(issue)
})

export type ServerEventInput = z.input<typeof serverEventSchema>
export type ServerEvent = z.output<typeof serverEventSchema>

export interface ValidationIssue {
  message: string
  /** Dotted path of the offending field, `''` for the body itself. */
  path: string
}

export type ParseTrackBodyResult =
  | { body: TrackBody; ok: true }
  | { error: string; issues?: ValidationIssue[]; ok: false; status: 400 | 413 }

export type ParseServerEventResult =
  | { error: string; issues: ValidationIssue[]; ok: false }
  | { event: ServerEvent; ok: true }

const formatPath = (path: readonly PropertyKey[]): string =>
  path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : String(segment))).join('.').replace(/\.\[/g, '[')

function describeIssues(error: z.ZodError, subject: string): { error: string; issues: ValidationIssue[] } {
  const issues = error.issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map((issue) => ({ message: issue.message, path: formatPath(issue.path) }))
  const summary = issues
    .slice(0, 3)
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ')
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : ''
  return { error: `Invalid ${subject}: ${summary}${more}`, issues }
}

/** The tracker body's keys in `trackBodySchema`'s order (`pageEventFields`, then `s`). */
const TRACK_BODY_ORDER = ['d', 'e', 'h', 'p', 'r', 't', 'u', 'v', 'w', 's'] as const
const PAGE_EVENT_ORDER = TRACK_BODY_ORDER.slice(0, -1)
const TRACK_BODY_KEYS: ReadonlySet<string> = new Set(TRACK_BODY_ORDER)
const PAGE_EVENT_KEYS: ReadonlySet<string> = new Set(PAGE_EVENT_ORDER)

const wholeIn = (value: unknown, max: number): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max
const safeUpTo = (value: unknown, max: number): boolean => typeof value === 'string' && value.length <= max && !hasUnsafeChars(value)

/** A flat props object `propsSchema` takes as it is (its keys and values unchanged). */
function isPlainProps(props: unknown): boolean {
  if (!isPlainObject(props)) return false
  let count = 0
  for (const key in props) {
    if (++count > MAX_PROPS || propKeyProblem(key) !== null) return false
    const value = props[key]
    if (typeof value === 'string') {
      if (value.length > MAX_PROP_VALUE_LENGTH || hasUnsafeTextChars(value)) return false
    } else if (typeof value === 'number') {
      // JSON.parse reads 1e400 as Infinity.
      if (!Number.isFinite(value)) return false
    } else if (typeof value !== 'boolean' && value !== null) return false
  }
  return true
}

/**
 * The tracker's common bodies, checked without zod: true only when `trackBodySchema` would
 * accept the parsed JSON and give back the same fields with the same values (it transforms
 * none of them; a revenue object, or anything else unusual, is left to it). Zod costs ~5 µs
 * a body, most of the handler's parsing; this, well under one. Anything refused here goes
 * through the schema, which words the 400 (test/unit/trackSchema.test.ts holds the two together).
 */
function isPlainPageEvent(data: Record<string, unknown>, withSite: boolean): boolean {
  const keys = withSite ? TRACK_BODY_KEYS : PAGE_EVENT_KEYS
  for (const key in data) if (!keys.has(key)) return false
  const { d, e, h, p, r, s, t, u, v, w } = data
  if (withSite && (typeof s !== 'string' || !SITE_ID.test(s))) return false
  if (typeof t !== 'string' || !CUSTOM_EVENT_NAME.test(t)) return false
  if (!safeUpTo(u, MAX_URL_LENGTH) || !HTTP_URL.test(u as string)) return false
  if (r !== undefined && !safeUpTo(r, MAX_URL_LENGTH)) return false
  if (w !== undefined && !wholeIn(w, MAX_SCREEN_WIDTH)) return false
  if (h !== undefined && h !== 1) return false
  if (t === ENGAGEMENT) return wholeIn(d, 100) && wholeIn(e, MAX_ENGAGED_MS) && p === undefined && v === undefined
  if (d !== undefined || e !== undefined) return false
  if (p !== undefined && !isPlainProps(p)) return false
  if (v === undefined) return true
  return typeof v === 'number' && Math.abs(v) <= MAX_EVENT_VALUE && negativeValueIssue(t, v, 'v') === null
}

/**
 * A checked body with its fields in the schema's order, as zod would give it back: the bodies of
 * both routes (`/api/event` still goes through `pageEventBodySchema`) then share their object
 * shapes, so the pipeline's property reads stay monomorphic (a body in the client's key order
 * made the enrichment of the other route's bodies 10 % slower in process).
 */
function inSchemaOrder(data: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const key of order) if (data[key] !== undefined) body[key] = data[key]
  return body
}

/**
 * A page event body without the site (Plausible's `/api/event`, assembled by `parsePlausibleEvent`)
 * as `pageEventBodySchema` would give it back, or null when only the schema can say (a revenue
 * value, anything it refuses): the same quick check as the tracker's body.
 */
export function plainPageEventBody(data: Record<string, unknown>): null | PageEventBody {
  return isPlainPageEvent(data, false) ? (inSchemaOrder(data, PAGE_EVENT_ORDER) as PageEventBody) : null
}

/**
 * Parses the raw body of a tracking request. JSON.parse defines `__proto__` as an own
 * property rather than setting the prototype, so parsing itself is safe; the schema then
 * refuses unknown keys at the top, reserved prop names and any nesting, so no object that
 * reaches later code carries one.
 */
export function parseTrackBody(raw: string): ParseTrackBodyResult {
  // Characters never outnumber UTF-8 bytes, so this catches a caller that skipped the byte check.
  if (raw.length > MAX_BODY_BYTES) {
    return { error: `Body too large: at most ${MAX_BODY_BYTES} bytes`, ok: false, status: 413 }
  }
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
  if (text.trim() === '') {
    return { error: 'Empty body: expected a JSON object such as {"s":"<site id>","t":"pageview","u":"https://…"}', ok: false, status: 400 }
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    // V8's message quotes the input; the client already has it, the logs should not.
    return { error: 'Body is not valid JSON: expected a JSON object sent as text/plain or application/json', ok: false, status: 400 }
  }
  if (!isPlainObject(data)) {
    return { error: 'Body must be a JSON object', ok: false, status: 400 }
  }
  if (isPlainPageEvent(data, true)) return { body: inSchemaOrder(data, TRACK_BODY_ORDER) as TrackBody, ok: true }
  const result = trackBodySchema.safeParse(data)
  if (!result.success) return { ok: false, status: 400, ...describeIssues(result.error, 'event') }
  return { body: result.data, ok: true }
}

/** Validates an event recorded by server code, with the tracker's limits. */
export function parseServerEvent(input: unknown): ParseServerEventResult {
  const result = serverEventSchema.safeParse(input)
  if (!result.success) return { ok: false, ...describeIssues(result.error, 'server event') }
  return { event: result.data, ok: true }
}

/** The props type the schemas produce, for callers that build events by hand. */
export type TrackProps = Record<string, PropValue>
