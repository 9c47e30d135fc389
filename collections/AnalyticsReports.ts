import type {
  CollectionAfterChangeHook,
  CollectionAfterDeleteHook,
  CollectionBeforeDeleteHook,
  CollectionBeforeValidateHook,
  CollectionConfig,
  Field,
  PayloadRequest,
  TextFieldSingleValidation,
  Where,
} from 'payload'

import { Forbidden, ValidationError } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { firstRefused, mayAct } from '../src/access/actions.js'
import { audit, changedFields, viaOf } from '../src/audit.js'
import { componentPaths } from '../src/componentPaths.js'
import { ADMIN_GROUP } from '../src/constants.js'
import { GLOBAL_DEFAULTS, mayManageDefaults } from '../src/access/settingsAccess.js'
import { relationId } from '../src/core/relationId.js'
import { checkSchedule, REPORT_FREQUENCIES, REPORT_RANGES, ReportScheduleError, WEEKDAYS } from '../src/core/reportSchedule.js'
import { webhookTargetError } from '../src/reports/webhookTarget.js'
import { brandingFields } from './AnalyticsSettings.js'
import { applyOverride } from './applyOverride.js'

export const REPORT_SECTIONS = ['kpis', 'series', 'pages', 'sources', 'conversions'] as const
export type ReportSection = (typeof REPORT_SECTIONS)[number]
export const REPORT_ATTACHMENTS = ['csv', 'json'] as const

/**
 * A webhook URL field's check: an http(s) URL (or nothing) whose host is not an internal
 * address unless `reports.allowPrivateWebhooks` is on. Host names are resolved on save only
 * (not while typing), and only when the URL changed, so the plugin's own bookkeeping updates
 * never wait on DNS.
 */
export const webhookUrlValidator =
  (cfg: SanitizedAnalyticsConfig): TextFieldSingleValidation =>
  async (value, { event, previousValue }) => {
    if (value === null || value === undefined || value === '') return true
    const changed = value !== previousValue
    const error = await webhookTargetError(String(value), { allowPrivate: cfg.reports.allowPrivateWebhooks, lookup: changed && event !== 'onChange' ? undefined : false })
    return error ?? true
  }

const label = (value: string) => value.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase())

/**
 * Scheduled reports: which sites (some, or every site of a tenant), when (weekly, monthly or
 * a cron expression, in the report's own IANA zone), which days (last week/month, month or
 * year to date), what (sections, attachments) and to whom (recipients by email through the
 * host's Payload email adapter, and/or a signed webhook). A report's sites must all be sites
 * the user may update; tenant-wide reports are for users who may manage defaults.
 */
export function buildAnalyticsReports(cfg: SanitizedAnalyticsConfig): CollectionConfig {

  /**
   * The reports the user may manage: `access.manageReports` (default: may update the site)
   * allows every site of it, and a tenant
   * report's tenant is one whose defaults they manage. Decided per report (Payload's `in` on a
   * hasMany matches a report with ANY site in the scope, which would show another tenant's
   * recipients and webhook secret to whoever may update one of its sites; and a tenant report
   * may have no sites of its own, which no site filter matches).
   */
  const manageableReports = async ({ req }: { req: PayloadRequest }): Promise<boolean | Where> => {
    if (!req.user) return false
    if (await mayManageDefaults(req, cfg, GLOBAL_DEFAULTS)) return true
    const sitesAllowed = new Map<string, Promise<boolean>>()
    const mayManageSite = (site: unknown) => {
      const id = relationId(site)
      if (id === null) return Promise.resolve(false)
      if (!sitesAllowed.has(String(id))) sitesAllowed.set(String(id), mayAct(req, cfg, 'manageReports', id))
      return sitesAllowed.get(String(id))!
    }
    const { docs } = await req.payload.find({
      collection: cfg.slugs.reports,
      depth: 0,
      overrideAccess: true,
      pagination: false,
      req,
      select: { sites: true, ...(cfg.tenantsCollection ? { tenant: true } : {}) },
    } as Parameters<typeof req.payload.find>[0])
    const tenants = new Map<string, Promise<boolean>>()
    const managesTenant = (tenant: number | string) => {
      const key = String(tenant)
      if (!tenants.has(key)) tenants.set(key, mayManageDefaults(req, cfg, { scope: 'tenant', tenant }))
      return tenants.get(key)!
    }
    const ids: Array<number | string> = []
    for (const doc of docs as Array<{ id: number | string; sites?: unknown[] | null; tenant?: unknown }>) {
      const tenant = relationId(doc.tenant)
      if (!(await Promise.all((doc.sites ?? []).map(mayManageSite))).every(Boolean)) continue
      if (tenant === null ? (doc.sites ?? []).length > 0 : await managesTenant(tenant)) ids.push(doc.id)
    }
    return ids.length ? { id: { in: ids } } : false
  }

  const checkReport: CollectionBeforeValidateHook = async ({ data, originalDoc, req }) => {
    if (!data) return data
    const merged = { ...originalDoc, ...data } as Record<string, unknown>
    const errors: Array<{ message: string; path: string }> = []
    try {
      checkSchedule({
        cron: merged.cron as null | string,
        dayOfMonth: merged.dayOfMonth as null | number,
        frequency: (merged.frequency ?? 'weekly') as never,
        hour: merged.hour as null | number,
        timeZone: String(merged.timeZone ?? 'UTC'),
        weekday: merged.weekday as never,
      })
    } catch (error) {
      if (!(error instanceof ReportScheduleError)) throw error
      errors.push({ message: error.message, path: error.message.split(':')[0]! })
    }
    const sites = ((merged.sites as unknown[] | undefined) ?? []).map(relationId).filter((id) => id !== null)
    const tenant = relationId(merged.tenant)
    if (sites.length === 0 && tenant === null) errors.push({ message: 'Choose at least one site, or a tenant.', path: 'sites' })
    // The Local API without a user is trusted code.
    if (req.user) {
      if (tenant !== null && !(await mayManageDefaults(req, cfg, { scope: 'tenant', tenant }))) {
        errors.push({ message: 'Only those who manage the tenant’s defaults may schedule its reports.', path: 'tenant' })
      }
      // `access.manageReports` (default: may update the site), for every site of the report.
      const refused = await firstRefused(req, cfg, 'manageReports', sites)
      if (refused !== null) errors.push({ message: `You may not report on site ${String(refused)}.`, path: 'sites' })
    }
    if (errors.length) throw new ValidationError({ collection: cfg.slugs.reports, errors })
    return data
  }

  // The plugin's own bookkeeping (last occurrence, unsubscribes) is not a user's change.
  const auditChange: CollectionAfterChangeHook = async ({ context, doc, operation, previousDoc, req }) => {
    if (context.analyticsInternal) return doc
    const changed = operation === 'create' ? [] : changedFields(previousDoc ?? {}, doc)
    if (operation === 'update' && changed.length === 0) return doc
    await audit(req.payload, {
      action: operation === 'create' ? 'report.create' : 'report.update',
      details: { changed, report: doc.id },
      req,
      via: viaOf(req),
    })
    return doc
  }
  const checkDelete: CollectionBeforeDeleteHook = async ({ id, req }) => {
    if (!req.user) return
    const doc = (await req.payload.findByID({ collection: cfg.slugs.reports, depth: 0, id, overrideAccess: true, req })) as { sites?: unknown[] | null }
    const refused = await firstRefused(req, cfg, 'manageReports', (doc.sites ?? []).map(relationId).filter((site) => site !== null))
    if (refused !== null) throw new Forbidden(req.t)
  }
  const auditDelete: CollectionAfterDeleteHook = async ({ doc, req }) => {
    await audit(req.payload, { action: 'report.delete', details: { name: doc.name, report: doc.id }, req, via: viaOf(req) })
  }

  const scheduleFields: Field[] = [
    { name: 'frequency', type: 'select', defaultValue: 'weekly', options: REPORT_FREQUENCIES.map((value) => ({ label: label(value), value })), required: true },
    {
      name: 'weekday',
      type: 'select',
      admin: { condition: (data) => (data.frequency ?? 'weekly') === 'weekly' },
      defaultValue: 'monday',
      options: WEEKDAYS.map((value) => ({ label: label(value), value })),
    },
    { name: 'dayOfMonth', type: 'number', admin: { condition: (data) => data.frequency === 'monthly' }, defaultValue: 1, max: 28, min: 1 },
    { name: 'hour', type: 'number', admin: { condition: (data) => data.frequency !== 'cron', description: 'Local hour (0–23) in the time zone below.' }, defaultValue: 9, max: 23, min: 0 },
    { name: 'cron', type: 'text', admin: { condition: (data) => data.frequency === 'cron', description: 'Five fields: minute hour day-of-month month weekday.' } },
    { name: 'timeZone', type: 'text', admin: { description: 'IANA time zone of the schedule and of the report’s days, e.g. Europe/Berlin.' }, defaultValue: 'UTC', required: true },
  ]

  const base: CollectionConfig = {
    slug: cfg.slugs.reports,
    access: {
      create: ({ req }) => Boolean(req.user),
      delete: manageableReports,
      read: manageableReports,
      update: manageableReports,
    },
    admin: { defaultColumns: ['name', 'frequency', 'range', 'enabled', 'lastOccurrenceAt'], group: ADMIN_GROUP, useAsTitle: 'name' },
    fields: [
      { name: 'name', type: 'text', required: true },
      { name: 'enabled', type: 'checkbox', defaultValue: true },
      { name: 'sites', type: 'relationship', admin: { description: 'The sites reported on (or a whole tenant below).' }, hasMany: true, relationTo: cfg.slugs.sites },
      ...(cfg.tenantsCollection
        ? [{ name: 'tenant', type: 'relationship', admin: { description: 'Every site of this tenant (for those who manage its defaults).' }, relationTo: cfg.tenantsCollection } as Field]
        : []),
      ...scheduleFields,
      { name: 'range', type: 'select', defaultValue: 'lastWeek', options: REPORT_RANGES.map((value) => ({ label: label(value), value })), required: true },
      { name: 'sections', type: 'select', defaultValue: [...REPORT_SECTIONS], hasMany: true, options: REPORT_SECTIONS.map((value) => ({ label: label(value), value })) },
      { name: 'attachments', type: 'select', defaultValue: ['csv'], hasMany: true, options: REPORT_ATTACHMENTS.map((value) => ({ label: value.toUpperCase(), value })) },
      {
        name: 'recipients',
        type: 'array',
        fields: [
          { name: 'email', type: 'email', required: true },
          { name: 'unsubscribed', type: 'checkbox', admin: { description: 'Set by the recipient’s unsubscribe link.' }, defaultValue: false },
        ],
      },
      {
        name: 'webhook',
        type: 'group',
        fields: [
          { name: 'url', type: 'text', admin: { description: 'JSON POST signed with HMAC-SHA256 (see the README).' }, validate: webhookUrlValidator(cfg) },
          { name: 'secret', type: 'text', admin: { description: 'Signing secret shared with the receiver.' } },
        ],
      },
      {
        name: 'branding',
        type: 'group',
        admin: { description: 'White label of this report’s email. Empty: its tenant’s branding (Settings of the tenant), then the global one.' },
        fields: brandingFields(),
      },
      {
        name: 'reportActions',
        type: 'ui',
        admin: { components: { Field: componentPaths.reportActions }, position: 'sidebar' },
      },
      { name: 'startsAt', type: 'date', admin: { description: 'Occurrences from this time on (default: when the report was created).', position: 'sidebar' } },
      { name: 'lastOccurrenceAt', type: 'date', admin: { position: 'sidebar', readOnly: true } },
    ],
    graphQL: false,
    hooks: { afterChange: [auditChange], afterDelete: [auditDelete], beforeDelete: [checkDelete], beforeValidate: [checkReport] },
    labels: { plural: 'Reports', singular: 'Report' },
  }
  return applyOverride(base, cfg.overrides.reports)
}
