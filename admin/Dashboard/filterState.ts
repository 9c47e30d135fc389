/**
 * The dashboard's filters: which filter dimension a ranked list's row stands for, and a
 * filter's URL form — the REST API's own `filter=<dimension>:<op>:<value>` syntax
 * (`src/core/filters.ts`), so a dashboard URL and an API request read the same. Pure.
 */
import type { FilterDimension, StatsFilter } from '../../src/core/filters.js'
import type { Breakdown } from '../../src/stats/types.js'

import { normalizeFilters, parseFilter } from '../../src/core/filters.js'
import { BREAKDOWN_DIMENSIONS } from '../../src/stats/types.js'

/** The filter dimension of each breakdown list (clicking a row filters by its key): the list's own stats dimension. */
export const BREAKDOWN_FILTER_DIMENSION: Record<Breakdown, FilterDimension> = BREAKDOWN_DIMENSIONS

const DIMENSION_LABELS: Record<string, string> = {
  browser: 'Browser',
  country: 'Country',
  device: 'Device',
  entryPage: 'Entry page',
  event: 'Event',
  exitPage: 'Exit page',
  goal: 'Goal',
  hostname: 'Hostname',
  os: 'OS',
  page: 'Page',
  source: 'Source',
  utmCampaign: 'UTM campaign',
  utmContent: 'UTM content',
  utmMedium: 'UTM medium',
  utmSource: 'UTM source',
  utmTerm: 'UTM term',
}

const OP_LABELS: Record<StatsFilter['op'], string> = { contains: 'contains', contains_not: 'does not contain', is: 'is', is_not: 'is not' }

/** A filter's `filter` parameter value (`|` and `\` in values escaped as the parser reads them). */
export const filterParam = (filter: StatsFilter): string =>
  `${filter.dimension}:${filter.op}:${filter.values.map((value) => value.replaceAll('\\', '\\\\').replaceAll('|', '\\|')).join('|')}`

/**
 * The URL's `filter` parameters. A malformed one (a hand-edited URL) is left out rather than
 * failing the view: the chips show what is applied, so nothing is filtered silently.
 */
export function parseUrlFilters(params: string[]): StatsFilter[] {
  const filters: StatsFilter[] = []
  for (const text of params) {
    try {
      filters.push(parseFilter(text))
    } catch {
      // Left out (see above).
    }
  }
  return normalizeFilters(filters)
}

/** The state's filters with one more (a clicked row), or without one (a removed chip). */
export const withFilter = (filters: readonly StatsFilter[], filter: StatsFilter): StatsFilter[] => normalizeFilters([...filters, filter])
export const withoutFilter = (filters: readonly StatsFilter[], filter: StatsFilter): StatsFilter[] =>
  filters.filter((candidate) => filterParam(candidate) !== filterParam(filter))

/** A chip's text: "Source is Google". */
export function filterLabel(filter: StatsFilter): string {
  const dimension = filter.dimension.startsWith('prop:') ? `Property ${filter.dimension.slice(5)}` : (DIMENSION_LABELS[filter.dimension] ?? filter.dimension)
  return `${dimension} ${OP_LABELS[filter.op]} ${filter.values.map((value) => value || '(none)').join(' or ')}`
}
