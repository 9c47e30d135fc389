import type { Endpoint, PayloadHandler, PayloadRequest } from 'payload'

import type { ReportDoc } from '../reports/service.js'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { ENDPOINT_PREFIX } from '../constants.js'
import { findManageableReport } from '../reports/manageable.js'
import { renderReportHtml } from '../reports/render.js'
import { readUnsubscribeToken } from '../core/signing.js'

const page = (text: string, status: number) =>
  new Response(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head><body style="font-family:Arial,sans-serif;padding:40px;"><p>${text}</p></body></html>`, {
    headers: { 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' },
    status,
  })

/**
 * `GET|POST /api/analytics/reports/unsubscribe?token=` — a recipient's own link (and the
 * one-click `List-Unsubscribe-Post`): that address stops getting that report; the others do not.
 */
export function reportEndpoints(cfg: SanitizedAnalyticsConfig): Endpoint[] {
  const unsubscribe: PayloadHandler = async (req) => {
    const token = new URL(req.url ?? '', 'http://localhost').searchParams.get('token') ?? ''
    const parsed = readUnsubscribeToken(req.payload.secret, token)
    if (!parsed) return Response.json({ error: 'This unsubscribe link is not valid.' }, { status: 400 })
    const report = (await req.payload.findByID({ collection: cfg.slugs.reports, depth: 0, disableErrors: true, id: parsed.reportId, overrideAccess: true })) as null | {
      recipients?: Array<{ email: string; unsubscribed?: boolean | null }> | null
    }
    const recipients = report?.recipients ?? []
    if (!recipients.some((recipient) => recipient.email.toLowerCase() === parsed.email)) return page('You are not subscribed to this report (any more).', 200)
    await req.payload.update({
      collection: cfg.slugs.reports,
      context: { analyticsInternal: true },
      data: { recipients: recipients.map((recipient) => (recipient.email.toLowerCase() === parsed.email ? { ...recipient, unsubscribed: true } : recipient)) },
      depth: 0,
      id: parsed.reportId,
      overrideAccess: true,
    } as Parameters<typeof req.payload.update>[0])
    return page(`${parsed.email} will no longer receive this report.`, 200)
  }
  /** The report the user may manage (`access.manageReports` on each of its sites), or an error response. */
  const manageable = async (req: PayloadRequest): Promise<Response | ReportDoc> => {
    const found = await findManageableReport(req, cfg, req.routeParams?.id)
    return 'report' in found ? found.report : Response.json({ error: found.error }, { status: found.status })
  }

  /** `GET /api/analytics/reports/:id/preview`: the email as it would go out now (HTML). */
  const preview: PayloadHandler = async (req) => {
    const report = await manageable(req)
    if (report instanceof Response) return report
    const data = await req.payload.analytics!.reports.buildReport(report, new Date(), false)
    if (!data) return Response.json({ error: 'This report has no sites.' }, { status: 400 })
    return new Response(renderReportHtml(data), { headers: { 'Cache-Control': 'private, no-store', 'Content-Type': 'text/html; charset=utf-8' } })
  }

  /** `POST /api/analytics/reports/:id/send`: "Send now" to every recipient and the webhook. */
  const sendNow: PayloadHandler = async (req) => {
    const report = await manageable(req)
    if (report instanceof Response) return report
    const run = await req.payload.analytics!.reports.sendNow(report, { req })
    if (!run) return Response.json({ error: 'This report has no sites.' }, { status: 400 })
    return Response.json({ deliveries: run.deliveries, range: run.range }, { headers: { 'Cache-Control': 'no-store' } })
  }

  return [
    { handler: preview, method: 'get', path: `${ENDPOINT_PREFIX}/reports/:id/preview` },
    { handler: sendNow, method: 'post', path: `${ENDPOINT_PREFIX}/reports/:id/send` },
    { handler: unsubscribe, method: 'get', path: `${ENDPOINT_PREFIX}/reports/unsubscribe` },
    { handler: unsubscribe, method: 'post', path: `${ENDPOINT_PREFIX}/reports/unsubscribe` },
  ]
}
