import type { CollectionConfig, CollectionSlug, Field, PayloadRequest, TypedUser } from 'payload'

import type { ActionAccess } from './access/actions.js'
import type { IpAnonymization } from './core/siteSettings.js'
import type { ResolvedIngestOptions } from './ingestDefaults.js'

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

export interface ReportsOptions {
  /**
   * Let report and alert webhooks reach loopback, private, link-local and other internal
   * addresses (a receiver on your own network, or a local one in tests). Off, such a URL is
   * refused when saved and again, after resolving its host, before every send.
   * @default false
   */
  allowPrivateWebhooks?: boolean
}

export interface RetentionOptions {
  /**
   * Days audit-log rows are kept (deleted by the daily retention job).
   * @default 90
   */
  auditDays?: number
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
  /**
   * Time of day (UTC, `HH:MM`) of the daily retention job, which deletes raw events, daily
   * statistics and salts past their retention in bounded batches.
   * @default '03:15'
   */
  runAt?: string
}

export interface AggregationOptions {
  /**
   * Buffered events claimed and inserted per batch (one COPY each).
   * @default 5000
   */
  batchSize?: number
  /**
   * Minutes between two aggregation runs; fractions are allowed (`0.5` = 30 s, at least 1 s).
   * Every instance upserts the same BullMQ job scheduler at start, so the instance started
   * last sets the interval of the whole deployment.
   * @default 5
   */
  intervalMinutes?: number
  /**
   * Where the aggregation worker runs. `inline`: inside every Payload server (each instance
   * takes its turn; one run at a time across all of them). `external`: the Payload servers
   * only schedule the jobs, and `npx payload-analytics worker` runs them in a process of its
   * own. Without Redis there is nothing to share, so the Payload server always runs the
   * aggregation itself (an in-process timer).
   * @default 'inline'
   */
  worker?: 'external' | 'inline'
}

export interface RateLimitOptions {
  /** Accepted events per window. */
  limit: number
  /** Window length in seconds. */
  windowSeconds: number
}

/** The owner of a default-settings row: the whole installation, or one tenant. */
export type DefaultsOwner = { scope: 'global'; tenant: null } | { scope: 'tenant'; tenant: number | string }

export interface IngestOptions {
  /**
   * Tell anonymous clients why a tracking request was not counted (unknown site, tracking
   * off, hostname not allowed, excluded path, bot…). Off, every such request gets the same
   * `202` with `x-analytics-dropped: ignored`, so strangers learn nothing about which sites
   * exist or how they are set up; the reasons stay in the metrics and on each site's
   * Analytics tab (recent rejections).
   * @default true unless NODE_ENV is 'production'
   */
  explainRejections?: boolean
  /**
   * Trusted headers with the visitor's country (ISO alpha-2), checked in order — e.g.
   * `['cf-ipcountry']` behind Cloudflare. Only list headers your CDN sets: clients can send any header.
   * @default []
   */
  countryHeaders?: string[]
  /**
   * Path to a local MaxMind-format database (GeoLite2-Country `.mmdb`) for the country when
   * no header gives it. Read locally; never a remote call. Without it, and without
   * `countryHeaders`, the IP-to-country database shipped with the plugin is used
   * (`@ip-location-db/geo-whois-asn-country-mmdb`, data CC BY 4.0 by the NRO).
   * @default undefined
   */
  geoipDatabase?: string
  /**
   * Single-IP headers your proxy sets on every request, overwriting any the client sent (e.g.
   * `['cf-connecting-ip']` behind Cloudflare, `['x-real-ip']` behind an nginx that sets it). A listed
   * header is believed whatever `trustProxy` says, so list only one your proxy always overwrites.
   * @default []
   */
  ipHeaders?: string[]
  /**
   * Rate limits, counted in Redis across instances.
   * @default { perSite: { limit: 100000, windowSeconds: 60 }, perClient: { limit: 300, windowSeconds: 60 } }
   */
  rateLimits?: { perClient?: RateLimitOptions; perSite?: RateLimitOptions }
  /**
   * Minutes of inactivity that end a visit.
   * @default 30
   */
  sessionIdleMinutes?: number
  /**
   * Whether to trust X-Forwarded-For (never the single-IP headers: see `ipHeaders`): `true` (the left-most address is the
   * client), a number of proxy hops in front of the app, or `false`. Under Next.js the peer
   * address itself comes from X-Forwarded-For (set by Next or your proxy), as Next exposes no socket.
   * @default false
   */
  trustProxy?: boolean | number
}

export interface FormSubmissionsOptions {
  /**
   * Slug of the form-builder's submissions collection.
   * @default 'form-submissions'
   */
  collection?: string
  /**
   * The site a submission belongs to; `null` records nothing.
   * @default the submission's `site` field, else its form's `site` field
   */
  siteId?: (args: { doc: Record<string, unknown>; req: PayloadRequest }) => null | number | Promise<null | number | string> | string
}

export interface MetricsOptions {
  /**
   * Serve `GET /api/analytics/metrics` without a token (e.g. when only a private network
   * reaches the app). Without it and without a token, the endpoint answers 401.
   * @default false
   */
  public?: boolean
  /**
   * Label `analytics_events_total` with `tenant` and `site`. Turn off for very large
   * portfolios: each site adds one series per event type to the Prometheus server.
   * @default true
   */
  siteLabels?: boolean
  /**
   * Bearer token Prometheus must send (`Authorization: Bearer <token>`) to read the metrics.
   * @default process.env.ANALYTICS_METRICS_TOKEN
   */
  token?: string
}

/** Who may do what, per site (see `mayAct`). Each receives the request, its user and the site id. */
export interface AccessOptions {
  /**
   * Erase a site's analytics data (REST, the site tab's button).
   * @default whoever may update the site
   */
  erase?: ActionAccess
  /**
   * Export analytics (REST, the dashboard's Export button, the CLI with `--as`).
   * @default whoever may read the site
   */
  export?: ActionAccess
  /**
   * Create, change and delete scheduled reports covering the site (REST, admin, Local API with `overrideAccess: false`).
   * @default whoever may update the site
   */
  manageReports?: ActionAccess
  /**
   * Connect data sources and imports of the site (for the features that add them).
   * @default whoever may update the site
   */
  manageSources?: ActionAccess
}

/** Google Search Console: the OAuth client of the host's Google Cloud project. */
export interface GoogleSourceOptions {
  /** The OAuth client's id (type "Web application"). */
  clientId: string
  /** The OAuth client's secret. */
  clientSecret: string
  /**
   * Google's endpoints, replaceable for a proxy or a test server.
   * @default { authUrl: 'https://accounts.google.com/o/oauth2/v2/auth', tokenUrl: 'https://oauth2.googleapis.com/token', apiUrl: 'https://www.googleapis.com/webmasters/v3' }
   */
  endpoints?: { apiUrl?: string; authUrl?: string; tokenUrl?: string }
  /**
   * Requests per minute per property, under Google's per-site quota (1,200 a minute).
   * @default 600
   */
  requestsPerMinute?: number
}

/** External sources: Google Search Console, Matomo, the Plausible Stats API. */
export interface SourcesOptions {
  /**
   * Key material for the connections' credentials (AES-256-GCM, key derived with HKDF).
   * Changing it makes stored credentials unreadable (reconnect them).
   * @default the Payload `secret`
   */
  encryptionKey?: string
  /** Google Search Console's OAuth client; without it GSC connections cannot be made. */
  google?: GoogleSourceOptions
  /**
   * Plausible Stats API requests per hour per connection (Plausible allows 600).
   * @default 500
   */
  plausibleRequestsPerHour?: number
  /**
   * UTC time of day (HH:MM) of the nightly run over every site with a source.
   * @default '02:00'
   */
  runAt?: string
}

export interface AnalyticsPluginOptions {
  /**
   * Role-aware access per action and site.
   * @default read the site to export it; update it to erase, manage reports or sources
   */
  access?: AccessOptions
  /**
   * Who may read and edit default settings: the global row (`scope: 'global'`, `tenant: null`)
   * or one tenant's row (`scope: 'tenant'` and its id). Per-site settings follow the site:
   * whoever may update the site may change its analytics settings, whoever may read it may read them.
   * @default a user whose `roles` include `super-admin` or `admin`, for every default row
   */
  canManageDefaults?: (args: DefaultsOwner & { req: PayloadRequest; user: TypedUser }) => boolean | Promise<boolean>
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
     * IANA time zone of every site without one of its own (tenant or site settings): daily
     * figures are the site's local days, monthly figures its local months. Raw events keep
     * UTC timestamps.
     * @default 'UTC'
     */
    timeZone?: string
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
   * The aggregation job: buffer → raw events → daily statistics, every few minutes.
   * @default { intervalMinutes: 5, worker: 'inline', batchSize: 5000 }
   */
  aggregation?: AggregationOptions
  /**
   * `false` keeps the collections (so the database schema stays stable) and skips the
   * endpoints, jobs and admin views.
   * @default true
   */
  enabled?: boolean
  /**
   * Record a `form.submit` event when @payloadcms/plugin-form-builder stores a submission.
   * `siteId` tells which site a submission belongs to (by default its `site` field, or its
   * form's). `false` turns it off.
   * @default { collection: 'form-submissions' } when that collection exists
   */
  formSubmissions?: false | FormSubmissionsOptions
  /** How tracking requests are handled. */
  ingest?: IngestOptions
  /**
   * The Prometheus endpoint `GET /api/analytics/metrics`, guarded by a bearer token.
   * @default { token: process.env.ANALYTICS_METRICS_TOKEN, public: false, siteLabels: true }
   */
  metrics?: MetricsOptions
  /**
   * Changes to the generated collections (and to the minimal sites collection, when the
   * plugin adds it).
   * @default {}
   */
  overrides?: {
    /** The read-only audit log (admins only by default: change `access.read` here). */
    auditLog?: CollectionOverride
    dailyStats?: CollectionOverride
    events?: CollectionOverride
    /** The hidden monthly rollup of the daily stats (breakdowns over long ranges read it). */
    monthlyStats?: CollectionOverride
    /** Scheduled reports. */
    reports?: CollectionOverride
    settings?: CollectionOverride
    sites?: CollectionOverride
    /** Connections to external sources. */
    sources?: CollectionOverride
  }
  /**
   * Redis connection URL for the event buffer, the job queue and the stats cache. Without
   * one, a single instance uses an in-process buffer and scheduler (development only).
   * @default process.env.REDIS_URL
   */
  redisUrl?: string
  /**
   * Prefix of every Redis key and channel the plugin uses, so several apps can share a Redis.
   * @default 'analytics:'
   */
  redisKeyPrefix?: string
  /** Scheduled reports and traffic alerts. */
  reports?: ReportsOptions
  /** How long data is kept. */
  retention?: RetentionOptions
  /**
   * Public origin of this Payload server as tenant sites reach it, used in the tracking
   * snippet (`<script src="{scriptOrigin}/api/analytics/script.js">`).
   * @default the Payload config's `serverURL`
   */
  scriptOrigin?: string
  /** Where the tracked websites live. */
  sites?: SitesOptions
  /** External sources (Search Console, Matomo, Plausible's Stats API) and their nightly run. */
  sources?: SourcesOptions
}

/** Options with every default applied, resolved once by `analyticsPlugin`. */
export interface SanitizedAnalyticsConfig {
  /** The host's rules; an absent one means the default (`mayAct`). */
  access: AccessOptions
  aggregation: {
    batchSize: number
    /** `intervalMinutes` in whole milliseconds (≥ 1000). */
    intervalMs: number
    worker: 'external' | 'inline'
  }
  canManageDefaults: NonNullable<AnalyticsPluginOptions['canManageDefaults']>
  defaults: Required<NonNullable<AnalyticsPluginOptions['defaults']>>
  enabled: boolean
  formSubmissions: null | Required<FormSubmissionsOptions>
  ingest: ResolvedIngestOptions
  metrics: {
    public: boolean
    siteLabels: boolean
    /** Null when none is configured (then the endpoint answers 401 unless `public`). */
    token: null | string
  }
  overrides: NonNullable<AnalyticsPluginOptions['overrides']>
  redisKeyPrefix: string
  redisUrl: null | string
  reports: Required<ReportsOptions>
  retention: Required<RetentionOptions>
  /** The host's REST route prefix, usually `/api`. */
  apiRoute: string
  /** Origin in the tracking snippet; empty when unknown (then the snippet is relative). */
  scriptOrigin: string
  sites: {
    collection: CollectionSlug
    domainField: string
    /**
     * Kind of the sites' ids (`number`: serial or custom number ids; `text`: uuid or custom
     * text ids): the type of the raw events' plain `site` column.
     */
    idType: IdType
    /** True when the host had no sites collection and the plugin added its own. */
    pluginOwned: boolean
    tenantField: string
  }
  sources: {
    /** The resolved key material (never logged). */
    encryptionKey: string
    google: null | { apiUrl: string; authUrl: string; clientId: string; clientSecret: string; requestsPerMinute: number; tokenUrl: string }
    plausibleRequestsPerHour: number
    runAt: string
  }
  /** Slugs are typed as the host's `CollectionSlug` so the code type-checks in hosts with generated types. */
  slugs: {
    alerts: CollectionSlug
    apiKeys: CollectionSlug
    auditLog: CollectionSlug
    dailyStats: CollectionSlug
    events: CollectionSlug
    importedStats: CollectionSlug
    imports: CollectionSlug
    monthlyStats: CollectionSlug
    reportDeliveries: CollectionSlug
    reports: CollectionSlug
    salts: CollectionSlug
    searchStats: CollectionSlug
    settings: CollectionSlug
    sites: CollectionSlug
    sources: CollectionSlug
    visits: CollectionSlug
  }
  /** Slug of the tenants collection, or null when sites have no tenant. */
  tenantsCollection: CollectionSlug | null
  /** Kind of the tenants' ids (the raw events' plain `tenant` column); null without tenancy. */
  tenantIdType: IdType | null
  /** The admin's auth collection (`admin.user`): API keys belong to its users. */
  usersCollection: CollectionSlug
}

/** How a collection's ids are stored: numbers (serial or custom number ids) or text (uuid, custom text ids). */
export type IdType = 'number' | 'text'
