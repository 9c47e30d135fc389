import type { CollectionConfig } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { GLOBAL_DEFAULTS, mayManageDefaults } from '../src/access/settingsAccess.js'
import { ADMIN_GROUP } from '../src/constants.js'
import { applyOverride } from './applyOverride.js'
import { pluginWritesOnly } from './sharedFields.js'

/**
 * Who did what and when: exports, share-link changes, erasures, settings changes, reports and
 * alerts. Written only by the plugin (`audit()`), never changed; readable by the users who may
 * manage the analytics defaults (admins) unless the host overrides `access.read`. No IP
 * address or user agent is ever recorded. Rows older than `retention.auditDays` are deleted by
 * the retention job (through the `createdAt` index Payload gives every collection).
 */
export function buildAnalyticsAuditLog(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const base: CollectionConfig = {
    slug: cfg.slugs.auditLog,
    access: {
      create: pluginWritesOnly,
      delete: pluginWritesOnly,
      read: ({ req }) => mayManageDefaults(req, cfg, GLOBAL_DEFAULTS),
      update: pluginWritesOnly,
    },
    admin: {
      defaultColumns: ['createdAt', 'action', 'actorEmail', 'site', 'via'],
      description: `Who did what and when (kept ${cfg.retention.auditDays} days). Read-only.`,
      group: ADMIN_GROUP,
      useAsTitle: 'action',
    },
    fields: [
      { name: 'action', type: 'text', admin: { description: 'What was done, e.g. export, share.rotate, erase, settings.update.' }, index: true, required: true },
      {
        name: 'actorType',
        type: 'select',
        admin: { description: 'A logged-in user, the command line, or the plugin itself (scheduled reports and alerts).' },
        options: ['user', 'cli', 'system'],
        required: true,
      },
      { name: 'actorCollection', type: 'text', admin: { description: 'Auth collection of the user.' } },
      { name: 'actorId', type: 'text', admin: { description: 'Id of the user.' } },
      { name: 'actorEmail', type: 'text', label: 'User' },
      { name: 'via', type: 'text', admin: { description: 'Where: rest, admin, cli, local (code), job.' } },
      { name: 'site', type: 'text', admin: { description: `Id of the site (${cfg.slugs.sites}) concerned, if one.` }, index: true },
      { name: 'details', type: 'json', admin: { description: 'What else identifies the action (ranges, changed field names, recipients count…); never secrets.' } },
    ],
    graphQL: false,
    labels: { plural: 'Audit log', singular: 'Audit entry' },
    lockDocuments: false,
    timestamps: true,
  }
  return applyOverride(base, cfg.overrides.auditLog)
}
