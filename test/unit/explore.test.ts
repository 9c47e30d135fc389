/** The pure parts of exploring: filter strings, goal and funnel settings, path patterns, funnel figures. */
import { describe, expect, test } from 'vitest'

import { checkFilters, parseFilter, parseFilters } from '../../src/core/filters.js'
import { funnelSteps } from '../../src/core/funnelSteps.js'
import { effectiveGoals, parseFunnels, parseGoals, pathPatternRegex } from '../../src/core/goals.js'
import { parseFunnelParams, parseStatsParams } from '../../src/core/statsQuerySchema.js'

describe('filters', () => {
  test('dimension, operator and values; `|` separates values, `\\|` is a bar; properties carry their key', () => {
    expect(parseFilter('source:is:Google|Bing')).toEqual({ dimension: 'source', op: 'is', values: ['Bing', 'Google'] })
    expect(parseFilter('event:is:cta:click')).toEqual({ dimension: 'event', op: 'is', values: ['cta:click'] })
    expect(parseFilter('page:contains:/a\\|b')).toEqual({ dimension: 'page', op: 'contains', values: ['/a|b'] })
    expect(parseFilter('prop:plan:is_not:pro')).toEqual({ dimension: 'prop:plan', op: 'is_not', values: ['pro'] })
    expect(parseFilter('source:is:')).toEqual({ dimension: 'source', op: 'is', values: [''] })
  })

  test('mistakes are named', () => {
    expect(() => parseFilter('planet:is:Mars')).toThrow(/unknown dimension "planet"/)
    expect(() => parseFilter('source:like:x')).toThrow(/unknown operator "like"/)
    expect(() => parseFilter('source:is')).toThrow(/<dimension>:<op>:<value>/)
    expect(() => parseFilter('prop::is:x')).toThrow(/prop:<key>/)
    expect(() => parseFilter('page:contains:')).toThrow(/non-empty/)
    expect(() => parseFilters(Array.from({ length: 11 }, () => 'source:is:x'))).toThrow(/at most 10/)
    expect(() => checkFilters([{ dimension: 'nope' as 'page', op: 'is', values: ['x'] }])).toThrow(/unknown dimension/)
  })

  test('one canonical order, so equal requests share a cache entry', () => {
    expect(parseFilters(['source:is:B|A', 'country:is:DE'])).toEqual(parseFilters(['country:is:DE', 'source:is:A|B', 'source:is:A|B']))
  })

  test('the query string: filters on stats, goal and property breakdowns; a funnel request', () => {
    const query = parseStatsParams(new URLSearchParams('filter=source:is:Google&filter=page:contains:/blog&breakdown=pages,goals,prop:plan,propKeys'))
    expect(query).toEqual({
      breakdowns: ['pages'],
      filters: [
        { dimension: 'page', op: 'contains', values: ['/blog'] },
        { dimension: 'source', op: 'is', values: ['Google'] },
      ],
      goals: true,
      propKeys: true,
      props: ['plan'],
    })
    expect(() => parseStatsParams(new URLSearchParams('breakdown=goal'))).toThrow(/breakdown: one of/)
    expect(parseFunnelParams(new URLSearchParams('siteId=3&steps=a,b&range=7d'))).toEqual({ range: '7d', siteId: '3', steps: ['a', 'b'] })
    expect(() => parseFunnelParams(new URLSearchParams('steps=a,b'))).toThrow(/siteId/)
  })
})

describe('goals and funnels', () => {
  test('goals from settings: event or page, a default name, an optional property', () => {
    expect(parseGoals([{ event: 'signup' }, { name: 'Blog', page: '/blog/**', prop: { key: 'lang', value: 'de' } }])).toEqual([
      { event: 'signup', name: 'signup' },
      { name: 'Blog', page: '/blog/**', prop: { key: 'lang', value: 'de' } },
    ])
    expect(() => parseGoals([{ event: 'a', page: '/b' }])).toThrow(/exactly one/)
    expect(() => parseGoals([{ page: 'blog' }])).toThrow(/starting with \//)
    expect(() => parseGoals([{ event: 'a' }, { event: 'a' }])).toThrow(/taken/)
    expect(effectiveGoals([], ['lead.created'])).toEqual([{ event: 'lead.created', name: 'lead.created' }])
  })

  test('funnels name 2 to 8 of the goals', () => {
    const goals = parseGoals([{ event: 'a' }, { event: 'b' }])
    expect(parseFunnels([{ name: 'F', steps: ['a', 'b'] }], goals)).toEqual([{ name: 'F', steps: ['a', 'b'] }])
    expect(() => parseFunnels([{ name: 'F', steps: ['a'] }], goals)).toThrow(/2 to 8/)
    expect(() => parseFunnels([{ name: 'F', steps: ['a', 'c'] }], goals)).toThrow(/"c" is not one of/)
    expect(parseFunnels([{ name: 'F', steps: ['a', 'c'] }], null)).toHaveLength(1)
  })

  test('path patterns: `*` one segment, `**` any depth, a trailing `/**` includes the root, the rest literal', () => {
    const matches = (pattern: string, path: string) => new RegExp(pathPatternRegex(pattern)).test(path)
    expect(matches('/docs/*', '/docs/install')).toBe(true)
    expect(matches('/docs/*', '/docs/api/auth')).toBe(false)
    expect(matches('/blog/**', '/blog')).toBe(true)
    expect(matches('/blog/**', '/blog/2026/recap')).toBe(true)
    expect(matches('/blog/**', '/blogroll')).toBe(false)
    expect(matches('/a.b', '/aXb')).toBe(false)
    expect(matches('/p(1)', '/p(1)')).toBe(true)
  })

  test('funnel figures: drop-off and conversion between steps and overall', () => {
    expect(funnelSteps(['a', 'b', 'c'], [100, 40, 10])).toEqual({
      conversionRate: 0.1,
      steps: [
        { conversionRate: 1, dropOff: 0, dropOffRate: 0, goal: 'a', visitors: 100 },
        { conversionRate: 0.4, dropOff: 60, dropOffRate: 0.6, goal: 'b', visitors: 40 },
        { conversionRate: 0.25, dropOff: 30, dropOffRate: 0.75, goal: 'c', visitors: 10 },
      ],
    })
    expect(funnelSteps(['a', 'b'], [0, 0]).conversionRate).toBe(0)
  })
})
