import type { CollectionAfterChangeHook, CollectionAfterDeleteHook, CollectionBeforeValidateHook, CollectionConfig, EditConfig, Field, FieldHook, PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { SanitizedAnalyticsConfig } from './types.js'

import { audit, changedFields, viaOf } from './audit.js'
import { componentPaths } from './componentPaths.js'
import { canonicalDomain } from './core/domain.js'
import { relationId } from './core/relationId.js'
import { SITE_TAB_PATH } from './constants.js'
import { eraseSiteAnalytics } from './erasure.js'
import { analyticsScriptTag, SNIPPET_ORIGIN_WARNING, snippetOrigin } from './snippet.js'

const refresh = async (req: PayloadRequest) => {
  try {
    await req.payload.analytics?.refreshSites(req)
  } catch (error) {
    req.payload.logger.error(`analytics: could not refresh site settings: ${(error as Error).message}`)
  }
}

/** Ingestion keeps every site in memory: any change to a site or its settings refreshes it. */
export const refreshAfterChange: CollectionAfterChangeHook = async ({ req }) => {
  await refresh(req)
}
export const refreshAfterDelete: CollectionAfterDeleteHook = async ({ req }) => {
  await refresh(req)
}

const withHooks = (collection: CollectionConfig, hooks: NonNullable<CollectionConfig['hooks']>): CollectionConfig => {
  const merged: NonNullable<CollectionConfig['hooks']> = { ...collection.hooks }
  for (const [name, list] of Object.entries(hooks) as Array<[keyof typeof hooks, unknown[]]>) {
    ;(merged as Record<string, unknown[]>)[name] = [...((collection.hooks?.[name] as unknown[] | undefined) ?? []), ...list]
  }
  return { ...collection, hooks: merged }
}

/**
 * A site's domain in its one canonical form (`normalizeDomain`), and no other site — of any
 * tenant — already on that form: `GLOBEX.TEST`, `globex.test.` or `https://globex.test/`
 * are all `globex.test`, which ingestion resolves to one site only.
 */
const canonicalSiteDomain =
  (cfg: SanitizedAnalyticsConfig): CollectionBeforeValidateHook =>
  async ({ collection, data, originalDoc, req }) => {
    const field = cfg.sites.domainField
    const input = data?.[field]
    if (!data || typeof input !== 'string') return data
    const domain = canonicalDomain(input)
    if (domain === null) {
      throw new ValidationError({ collection: collection.slug, errors: [{ message: 'Enter a domain such as example.com.', path: field }] })
    }
    data[field] = domain
    const id = (originalDoc as undefined | { id?: number | string })?.id
    const { totalDocs } = await req.payload.count({
      collection: collection.slug,
      overrideAccess: true,
      req,
      where: { and: [{ [field]: { equals: domain } }, ...(id === undefined ? [] : [{ id: { not_equals: id } }])] },
    })
    if (totalDocs > 0) {
      throw new ValidationError({ collection: collection.slug, errors: [{ message: `Another site already uses the domain ${domain}.`, path: field }] })
    }
    return data
  }

/**
 * The host's sites collection, with the plugin's parts: canonical, unique domains; erasure
 * before a site is deleted (the rows' foreign keys would otherwise be set to null first);
 * and — when enabled — the read-only tracking snippet and the refresh of ingestion settings.
 */
export function wireSites(sites: CollectionConfig, cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const eraseOnDelete = async ({ id, req }: { id: number | string; req: PayloadRequest }) => {
    await eraseSiteAnalytics(req.payload, cfg, id, req)
    await audit(req.payload, { action: 'erase', details: { reason: 'site deleted' }, req, siteId: id, via: viaOf(req) })
  }
  if (!cfg.enabled) return withHooks(sites, { beforeDelete: [eraseOnDelete], beforeValidate: [canonicalSiteDomain(cfg)] })

  // Absolute even without a configured origin: the admin's own address (see `snippetOrigin`).
  const snippet: FieldHook = ({ data, originalDoc, req }) => {
    const id = (data?.id ?? originalDoc?.id) as number | string | undefined
    if (id === undefined) return null
    return analyticsScriptTag({ apiRoute: cfg.apiRoute, origin: snippetOrigin(cfg.scriptOrigin, req?.headers).origin, site: id })
  }
  const usage = 'Paste into the <head> of this site, or use <AnalyticsScript /> from payload-plugin-analytics/react.'
  const trackingSnippet: Field = {
    name: 'trackingSnippet',
    type: 'textarea',
    admin: {
      // Whether an origin is configured is known at start: the warning stays until one is.
      description: cfg.scriptOrigin ? usage : `${usage} Warning: ${SNIPPET_ORIGIN_WARNING}`,
      position: 'sidebar',
      readOnly: true,
    },
    hooks: { afterRead: [snippet] },
    label: 'Tracking snippet',
    virtual: true,
  }
  // Sites → (a site) → Analytics: a document tab beside the edit form, as `versions` or `api` are.
  const components = sites.admin?.components ?? {}
  const views = components.views ?? {}
  const admin: CollectionConfig['admin'] = {
    ...sites.admin,
    components: {
      ...components,
      views: {
        ...views,
        // A host that replaced the whole document view (`edit.root`) has no tabs to add to.
        edit: views.edit?.root
          ? views.edit
          : (Object.assign({}, views.edit, {
              analytics: { Component: componentPaths.siteAnalyticsTab, path: SITE_TAB_PATH, tab: { href: SITE_TAB_PATH, label: 'Analytics' } },
            }) as EditConfig),
      },
    },
  }
  return withHooks(
    { ...sites, admin, fields: [...sites.fields, trackingSnippet] },
    { afterChange: [refreshAfterChange], afterDelete: [refreshAfterDelete], beforeDelete: [eraseOnDelete], beforeValidate: [canonicalSiteDomain(cfg)] },
  )
}

type SettingsDoc = Record<string, unknown> & { publicDashboard?: boolean | null; scopeKey?: string; shareToken?: null | string }

/**
 * One audit row per settings change: turning the public dashboard on or off and a new share
 * token are the share-link actions; any other change is `settings.update` (field names only:
 * the values, and above all the token, stay out of the log).
 */
const auditSettingsChange: CollectionAfterChangeHook = async ({ doc, operation, previousDoc, req }) => {
  const after = doc as SettingsDoc
  const before = (previousDoc ?? {}) as SettingsDoc
  const changed = operation === 'create' ? [] : changedFields(before, after)
  if (operation === 'update' && changed.length === 0) return doc
  const action =
    operation === 'create'
      ? 'settings.create'
      : Boolean(before.publicDashboard) !== Boolean(after.publicDashboard)
        ? after.publicDashboard
          ? 'share.enable'
          : 'share.disable'
        : changed.includes('shareToken')
          ? 'share.rotate'
          : 'settings.update'
  await audit(req.payload, {
    action,
    details: { changed: changed.filter((name) => name !== 'shareToken'), scope: after.scopeKey },
    req,
    siteId: relationId(after.site),
    via: viaOf(req),
  })
  return doc
}

const auditSettingsDelete: CollectionAfterDeleteHook = async ({ doc, req }) => {
  const row = doc as SettingsDoc
  await audit(req.payload, { action: 'settings.delete', details: { scope: row.scopeKey }, req, siteId: relationId(row.site), via: viaOf(req) })
}

/** Settings changes refresh ingestion too, and are audited. */
export const wireSettings = (settings: CollectionConfig): CollectionConfig =>
  withHooks(settings, { afterChange: [refreshAfterChange, auditSettingsChange], afterDelete: [refreshAfterDelete, auditSettingsDelete] })

/** `form.submit` for every new form-builder submission; never fails the submission itself. */
export function wireFormSubmissions(collection: CollectionConfig, cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const record: CollectionAfterChangeHook = async ({ doc, operation, req }) => {
    if (operation !== 'create' || !cfg.formSubmissions || !req.payload.analytics) return doc
    try {
      const siteId = await cfg.formSubmissions.siteId({ doc: doc as Record<string, unknown>, req })
      if (siteId === null) return doc
      const form = (doc as { form?: unknown }).form
      const formId = form && typeof form === 'object' ? (form as { id?: unknown }).id : form
      await req.payload.analytics.track({
        props: formId === undefined || formId === null ? undefined : { form: String(formId) },
        siteId,
        type: 'form.submit',
      })
    } catch (error) {
      req.payload.logger.warn(`analytics: form submission not recorded: ${(error as Error).message}`)
    }
    return doc
  }
  return withHooks(collection, { afterChange: [record] })
}
