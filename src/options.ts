import type { CollectionConfig, CollectionSlug, Config, Field } from 'payload'

import type { AnalyticsPluginOptions, SanitizedAnalyticsConfig } from './types.js'

import { DEFAULT_SLUGS } from './constants.js'
import { DEFAULT_CONVERSION_EVENTS } from './core/eventTypes.js'

const defaultCanManageDefaults: SanitizedAnalyticsConfig['canManageDefaults'] = ({ user }) => {
  const roles = (user as { roles?: unknown }).roles
  return Array.isArray(roles) && (roles.includes('super-admin') || roles.includes('admin'))
}

const positiveInteger = (value: number | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`payload-plugin-analytics: ${name} must be a positive whole number of days, got ${String(value)}`)
  }
  return value
}

const findField = (fields: Field[], name: string): Field | undefined => {
  for (const field of fields) {
    if ('name' in field && field.name === name) return field
    // Fields inside rows, collapsibles and unnamed tabs still live at the top level of the document.
    if (field.type === 'row' || field.type === 'collapsible') {
      const found = findField(field.fields, name)
      if (found) return found
    }
    if (field.type === 'tabs') {
      for (const tab of field.tabs) {
        if (!('name' in tab && tab.name)) {
          const found = findField(tab.fields, name)
          if (found) return found
        }
      }
    }
  }
  return undefined
}

const detectTenantsCollection = (sites: CollectionConfig | undefined, tenantField: string): null | string => {
  if (!sites) return null
  const field = findField(sites.fields, tenantField)
  if (field?.type === 'relationship' && typeof field.relationTo === 'string') return field.relationTo
  return null
}

/** Apply every default once; the rest of the plugin reads only the sanitized config. */
export function sanitizeOptions(options: AnalyticsPluginOptions, config: Config): SanitizedAnalyticsConfig {
  const sitesSlug = options.sites?.collection ?? DEFAULT_SLUGS.sites
  const hostSites = config.collections?.find((collection) => collection.slug === sitesSlug)
  const tenantField = options.sites?.tenantField ?? 'tenant'
  const overrides = options.overrides ?? {}

  const tenantsCollection =
    options.sites?.tenantsCollection === false
      ? null
      : ((options.sites?.tenantsCollection ?? detectTenantsCollection(hostSites, tenantField)) as CollectionSlug | null)

  if (tenantsCollection && !config.collections?.some((collection) => collection.slug === tenantsCollection)) {
    throw new Error(
      `payload-plugin-analytics: the tenants collection "${tenantsCollection}" does not exist. ` +
        'Add it before the plugin, or set sites.tenantsCollection to false.',
    )
  }

  const eventsDays = positiveInteger(options.retention?.eventsDays, 30, 'retention.eventsDays')

  return {
    canManageDefaults: options.canManageDefaults ?? defaultCanManageDefaults,
    defaults: {
      allowedHostnames: options.defaults?.allowedHostnames ?? [],
      conversionEvents: options.defaults?.conversionEvents ?? [...DEFAULT_CONVERSION_EVENTS],
      excludedPaths: options.defaults?.excludedPaths ?? [],
      ipAnonymization: options.defaults?.ipAnonymization ?? 'standard',
      respectDoNotTrack: options.defaults?.respectDoNotTrack ?? true,
      trackAutomation: options.defaults?.trackAutomation ?? false,
      trackingEnabled: options.defaults?.trackingEnabled ?? true,
    },
    enabled: options.enabled ?? true,
    overrides,
    redisUrl: options.redisUrl ?? process.env.REDIS_URL ?? null,
    retention: {
      eventsDays,
      statsDays: positiveInteger(options.retention?.statsDays, 365, 'retention.statsDays'),
    },
    sites: {
      collection: sitesSlug as CollectionSlug,
      domainField: options.sites?.domainField ?? 'domain',
      pluginOwned: !hostSites,
      tenantField,
    },
    slugs: {
      dailyStats: (overrides.dailyStats?.slug ?? DEFAULT_SLUGS.dailyStats) as CollectionSlug,
      events: (overrides.events?.slug ?? DEFAULT_SLUGS.events) as CollectionSlug,
      settings: (overrides.settings?.slug ?? DEFAULT_SLUGS.settings) as CollectionSlug,
      sites: sitesSlug as CollectionSlug,
    },
    tenantsCollection,
  }
}
