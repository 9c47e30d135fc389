'use client'

import type { DashboardFunnels } from './loadDashboard.js'

import React from 'react'

import { formatValue } from './metrics.js'

/**
 * A saved funnel of the site: a bar per step (visitors who reached it, in order, within one
 * visit), drop-off and conversion from the step before, and overall — of the visits the view's
 * filter chips keep, when there are any. A chooser when the site
 * has several funnels. The bars are a picture of the step list beside them, which carries
 * every figure as text.
 */
export function FunnelChart({ funnels, onChoose }: { funnels: DashboardFunnels; onChoose: (name: string) => void }) {
  const { result } = funnels
  const first = result?.steps[0]?.visitors ?? 0
  return (
    <section aria-label="Funnel" className="pa-panel pa-panel--wide" data-funnel={funnels.chosen} data-testid="analytics-funnel">
      <div className="pa-funnel-head">
        <h2>Funnel</h2>
        {funnels.names.length > 1 ? (
          <label>
            <span className="pa-status">Funnel</span>
            <select className="pa-select" onChange={(event) => onChoose(event.target.value)} value={funnels.chosen}>
              {funnels.names.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span>{funnels.chosen}</span>
        )}
      </div>
      {result ? (
        <>
          <p data-testid="analytics-funnel-overall">
            {formatValue(result.conversionRate, 'percent')} of the {formatValue(first, 'count')} visitors who entered completed it (
            {formatValue(result.visitors, 'count')} {result.filters.length > 0 ? 'filtered visitors' : 'visitors'} in the range).
          </p>
          <ol className="pa-funnel">
            {result.steps.map((step, index) => (
              <li data-step={index + 1} data-testid="analytics-funnel-step" data-visitors={step.visitors} key={`${index}-${step.goal}`}>
                <span className="pa-funnel-label">
                  {index + 1}. {step.goal}
                </span>
                <span aria-hidden="true" className="pa-funnel-track">
                  <span className="pa-funnel-bar" style={{ width: `${first > 0 ? (step.visitors / first) * 100 : 0}%` }} />
                </span>
                <span className="pa-num">{formatValue(step.visitors, 'count')} visitors</span>
                <span className="pa-funnel-change">
                  {index === 0
                    ? 'entered'
                    : `${formatValue(step.conversionRate, 'percent')} continued · ${formatValue(step.dropOff, 'count')} dropped off (${formatValue(step.dropOffRate, 'percent')})`}
                </span>
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p className="pa-warning" role="status">
          {funnels.message}
        </p>
      )}
    </section>
  )
}
