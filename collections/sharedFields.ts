import type { Field } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

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
