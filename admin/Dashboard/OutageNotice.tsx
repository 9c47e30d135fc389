import type { SourceOutage } from '../../src/sourceHealth.js'

import React from 'react'

/**
 * Says that a source of the analytics is down and what that means, where a dashboard would
 * otherwise show figures that stopped moving, "no data yet", or nothing at all.
 */
export function OutageNotice({ outage }: { outage: SourceOutage }) {
  return (
    <div className="pa-state pa-state--error" data-source={outage.source} data-testid="analytics-outage" role="alert">
      <h2>Analytics is unavailable</h2>
      <p>{outage.message}</p>
    </div>
  )
}
