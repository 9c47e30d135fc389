import type { CollectionBeforeValidateHook, CollectionConfig, Field, PayloadRequest, TextFieldSingleValidation } from 'payload'

import { Forbidden, ValidationError } from 'payload'

import { randomBytes } from 'node:crypto'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { mayManageDefaults, mayWriteSettingsOf, settingsRows } from '../src/access/settingsAccess.js'
import { siteScope } from '../src/access/siteAccess.js'
import { componentPaths } from '../src/componentPaths.js'
import { ADMIN_GROUP } from '../src/constants.js'
import { isAccentColor, isLogoUrl } from '../src/core/branding.js'
import { relationId } from '../src/core/relationId.js'
import { IP_ANONYMIZATION_MODES, SETTINGS_SCOPES, TOGGLE_VALUES } from '../src/core/siteSettings.js'
import { checkTimeZone, isTimeZone } from '../src/core/timeZone.js'
import { timeZoneNote } from '../src/core/timeZoneNote.js'
import { parseFunnels, parseGoals } from '../src/core/goals.js'
import { MAX_PROP_VALUES_PER_DAY, MAX_ROLLED_UP_PROPS, parsePropKeys } from '../src/core/siteRollups.js'
import { applyOverride } from './applyOverride.js'

/** The row's own goals, which its funnels' steps must name; null when it inherits them (checked when resolved). */
const ownGoals = (value: unknown) => {
  try {
    const goals = parseGoals(value)
    return goals.length ? goals : null
  } catch {
    return null
  }
}

/** A JSON list checked by its parser: true, or the parser's message for the form. */
const checkedList = (parse: () => unknown): string | true => {
  try {
    parse()
    return true
  } catch (error) {
    return (error as Error).message
  }
}

export type Scope = (typeof SETTINGS_SCOPES)[number]

/** A white label's fields (tenant and global settings; a report's own override them). Fresh objects per use: Payload sanitizes fields in place. */
export const brandingFields = (): Field[] => [
  { name: 'name', type: 'text', admin: { description: 'Shown as the sender’s brand, e.g. your agency or the tenant.' } },
  { name: 'logoUrl', type: 'text', admin: { description: 'An http(s) image URL, shown 32 px high.' }, validate: (value: unknown) => !value || isLogoUrl(value) || 'An http:// or https:// image URL' },
  { name: 'accentColor', type: 'text', admin: { description: 'Header and headings, e.g. #1a73e8.' }, validate: (value: unknown) => !value || isAccentColor(value) || 'A colour like #1a73e8' },
]

const toggle = (name: string, label: string, description: string): Field => ({
  name,
  type: 'select',
  admin: { description },
  defaultValue: 'inherit',
  label,
  options: TOGGLE_VALUES.map((value) => ({ label: value === 'inherit' ? 'Inherit' : value === 'on' ? 'On' : 'Off', value })),
  required: true,
})

/** A random, URL-safe token for the public dashboard link. */
export const newShareToken = (): string => randomBytes(24).toString('base64url')

/** Set in `req.context` by the rotate action: the next save gives the row a new share token. */
export const ROTATE_SHARE_TOKEN = 'analytics:rotateShareToken'

/** The unique key of an owner's settings row: `global`, `tenant:<id>` or `site:<id>`. */
export const settingsScopeKey = (scope: Scope, owner: null | number | string): string =>
  scope === 'global' ? 'global' : `${scope}:${String(owner)}`

/**
 * A site's own settings row as the request's user may read it (their access applies), or
 * undefined when there is none or they may not read it.
 */
export async function findSiteSettings(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, siteId: number | string): Promise<Record<string, unknown> | undefined> {
  const { docs } = await req.payload.find({
    collection: cfg.slugs.settings,
    depth: 0,
    limit: 1,
    overrideAccess: false,
    pagination: false,
    req,
    user: req.user,
    where: { scopeKey: { equals: settingsScopeKey('site', siteId) } },
  } as Parameters<typeof req.payload.find>[0])
  return docs[0] as Record<string, unknown> | undefined
}

/**
 * Per-site analytics settings, with per-tenant and global rows as defaults. A row's scope
 * and owner are fixed at creation; its `scopeKey` keeps one row per owner.
 */
export function buildAnalyticsSettings(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  const fixScope: CollectionBeforeValidateHook = async ({ collection, data, operation, originalDoc, req }) => {
    if (!data) return data
    // A row belongs to one owner for life: moving it would bypass the owner's access check.
    const source = operation === 'update' && originalDoc ? originalDoc : data
    const scope = (source.scope ?? 'site') as Scope
    const site = scope === 'site' ? relationId(source.site) : null
    const tenant = scope === 'tenant' ? relationId(source.tenant) : null
    data.scope = scope
    data.site = site
    if (cfg.tenantsCollection) data.tenant = tenant
    data.scopeKey = settingsScopeKey(scope, scope === 'site' ? site : tenant)
    if (operation === 'create' && (scope === 'global' || site !== null || tenant !== null)) {
      const { totalDocs } = await req.payload.count({ collection: collection.slug, req, where: { scopeKey: { equals: data.scopeKey } } })
      if (totalDocs > 0) {
        const what = scope === 'global' ? 'Global defaults already exist' : `This ${scope} already has analytics settings`
        throw new ValidationError({ collection: collection.slug, errors: [{ message: `${what}: edit those instead.`, path: scope === 'global' ? 'scope' : scope }] })
      }
    }
    // Tokens come from the server only (the field takes no client value): on the first
    // public save, and on a rotation, which replaces the token and so revokes every older link.
    if (scope !== 'site') data.shareToken = null
    else if (req.context[ROTATE_SHARE_TOKEN] === true || (data.publicDashboard && !data.shareToken)) data.shareToken = newShareToken()
    return data
  }

  /**
   * The rights to a row follow from the row as it will be stored (its scope, site and
   * tenant after `fixScope`), whichever way it comes into being or changes: create,
   * duplicate (whose access check sees only the request body), update, update by where.
   * A validator is the one place Payload runs after the collection hooks and tells whether
   * access applies (`overrideAccess`); a refusal throws, so it answers 403, not 400.
   */
  const ownerMayWrite: TextFieldSingleValidation = async (_value, { data, overrideAccess, req }) => {
    if (overrideAccess) return true as const
    const row = data as Record<string, unknown>
    const owner = { scope: (row.scope ?? 'site') as Scope, site: relationId(row.site), tenant: relationId(row.tenant) }
    if (!(await mayWriteSettingsOf(req, cfg, owner))) throw new Forbidden(req.t)
    return true as const
  }

  const ownerFields: Field[] = [
    {
      name: 'scope',
      type: 'select',
      admin: { description: 'Settings of one site, or defaults for every site of a tenant or of the whole installation.' },
      defaultValue: 'site',
      options: SETTINGS_SCOPES.filter((scope) => scope !== 'tenant' || cfg.tenantsCollection).map((value) => ({
        label: value === 'global' ? 'Global defaults' : value === 'tenant' ? 'Tenant defaults' : 'One site',
        value,
      })),
      required: true,
    },
    {
      name: 'site',
      type: 'relationship',
      admin: { condition: (data) => (data.scope ?? 'site') === 'site' },
      relationTo: cfg.slugs.sites,
      validate: (value: unknown, { siblingData }: { siblingData: Record<string, unknown> }) =>
        (siblingData.scope ?? 'site') !== 'site' || relationId(value) !== null || 'Choose the site these settings apply to.',
    },
  ]
  if (cfg.tenantsCollection) {
    ownerFields.push({
      name: 'tenant',
      type: 'relationship',
      admin: { condition: (data) => data.scope === 'tenant' },
      relationTo: cfg.tenantsCollection,
      validate: (value: unknown, { siblingData }: { siblingData: Record<string, unknown> }) =>
        siblingData.scope !== 'tenant' || relationId(value) !== null || 'Choose the tenant these defaults apply to.',
    })
  }

  const base: CollectionConfig = {
    slug: cfg.slugs.settings,
    access: {
      // A first answer from the body (the admin's create button, a plain create); the
      // stored row is checked again by `ownerMayWrite`.
      create: async ({ data, req }) => {
        if (!req.user) return false
        const scope = (data?.scope ?? 'site') as Scope
        if (scope === 'global') return mayManageDefaults(req, cfg, { scope, tenant: null })
        const owner = relationId(scope === 'tenant' ? data?.tenant : data?.site)
        if (owner !== null) return mayWriteSettingsOf(req, cfg, { scope, site: scope === 'site' ? owner : null, tenant: scope === 'tenant' ? owner : null })
        // Without an owner yet (the admin's "create" button), allow the form; validation asks for one.
        const writable = await siteScope(req, cfg, 'update')
        return writable === true || writable.length > 0 || (await settingsRows(cfg, 'update')({ req })) !== false
      },
      delete: settingsRows(cfg, 'update'),
      read: settingsRows(cfg, 'read'),
      update: settingsRows(cfg, 'update'),
    },
    admin: {
      defaultColumns: ['scopeKey', 'site', 'trackingEnabled', 'publicDashboard'],
      description: 'Tracking, privacy and sharing settings per site, with tenant and global defaults.',
      group: ADMIN_GROUP,
      useAsTitle: 'scopeKey',
    },
    fields: [
      ...ownerFields,
      { name: 'scopeKey', type: 'text', admin: { hidden: true }, index: true, unique: true, validate: ownerMayWrite },
      toggle('trackingEnabled', 'Tracking', 'Accept events for this site. Inherit: the tenant’s or the global default.'),
      {
        name: 'allowedHostnames',
        type: 'text',
        admin: { description: 'Hostnames allowed besides the site domain and its subdomains (e.g. a staging host). Empty: inherit.' },
        hasMany: true,
        label: 'Allowed hostnames',
      },
      {
        name: 'excludedPaths',
        type: 'text',
        admin: { description: 'Paths never tracked: `/admin`, `/preview/*` (one segment) or `/drafts/**` (any depth). Empty: inherit.' },
        hasMany: true,
        label: 'Excluded paths',
      },
      {
        name: 'ipAnonymization',
        type: 'select',
        admin: { description: 'How much of the IP address is kept, in memory only, before hashing. It is never stored.' },
        defaultValue: 'inherit',
        label: 'IP anonymisation',
        options: [
          { label: 'Inherit', value: 'inherit' },
          ...IP_ANONYMIZATION_MODES.map((value) => ({
            label: value === 'standard' ? 'Standard (IPv4 /24, IPv6 /48)' : 'Strict (IPv4 /16, IPv6 /32)',
            value,
          })),
        ],
        required: true,
      },
      toggle('respectDoNotTrack', 'Respect Do-Not-Track / GPC', 'Ignore visitors whose browser sends DNT or Global Privacy Control.'),
      toggle('trackAutomation', 'Track automated browsers', 'Count visits from browsers under automation (navigator.webdriver).'),
      {
        name: 'retentionDays',
        type: 'number',
        admin: { description: `Days raw events are kept; daily statistics stay ${cfg.retention.statsDays} days. Empty: inherit (plugin default ${cfg.retention.eventsDays}).` },
        label: 'Raw event retention (days)',
        min: 1,
      },
      {
        name: 'timeZone',
        type: 'text',
        admin: {
          description: `IANA time zone (Europe/Paris, America/New_York): days and months of the statistics are this zone's. Empty: inherit (plugin default ${cfg.defaults.timeZone}). A change recomputes, in the background, every day raw events still cover.`,
          placeholder: 'inherit',
        },
        hooks: {
          // One spelling per zone (`america/new_york` → `America/New_York`), so a change of case is
          // no change of zone. Runs before `validate`: a bad name is left for it to refuse.
          beforeChange: [
            ({ value }) => {
              if (typeof value !== 'string' || !value.trim() || value.trim() === 'inherit') return null
              return isTimeZone(value.trim()) ? checkTimeZone(value.trim()) : value
            },
          ],
        },
        label: 'Time zone',
        validate: (value: unknown) => {
          if (value === null || value === undefined || value === '' || value === 'inherit') return true
          try {
            checkTimeZone(typeof value === 'string' ? value.trim() : value)
            return true
          } catch (error) {
            return `Time zone: ${(error as Error).message}`
          }
        },
      },
      {
        // Written by the plugin only (a change of zone and its recompute): never by a user.
        name: 'timeZoneState',
        type: 'json',
        access: { create: () => false, update: () => false },
        admin: { hidden: true },
      },
      {
        // Written by the plugin only: which goals the daily rollups hold (`GoalRollupState`).
        name: 'goalRollup',
        type: 'json',
        access: { create: () => false, update: () => false },
        admin: { hidden: true },
      },
      {
        name: 'timeZoneStatus',
        type: 'textarea',
        admin: { condition: (data) => (data.scope ?? 'site') === 'site', readOnly: true },
        hooks: { afterRead: [({ data }) => timeZoneNote(data?.timeZoneState)] },
        label: 'Time zone of the figures',
        virtual: true,
      },
      {
        name: 'conversionEvents',
        type: 'text',
        admin: { description: `Event types that count as conversions (the conversion rate). Empty: inherit (${cfg.defaults.conversionEvents.join(', ')}).` },
        hasMany: true,
        label: 'Conversion events',
      },
      {
        name: 'branding',
        type: 'group',
        admin: {
          condition: (data) => (data.scope ?? 'site') !== 'site',
          description: 'White label of the report emails and public share pages of this tenant’s sites (global: of every site). Empty: inherit.',
        },
        fields: brandingFields(),
        label: 'Branding',
      },
      {
        name: 'goals',
        type: 'json',
        admin: {
          description:
            'Goals, a JSON list: `{ "event": "signup" }`, `{ "name": "Read the blog", "page": "/blog/**" }` (`*` one segment, `**` any depth), optionally with `"prop": { "key": "plan", "value": "pro" }`. Empty: inherit (none anywhere: one goal per conversion event).',
        },
        label: 'Goals',
        validate: (value: unknown) => checkedList(() => parseGoals(value)),
      },
      {
        name: 'funnels',
        type: 'json',
        admin: { description: 'Funnels, a JSON list: `{ "name": "Signup", "steps": ["Visit pricing", "signup"] }` — 2 to 8 goal names, in order within one visit. Empty: inherit.' },
        label: 'Funnels',
        validate: (value: unknown, { siblingData }: { siblingData: Record<string, unknown> }) =>
          checkedList(() => parseFunnels(value, ownGoals(siblingData.goals))),
      },
      {
        name: 'rolledUpProps',
        type: 'text',
        admin: {
          description: `Custom property keys (e.g. plan) whose values are rolled up daily, so breakdown=prop:<key> covers a year, not only the raw events' days — at most ${MAX_ROLLED_UP_PROPS}, each up to ${MAX_PROP_VALUES_PER_DAY} values a day. A key added here counts from the first day raw events still cover. Empty: inherit.`,
        },
        hasMany: true,
        label: 'Rolled-up properties',
        validate: (value: unknown) => checkedList(() => parsePropKeys(value)),
      },
      {
        name: 'publicDashboard',
        type: 'checkbox',
        admin: { condition: (data) => (data.scope ?? 'site') === 'site', description: 'Anyone with the share link can read this site’s dashboard.' },
        defaultValue: false,
        label: 'Public dashboard',
      },
      {
        name: 'shareLink',
        type: 'ui',
        admin: { components: { Field: componentPaths.shareLinkField }, condition: (data) => (data.scope ?? 'site') === 'site' },
      },
      {
        name: 'shareToken',
        type: 'text',
        // No client writes it (REST, GraphQL, the admin form): `fixScope` sets it.
        access: { create: () => false, update: () => false },
        admin: { condition: (data) => (data.scope ?? 'site') === 'site', hidden: true, readOnly: true },
        unique: true,
      },
    ],
    graphQL: false,
    hooks: { beforeValidate: [fixScope] },
    // A lock is a document of its own that any logged-in user may create; without locks on
    // settings, nobody can block (or learn of) another tenant's settings through one.
    lockDocuments: false,
    labels: { plural: 'Settings', singular: 'Settings' },
  }
  return applyOverride(base, cfg.overrides.settings)
}
