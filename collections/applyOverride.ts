import type { CollectionConfig } from 'payload'

import type { CollectionOverride } from '../src/types.js'

/** Merge a host's override over a generated collection (`fields` through a function). */
export function applyOverride(base: CollectionConfig, override: CollectionOverride | undefined): CollectionConfig {
  if (!override) return base
  const { fields, ...rest } = override
  return {
    ...base,
    ...rest,
    access: { ...base.access, ...rest.access },
    admin: { ...base.admin, ...rest.admin },
    fields: fields ? fields({ defaultFields: base.fields }) : base.fields,
    hooks: { ...base.hooks, ...rest.hooks },
    slug: rest.slug ?? base.slug,
  }
}
