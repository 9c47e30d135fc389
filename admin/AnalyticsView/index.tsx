import type { AdminViewServerProps } from 'payload'

import { Gutter, SetStepNav } from '@payloadcms/ui'
import { formatAdminURL } from 'payload/shared'
import React from 'react'

import { AdminViewTemplate, redirectToLoginUnlessUser } from '../adminViewPage.js'
import { ANALYTICS_VIEW_PATH } from '../../src/constants.js'
import { DashboardSection } from '../Dashboard/index.js'
import { loadDashboard } from '../Dashboard/loadDashboard.js'
import { parseDashboardState } from '../Dashboard/state.js'

/**
 * Admin → Analytics (`/admin/analytics`): every site the user may read, or one of them,
 * over a date range — all of it in the URL. Custom admin views are public in Payload, so
 * this one sends anonymous visitors to the login first.
 */
export async function AnalyticsView({ initPageResult, params, searchParams }: AdminViewServerProps) {
  const { req } = initPageResult
  const { payload } = req
  const adminRoute = payload.config.routes.admin
  redirectToLoginUnlessUser(req, ANALYTICS_VIEW_PATH)
  const state = parseDashboardState(searchParams)
  const result = await loadDashboard({ caller: { req }, cookies: initPageResult.cookies, payload, state })
  return (
    <AdminViewTemplate initPageResult={initPageResult} params={params} searchParams={searchParams}>
      <SetStepNav nav={[{ label: 'Analytics' }]} />
      <Gutter>
        <h1 style={{ margin: 'calc(var(--base) * 1.5) 0 var(--base)' }}>Analytics</h1>
        <DashboardSection apiRoute={payload.config.routes.api} mode="admin" resetHref={formatAdminURL({ adminRoute, path: ANALYTICS_VIEW_PATH })} result={result} />
      </Gutter>
    </AdminViewTemplate>
  )
}
