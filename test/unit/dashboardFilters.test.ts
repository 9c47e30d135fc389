import { describe, expect, test } from 'vitest'

import { BREAKDOWN_FILTER_DIMENSION, filterLabel, filterParam, withFilter, withoutFilter } from '../../admin/Dashboard/filterState.js'
import { BREAKDOWN_LISTS } from '../../admin/Dashboard/metrics.js'
import { dashboardSearch, parseDashboardState, statsRange } from '../../admin/Dashboard/state.js'
import { parseFilter } from '../../src/core/filters.js'

/** What Next hands the view: repeated params as an array. */
const searchParams = (search: string) => {
  const params: Record<string, string | string[]> = {}
  for (const [key, value] of new URLSearchParams(search)) {
    const prior = params[key]
    params[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value]
  }
  return params
}

describe('dashboard filters in the URL', () => {
  test('a filtered view survives a reload: the URL carries every filter in the REST API syntax', () => {
    const state = {
      filters: [
        { dimension: 'country' as const, op: 'is_not' as const, values: ['DE', 'FR'] },
        { dimension: 'source' as const, op: 'is' as const, values: ['Google'] },
      ],
      range: '7d' as const,
      site: '3',
    }
    const search = dashboardSearch(state)
    expect(new URLSearchParams(search).getAll('filter')).toEqual(['country:is_not:DE|FR', 'source:is:Google'])
    expect(parseDashboardState(searchParams(search))).toEqual(state)
  })

  test('values with a bar or a backslash, and the empty "(none)" value, round-trip', () => {
    for (const values of [['a|b'], ['c:\\d'], ['']]) {
      const filter = { dimension: 'page' as const, op: 'is' as const, values }
      expect(parseFilter(filterParam(filter))).toEqual(filter)
      expect(parseDashboardState(searchParams(dashboardSearch({ filters: [filter], range: '30d' }))).filters).toEqual([filter])
    }
  })

  test('a malformed filter in a hand-edited URL is left out, the others apply', () => {
    const state = parseDashboardState({ filter: ['nope:is:x', 'source:is:Bing', 'page:contains:'] })
    expect(state.filters).toEqual([{ dimension: 'source', op: 'is', values: ['Bing'] }])
  })

  test('unfiltered views ask the service without filters (they stay on the rollups)', () => {
    expect(statsRange({ range: '30d' })).toEqual({ range: '30d' })
    expect(statsRange({ filters: [], range: '30d' })).toEqual({ range: '30d' })
    const filters = [{ dimension: 'device' as const, op: 'is' as const, values: ['mobile'] }]
    expect(statsRange({ filters, range: '30d' })).toEqual({ filters, range: '30d' })
  })

  test('clicking the same row twice adds one chip; removing a chip leaves the others', () => {
    const google = { dimension: 'source' as const, op: 'is' as const, values: ['Google'] }
    const mobile = { dimension: 'device' as const, op: 'is' as const, values: ['mobile'] }
    const both = withFilter(withFilter(withFilter([], google), mobile), google)
    expect(both).toHaveLength(2)
    expect(withoutFilter(both, google)).toEqual([mobile])
    expect(filterLabel(google)).toBe('Source is Google')
    expect(filterLabel({ dimension: 'page', op: 'contains_not', values: ['/blog', ''] })).toBe('Page does not contain /blog or (none)')
  })

  test('every ranked list filters by a dimension the API accepts', () => {
    for (const list of BREAKDOWN_LISTS) {
      expect(() => parseFilter(`${BREAKDOWN_FILTER_DIMENSION[list.breakdown]}:is:x`)).not.toThrow()
    }
  })
})
