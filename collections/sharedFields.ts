import type { Field } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

/** The `site` and (when tenancy is on) `tenant` relationships every analytics row carries. */
export function ownershipFields(cfg: SanitizedAnalyticsConfig, options: { required: boolean }): Field[] {
  const fields: Field[] = [
    {
      name: 'site',
      type: 'relationship',
      index: true,
      relationTo: cfg.slugs.sites,
      required: options.required,
    },
  ]
  if (cfg.tenantsCollection) {
    fields.push({
      name: 'tenant',
      type: 'relationship',
      index: true,
      relationTo: cfg.tenantsCollection,
    })
  }
  return fields
}

/** Nobody writes these through REST or the admin: only the plugin's own code, server-side. */
export const pluginWritesOnly = () => false
