import type { CollectionConfig } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { ADMIN_GROUP } from '../src/constants.js'
import { applyOverride } from './applyOverride.js'

/** The minimal sites collection the plugin adds when the host has none. */
export function buildSites(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const base: CollectionConfig = {
    slug: cfg.slugs.sites,
    admin: {
      defaultColumns: ['name', cfg.sites.domainField],
      group: ADMIN_GROUP,
      useAsTitle: 'name',
    },
    fields: [
      { name: 'name', type: 'text', required: true },
      {
        name: cfg.sites.domainField,
        type: 'text',
        admin: { description: 'The website’s domain, e.g. example.com. Its subdomains are tracked too. Stored in one canonical form (lower case, no scheme or port, IDN as punycode), unique across all tenants.' },
        index: true,
        required: true,
        unique: true,
      },
    ],
  }
  return applyOverride(base, cfg.overrides.sites)
}
