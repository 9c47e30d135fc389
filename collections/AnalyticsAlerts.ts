import type { CollectionBeforeValidateHook, CollectionConfig, PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { canAccessSite, siteScope, whereSiteIn } from '../src/access/siteAccess.js'
import { ADMIN_GROUP } from '../src/constants.js'
import { ALERT_KINDS } from '../src/core/alerts.js'
import { relationId } from '../src/core/relationId.js'
import { webhookUrlValidator } from './AnalyticsReports.js'

/**
 * Traffic alerts per site: a spike (visitors in the last 30 minutes at or above the
 * threshold) or a drop (visitors in the last 12 hours below it), each sent at most once every
 * 12 hours, by email and/or signed webhook (the reports' delivery). For users who may update the site.
 */
export function buildAnalyticsAlerts(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const bySite = async ({ req }: { req: PayloadRequest }) => (req.user ? whereSiteIn(await siteScope(req, cfg, 'update')) : false)

  const checkSite: CollectionBeforeValidateHook = async ({ data, originalDoc, req }) => {
    if (!data || !req.user) return data
    const site = relationId({ ...originalDoc, ...data }.site)
    if (site !== null && !(await canAccessSite(req, cfg, site, 'update'))) {
      throw new ValidationError({ collection: cfg.slugs.alerts, errors: [{ message: 'You may not set alerts for this site.', path: 'site' }] })
    }
    return data
  }

  return {
    slug: cfg.slugs.alerts,
    access: { create: ({ req }) => Boolean(req.user), delete: bySite, read: bySite, update: bySite },
    admin: { defaultColumns: ['name', 'site', 'kind', 'threshold', 'lastFiredAt'], group: ADMIN_GROUP, useAsTitle: 'name' },
    fields: [
      { name: 'name', type: 'text', required: true },
      { name: 'enabled', type: 'checkbox', defaultValue: true },
      { name: 'site', type: 'relationship', relationTo: cfg.slugs.sites, required: true },
      {
        name: 'kind',
        type: 'select',
        admin: { description: 'Spike: visitors in the last 30 minutes ≥ threshold. Drop: visitors in the last 12 hours < threshold.' },
        options: ALERT_KINDS.map((value) => ({ label: value === 'spike' ? 'Spike' : 'Drop', value })),
        required: true,
      },
      { name: 'threshold', type: 'number', min: 0, required: true },
      { name: 'recipients', type: 'array', fields: [{ name: 'email', type: 'email', required: true }] },
      {
        name: 'webhook',
        type: 'group',
        fields: [
          { name: 'url', type: 'text', validate: webhookUrlValidator(cfg) },
          { name: 'secret', type: 'text' },
        ],
      },
      { name: 'lastFiredAt', type: 'date', admin: { position: 'sidebar', readOnly: true } },
    ],
    graphQL: false,
    hooks: { beforeValidate: [checkSite] },
    labels: { plural: 'Alerts', singular: 'Alert' },
  }
}
