import type { UIFieldServerProps } from 'payload'

import React from 'react'

import { getAnalyticsConfig } from '../../src/analyticsConfig.js'
import { findManageableReport } from '../../src/reports/manageable.js'
import { ReportActionsButtons } from './index.client.js'

/**
 * "Preview" and "Send now" in a saved report's sidebar — only for users the endpoints would
 * let do it (the same check, `findManageableReport`), so nobody sees a button that answers 403.
 */
export async function ReportActions({ id, req }: Partial<UIFieldServerProps>) {
  if (id === undefined || id === null || !req?.user) return null
  const found = await findManageableReport(req, getAnalyticsConfig(req.payload.config), id)
  if (!('report' in found)) return null
  const recipients = (found.report.recipients ?? []).filter((recipient) => !recipient.unsubscribed).length
  return <ReportActionsButtons apiRoute={req.payload.config.routes.api} recipients={recipients} reportId={String(id)} webhook={Boolean(found.report.webhook?.url)} />
}
