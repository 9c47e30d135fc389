/**
 * A report as its recipients get it: an HTML email that renders in common mail clients (tables
 * and inline styles only, no scripts, no external CSS), a CSV of the daily series and a JSON
 * of the whole report. Pure: the data comes from the stats service.
 */
import type { Branding } from '../core/branding.js'
import type { Kpis } from '../core/kpis.js'
import type { BreakdownRow, SeriesPoint, StatsSite, StatsTotals, TotalChange } from '../stats/types.js'

import { csvLine } from '../core/csv.js'


/** Everything a report says; also the JSON attachment and the webhook's body (`report`). */
export interface ReportData {
  branding: Branding
  /** `kpis` section: growth, trend and projection of each KPI metric. */
  kpis: Kpis | null
  /** Sent later than planned (the app was down at the time). */
  missed: boolean
  /** The planned time, ISO. */
  occurrence: string
  range: { from: string; timeZone: string; to: string }
  report: { id: number | string; name: string }
  sections: string[]
  series: SeriesPoint[]
  sites: Array<{ site: StatsSite; totals: StatsTotals }>
  sources: BreakdownRow[]
  topPages: BreakdownRow[]
  totals: StatsTotals
}

/** The totals the email's table shows, in order. */
export const REPORT_TOTALS = ['visitors', 'visits', 'pageviews', 'bounceRate', 'avgVisitDuration', 'conversions', 'conversionRate'] as const

const TOTAL_LABELS: Record<(typeof REPORT_TOTALS)[number], string> = {
  avgVisitDuration: 'Visit duration',
  bounceRate: 'Bounce rate',
  conversionRate: 'Conversion rate',
  conversions: 'Conversions',
  pageviews: 'Pageviews',
  visitors: 'Visitors',
  visits: 'Visits',
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '"': '&quot;', '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;' })[c]!)

/** How a total reads: counts whole, rates in percent, durations in seconds. */
export function formatTotal(name: (typeof REPORT_TOTALS)[number], value: number): string {
  if (name === 'bounceRate' || name === 'conversionRate') return `${(value * 100).toFixed(1)}%`
  if (name === 'avgVisitDuration') return `${Math.round(value)} s`
  return Math.round(value).toLocaleString('en-US')
}

const changeText = (change: TotalChange | undefined): string => {
  if (!change || change.relativeChange === null) return '–'
  const percent = change.relativeChange * 100
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`
}

const cell = 'padding:6px 10px;border-bottom:1px solid #e5e7eb;font-family:Arial,Helvetica,sans-serif;font-size:14px;'

function table(headers: string[], rows: string[][], attrs: (row: number) => string = () => ''): string {
  const head = headers.map((h, i) => `<th align="${i ? 'right' : 'left'}" style="${cell}color:#6b7280;font-weight:normal;">${escapeHtml(h)}</th>`).join('')
  const body = rows
    .map((row, r) => `<tr${attrs(r)}>${row.map((value, i) => `<td align="${i ? 'right' : 'left'}" style="${cell}">${value}</td>`).join('')}</tr>`)
    .join('')
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 24px;"><tr>${head}</tr>${body}</table>`
}

const heading = (text: string, accent: string) =>
  `<h2 style="font-family:Arial,Helvetica,sans-serif;font-size:16px;color:${accent};margin:24px 0 8px;">${escapeHtml(text)}</h2>`

/** The HTML email. `unsubscribeUrl`: the recipient's own link. */
export function renderReportHtml(data: ReportData, options: { unsubscribeUrl?: string } = {}): string {
  const { accentColor: accent, logoUrl, name } = data.branding
  const growth = (metric: string) => (data.kpis ? (data.kpis.metrics as Record<string, { growth: TotalChange } | undefined>)[metric]?.growth : undefined)
  const parts: string[] = []
  parts.push(
    `<tr><td style="background:${accent};padding:16px 24px;">` +
      (logoUrl ? `<img src="${escapeHtml(logoUrl)}" alt="${escapeHtml(name)}" height="32" style="display:block;border:0;height:32px;margin-bottom:8px;">` : '') +
      `<div style="font-family:Arial,Helvetica,sans-serif;color:#ffffff;font-size:20px;font-weight:bold;" data-brand="name">${escapeHtml(name)}</div></td></tr>`,
  )
  const body: string[] = []
  body.push(
    `<h1 style="font-family:Arial,Helvetica,sans-serif;font-size:20px;margin:0 0 4px;">${escapeHtml(data.report.name)}</h1>` +
      `<p style="font-family:Arial,Helvetica,sans-serif;color:#6b7280;margin:0 0 16px;" data-range="${data.range.from}..${data.range.to}">${data.range.from} to ${data.range.to} (${escapeHtml(data.range.timeZone)})</p>`,
  )
  if (data.missed) {
    body.push(
      `<p style="font-family:Arial,Helvetica,sans-serif;background:#fef3c7;padding:8px 12px;margin:0 0 16px;" data-missed="true">This report was due on ${escapeHtml(data.occurrence)} and is sent late: the application was not running at that time.</p>`,
    )
  }
  const totalsRows = REPORT_TOTALS.map((metric) => [
    TOTAL_LABELS[metric],
    formatTotal(metric, data.totals[metric]),
    ...(data.sections.includes('kpis') ? [changeText(growth(metric))] : []),
  ])
  body.push(heading('Summary', accent), table(['', 'Total', ...(data.sections.includes('kpis') ? ['vs previous'] : [])], totalsRows, (r) => ` data-metric="${REPORT_TOTALS[r]}"`))
  if (data.sections.includes('kpis') && data.kpis) {
    const trend = data.kpis.metrics.visitors.trend
    const projection = data.kpis.metrics.visitors.projection
    body.push(
      `<p style="font-family:Arial,Helvetica,sans-serif;font-size:14px;margin:0 0 16px;">Visitors trend: ${trend.slopePerDay >= 0 ? '+' : ''}${trend.slopePerDay.toFixed(1)} per day` +
        (trend.r2 === null ? '' : ` (fit r² ${trend.r2.toFixed(2)})`) +
        (projection ? `. Projected for ${projection.month}: ${Math.round(projection.expected).toLocaleString('en-US')} (${Math.round(projection.low).toLocaleString('en-US')}–${Math.round(projection.high).toLocaleString('en-US')}).` : '.') +
        '</p>',
    )
  }
  if (data.sites.length > 1) {
    body.push(heading('Sites', accent), table(['Site', 'Visitors', 'Pageviews'], data.sites.map((row) => [escapeHtml(row.site.domain), formatTotal('visitors', row.totals.visitors), formatTotal('pageviews', row.totals.pageviews)])))
  }
  if (data.sections.includes('series')) {
    const max = Math.max(1, ...data.series.map((point) => point.visitors))
    body.push(
      heading('Visitors per day', accent),
      table(
        ['Day', 'Visitors', ''],
        data.series.map((point) => [
          point.date,
          formatTotal('visitors', point.visitors),
          `<span style="display:inline-block;height:8px;width:${Math.round((point.visitors / max) * 120)}px;background:${accent};"></span>`,
        ]),
      ),
    )
  }
  if (data.sections.includes('pages')) body.push(heading('Top pages', accent), table(['Page', 'Visitors', 'Pageviews'], data.topPages.map((row) => [escapeHtml(row.key), formatTotal('visitors', row.visitors), formatTotal('pageviews', row.pageviews)])))
  if (data.sections.includes('sources')) body.push(heading('Sources', accent), table(['Source', 'Visitors', 'Visits'], data.sources.map((row) => [escapeHtml(row.key || 'Direct'), formatTotal('visitors', row.visitors), formatTotal('visits', row.visits)])))
  if (data.sections.includes('conversions')) {
    body.push(heading('Goals and conversions', accent), table(['', 'Total'], [['Conversions', formatTotal('conversions', data.totals.conversions)], ['Leads', formatTotal('visits', data.totals.leads)], ['Forms', formatTotal('visits', data.totals.forms)]]))
  }
  if (options.unsubscribeUrl) {
    body.push(`<p style="font-family:Arial,Helvetica,sans-serif;font-size:12px;color:#6b7280;margin:24px 0 0;"><a href="${escapeHtml(options.unsubscribeUrl)}" style="color:#6b7280;">Unsubscribe from this report</a></p>`)
  }
  parts.push(`<tr><td style="padding:24px;">${body.join('')}</td></tr>`)
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head><body style="margin:0;padding:0;background:#f3f4f6;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 8px;"><table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;max-width:600px;">${parts.join('')}</table></td></tr></table></body></html>`
}

/** The daily series as CSV: `date,visitors,visits,pageviews,bounce_rate,conversions`. */
export function renderReportCsv(data: ReportData): string {
  return (
    csvLine(['date', 'visitors', 'visits', 'pageviews', 'bounce_rate', 'conversions']) +
    data.series.map((point) => csvLine([point.date, point.visitors, point.visits, point.pageviews, Number(point.bounceRate.toFixed(4)), point.conversions])).join('')
  )
}

export const renderReportJson = (data: ReportData): string => `${JSON.stringify(data, null, 2)}\n`

export const reportSubject = (data: ReportData): string =>
  `${data.missed ? '[Late] ' : ''}${data.branding.name}: ${data.report.name}, ${data.range.from} to ${data.range.to}`
