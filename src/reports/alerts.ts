/**
 * Checks the traffic alerts (every minute, with the reports): visitors of the alert's window
 * from the stats service's realtime read (buffer and raw events), and when it fires — at most
 * once every 12 hours, claimed atomically in Postgres so two instances never both send — an
 * email to each recipient and/or the signed webhook, through the reports' deliveries.
 */
import type { Payload } from 'payload'

import type { AlertKind } from '../core/alerts.js'
import type { StatsService } from '../stats/types.js'
import type { SanitizedAnalyticsConfig } from '../types.js'
import type { Deliveries, DeliveryOutcome } from './deliveries.js'
import type { HostLookup } from './webhookTarget.js'

import { audit } from '../audit.js'
import { ALERT_QUIET_MS, ALERT_WINDOW_MINUTES, alertFires } from '../core/alerts.js'
import { relationId } from '../core/relationId.js'
import { collectionTable, drizzleOf, sql } from '../store/db.js'
import { postWebhookAttempt, sendEmailAttempt } from './channels.js'

interface AlertDoc {
  id: number | string
  kind: AlertKind
  name: string
  recipients?: Array<{ email: string }> | null
  site: unknown
  threshold: number
  webhook?: null | { secret?: null | string; url?: null | string }
}

export interface AlertFired {
  alertId: number | string
  deliveries: DeliveryOutcome[]
  kind: AlertKind
  visitors: number
}

export function createAlertChecker(deps: { cfg: SanitizedAnalyticsConfig; deliveries: Deliveries; fetch: typeof fetch; lookup?: HostLookup; payload: Payload; stats: StatsService }) {
  const { cfg, deliveries, payload, stats } = deps

  /** Take the right to fire now: only if the last firing is 12 hours old (compare-and-set). */
  async function claim(alertId: number | string, now: Date): Promise<boolean> {
    const t = collectionTable(payload, cfg.slugs.alerts)
    const result = await drizzleOf(payload).execute(sql`
      UPDATE ${t.ref} SET ${t.id('lastFiredAt')} = ${now.toISOString()}::timestamptz
      WHERE ${t.id('id')} = ${alertId}
        AND (${t.id('lastFiredAt')} IS NULL OR ${t.id('lastFiredAt')} <= ${new Date(now.getTime() - ALERT_QUIET_MS).toISOString()}::timestamptz)
      RETURNING ${t.id('id')}`)
    return result.rows.length > 0
  }

  async function check(now: Date): Promise<AlertFired[]> {
    const { docs } = await payload.find({ collection: cfg.slugs.alerts, depth: 0, overrideAccess: true, pagination: false, where: { enabled: { equals: true } } })
    const fired: AlertFired[] = []
    for (const alert of docs as unknown as AlertDoc[]) {
      try {
        const siteId = relationId(alert.site)
        if (siteId === null) continue
        const { visitors } = await stats.getRealtime({ limit: 1, siteIds: [siteId], windowMinutes: ALERT_WINDOW_MINUTES[alert.kind] }, { overrideAccess: true })
        if (!alertFires(alert.kind, visitors, alert.threshold) || !(await claim(alert.id, now))) continue
        const site = (await payload.findByID({ collection: cfg.slugs.sites, depth: 0, disableErrors: true, id: siteId, overrideAccess: true })) as null | Record<string, unknown>
        const domain = String(site?.[cfg.sites.domainField] ?? siteId)
        const text =
          alert.kind === 'spike'
            ? `Traffic spike on ${domain}: ${visitors} visitors in the last 30 minutes (threshold ${alert.threshold}).`
            : `Traffic drop on ${domain}: ${visitors} visitors in the last 12 hours (threshold ${alert.threshold}).`
        const base = { kind: 'alert' as const, missed: false, occurrence: now, source: String(alert.id) }
        const keyOf = (channel: string) => `alert:${String(alert.id)}:${now.toISOString()}:${channel}`
        const outcomes: DeliveryOutcome[] = []
        for (const { email } of alert.recipients ?? []) {
          const to = email.toLowerCase()
          outcomes.push(
            await deliveries.deliver({ ...base, channel: 'email', key: keyOf(`email:${to}`), recipient: to }, () =>
              sendEmailAttempt(payload, { html: `<p style="font-family:Arial,Helvetica,sans-serif;">${text.replace(/[<>&]/g, '')}</p>`, subject: `${alert.name}: ${text}`, text, to }),
            ),
          )
        }
        const url = alert.webhook?.url
        if (url) {
          const body = JSON.stringify({ alert: { id: alert.id, kind: alert.kind, name: alert.name, threshold: alert.threshold }, firedAt: now.toISOString(), site: { domain, id: siteId }, type: 'analytics.alert', visitors })
          outcomes.push(await deliveries.deliver({ ...base, channel: 'webhook', key: keyOf('webhook'), recipient: null }, (key) => postWebhookAttempt(deps.fetch, { secret: alert.webhook?.secret ?? '', url }, body, key, { allowPrivate: cfg.reports.allowPrivateWebhooks, lookup: deps.lookup })))
        }
        await audit(payload, { action: 'alert.send', actor: { type: 'system' }, details: { alert: alert.id, kind: alert.kind, threshold: alert.threshold, visitors }, siteId, via: 'job' })
        fired.push({ alertId: alert.id, deliveries: outcomes, kind: alert.kind, visitors })
      } catch (error) {
        payload.logger.error({ err: error, msg: `analytics: alert ${String(alert.id)} failed` })
      }
    }
    return fired
  }

  return { check }
}
