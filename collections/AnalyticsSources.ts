import type { CollectionAfterChangeHook, CollectionAfterDeleteHook, CollectionBeforeChangeHook, CollectionBeforeDeleteHook, CollectionBeforeValidateHook, CollectionConfig, PayloadRequest, Where } from 'payload'

import { Forbidden, ValidationError } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { firstRefused } from '../src/access/actions.js'
import { GLOBAL_DEFAULTS, mayManageDefaults } from '../src/access/settingsAccess.js'
import { audit, changedFields, viaOf } from '../src/audit.js'
import { componentPaths } from '../src/componentPaths.js'
import { ADMIN_GROUP } from '../src/constants.js'
import { relationId } from '../src/core/relationId.js'
import { checkRemoteId, SOURCE_KIND_LABELS, SOURCE_KINDS, SOURCE_STATUSES, type SourceKind } from '../src/sources/kinds.js'
import { secretBoxOf } from '../src/sources/credentials.js'
import { applyOverride } from './applyOverride.js'

/** A source's base URL: http(s) (self-hosted sources may sit on an internal network). */
const httpUrl = (value: unknown): string | true => {
  if (value === null || value === undefined || value === '') return true
  try {
    const { protocol } = new URL(String(value))
    return protocol === 'https:' || protocol === 'http:' || 'An http:// or https:// URL'
  } catch {
    return 'An http:// or https:// URL'
  }
}

const HIDDEN_FIELDS = new Set(['credentialSealed', 'ownerId'])

type SourceDoc = { id: number | string; ownerId?: null | string; sites?: Array<{ site?: unknown }> | null }

const siteIdsOf = (doc: { sites?: Array<{ site?: unknown }> | null }) => (doc.sites ?? []).map((row) => relationId(row.site)).filter((id) => id !== null)

/**
 * Connections to external sources (Google Search Console, Matomo, Plausible's Stats API):
 * kind, base URL, an encrypted credential and each mapped site's id in that source. A
 * connection belongs to whoever may manage sources (`access.manageSources`, default: update
 * the site) of every site it maps — so it is scoped to the tenant as its sites are; one with
 * no site yet to the user who created it.
 */
export function buildAnalyticsSources(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const manageable = async ({ req }: { req: PayloadRequest }): Promise<boolean | Where> => {
    if (!req.user) return false
    if (await mayManageDefaults(req, cfg, GLOBAL_DEFAULTS)) return true
    const memoKey = 'analytics:manageableSources'
    const memo = req.context[memoKey] as Promise<Where> | undefined
    if (memo) return memo
    const pending = (async (): Promise<Where> => {
      // Connections are few (one per account or server); each is decided on all its sites.
      const { docs } = await req.payload.find({ collection: cfg.slugs.sources, depth: 0, overrideAccess: true, pagination: false, req, select: { ownerId: true, sites: true }, showHiddenFields: true } as Parameters<typeof req.payload.find>[0])
      const allowed: Array<number | string> = []
      for (const doc of docs as SourceDoc[]) {
        const sites = siteIdsOf(doc)
        const mine = sites.length === 0 ? doc.ownerId === String(req.user!.id) : (await firstRefused(req, cfg, 'manageSources', sites)) === null
        if (mine) allowed.push(doc.id)
      }
      return { id: { in: allowed } }
    })()
    req.context[memoKey] = pending
    return pending
  }

  const checkSource: CollectionBeforeValidateHook = async ({ data, originalDoc, req }) => {
    if (!data) return data
    const merged = { ...originalDoc, ...data } as Record<string, unknown>
    const errors: Array<{ message: string; path: string }> = []
    const kind = merged.kind as SourceKind
    if (kind !== 'gsc' && !merged.baseUrl) errors.push({ message: 'A base URL is needed for this kind of source.', path: 'baseUrl' })
    const rows = (merged.sites as Array<{ remoteId?: unknown; site?: unknown }> | undefined) ?? []
    rows.forEach((row, index) => {
      const problem = checkRemoteId(kind, String(row.remoteId ?? ''))
      if (problem) errors.push({ message: problem, path: `sites.${index}.remoteId` })
    })
    const sites = siteIdsOf(merged as SourceDoc)
    if (new Set(sites.map(String)).size !== sites.length) errors.push({ message: 'A site is mapped twice.', path: 'sites' })
    if (req.user) {
      const refused = await firstRefused(req, cfg, 'manageSources', sites)
      if (refused !== null) errors.push({ message: `You may not connect sources to site ${String(refused)}.`, path: 'sites' })
    }
    if (errors.length) throw new ValidationError({ collection: cfg.slugs.sources, errors })
    return data
  }

  // The plain credential never reaches the database: sealed here, dropped from the data.
  const sealCredential: CollectionBeforeChangeHook = ({ context, data, operation, req }) => {
    const plain = data.credential
    delete data.credential
    if (typeof plain === 'string' && plain !== '') {
      data.credentialSealed = secretBoxOf(cfg).seal(plain)
      data.hasCredential = true
      context.credentialChanged = true
    }
    if (operation === 'create' && req.user) data.ownerId = String(req.user.id)
    return data
  }

  // Status bookkeeping by the sync is not a user's change.
  const auditChange: CollectionAfterChangeHook = async ({ context, doc, operation, previousDoc, req }) => {
    if (context.analyticsInternal) return doc
    // The sealed form and the owner are bookkeeping: a new credential is named `credential`.
    const changed = operation === 'create' ? [] : changedFields(previousDoc ?? {}, doc).filter((name) => !HIDDEN_FIELDS.has(name))
    if (context.credentialChanged && !changed.includes('credential')) changed.push('credential')
    if (operation === 'update' && changed.length === 0) return doc
    await audit(req.payload, {
      action: operation === 'create' ? 'source.create' : 'source.update',
      details: { changed: changed.sort(), kind: doc.kind, source: doc.id },
      req,
      via: viaOf(req),
    })
    return doc
  }
  const checkDelete: CollectionBeforeDeleteHook = async ({ id, req }) => {
    if (!req.user) return
    const doc = (await req.payload.findByID({ collection: cfg.slugs.sources, depth: 0, id, overrideAccess: true, req })) as SourceDoc
    if ((await firstRefused(req, cfg, 'manageSources', siteIdsOf(doc))) !== null) throw new Forbidden(req.t)
  }
  const auditDelete: CollectionAfterDeleteHook = async ({ doc, req }) => {
    await audit(req.payload, { action: 'source.delete', details: { kind: doc.kind, name: doc.name, source: doc.id }, req, via: viaOf(req) })
  }

  const base: CollectionConfig = {
    slug: cfg.slugs.sources,
    access: { create: ({ req }) => Boolean(req.user), delete: manageable, read: manageable, update: manageable },
    admin: {
      defaultColumns: ['name', 'kind', 'status', 'lastRunAt', 'lastError'],
      description: 'Connections to Google Search Console, Matomo and Plausible. Credentials are stored encrypted and never shown again.',
      group: ADMIN_GROUP,
      useAsTitle: 'name',
    },
    fields: [
      { name: 'name', type: 'text', required: true },
      { name: 'kind', type: 'select', options: SOURCE_KINDS.map((value) => ({ label: SOURCE_KIND_LABELS[value], value })), required: true },
      { name: 'baseUrl', type: 'text', admin: { condition: (data) => data.kind !== 'gsc', description: 'e.g. https://matomo.example.com or https://plausible.io' }, validate: httpUrl },
      {
        name: 'credential',
        type: 'text',
        admin: { condition: (data) => data.kind !== 'gsc', description: 'Matomo token_auth or Plausible API key. Stored encrypted; leave empty to keep the stored one.' },
        virtual: true,
      },
      { name: 'credentialSealed', type: 'text', hidden: true },
      { name: 'ownerId', type: 'text', hidden: true },
      ...(cfg.tenantsCollection ? [{ name: 'tenant', type: 'relationship' as const, relationTo: cfg.tenantsCollection }] : []),
      {
        name: 'sites',
        type: 'array',
        admin: { description: 'Each site and its id in the source: Matomo idSite, Plausible site domain, or the Search Console property (sc-domain:example.com or https://example.com/).' },
        fields: [
          { name: 'site', type: 'relationship', relationTo: cfg.slugs.sites, required: true },
          { name: 'remoteId', type: 'text', required: true },
        ],
      },
      { name: 'googleConnect', type: 'ui', admin: { components: { Field: componentPaths.googleConnect }, position: 'sidebar' } },
      { name: 'hasCredential', type: 'checkbox', admin: { position: 'sidebar', readOnly: true }, defaultValue: false },
      { name: 'status', type: 'select', admin: { position: 'sidebar', readOnly: true }, defaultValue: 'new', options: SOURCE_STATUSES.map((value) => ({ label: value, value })) },
      { name: 'lastRunAt', type: 'date', admin: { position: 'sidebar', readOnly: true } },
      { name: 'lastError', type: 'text', admin: { position: 'sidebar', readOnly: true } },
      { name: 'failedRuns', type: 'number', admin: { description: 'Runs in a row with a failed site (0: the last run went well).', position: 'sidebar', readOnly: true }, defaultValue: 0 },
      { name: 'lastSummary', type: 'json', admin: { hidden: true } },
    ],
    graphQL: false,
    hooks: { afterChange: [auditChange], afterDelete: [auditDelete], beforeChange: [sealCredential], beforeDelete: [checkDelete], beforeValidate: [checkSource] },
    labels: { plural: 'Sources', singular: 'Source' },
  }
  return applyOverride(base, cfg.overrides.sources)
}
