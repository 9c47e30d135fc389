import type { Field } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

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
