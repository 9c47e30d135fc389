import type { CollectionConfig } from 'payload'

/** The host's own sites collection; the multi-tenant plugin adds its `tenant` field. */
export const Sites: CollectionConfig = {
  slug: 'sites',
  admin: { defaultColumns: ['name', 'domain', 'tenant'], useAsTitle: 'name' },
  fields: [
    { name: 'name', type: 'text', required: true },
    { name: 'domain', type: 'text', index: true, required: true, unique: true },
  ],
}
