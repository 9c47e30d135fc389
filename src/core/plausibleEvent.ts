/**
 * Plausible's Events API body (`POST /api/event`, as its public documentation describes it)
 * turned into our tracker's body, so that it goes through the very same validation
 * (`pageEventBodySchema`: the tracker's body without the site) and pipeline. Short and long field names (`n`/`name`, `u`/`url`,
 * `d`/`domain`, `r`/`referrer`, `w`/`screen_width`, `p`/`props`/`m`/`meta`, `$`/`revenue`,
 * `i`/`interactive`, `h`/`hashMode`, and `sd`/`e` on `engagement`); props and revenue as an
 * object or a JSON string. Errors come back per Plausible field name, for its
 * `400 {"errors": {…}}` answer.
 */
import type { PageEventBody } from './trackSchema.js'

import { ENGAGEMENT } from './eventTypes.js'
import { parsePageUrl } from './pageUrl.js'
import { revenueSchema } from './revenue.js'
import { MAX_BODY_BYTES, pageEventBodySchema, plainPageEventBody } from './trackSchema.js'

/** Domains one event may name (`d: "a.com,b.com"`): each gets its own copy of the event. */
export const MAX_EVENT_DOMAINS = 10

export type PlausibleErrors = Record<string, string[]>

export interface PlausibleEvent {
  /** Our tracker's body, without the site (`s`): the event is recorded for each domain's site in turn. */
  body: PageEventBody
  /** The domains named, as sent (lower case, trimmed, without duplicates). */
  domains: string[]
  /** `i: false`: sent by code, not by the visitor (see docs/moving-from-plausible.md: counted like any event). */
  interactive: boolean
}

export type ParsePlausibleEventResult = { errors: PlausibleErrors; ok: false; status: 400 | 413 } | { event: PlausibleEvent; ok: true }

/** Our field name → Plausible's, for error messages. */
const PLAUSIBLE_NAMES: Record<string, string> = { d: 'sd', e: 'e', h: 'hashMode', p: 'props', r: 'referrer', t: 'name', u: 'url', v: 'revenue', w: 'screen_width' }


const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A field sent under its short name, else its long one (Plausible's trackers send either); plain property reads, as this runs for every event. */
const either = (short: unknown, long: unknown): unknown => (short !== undefined ? short : long)

const add = (errors: PlausibleErrors, field: string, message: string) => (errors[field] ??= []).push(message)

const hasKeys = (object: object): boolean => {
  for (const _key in object) return true
  return false
}

/**
 * Props as Plausible keeps them: scalars, lists and maps left out. The parsed object itself
 * when it holds only scalars (the usual case: no copy); `Object.fromEntries` for a copy, as it
 * defines a `__proto__` key as a plain property (the schema then refuses it by name).
 */
function scalarProps(props: Record<string, unknown>): Record<string, unknown> {
  for (const key in props) {
    const value = props[key]
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(props).filter(([, kept]) => !isPlainObject(kept) && !Array.isArray(kept)))
  }
  return props
}

/** The domains of `d` (a comma-separated list allowed), lower case, without duplicates. */
const domainList = (domain: string): string[] =>
  domain.includes(',') ? [...new Set(domain.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))] : [domain.trim().toLowerCase()]

/** An object given as itself or as JSON text (Plausible's trackers send either). */
function objectOrJson(value: unknown): Record<string, unknown> | undefined | 'invalid' {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value)
      return isPlainObject(parsed) ? parsed : parsed === null ? undefined : 'invalid'
    } catch {
      return 'invalid'
    }
  }
  return isPlainObject(value) ? value : 'invalid'
}

const fail = (errors: PlausibleErrors, status: 400 | 413 = 400): ParsePlausibleEventResult => ({ errors, ok: false, status })

/**
 * Parse and validate a Plausible event body. Unknown fields are ignored, as Plausible's own
 * trackers add some over versions (`v`, the script version).
 */
export function parsePlausibleEvent(raw: string): ParsePlausibleEventResult {
  if (raw.length > MAX_BODY_BYTES) return fail({ request: [`must be at most ${MAX_BODY_BYTES} bytes`] }, 413)
  let data: unknown
  try {
    data = JSON.parse(raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw)
  } catch {
    return fail({ request: ['Unable to parse request body as json'] })
  }
  if (!isPlainObject(data)) return fail({ request: ['must be a JSON object'] })

  const errors: PlausibleErrors = {}

  const name = either(data.n, data.name)
  const url = either(data.u, data.url)
  if (name === undefined || name === '') add(errors, 'name', "can't be blank")
  if (url === undefined || url === '') add(errors, 'url', "can't be blank")

  const props = objectOrJson(either(either(data.p, data.props), either(data.m, data.meta)))
  if (props === 'invalid') add(errors, 'props', 'must be an object or its JSON text')
  const revenue = objectOrJson(either(data.$, data.revenue))
  if (revenue === 'invalid') add(errors, 'revenue', 'must be an object {"amount", "currency"} or its JSON text')

  let domains: string[] = []
  const domain = either(data.d, data.domain)
  if (domain !== undefined && typeof domain !== 'string') add(errors, 'domain', 'must be a string')
  else if (typeof domain === 'string' && domain.trim() !== '') {
    domains = domainList(domain)
    if (domains.length > MAX_EVENT_DOMAINS) add(errors, 'domain', `must name at most ${MAX_EVENT_DOMAINS} domains`)
  } else if (typeof url === 'string') {
    // No domain: the page's own host names the site.
    const host = parsePageUrl(url)?.hostname
    if (host) domains = [host]
  }
  if (domains.length === 0 && !errors.domain && !errors.url) add(errors, 'domain', "can't be blank")
  if (hasKeys(errors)) return fail(errors)

  const body: Record<string, unknown> = { t: name, u: url }
  const referrer = either(data.r, data.referrer)
  if (referrer !== undefined && referrer !== null && referrer !== '') body.r = referrer
  const width = either(data.w, data.screen_width)
  if (width !== undefined && width !== null) body.w = width
  const hash = either(data.h, data.hashMode)
  if (hash === 1 || hash === true || hash === '1') body.h = 1

  const kept = props && props !== 'invalid' ? scalarProps(props) : undefined
  // The event's revenue, checked here so each message names its field (the body's `v` accepts it again).
  if (revenue && revenue !== 'invalid') {
    const checked = revenueSchema.safeParse({ amount: revenue.amount, currency: revenue.currency })
    if (checked.success) body.v = { revenue: checked.data }
    else for (const issue of checked.error.issues) add(errors, 'revenue', `${issue.path.map(String).join('.') || 'revenue'} ${issue.message}`)
  }
  // An engagement carries the page's props in Plausible's tracker; ours keeps them on the pageview only.
  if (kept && hasKeys(kept) && name !== ENGAGEMENT) body.p = kept

  if (name === ENGAGEMENT) {
    // Plausible's tracker reports the scroll depth as a percentage and the engaged time in ms.
    const depth = data.sd
    const engaged = data.e
    body.d = typeof depth === 'number' && Number.isFinite(depth) ? Math.min(100, Math.max(0, Math.round(depth))) : depth
    body.e = typeof engaged === 'number' && Number.isFinite(engaged) ? Math.max(0, Math.round(engaged)) : engaged
  }
  if (hasKeys(errors)) return fail(errors)

  const plain = plainPageEventBody(body)
  if (plain) return { event: { body: plain, domains, interactive: either(data.i, data.interactive) !== false }, ok: true }
  const result = pageEventBodySchema.safeParse(body)
  if (!result.success) {
    for (const issue of result.error.issues.slice(0, 10)) {
      const [field, ...rest] = issue.path.map(String)
      const named = field === undefined ? 'request' : (PLAUSIBLE_NAMES[field] ?? field)
      add(errors, rest.length ? `${named}.${rest.join('.')}` : named, issue.message)
    }
    return fail(errors)
  }
  return { event: { body: result.data, domains, interactive: either(data.i, data.interactive) !== false }, ok: true }
}
