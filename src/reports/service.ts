/**
 * Scheduled reports: every minute (the job system's `reports` tick) each enabled report whose
 * occurrence is due is built from the stats service (`getStats`, the one query service) and
 * delivered — an email per recipient through the host's Payload email adapter
 * (`payload.sendEmail`), with its own unsubscribe link, and/or a signed webhook — each
 * delivery once across every instance (a unique delivery key in Postgres), retried and logged.
 * A missed occurrence (the app was down) is sent once when the app is back, and says so.
 */
import type { Payload, PayloadRequest } from 'payload'

import type { ReportSection } from '../../collections/AnalyticsReports.js'
import type { BrandingRow } from '../core/branding.js'
import type { StatsService } from '../stats/types.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { DeliveryOptions, DeliveryOutcome } from './deliveries.js'
import type { ReportData } from './render.js'
import type { HostLookup } from './webhookTarget.js'

import { audit, viaOf } from '../audit.js'
import { defaultBrandingRows } from '../branding.js'
import { resolveBranding } from '../core/branding.js'
import { ENDPOINT_PREFIX } from '../constants.js'
import { relationId } from '../core/relationId.js'
import { dueOccurrence, reportRange, type ReportRange, type ReportSchedule } from '../core/reportSchedule.js'
import { unsubscribeToken } from '../core/signing.js'
import { postWebhookAttempt, sendEmailAttempt } from './channels.js'
import { createAlertChecker } from './alerts.js'
import { createDeliveries } from './deliveries.js'
import { renderReportCsv, renderReportHtml, renderReportJson, reportSubject } from './render.js'

/** A report document as stored (depth 0). */
export interface ReportDoc {
  attachments?: null | string[]
  branding?: BrandingRow | null
  createdAt: string
  cron?: null | string
  dayOfMonth?: null | number
  enabled?: boolean | null
  frequency: ReportSchedule['frequency']
  hour?: null | number
  id: number | string
  lastOccurrenceAt?: null | string
  name: string
  range: ReportRange
  recipients?: null | Array<{ email: string; id?: string; unsubscribed?: boolean | null }>
  sections?: null | string[]
  sites?: null | unknown[]
  startsAt?: null | string
  tenant?: unknown
  timeZone: string
  webhook?: null | { secret?: null | string; url?: null | string }
  weekday?: ReportSchedule['weekday']
}

export interface ReportsServiceDeps extends DeliveryOptions {
  cfg: SanitizedAnalyticsConfig
  /** The webhook's HTTP client. @default globalThis.fetch */
  fetch?: typeof fetch
  /** Resolves webhook hosts before each send. @default the system resolver */
  lookup?: HostLookup
  /** The clock. @default () => new Date() */
  now?: () => Date
  payload: Payload
  stats: StatsService
}

export interface ReportRun {
  deliveries: Array<{ channel: 'email' | 'webhook'; outcome: DeliveryOutcome; recipient: null | string }>
  missed: boolean
  occurrence: string
  range: { from: string; to: string }
  reportId: number | string
}

export interface RunOptions {
  /** Build every due report but send and record nothing. */
  dryRun?: boolean
  now?: Date
  via?: 'cli' | 'job'
}

const scheduleOf = (report: ReportDoc): ReportSchedule => ({
  cron: report.cron,
  dayOfMonth: report.dayOfMonth,
  frequency: report.frequency,
  hour: report.hour,
  timeZone: report.timeZone,
  weekday: report.weekday,
})

export function createReportsService(deps: ReportsServiceDeps) {
  const { cfg, payload, stats } = deps
  const clock = deps.now ?? (() => new Date())
  const deliveries = createDeliveries(payload, cfg, deps)
  const httpFetch = deps.fetch ?? globalThis.fetch

  /** The sites a report covers: its own, or every site of its tenant. */
  async function siteIdsOf(report: ReportDoc): Promise<Array<number | string>> {
    const own = (report.sites ?? []).map(relationId).filter((id): id is number | string => id !== null)
    const tenant = relationId(report.tenant)
    if (tenant === null || !cfg.tenantsCollection) return own
    const { docs } = await payload.find({
      collection: cfg.slugs.sites,
      depth: 0,
      overrideAccess: true,
      pagination: false,
      where: { [cfg.sites.tenantField]: { equals: tenant } },
    } as Parameters<Payload['find']>[0])
    return [...new Set([...own, ...docs.map((doc) => doc.id)])]
  }

  /** The tenant whose branding a report wears: its own tenant, else the one tenant all its sites belong to. */
  function tenantOf(report: ReportDoc, siteIds: ReadonlyArray<number | string>): null | number | string {
    const own = relationId(report.tenant)
    if (own !== null || !cfg.tenantsCollection) return own
    const tenants = new Set(siteIds.map((id) => payload.analytics?.sites.get(String(id))?.tenantId ?? null).map((id) => (id === null ? null : String(id))))
    const [only] = [...tenants]
    return tenants.size === 1 && only !== undefined ? only : null
  }

  /** The report's figures for one occurrence, read through `getStats`. */
  async function buildReport(report: ReportDoc, occurrence: Date, missed: boolean): Promise<null | ReportData> {
    const siteIds = await siteIdsOf(report)
    if (siteIds.length === 0) return null
    const range = reportRange(report.range, occurrence, report.timeZone)
    const sections = report.sections ?? []
    const result = await stats.getStats(
      {
        breakdowns: [...(sections.includes('pages') ? (['pages'] as const) : []), ...(sections.includes('sources') ? (['sources'] as const) : [])],
        from: range.from,
        interval: 'day',
        kpis: sections.includes('kpis'),
        limit: 10,
        siteIds,
        to: range.to,
      },
      { overrideAccess: true },
    )
    return {
      branding: resolveBranding([report.branding, ...(await defaultBrandingRows(payload, cfg, tenantOf(report, siteIds)))]),
      kpis: result.kpis ?? null,
      missed,
      occurrence: occurrence.toISOString(),
      range: { ...range, timeZone: report.timeZone },
      report: { id: report.id, name: report.name },
      sections: sections as ReportSection[],
      series: result.series,
      sites: result.sites.map(({ site, totals }) => ({ site, totals })),
      sources: result.breakdowns.sources ?? [],
      topPages: result.breakdowns.pages ?? [],
      totals: result.totals,
    }
  }

  const unsubscribeUrl = (report: ReportDoc, email: string) =>
    `${cfg.scriptOrigin}${cfg.apiRoute}${ENDPOINT_PREFIX}/reports/unsubscribe?token=${encodeURIComponent(unsubscribeToken(payload.secret, report.id, email))}`

  /** Deliver one occurrence of a report to each recipient and the webhook (each once). */
  async function deliverReport(report: ReportDoc, data: ReportData, occurrence: Date, occurrenceKey = occurrence.toISOString()): Promise<ReportRun['deliveries']> {
    const results: ReportRun['deliveries'] = []
    const base = { kind: 'report' as const, missed: data.missed, occurrence, source: String(report.id) }
    const keyOf = (channel: string) => `report:${String(report.id)}:${occurrenceKey}:${channel}`
    const attachments = [
      ...(report.attachments?.includes('csv') ? [{ content: renderReportCsv(data), contentType: 'text/csv', filename: `report-${data.range.from}-to-${data.range.to}.csv` }] : []),
      ...(report.attachments?.includes('json') ? [{ content: renderReportJson(data), contentType: 'application/json', filename: `report-${data.range.from}-to-${data.range.to}.json` }] : []),
    ]
    for (const recipient of report.recipients ?? []) {
      if (recipient.unsubscribed) continue
      const email = recipient.email.toLowerCase()
      const link = unsubscribeUrl(report, email)
      const outcome = await deliveries.deliver({ ...base, channel: 'email', key: keyOf(`email:${email}`), recipient: email }, async () => {
        return sendEmailAttempt(payload, {
          attachments,
          headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
          html: renderReportHtml(data, { unsubscribeUrl: link }),
          subject: reportSubject(data),
          to: email,
        })
      })
      results.push({ channel: 'email', outcome, recipient: email })
    }
    const url = report.webhook?.url
    if (url) {
      const body = JSON.stringify({ report: data, type: 'analytics.report' })
      const outcome = await deliveries.deliver({ ...base, channel: 'webhook', key: keyOf('webhook'), recipient: null }, (key) =>
        postWebhookAttempt(httpFetch, { secret: report.webhook?.secret ?? '', url }, body, key, { allowPrivate: cfg.reports.allowPrivateWebhooks, lookup: deps.lookup }),
      )
      results.push({ channel: 'webhook', outcome, recipient: null })
    }
    return results
  }

  /** Send every due report (once per occurrence); `dryRun` builds them and sends nothing. */
  async function runDue(options: RunOptions = {}): Promise<ReportRun[]> {
    const now = options.now ?? clock()
    const { docs } = await payload.find({ collection: cfg.slugs.reports, depth: 0, overrideAccess: true, pagination: false, where: { enabled: { equals: true } } })
    const runs: ReportRun[] = []
    for (const doc of docs as unknown as ReportDoc[]) {
      try {
        const since = new Date(doc.lastOccurrenceAt ?? doc.startsAt ?? doc.createdAt)
        const due = dueOccurrence(scheduleOf(doc), since, now)
        if (!due) continue
        const data = await buildReport(doc, due.occurrence, due.missed)
        if (!data) continue
        const run: ReportRun = { deliveries: [], missed: due.missed, occurrence: due.occurrence.toISOString(), range: data.range, reportId: doc.id }
        runs.push(run)
        if (options.dryRun) continue
        run.deliveries = await deliverReport(doc, data, due.occurrence)
        await payload.update({
          collection: cfg.slugs.reports,
          context: { analyticsInternal: true },
          data: { lastOccurrenceAt: due.occurrence.toISOString() },
          depth: 0,
          id: doc.id,
          overrideAccess: true,
        } as Parameters<Payload['update']>[0])
        const sent = run.deliveries.filter((delivery) => delivery.outcome.status !== 'skipped')
        if (sent.length) {
          await audit(payload, {
            action: 'report.send',
            actor: options.via === 'cli' ? { type: 'cli' } : { type: 'system' },
            details: { deliveries: sent.map((d) => ({ channel: d.channel, status: d.outcome.status })), missed: due.missed, occurrence: run.occurrence, report: doc.id },
            via: options.via ?? 'job',
          })
        }
      } catch (error) {
        payload.logger.error({ err: error, msg: `analytics: report ${String(doc.id)} failed` })
      }
    }
    return runs
  }

  /**
   * "Send now": the report for the occurrence `now` (its range as if scheduled then), delivered
   * at once — its own delivery keys (`…:manual:<now>`), so the schedule is not touched.
   */
  async function sendNow(report: ReportDoc, options: { now?: Date; req?: PayloadRequest } = {}): Promise<ReportRun | null> {
    const now = options.now ?? clock()
    const data = await buildReport(report, now, false)
    if (!data) return null
    const deliveriesDone = await deliverReport(report, data, now, `manual:${now.toISOString()}`)
    await audit(payload, {
      action: 'report.send',
      details: { deliveries: deliveriesDone.map((d) => ({ channel: d.channel, status: d.outcome.status })), manual: true, report: report.id },
      req: options.req,
      via: options.req ? viaOf(options.req) : 'local',
    })
    return { deliveries: deliveriesDone, missed: false, occurrence: now.toISOString(), range: data.range, reportId: report.id }
  }

  const alerts = createAlertChecker({ cfg, deliveries, fetch: httpFetch, lookup: deps.lookup, payload, stats })

  return {
    buildReport,
    /** Check every enabled traffic alert now; returns those that fired. */
    checkAlerts: (options: { now?: Date } = {}) => alerts.check(options.now ?? clock()),
    runDue,
    sendNow,
  }
}

export type ReportsService = ReturnType<typeof createReportsService>
