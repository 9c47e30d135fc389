import type { CollectionConfig, CollectionSlug, Field, PayloadRequest, TypedUser } from 'payload'

import type { IpAnonymization } from './core/siteSettings.js'

/**
 * Changes to one of the plugin's generated collections. Everything but `fields` is merged
 * over the generated config; `fields` receives the generated fields and returns the list
 * to use, as in Payload's official plugins.
 */
export type CollectionOverride = Partial<Omit<CollectionConfig, 'fields'>> & {
  fields?: (args: { defaultFields: Field[] }) => Field[]
}

export interface SitesOptions {
  /**
   * Slug of the host's collection whose documents are the tracked websites. When the host
   * has no collection with this slug, the plugin adds a minimal one (name and domain).
   * @default 'sites'
   */
  collection?: string
  /**
   * Field of a site that holds its domain (`example.com`). Pageviews are accepted from this
   * hostname and its subdomains, plus the site's allowed hostnames setting.
   * @default 'domain'
   */
  domainField?: string
  /**
   * Relationship field of a site that points at its tenant, as
   * `@payloadcms/plugin-multi-tenant` adds it. Ignored when the sites have no such field.
   * @default 'tenant'
   */
  tenantField?: string
  /**
   * Slug of the tenants collection. Detected from the relationship in `tenantField` when
   * omitted (place `analyticsPlugin` after `multiTenantPlugin` so the field exists);
   * `false` turns tenant columns off.
   * @default detected
   */
  tenantsCollection?: false | string
}

export interface RetentionOptions {
  /**
   * Days raw events are kept (sites may lower or raise it in their settings).
   * @default 30
   */
  eventsDays?: number
  /**
   * Days daily statistics are kept.
   * @default 365
   */
  statsDays?: number
}

export interface AnalyticsPluginOptions {
  /**
   * Who may edit the global and per-tenant default settings. Per-site settings follow the
   * site: whoever may update the site may update its analytics settings.
   * @default a user whose `roles` include `super-admin` or `admin`
   */
  canManageDefaults?: (args: { req: PayloadRequest; user: TypedUser }) => boolean | Promise<boolean>
  /**
   * Defaults for every site, overridable per tenant and per site in AnalyticsSettings.
   */
  defaults?: {
    /**
     * Hostnames allowed for every site besides its own domain (e.g. `localhost`).
     * @default []
     */
    allowedHostnames?: string[]
    /**
     * Event types that count as conversions.
     * @default ['lead.created', 'form.submit']
     */
    conversionEvents?: string[]
    /**
     * Paths never tracked (`*` matches within a segment, `**` across segments).
     * @default []
     */
    excludedPaths?: string[]
    /**
     * How much of the IP address is kept before use: `standard` (IPv4 /24, IPv6 /48) or
     * `strict` (IPv4 /16, IPv6 /32). The IP is never stored.
     * @default 'standard'
     */
    ipAnonymization?: IpAnonymization
    /**
     * Honour Do-Not-Track and Global Privacy Control.
     * @default true
     */
    respectDoNotTrack?: boolean
    /**
     * Count visits from automated browsers (`navigator.webdriver`).
     * @default false
     */
    trackAutomation?: boolean
    /**
     * Tracking on for sites that have no settings.
     * @default true
     */
    trackingEnabled?: boolean
  }
  /**
   * `false` keeps the collections (so the database schema stays stable) and skips the
   * endpoints, jobs and admin views.
   * @default true
   */
  enabled?: boolean
  /**
   * Changes to the generated collections (and to the minimal sites collection, when the
   * plugin adds it).
   * @default {}
   */
  overrides?: {
    dailyStats?: CollectionOverride
    events?: CollectionOverride
    settings?: CollectionOverride
    sites?: CollectionOverride
  }
  /**
   * Redis connection URL for the event buffer, the job queue and the stats cache. Without
   * one, a single instance uses an in-process buffer and scheduler (development only).
   * @default process.env.REDIS_URL
   */
  redisUrl?: string
  /** How long data is kept. */
  retention?: RetentionOptions
  /** Where the tracked websites live. */
  sites?: SitesOptions
}

/** Options with every default applied, resolved once by `analyticsPlugin`. */
export interface SanitizedAnalyticsConfig {
  canManageDefaults: NonNullable<AnalyticsPluginOptions['canManageDefaults']>
  defaults: Required<NonNullable<AnalyticsPluginOptions['defaults']>>
  enabled: boolean
  overrides: NonNullable<AnalyticsPluginOptions['overrides']>
  redisUrl: null | string
  retention: Required<RetentionOptions>
  sites: {
    collection: CollectionSlug
    domainField: string
    /** True when the host had no sites collection and the plugin added its own. */
    pluginOwned: boolean
    tenantField: string
  }
  /** Slugs are typed as the host's `CollectionSlug` so the code type-checks in hosts with generated types. */
  slugs: {
    dailyStats: CollectionSlug
    events: CollectionSlug
    settings: CollectionSlug
    sites: CollectionSlug
  }
  /** Slug of the tenants collection, or null when sites have no tenant. */
  tenantsCollection: CollectionSlug | null
}
