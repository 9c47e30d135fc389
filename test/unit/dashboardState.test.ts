import { describe, expect, test } from 'vitest'

import { describeChange, formatValue, KPIS } from '../../admin/Dashboard/metrics.js'
import { dashboardSearch, parseDashboardState, statsRange } from '../../admin/Dashboard/state.js'

describe('dashboard URL state', () => {
  test('defaults to the last 30 days of every site', () => {
    expect(parseDashboardState({})).toEqual({ range: '30d' })
    expect(dashboardSearch({ range: '30d' })).toBe('')
  })

  test('a bookmarked URL opens the same view it was copied from', () => {
    for (const state of [
      { range: '7d' as const, site: '12' },
      { from: '2026-01-01', range: 'custom' as const, to: '2026-03-31' },
      { range: 'year' as const, table: true },
      { range: 'today' as const, site: 'c2f0a1-b' },
    ]) {
      const params = Object.fromEntries(new URLSearchParams(dashboardSearch(state)))
      expect(parseDashboardState(params)).toEqual(state)
    }
  })

  test('hand-edited nonsense falls back to defaults instead of failing the page', () => {
    expect(parseDashboardState({ range: 'forever' })).toEqual({ range: '30d' })
    expect(parseDashboardState({ from: '2026-02-30x', range: 'custom', to: '2026-03-01' })).toEqual({ range: '30d' })
    expect(parseDashboardState({ range: 'custom', to: '2026-03-01' })).toEqual({ range: '30d' })
    expect(parseDashboardState({ site: '1; drop table' })).toEqual({ range: '30d' })
    expect(parseDashboardState({ range: ['7d', 'today'] })).toEqual({ range: '7d' })
  })

  test('reversed custom days are swapped, and the stats query carries only what the range needs', () => {
    const state = parseDashboardState({ from: '2026-05-10', range: 'custom', to: '2026-05-01' })
    expect(state).toEqual({ from: '2026-05-01', range: 'custom', to: '2026-05-10' })
    expect(statsRange(state)).toEqual({ from: '2026-05-01', range: 'custom', to: '2026-05-10' })
    expect(statsRange({ from: '2026-05-01', range: 'month', to: '2026-05-10' })).toEqual({ range: 'month' })
  })
})

describe('KPI values and changes', () => {
  test('formats counts, rates, decimals and durations as a reader expects', () => {
    expect(formatValue(1234567, 'count')).toBe('1,234,567')
    expect(formatValue(0.4211, 'percent')).toBe('42.1%')
    expect(formatValue(2.345, 'decimal')).toBe('2.35')
    expect(formatValue(42, 'duration')).toBe('42s')
    expect(formatValue(95, 'duration')).toBe('1m 35s')
    expect(formatValue(7260, 'duration')).toBe('2h 1m')
    expect(formatValue(Number.NaN, 'count')).toBe('–')
  })

  test('a change is good or bad by what the metric means: fewer bounces is good news', () => {
    const visitors = KPIS.find((kpi) => kpi.key === 'visitors')!
    const bounce = KPIS.find((kpi) => kpi.key === 'bounceRate')!
    expect(describeChange(visitors, { change: 50, previous: 100, relativeChange: 0.5 })).toMatchObject({ text: '↑ 50%', tone: 'good' })
    expect(describeChange(visitors, { change: -25, previous: 100, relativeChange: -0.25 })).toMatchObject({ text: '↓ 25%', tone: 'bad' })
    expect(describeChange(bounce, { change: -0.05, previous: 0.5, relativeChange: -0.1 })).toMatchObject({ text: '↓ 5.0 pts', tone: 'good' })
    expect(describeChange(bounce, { change: 0.1, previous: 0.4, relativeChange: 0.25 })).toMatchObject({ tone: 'bad' })
    expect(describeChange(visitors, { change: 12, previous: 0, relativeChange: null })).toMatchObject({ text: '↑ new', tone: 'good' })
    expect(describeChange(visitors, { change: 0, previous: 3, relativeChange: 0 })).toMatchObject({ text: '±0', tone: 'neutral' })
    expect(describeChange(visitors, { change: 50, previous: 100, relativeChange: 0.5 }).label).toBe('up 50% against the previous period (100)')
  })
})
