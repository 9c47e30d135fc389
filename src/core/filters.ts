/**
 * Filters of a stats request (`filter=<dimension>:<op>:<value>`), parsed and checked here,
 * pure. Several values of one filter (`source:is:Google|Bing`) are ORed; several filters are
 * ANDed. What each dimension selects (visits, pageviews, events) is the store's business
 * (`src/store/filteredStats.ts`) and is documented in docs/explore.md.
 */
import { StatsInputError } from './statsRange.js'

/** Dimensions whose value is a property of the visit (its first event, or its first / last pageview). */
export const VISIT_FILTER_DIMENSIONS = [
  'entryPage',
  'exitPage',
  'source',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'country',
  'browser',
  'os',
  'device',
] as const
/** Dimensions of one event: they select events (pageviews) and the visits containing them. */
export const EVENT_FILTER_DIMENSIONS = ['page', 'hostname', 'event', 'goal'] as const
/** `prop:<key>`: a custom property of the event. */
export const PROP_PREFIX = 'prop:'

export type VisitFilterDimension = (typeof VISIT_FILTER_DIMENSIONS)[number]
export type EventFilterDimension = (typeof EVENT_FILTER_DIMENSIONS)[number]
export type FilterDimension = `prop:${string}` | EventFilterDimension | VisitFilterDimension

export const FILTER_OPS = ['is', 'is_not', 'contains', 'contains_not'] as const
export type FilterOp = (typeof FILTER_OPS)[number]

/** One filter: `values` ORed (for the negative operators: none of them). */
export interface StatsFilter {
  dimension: FilterDimension
  op: FilterOp
  values: string[]
}

export const MAX_FILTERS = 10
export const MAX_FILTER_VALUES = 50
export const MAX_FILTER_VALUE_LENGTH = 2048
/** A property key as events carry them (`trackSchema.ts`: at most 64 characters, no control characters); no `:`, which ends it here. */
export const PROP_KEY = /^[^:\p{Cc}]{1,64}$/u

const KNOWN = `${[...EVENT_FILTER_DIMENSIONS, ...VISIT_FILTER_DIMENSIONS].join(', ')}, prop:<key>`

export const isVisitDimension = (dimension: FilterDimension): dimension is VisitFilterDimension =>
  (VISIT_FILTER_DIMENSIONS as readonly string[]).includes(dimension)

/** The property key of a `prop:<key>` dimension, or null. */
export const propKeyOf = (dimension: FilterDimension): null | string => (dimension.startsWith(PROP_PREFIX) ? dimension.slice(PROP_PREFIX.length) : null)

/** Splits on `|`; `\|` is a literal bar and `\\` a backslash. */
function splitValues(text: string): string[] {
  const values: string[] = []
  let current = ''
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (char === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      current += text[++i]
    } else if (char === '|') {
      values.push(current)
      current = ''
    } else current += char
  }
  values.push(current)
  return values
}

/** One `filter` parameter: `<dimension>:<op>:<values>` (a property: `prop:<key>:<op>:<values>`). */
export function parseFilter(text: string): StatsFilter {
  const bad = (why: string) => new StatsInputError(`filter "${text.slice(0, 100)}": ${why}`)
  let rest = text
  let dimension: FilterDimension
  if (rest.startsWith(PROP_PREFIX)) {
    const end = rest.indexOf(':', PROP_PREFIX.length)
    const key = end < 0 ? '' : rest.slice(PROP_PREFIX.length, end)
    if (!PROP_KEY.test(key)) throw bad('prop:<key> needs a key of 1 to 64 characters (no `:`)')
    dimension = `prop:${key}`
    rest = rest.slice(end + 1)
  } else {
    const end = rest.indexOf(':')
    const name = end < 0 ? rest : rest.slice(0, end)
    if (!(VISIT_FILTER_DIMENSIONS as readonly string[]).includes(name) && !(EVENT_FILTER_DIMENSIONS as readonly string[]).includes(name)) {
      throw bad(`unknown dimension "${name.slice(0, 40)}" (known: ${KNOWN})`)
    }
    if (end < 0) throw bad('write it as <dimension>:<op>:<value>')
    dimension = name as FilterDimension
    rest = rest.slice(end + 1)
  }
  const opEnd = rest.indexOf(':')
  const op = opEnd < 0 ? rest : rest.slice(0, opEnd)
  if (!(FILTER_OPS as readonly string[]).includes(op)) throw bad(`unknown operator "${op.slice(0, 40)}" (known: ${FILTER_OPS.join(', ')})`)
  if (opEnd < 0) throw bad('write it as <dimension>:<op>:<value>')
  const values = [...new Set(splitValues(rest.slice(opEnd + 1)))]
  if (values.length > MAX_FILTER_VALUES) throw bad(`at most ${MAX_FILTER_VALUES} values`)
  if (values.some((value) => value.length > MAX_FILTER_VALUE_LENGTH)) throw bad(`a value of at most ${MAX_FILTER_VALUE_LENGTH} characters`)
  // "Contains nothing" would select everything (or, negated, nothing): surely a mistake.
  if ((op === 'contains' || op === 'contains_not') && values.some((value) => value === '')) throw bad(`${op} needs a non-empty value`)
  return { dimension, op: op as FilterOp, values: values.sort() }
}

/**
 * Every `filter` parameter, in a canonical order (so equal requests share a cache entry).
 * The same dimension twice is allowed: both must hold.
 */
export function parseFilters(texts: readonly string[]): StatsFilter[] {
  if (texts.length > MAX_FILTERS) throw new StatsInputError(`filter: at most ${MAX_FILTERS} filters`)
  return normalizeFilters(texts.map(parseFilter))
}

/** Sorted, duplicates removed: the cache key's form. */
export function normalizeFilters(filters: readonly StatsFilter[]): StatsFilter[] {
  const seen = new Map<string, StatsFilter>()
  for (const filter of filters) {
    const values = [...new Set(filter.values)].sort()
    seen.set(JSON.stringify([filter.dimension, filter.op, values]), { dimension: filter.dimension, op: filter.op, values })
  }
  return [...seen.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, filter]) => filter)
}

/** Checks filters given from code (the service's query): the same rules as the query string. */
export function checkFilters(filters: readonly StatsFilter[]): StatsFilter[] {
  if (filters.length > MAX_FILTERS) throw new StatsInputError(`filter: at most ${MAX_FILTERS} filters`)
  for (const filter of filters) {
    const escaped = filter.values.map((value) => value.replaceAll('\\', '\\\\').replaceAll('|', '\\|')).join('|')
    parseFilter(`${filter.dimension}:${filter.op}:${escaped}`)
  }
  return normalizeFilters(filters)
}

/** Whether a value passes one filter (the reference the SQL is tested against; null counts as ''). */
export function matchesFilter(filter: Pick<StatsFilter, 'op' | 'values'>, value: null | string | undefined): boolean {
  const text = value ?? ''
  switch (filter.op) {
    case 'contains':
      return filter.values.some((v) => text.includes(v))
    case 'contains_not':
      return !filter.values.some((v) => text.includes(v))
    case 'is':
      return filter.values.includes(text)
    case 'is_not':
      return !filter.values.includes(text)
  }
}
