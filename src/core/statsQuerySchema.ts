/**
 * The query strings of the stats endpoints, validated with zod into the service's query
 * types. Repeated parameters and comma-separated lists are both accepted
 * (`siteId=1&siteId=2` = `siteId=1,2`); unknown parameters are refused, so a typo never
 * silently returns the default.
 */
import * as z from 'zod'

import type { Breakdown, CompareQuery, FunnelQuery, StatsQuery } from '../stats/types.js'

import { BREAKDOWNS, INTERVALS, NAMED_RANGES } from '../stats/types.js'
import { parseFilters, PROP_PREFIX } from './filters.js'
import { MAX_FUNNEL_STEPS } from './goals.js'
import { StatsInputError } from './statsRange.js'

export const DEFAULT_BREAKDOWN_LIMIT = 10
export const MAX_BREAKDOWN_LIMIT = 1000
export const MAX_SITES_PER_QUERY = 1000
export const EXPORT_FORMATS = ['csv', 'json'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** Serial numbers and uuids; `all` means every readable site. */
const SITE_ID = /^[\w-]{1,64}$/
const DAY = /^\d{4}-\d{2}-\d{2}$/

const list = (values: string[]): string[] =>
  values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)

const one = (name: string) =>
  z
    .array(z.string())
    .max(1, { error: `${name}: give it once` })
    .transform((values) => values[0])

const day = (name: string) => one(name).pipe(z.string().regex(DAY, { error: `${name}: not a day (YYYY-MM-DD)` }).optional())

const siteIds = z
  .array(z.string())
  .transform(list)
  .pipe(
    z
      .array(z.string().regex(SITE_ID, { error: 'siteId: not a site id' }))
      .max(MAX_SITES_PER_QUERY, { error: `siteId: at most ${MAX_SITES_PER_QUERY} sites` }),
  )
  // `all` (or nothing) means every site the caller may read.
  .transform((ids) => (ids.length === 0 || ids.includes('all') ? undefined : [...new Set(ids)]))

const enumOf = <T extends readonly [string, ...string[]]>(name: string, values: T) =>
  one(name).pipe(z.enum(values, { error: `${name}: one of ${values.join(', ')}` }).optional())

/** Besides the rollups' breakdowns: goals, a custom property's values, the property keys. */
const GOALS_BREAKDOWN = 'goals'
const PROP_KEYS_BREAKDOWN = 'propKeys'
const breakdownError = `breakdown: one of ${BREAKDOWNS.join(', ')}, ${GOALS_BREAKDOWN}, ${PROP_KEYS_BREAKDOWN}, ${PROP_PREFIX}<key>`
const breakdowns = z
  .array(z.string())
  .transform(list)
  .pipe(
    z.array(
      z.string().refine((value) => (BREAKDOWNS as readonly string[]).includes(value) || value === GOALS_BREAKDOWN || value === PROP_KEYS_BREAKDOWN || /^prop:[^:\p{Cc}]{1,64}$/u.test(value), {
        error: breakdownError,
      }),
    ),
  )
  .transform((values) => {
    const unique = [...new Set(values)]
    const standard = unique.filter((value): value is Breakdown => (BREAKDOWNS as readonly string[]).includes(value))
    const props = unique.filter((value) => value.startsWith(PROP_PREFIX)).map((value) => value.slice(PROP_PREFIX.length))
    return {
      breakdowns: standard.length ? standard : undefined,
      goals: unique.includes(GOALS_BREAKDOWN) || undefined,
      propKeys: unique.includes(PROP_KEYS_BREAKDOWN) || undefined,
      props: props.length ? props : undefined,
    }
  })

/** `filter=<dimension>:<op>:<value>`, repeatable (`filters.ts`). */
const filters = z.array(z.string()).transform((texts) => (texts.length ? parseFilters(texts) : undefined))

const limit = one('limit').pipe(
  z
    .string()
    .regex(/^\d{1,7}$/, { error: 'limit: a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: 'limit: at least 1' })
        .max(MAX_BREAKDOWN_LIMIT, { error: `limit: at most ${MAX_BREAKDOWN_LIMIT}` }),
    )
    .optional(),
)

const statsShape = {
  breakdown: breakdowns,
  filter: filters,
  from: day('from'),
  imports: enumOf('imports', ['true', 'false']).transform((value) => (value === undefined ? undefined : value === 'true')),
  interval: enumOf('interval', INTERVALS),
  kpis: enumOf('kpis', ['true', 'false']).transform((value) => (value === undefined ? undefined : value === 'true')),
  limit,
  range: enumOf('range', NAMED_RANGES),
  siteId: siteIds,
  to: day('to'),
}

const schemas = {
  compare: z.strictObject(
    {
      compareFrom: day('compareFrom'),
      compareTo: day('compareTo'),
      filter: filters,
      from: statsShape.from,
      imports: statsShape.imports,
      interval: statsShape.interval,
      range: statsShape.range,
      siteId: siteIds,
      to: statsShape.to,
    },
    { error: (issue) => unknownParameters(issue, 'siteId, range, from, to, compareFrom, compareTo, interval, filter, imports') },
  ),
  export: z.strictObject(
    { filter: filters, format: enumOf('format', EXPORT_FORMATS), from: statsShape.from, imports: statsShape.imports, range: statsShape.range, siteId: siteIds, to: statsShape.to },
    { error: (issue) => unknownParameters(issue, 'siteId, range, from, to, format, filter, imports') },
  ),
  funnel: z.strictObject(
    {
      filter: filters,
      from: statsShape.from,
      funnel: one('funnel').pipe(z.string().min(1, { error: 'funnel: a funnel name' }).max(120, { error: 'funnel: a funnel name' }).optional()),
      range: statsShape.range,
      siteId: one('siteId').pipe(z.string({ error: 'siteId: one site id' }).regex(SITE_ID, { error: 'siteId: not a site id' })),
      steps: z
        .array(z.string())
        .transform(list)
        .pipe(z.array(z.string().max(120)).max(MAX_FUNNEL_STEPS, { error: `steps: at most ${MAX_FUNNEL_STEPS} goals` }))
        .transform((values) => (values.length ? values : undefined)),
      to: statsShape.to,
    },
    { error: (issue) => unknownParameters(issue, 'siteId, funnel, steps, range, from, to, filter') },
  ),
  realtime: z.strictObject({ limit, siteId: siteIds }, { error: (issue) => unknownParameters(issue, 'siteId, limit') }),
  stats: z.strictObject(statsShape, {
    error: (issue) => unknownParameters(issue, 'siteId, range, from, to, interval, breakdown, limit, kpis, filter, imports'),
  }),
}

function unknownParameters(issue: { code?: string; keys?: string[] }, known: string): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined
  return `unknown parameter${(issue.keys?.length ?? 0) > 1 ? 's' : ''} ${(issue.keys ?? []).join(', ')} (known: ${known})`
}

/** Every parameter as the list of its values. */
function grouped(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [key, value] of params) (out[key] ??= []).push(value)
  for (const key of Object.keys(schemas.stats.shape)) out[key] ??= []
  for (const key of ['compareFrom', 'compareTo', 'format', 'funnel', 'steps']) out[key] ??= []
  return out
}

function parse<K extends keyof typeof schemas>(kind: K, params: URLSearchParams): z.output<(typeof schemas)[K]> {
  const values = grouped(params)
  // Only the keys this schema knows may be filled in as empty; others must stay unknown.
  const shape = schemas[kind].shape as Record<string, unknown>
  const input: Record<string, string[]> = {}
  for (const [key, list] of Object.entries(values)) if (key in shape || list.length > 0) input[key] = list
  const result = schemas[kind].safeParse(input)
  if (!result.success) {
    const messages = [...new Set(result.error.issues.map((issue) => issue.message))]
    throw new StatsInputError(messages.slice(0, 5).join('; '))
  }
  return result.data as z.output<(typeof schemas)[K]>
}

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T

/** `GET /api/analytics/stats` (and the share link's). */
export function parseStatsParams(params: URLSearchParams): StatsQuery {
  const { breakdown, filter, siteId, ...rest } = parse('stats', params)
  return defined({ ...rest, ...breakdown, filters: filter, siteIds: siteId })
}

/** `GET /api/analytics/compare`. */
export function parseCompareParams(params: URLSearchParams): CompareQuery {
  const { filter, siteId, ...rest } = parse('compare', params)
  return defined({ ...rest, filters: filter, siteIds: siteId })
}

/** `GET /api/analytics/realtime`. */
export function parseRealtimeParams(params: URLSearchParams): { limit?: number; siteIds?: string[] } {
  const { siteId, ...rest } = parse('realtime', params)
  return defined({ ...rest, siteIds: siteId })
}

/** `GET /api/analytics/export`. */
export function parseExportParams(params: URLSearchParams): StatsQuery & { format: ExportFormat } {
  const { filter, format, siteId, ...rest } = parse('export', params)
  return defined({ ...rest, filters: filter, format: format ?? 'csv', siteIds: siteId })
}

/** `GET /api/analytics/funnel`. */
export function parseFunnelParams(params: URLSearchParams): FunnelQuery {
  const { filter, siteId, ...rest } = parse('funnel', params)
  if (siteId === undefined) throw new StatsInputError('siteId: one site id')
  return defined({ ...rest, filters: filter, siteId })
}
