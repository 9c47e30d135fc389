import type { CollectionAfterDeleteHook, CollectionBeforeDeleteHook, CollectionConfig } from 'payload'

import { Forbidden } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { mayAct } from '../src/access/actions.js'
import { siteScope, whereSiteIn } from '../src/access/siteAccess.js'
import { audit, viaOf } from '../src/audit.js'
import { ADMIN_GROUP } from '../src/constants.js'
import { relationId } from '../src/core/relationId.js'
import { IMPORT_SOURCES, IMPORT_STATUSES } from '../src/imports/types.js'
import { deleteImportedRows } from '../src/imports/store.js'
import { pluginWritesOnly } from './sharedFields.js'

/**
 * One import run: where its figures came from, which days, how far it got, what it wrote and
 * who started it. Its rows live in the imported stats (`importId`). Created and updated only
 * by the plugin (`src/imports/store.ts`); deleting one deletes its rows — for whoever may
 * manage the site's sources (`access.manageSources`, default: may update the site).
 */
export function buildAnalyticsImports(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const checkDelete: CollectionBeforeDeleteHook = async ({ id, req }) => {
    // The Local API without a user is trusted code.
    if (!req.user) return
    const doc = await req.payload.findByID({ collection: cfg.slugs.imports, depth: 0, id, overrideAccess: true, req })
    const site = relationId((doc as { site?: unknown }).site)
    if (site === null || !(await mayAct(req, cfg, 'manageSources', site))) throw new Forbidden(req.t)
  }
  const removeRows: CollectionAfterDeleteHook = async ({ doc, req }) => {
    const site = relationId((doc as { site?: unknown }).site)
    const rows = await deleteImportedRows(req.payload, doc.id)
    // A run abandoned by the plugin itself (bad data: nothing was imported) is no user's action.
    if (req.context.analyticsQuiet) return    await audit(req.payload, {
      action: 'import.delete',
      details: { import: doc.id, rowsDeleted: rows, source: doc.source },
      req,
      siteId: site,
      via: req.context.analyticsVia === 'cli' ? 'cli' : viaOf(req),
    })
  }

  return {
    slug: cfg.slugs.imports,
    access: {
      create: pluginWritesOnly,
      // Deleting is checked per import (its site) in the hook; here only the sites one may update.
      delete: async ({ req }) => whereSiteIn(await siteScope(req, cfg, 'update')),
      read: async ({ req }) => whereSiteIn(await siteScope(req, cfg, 'read')),
      update: pluginWritesOnly,
    },
    admin: {
      defaultColumns: ['site', 'source', 'status', 'from', 'to', 'daysWritten', 'startedAt'],
      description: 'Imported data per run (Plausible CSV, Plausible Stats API, Matomo). Deleting an import deletes its figures.',
      group: ADMIN_GROUP,
    },
    defaultSort: '-startedAt',
    fields: [
      { name: 'site', type: 'relationship', relationTo: cfg.slugs.sites, required: true, index: true },
      { name: 'source', type: 'select', options: IMPORT_SOURCES.map((value) => ({ label: value, value })), required: true },
      { name: 'connection', type: 'text', admin: { description: 'Id of the source connection the run read (Stats API, Matomo); empty for file uploads.' } },
      { name: 'fileName', type: 'text', admin: { description: 'The uploaded file’s name (file imports).' } },
      { name: 'status', type: 'select', defaultValue: 'running', options: IMPORT_STATUSES.map((value) => ({ label: value, value })), required: true },
      {
        type: 'row',
        fields: [
          { name: 'from', type: 'date', admin: { date: { pickerAppearance: 'dayOnly' }, description: 'First day asked for (or found in the file).' } },
          { name: 'to', type: 'date', admin: { date: { pickerAppearance: 'dayOnly' }, description: 'Last day asked for (or found in the file).' } },
        ],
      },
      {
        name: 'progress',
        type: 'group',
        fields: [
          { name: 'done', type: 'number', defaultValue: 0 },
          { name: 'total', type: 'number', defaultValue: 0 },
          { name: 'unit', type: 'text', admin: { description: 'What is counted: days, files, bytes.' } },
        ],
      },
      {
        type: 'row',
        fields: [
          { name: 'daysWritten', type: 'number', defaultValue: 0, admin: { description: 'Days with imported totals.' } },
          { name: 'rowsWritten', type: 'number', defaultValue: 0 },
        ],
      },
      {
        type: 'row',
        fields: [
          { name: 'firstDay', type: 'date', admin: { date: { pickerAppearance: 'dayOnly' }, description: 'First day written.' } },
          { name: 'lastDay', type: 'date', admin: { date: { pickerAppearance: 'dayOnly' }, description: 'Last day written.' } },
        ],
      },
      { name: 'skipped', type: 'json', admin: { description: 'Days left out and why: our own data, another import, no totals.' } },
      { name: 'dayErrors', type: 'json', admin: { description: 'Days that failed, with the reason: [{ day, error }].' } },
      { name: 'summary', type: 'json', admin: { description: 'What was read, per file or report.' } },
      { name: 'error', type: 'text', admin: { description: 'Why the run failed.' } },
      {
        type: 'row',
        fields: [
          { name: 'startedAt', type: 'date', admin: { date: { pickerAppearance: 'dayAndTime' } } },
          { name: 'finishedAt', type: 'date', admin: { date: { pickerAppearance: 'dayAndTime' } } },
        ],
      },
      {
        name: 'startedBy',
        type: 'group',
        admin: { description: 'Who started the run (a user, a CLI run or the nightly job).' },
        fields: [
          { name: 'type', type: 'select', options: ['user', 'cli', 'system'].map((value) => ({ label: value, value })) },
          { name: 'userId', type: 'text' },
          { name: 'collection', type: 'text' },
          { name: 'email', type: 'text' },
        ],
      },
    ],
    graphQL: false,
    hooks: { afterDelete: [removeRows], beforeDelete: [checkDelete] },
    labels: { plural: 'Imports', singular: 'Import' },
    lockDocuments: false,
  }
}
