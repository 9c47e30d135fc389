/**
 * The one answer to "may this user preview and send this report?", shared by the REST
 * endpoints and the admin's buttons: the report is readable to them (the collection's access:
 * `access.manageReports` on each of its sites, and for a tenant report the right to manage the
 * tenant's defaults) — checked again here, so a host's read override cannot widen it.
 */
import type { PayloadRequest } from 'payload'

import type { SanitizedAnalyticsConfig } from '../types.js'
import type { ReportDoc } from './service.js'

import { firstRefused } from '../access/actions.js'
import { mayManageDefaults } from '../access/settingsAccess.js'
import { relationId } from '../core/relationId.js'

export type ManageableReport = { report: ReportDoc } | { error: string; status: 401 | 403 | 404 }

export async function findManageableReport(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, id: unknown): Promise<ManageableReport> {
  if (!req.user) return { error: 'Log in to use reports.', status: 401 }
  const report =
    (typeof id === 'string' && /^[\w-]{1,64}$/.test(id)) || typeof id === 'number'
      ? ((await req.payload.findByID({ collection: cfg.slugs.reports, depth: 0, disableErrors: true, id, overrideAccess: false, req, user: req.user })) as null | ReportDoc)
      : null
  if (!report) return { error: 'Report not found.', status: 404 }
  const tenant = relationId(report.tenant)
  if (tenant !== null && !(await mayManageDefaults(req, cfg, { scope: 'tenant', tenant }))) return { error: 'You may not send this report.', status: 403 }
  const sites = (report.sites ?? []).map(relationId).filter((site) => site !== null)
  if ((await firstRefused(req, cfg, 'manageReports', sites)) !== null) return { error: 'You may not send this report.', status: 403 }
  return { report }
}
