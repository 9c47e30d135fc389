import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

import { METRIC_NAMES } from '../../src/metrics/names.js'

interface Target {
  datasource?: { type: string; uid: string }
  expr: string
  refId: string
}

interface Panel {
  datasource?: { type: string; uid: string }
  gridPos: { h: number; w: number; x: number; y: number }
  id: number
  targets?: Target[]
  title: string
  type: string
}

interface Variable {
  allValue?: string
  definition?: string
  includeAll?: boolean
  name: string
  query: string | { query: string }
  type: string
}

interface Dashboard {
  __inputs: { name: string; pluginId: string; type: string }[]
  panels: Panel[]
  schemaVersion: number
  templating: { list: Variable[] }
  title: string
  uid: string
}

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../grafana/analytics-overview.json')
const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard

const variable = (name: string) => dashboard.templating.list.find((entry) => entry.name === name)
const queryOf = (entry: Variable) => (typeof entry.query === 'string' ? entry.query : entry.query.query)
const targets = dashboard.panels.flatMap((panel) => panel.targets ?? [])

/** The panels under each row, in order. */
const rows = (): Map<string, Panel[]> => {
  const byRow = new Map<string, Panel[]>()
  let current: Panel[] | null = null
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') byRow.set(panel.title, (current = []))
    else current?.push(panel)
  }
  return byRow
}

describe('grafana/analytics-overview.json', () => {
  test('is an importable dashboard: title, schema version, uid, a Prometheus data source input', () => {
    expect(dashboard.title).toBe('SaaS - Analytics Overview')
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36)
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41)
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/)
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus', type: 'datasource' })])
    expect(variable('datasource')).toMatchObject({ query: 'prometheus', type: 'datasource' })
  })

  test('has $tenant and $site variables from the labels of analytics_events_total, with All', () => {
    const tenant = variable('tenant')!
    const site = variable('site')!
    expect(queryOf(tenant)).toBe(`label_values(${METRIC_NAMES.events}, tenant)`)
    expect(queryOf(site)).toBe(`label_values(${METRIC_NAMES.events}{tenant=~"$tenant"}, site)`)
    for (const entry of [tenant, site]) {
      expect(entry).toMatchObject({ allValue: '.*', includeAll: true, type: 'query' })
    }
  })

  test('has the Traffic, Conversions, AI Usage and Errors rows, each with panels', () => {
    const byRow = rows()
    expect([...byRow.keys()]).toEqual(['Traffic', 'Conversions', 'AI Usage', 'Errors'])
    for (const [title, panels] of byRow) expect(panels.length, title).toBeGreaterThanOrEqual(3)
    const exprs = (row: string) => byRow.get(row)!.flatMap((panel) => panel.targets ?? []).map((target) => target.expr).join('\n')
    expect(exprs('Traffic')).toContain('type="pageview"')
    expect(exprs('Traffic')).toContain('sum by (type)')
    expect(exprs('Conversions')).toContain('type="lead.created"')
    expect(exprs('Conversions')).toContain('type="form.submit"')
    expect(exprs('Conversions')).toMatch(/lead\.created\|form\.submit.*\/.*pageview/)
    expect(exprs('AI Usage')).toContain('type="ai.usage"')
    for (const name of [METRIC_NAMES.eventsRejected, METRIC_NAMES.queuePending, `${METRIC_NAMES.dbLatency}_bucket`, METRIC_NAMES.aggregationDuration]) {
      expect(exprs('Errors')).toContain(name)
    }
    expect(exprs('Errors')).toContain('histogram_quantile(0.95')
  })

  test('queries only metrics the plugin defines, through the $datasource variable', () => {
    const defined = Object.values(METRIC_NAMES) as string[]
    expect(targets.length).toBeGreaterThan(10)
    for (const target of targets) {
      expect(target.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' })
      for (const [name] of target.expr.matchAll(/\banalytics_[a-z_]+/g)) {
        expect(defined, target.expr).toContain(name.replace(/_(bucket|sum|count)$/, ''))
      }
    }
  })

  test('filters every events query by $tenant and $site (the only metric with those labels)', () => {
    for (const target of targets) {
      const selectors = [...target.expr.matchAll(/analytics_events_total\{([^}]*)\}/g)].map((match) => match[1]!)
      expect(target.expr.split(`${METRIC_NAMES.events}`).length - 1, target.expr).toBe(selectors.length)
      for (const selector of selectors) {
        expect(selector).toContain('tenant=~"$tenant"')
        expect(selector).toContain('site=~"$site"')
      }
      if (!target.expr.includes(METRIC_NAMES.events)) expect(target.expr).not.toMatch(/\$(tenant|site)\b/)
    }
  })

  test('panels have unique ids and fit the 24-column grid', () => {
    const ids = dashboard.panels.map((panel) => panel.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24)
      expect(panel.gridPos.h).toBeGreaterThan(0)
      if (panel.targets) expect(new Set(panel.targets.map((target) => target.refId)).size).toBe(panel.targets.length)
    }
  })
})
