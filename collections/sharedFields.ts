import type { Field } from 'payload'

import type { IdType, SanitizedAnalyticsConfig } from '../src/types.js'

import { readBySite } from '../src/access/siteAccess.js'
import { componentPaths } from '../src/componentPaths.js'

/**
 * The `site` and (when tenancy is on) `tenant` relationships every analytics row carries.
 * `site` gets no index of its own: each collection's compound index starts with it, and
 * every extra index slows the bulk inserts of the pipeline.
 */
export function ownershipFields(cfg: SanitizedAnalyticsConfig, options: { indexTenant: boolean }): Field[] {
  const fields: Field[] = [
    {
      name: 'site',
      type: 'relationship',
      relationTo: cfg.slugs.sites,
      required: true,
    },
  ]
  if (cfg.tenantsCollection) {
    fields.push({
      name: 'tenant',
      type: 'relationship',
      index: options.indexTenant,
      relationTo: cfg.tenantsCollection,
    })
  }
  return fields
}

/**
 * The raw events' `site` and (with tenancy) `tenant`: plain id columns, not relationships.
 * A relationship would give each its own index and a foreign key, checked row by row on
 * every bulk insert (about a third of its cost) for nothing: the insert already leaves out
 * events of sites that no longer exist and stores a deleted tenant as null, and deleting a
 * site deletes its events (`eraseSiteAnalytics`). `site` leads the `(site, timestamp)`
 * index; nothing looks events up by tenant. Number or text as the sites' (tenants') ids are.
 */
export function eventOwnershipFields(cfg: SanitizedAnalyticsConfig): Field[] {
  const idField = (name: string, idType: IdType, description: string, required: boolean): Field =>
    idType === 'number'
      ? { name, type: 'number', admin: { description }, required }
      : { name, type: 'text', admin: { description }, required }
  const fields = [idField('site', cfg.sites.idType, `Id of the site (${cfg.slugs.sites}).`, true)]
  if (cfg.tenantsCollection && cfg.tenantIdType) {
    fields.push(idField('tenant', cfg.tenantIdType, `Id of the site’s tenant (${cfg.tenantsCollection}) when the event was stored.`, false))
  }
  return fields
}

/** Nobody writes these through REST or the admin: only the plugin's own code, server-side. */
export const pluginWritesOnly = () => false

/**
 * Access of the pipeline's collections (events, daily stats): read by site, written by
 * nobody but the plugin; and the admin notice saying so above their lists.
 */
export const pipelineCollection = (cfg: SanitizedAnalyticsConfig) => ({
  access: { create: pluginWritesOnly, delete: pluginWritesOnly, read: readBySite(cfg), update: pluginWritesOnly },
  listComponents: { beforeListTable: [componentPaths.pipelineNotice] },
})
