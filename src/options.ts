import type { CollectionConfig, CollectionSlug, Config, Field } from 'payload'

import type { AnalyticsPluginOptions, FormSubmissionsOptions, IdType, SanitizedAnalyticsConfig, SourcesOptions } from './types.js'

import { DEFAULT_SLUGS } from './constants.js'
import { DEFAULT_CONVERSION_EVENTS } from './core/eventTypes.js'
import { relationId } from './core/relationId.js'
import { checkRedisUrl } from './buffer/redisClient.js'
import { checkTimeZone, UTC } from './core/timeZone.js'
import { DEFAULT_REDIS_KEY_PREFIX, DEFAULT_SESSION_IDLE_MINUTES, resolveIngestOptions, resolveMetricsOptions } from './ingestDefaults.js'

const defaultCanManageDefaults: SanitizedAnalyticsConfig['canManageDefaults'] = ({ user }) => {
  const roles = (user as { roles?: unknown }).roles
  return Array.isArray(roles) && (roles.includes('super-admin') || roles.includes('admin'))
}

/** A submission's `site`, else its form's `site` (the form is read when not populated). */
const defaultSubmissionSite: Required<FormSubmissionsOptions>['siteId'] = async ({ doc, req }) => {
  const own = relationId(doc.site)
  if (own !== null) return own
  const form = doc.form
  if (form && typeof form === 'object') return relationId((form as Record<string, unknown>).site)
  const formId = relationId(form)
  if (formId === null || !req.payload.collections['forms' as CollectionSlug]) return null
  const loaded = await req.payload.findByID({ collection: 'forms' as CollectionSlug, depth: 0, disableErrors: true, id: formId, req })
  return loaded ? relationId((loaded as unknown as Record<string, unknown>).site) : null
}

/** The Redis URL, checked at start (a malformed one is a clear error, not a socket path); null without one. */
const redisUrlOf = (url: string | undefined): null | string => (url ? checkRedisUrl(url) : null)

const positiveInteger = (value: number | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`payload-plugin-analytics: ${name} must be a positive whole number, got ${String(value)}`)
  }
  return value
}

const defaultTimeZone = (zone: string | undefined): string => {
  try {
    return checkTimeZone(zone ?? UTC)
  } catch (error) {
    throw new Error(`payload-plugin-analytics: defaults.timeZone: ${(error as Error).message}`)
  }
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

/**
 * Whether a collection's ids are numbers or text: its own `id` field if it has one, else the
 * database adapter's default (`number` for serial ids, `text` for uuid), else `number`.
 */
const idTypeOf = (config: Config, slug: string): IdType => {
  const collection = config.collections?.find((candidate) => candidate.slug === slug)
  const own = collection ? findField(collection.fields, 'id') : undefined
  if (own?.type === 'number') return 'number'
  if (own?.type === 'text') return 'text'
  return (config.db as undefined | { defaultIDType?: unknown })?.defaultIDType === 'text' ? 'text' : 'number'
}

const detectTenantsCollection = (sites: CollectionConfig | undefined, tenantField: string): null | string => {
  if (!sites) return null
  const field = findField(sites.fields, tenantField)
  if (field?.type === 'relationship' && typeof field.relationTo === 'string') return field.relationTo
  return null
}

const timeOfDay = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || !/^(?:[01]\d|2[0-3]):[0-5]\d$/.test(value)) {
    throw new Error(`payload-plugin-analytics: ${name} must be a UTC time of day written HH:MM, got ${String(value)}`)
  }
  return value
}

const GOOGLE_ENDPOINTS = {
  apiUrl: 'https://www.googleapis.com/webmasters/v3',
  authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
}

function resolveSourcesOptions(options: SourcesOptions | undefined, config: Config): SanitizedAnalyticsConfig['sources'] {
  const google = options?.google
  if (google && (!google.clientId || !google.clientSecret)) throw new Error('payload-plugin-analytics: sources.google needs a clientId and a clientSecret')
  return {
    encryptionKey: options?.encryptionKey ?? config.secret ?? '',
    google: google
      ? {
          ...GOOGLE_ENDPOINTS,
          ...google.endpoints,
          clientId: google.clientId,
          clientSecret: google.clientSecret,
          requestsPerMinute: positiveInteger(google.requestsPerMinute, 600, 'sources.google.requestsPerMinute'),
        }
      : null,
    plausibleRequestsPerHour: positiveInteger(options?.plausibleRequestsPerHour, 500, 'sources.plausibleRequestsPerHour'),
    runAt: timeOfDay(options?.runAt ?? '02:00', 'sources.runAt'),
  }
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
  const aggregation = options.aggregation ?? {}
  const intervalMinutes = aggregation.intervalMinutes ?? 5
  const intervalMs = Math.round(intervalMinutes * 60_000)
  if (typeof intervalMinutes !== 'number' || !Number.isFinite(intervalMinutes) || intervalMs < 1_000) {
    throw new Error(`payload-plugin-analytics: aggregation.intervalMinutes must be a number of minutes of at least 1 second (1/60), got ${String(intervalMinutes)}`)
  }
  const worker = aggregation.worker ?? 'inline'
  if (worker !== 'inline' && worker !== 'external') {
    throw new Error(`payload-plugin-analytics: aggregation.worker must be 'inline' or 'external', got ${String(worker)}`)
  }
  const runAt = timeOfDay(options.retention?.runAt ?? '03:15', 'retention.runAt')
  const ingest = options.ingest ?? {}
  const formSubmissionsSlug = options.formSubmissions === false ? null : (options.formSubmissions?.collection ?? 'form-submissions')
  const formSubmissions =
    formSubmissionsSlug && config.collections?.some((collection) => collection.slug === formSubmissionsSlug)
      ? { collection: formSubmissionsSlug, siteId: (options.formSubmissions || {}).siteId ?? defaultSubmissionSite }
      : null
  if (options.formSubmissions && !formSubmissions) {
    throw new Error(`payload-plugin-analytics: formSubmissions.collection "${formSubmissionsSlug}" does not exist (add the form-builder plugin before this one).`)
  }
  return {
    access: { ...options.access },
    aggregation: {
      batchSize: positiveInteger(aggregation.batchSize, 5_000, 'aggregation.batchSize'),
      intervalMs,
      worker,
    },
    canManageDefaults: options.canManageDefaults ?? defaultCanManageDefaults,
    defaults: {
      allowedHostnames: options.defaults?.allowedHostnames ?? [],
      conversionEvents: options.defaults?.conversionEvents ?? [...DEFAULT_CONVERSION_EVENTS],
      excludedPaths: options.defaults?.excludedPaths ?? [],
      ipAnonymization: options.defaults?.ipAnonymization ?? 'standard',
      respectDoNotTrack: options.defaults?.respectDoNotTrack ?? true,
      timeZone: defaultTimeZone(options.defaults?.timeZone),
      trackAutomation: options.defaults?.trackAutomation ?? false,
      trackingEnabled: options.defaults?.trackingEnabled ?? true,
    },
    enabled: options.enabled ?? true,
    formSubmissions,
    ingest: resolveIngestOptions(
      {
        ...ingest,
        sessionIdleSeconds: positiveInteger(ingest.sessionIdleMinutes, DEFAULT_SESSION_IDLE_MINUTES, 'ingest.sessionIdleMinutes') * 60,
      },
      { rateLimits: 'payload-plugin-analytics: ingest.rateLimits', sessionIdle: 'payload-plugin-analytics: ingest.sessionIdleMinutes' },
    ),
    metrics: resolveMetricsOptions(options.metrics),
    overrides,
    redisKeyPrefix: options.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX,
    redisUrl: redisUrlOf(options.redisUrl ?? process.env.REDIS_URL),
    reports: { allowPrivateWebhooks: options.reports?.allowPrivateWebhooks ?? false },
    retention: {
      auditDays: positiveInteger(options.retention?.auditDays, 90, 'retention.auditDays'),
      eventsDays,
      runAt,
      statsDays: positiveInteger(options.retention?.statsDays, 365, 'retention.statsDays'),
    },
    apiRoute: config.routes?.api ?? '/api',
    sources: resolveSourcesOptions(options.sources, config),
    scriptOrigin: (options.scriptOrigin ?? config.serverURL ?? '').replace(/\/+$/, ''),
    sites: {
      collection: sitesSlug as CollectionSlug,
      domainField: options.sites?.domainField ?? 'domain',
      idType: idTypeOf(config, sitesSlug),
      pluginOwned: !hostSites,
      tenantField,
    },
    slugs: {
      alerts: DEFAULT_SLUGS.alerts as CollectionSlug,
      apiKeys: DEFAULT_SLUGS.apiKeys as CollectionSlug,
      auditLog: (overrides.auditLog?.slug ?? DEFAULT_SLUGS.auditLog) as CollectionSlug,
      dailyStats: (overrides.dailyStats?.slug ?? DEFAULT_SLUGS.dailyStats) as CollectionSlug,
      events: (overrides.events?.slug ?? DEFAULT_SLUGS.events) as CollectionSlug,
      importedStats: DEFAULT_SLUGS.importedStats as CollectionSlug,
      imports: DEFAULT_SLUGS.imports as CollectionSlug,
      monthlyStats: (overrides.monthlyStats?.slug ?? DEFAULT_SLUGS.monthlyStats) as CollectionSlug,
      reportDeliveries: DEFAULT_SLUGS.reportDeliveries as CollectionSlug,
      reports: (overrides.reports?.slug ?? DEFAULT_SLUGS.reports) as CollectionSlug,
      salts: DEFAULT_SLUGS.salts as CollectionSlug,
      searchStats: DEFAULT_SLUGS.searchStats as CollectionSlug,
      settings: (overrides.settings?.slug ?? DEFAULT_SLUGS.settings) as CollectionSlug,
      sites: sitesSlug as CollectionSlug,
      sources: (overrides.sources?.slug ?? DEFAULT_SLUGS.sources) as CollectionSlug,
      visits: DEFAULT_SLUGS.visits as CollectionSlug,
    },
    tenantIdType: tenantsCollection ? idTypeOf(config, tenantsCollection) : null,
    usersCollection: (config.admin?.user ?? 'users') as CollectionSlug,
    tenantsCollection,
  }
}
