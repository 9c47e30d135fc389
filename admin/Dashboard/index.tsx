import type { DashboardMode } from './Dashboard.client.js'
import type { DashboardResult } from './loadDashboard.js'

import React from 'react'

import { Dashboard } from './Dashboard.client.js'
import { DASHBOARD_CSS } from './styles.js'

/** The dashboard's styles, once per page (React hoists and dedupes `<style href precedence>`). */
export const DashboardStyles = () => (
  <style href="payload-plugin-analytics-dashboard" precedence="default">
    {DASHBOARD_CSS}
  </style>
)

/** A loaded dashboard, or the message of why it could not load (access, bad range, outage). */
export function DashboardSection({
  apiRoute,
  mode,
  resetHref,
  result,
}: {
  apiRoute: string
  mode: DashboardMode
  /** Where "show all sites" leads after an error (the view without URL state). */
  resetHref?: string
  result: DashboardResult
}) {
  return (
    <>
      <DashboardStyles />
      {result.ok ? (
        <Dashboard apiRoute={apiRoute} data={result.data} mode={mode} />
      ) : (
        <div className="pa-state pa-state--error" data-status={result.status} data-testid="analytics-error" role="alert">
          <h2>{result.status === 404 ? 'No analytics to show' : result.status < 500 ? 'This view cannot be shown' : 'Analytics are unavailable'}</h2>
          <p>{result.message}</p>
          {resetHref ? (
            <p>
              <a href={resetHref}>Back to the default view</a>
            </p>
          ) : null}
        </div>
      )}
    </>
  )
}
