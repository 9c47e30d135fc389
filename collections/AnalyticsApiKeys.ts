import type { Access, CollectionConfig, FieldAccess, PayloadRequest, Where } from 'payload'

import { ValidationError } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { GLOBAL_DEFAULTS, mayManageDefaults } from '../src/access/settingsAccess.js'
import { audit, viaOf } from '../src/audit.js'
import { ADMIN_GROUP } from '../src/constants.js'
import { API_KEY_SCOPES, DEFAULT_HOURLY_LIMIT, newApiKeySecret } from '../src/core/apiKeySecret.js'
import { relationId } from '../src/core/relationId.js'

/** Where a created key's secret waits for the create response (the only time it is shown). */
const SECRET_CONTEXT = 'analytics:apiKeySecret'

const pluginOnly = () => false

/**
 * API keys for the Plausible-compatible APIs and our own stats endpoints
 * (`Authorization: Bearer <key>`). A key belongs to the user who made it and reads exactly
 * what that user may read at the time of each request, narrowed by its scopes and sites. The
 * secret is returned once, by the create call; only its hash is kept. Users see and manage
 * their own keys; those who may manage the global defaults (admins) see everyone's.
 */
export function buildAnalyticsApiKeys(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const ownKeys = (async ({ req }: { req: PayloadRequest }) => {
    if (!req.user) return false
    if (await mayManageDefaults(req, cfg, GLOBAL_DEFAULTS)) return true
    return { user: { equals: req.user.id } } satisfies Where
  }) as Access

  // A key's hourly limit is the operator's to raise, not its owner's.
  const adminsOnly: FieldAccess = ({ req }) => mayManageDefaults(req, cfg, GLOBAL_DEFAULTS)

  return {
    slug: cfg.slugs.apiKeys,
    access: {
      create: ({ req }) => Boolean(req.user),
      delete: ownKeys,
      read: ownKeys,
      update: ownKeys,
    },
    admin: {
      defaultColumns: ['name', 'prefix', 'scopes', 'lastUsedAt', 'revoked'],
      description: 'Keys for the Stats and Sites APIs (Bearer tokens). The secret is shown once, in the answer to the create call; only its hash is kept.',
      group: ADMIN_GROUP,
      useAsTitle: 'name',
    },
    fields: [
      { name: 'name', type: 'text', required: true },
      {
        name: 'user',
        type: 'relationship',
        access: { update: pluginOnly },
        admin: { description: 'Whose access the key reads with (its maker).', readOnly: true },
        index: true,
        relationTo: cfg.usersCollection,
      },
      {
        name: 'scopes',
        type: 'select',
        defaultValue: [...API_KEY_SCOPES],
        hasMany: true,
        options: [...API_KEY_SCOPES],
        required: true,
      },
      {
        name: 'sites',
        type: 'relationship',
        admin: { description: 'Only these sites (of those the owner may read). Empty: every site the owner may read.' },
        hasMany: true,
        relationTo: cfg.slugs.sites,
      },
      { name: 'hourlyLimit', type: 'number', access: { create: adminsOnly, update: adminsOnly }, admin: { description: 'Requests per hour (set by admins).' }, defaultValue: DEFAULT_HOURLY_LIMIT, max: 1_000_000, min: 1, required: true },
      { name: 'prefix', type: 'text', access: { create: pluginOnly, update: pluginOnly }, admin: { description: 'The secret’s first characters, to tell keys apart.', readOnly: true } },
      // Never read over any API; looked up with overrideAccess by the authentication only.
      { name: 'secretHash', type: 'text', access: { create: pluginOnly, read: pluginOnly, update: pluginOnly }, admin: { hidden: true }, index: true, unique: true },
      { name: 'lastUsedAt', type: 'date', access: { create: pluginOnly, update: pluginOnly }, admin: { readOnly: true } },
      { name: 'revoked', type: 'checkbox', admin: { description: 'A revoked key opens nothing, at once.' }, defaultValue: false },
    ],
    graphQL: false,
    hooks: {
      afterChange: [
        async ({ doc, operation, previousDoc, req }) => {
          if (operation === 'create') {
            await audit(req.payload, { action: 'apikey.create', details: { key: doc.id, name: doc.name, scopes: doc.scopes }, req, via: viaOf(req) })
            const secret = req.context[SECRET_CONTEXT]
            return typeof secret === 'string' ? { ...doc, secret } : doc
          }
          if (doc.revoked === true && previousDoc?.revoked !== true) {
            await audit(req.payload, { action: 'apikey.revoke', details: { key: doc.id, name: doc.name }, req, via: viaOf(req) })
          }
          return doc
        },
      ],
      afterDelete: [
        async ({ doc, req }) => {
          if (doc.revoked !== true) await audit(req.payload, { action: 'apikey.revoke', details: { deleted: true, key: doc.id, name: doc.name }, req, via: viaOf(req) })
        },
      ],
      beforeChange: [
        ({ data, operation, req }) => {
          if (operation !== 'create') return data
          const { hash, prefix, secret } = newApiKeySecret()
          req.context[SECRET_CONTEXT] = secret
          // The maker owns the key; trusted code without a user names the owner itself.
          const owner = req.user ? req.user.id : relationId(data.user)
          if (owner === null) {
            throw new ValidationError({ collection: cfg.slugs.apiKeys, errors: [{ message: 'An API key needs an owner: create it as a logged-in user, or pass `user`.', path: 'user' }] })
          }
          return { ...data, lastUsedAt: null, prefix, secretHash: hash, user: owner }
        },
      ],
    },
    labels: { plural: 'API keys', singular: 'API key' },
    lockDocuments: false,
    timestamps: true,
  }
}
