import { postgresAdapter } from '@payloadcms/db-postgres'
import { multiTenantPlugin } from '@payloadcms/plugin-multi-tenant'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildConfig, type CollectionConfig, type Config, type SanitizedConfig } from 'payload'
import { analyticsPlugin, type AnalyticsPluginOptions } from 'payload-plugin-analytics'

import { Sites } from './collections/Sites.js'
import { Tenants } from './collections/Tenants.js'
import { Users } from './collections/Users.js'
import { migrations } from './migrations/index.js'
import { seedIfEmpty } from './seed.js'
import { smtpEmailAdapter } from './smtpEmail.js'

const dirname = path.dirname(fileURLToPath(import.meta.url))

export interface DevConfigOptions {
  analytics?: AnalyticsPluginOptions
  databaseUri: string
  /** Push the schema from the config (development) instead of running migrations. */
  push?: boolean
  /** Seed demo tenants, sites and users into an empty database on start. */
  seed?: boolean
  /** Extra collections of the host (before the plugins run), e.g. a test's own. */
  collections?: CollectionConfig[]
  /** Extra plugins after ours, e.g. a test's own. */
  plugins?: Config['plugins']
  /** Ids of every collection: serial numbers (the default) or uuids (tests of text ids). */
  idType?: 'serial' | 'uuid'
  /** SMTP server for email (`smtp://host:port`). @default process.env.SMTP_URL; none: Payload's console email */
  smtpUrl?: string
}

type DevUser = { roles?: null | string[]; tenants?: Array<{ tenant: unknown }> | null }

const idOf = (value: unknown): unknown => (value !== null && typeof value === 'object' && 'id' in value ? (value as { id: unknown }).id : value)

/**
 * Who manages analytics defaults in the dev app: a super-admin every row; a tenant manager
 * the defaults of the tenants they belong to (never the global row).
 */
const canManageDefaults: NonNullable<AnalyticsPluginOptions['canManageDefaults']> = ({ scope, tenant, user }) => {
  const { roles, tenants } = user as DevUser
  if (roles?.includes('super-admin')) return true
  return scope === 'tenant' && Boolean(roles?.includes('tenant-manager')) && Boolean(tenants?.some((row) => String(idOf(row.tenant)) === String(tenant)))
}

/**
 * Ingestion rate limits from the environment, for the dev app only (read once, at load):
 * `ANALYTICS_RATE_LIMIT_PER_CLIENT` and `ANALYTICS_RATE_LIMIT_PER_SITE`, in accepted events
 * per 60 s. `npm run bench:ingest` raises them, since all its traffic comes from one client
 * and one site; unset, the plugin's defaults apply (300 per client, 100,000 per site).
 * Limits given in `options.analytics.ingest.rateLimits` (the tests') win over these.
 */
const envRateLimit = (name: string): undefined | { limit: number; windowSeconds: number } => {
  const value = process.env[name]
  if (!value) return undefined
  const limit = Number(value)
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`${name} must be a positive whole number of events per minute, got "${value}"`)
  return { limit, windowSeconds: 60 }
}
const ENV_RATE_LIMITS = {
  perClient: envRateLimit('ANALYTICS_RATE_LIMIT_PER_CLIENT'),
  perSite: envRateLimit('ANALYTICS_RATE_LIMIT_PER_SITE'),
}

/**
 * `ANALYTICS_TRUST_PROXY` (dev app only): the number of proxy hops in front of the app whose
 * `X-Forwarded-For` is trusted. The browser tests set it to 1 to play many visitors from one
 * machine, as a load balancer in front of the app would report them.
 */
const envTrustProxy = (): number | undefined => {
  const value = process.env.ANALYTICS_TRUST_PROXY
  if (!value) return undefined
  const hops = Number(value)
  if (!Number.isInteger(hops) || hops < 0) throw new Error(`ANALYTICS_TRUST_PROXY must be a whole number of proxy hops, got "${value}"`)
  return hops
}
const ENV_TRUST_PROXY = envTrustProxy()

/**
 * `ANALYTICS_EXPORT_ROLES` (dev app only): comma-separated roles whose users may export (the
 * `access.export` option); unset, whoever may read a site may export it (the plugin's default).
 * The browser tests set `super-admin,tenant-manager`, so the plain editor reads but does not export.
 */
const ENV_EXPORT_ROLES = process.env.ANALYTICS_EXPORT_ROLES?.split(',').map((role) => role.trim()).filter(Boolean)
const envExportAccess: NonNullable<AnalyticsPluginOptions['access']>['export'] = ENV_EXPORT_ROLES
  ? ({ user }) => Boolean((user as DevUser).roles?.some((role) => ENV_EXPORT_ROLES.includes(role)))
  : undefined

/**
 * Search Console in the dev app from the environment (read when the config is built):
 * `ANALYTICS_GOOGLE_CLIENT_ID` and `ANALYTICS_GOOGLE_CLIENT_SECRET` (an OAuth client of type
 * "Web application"), and `ANALYTICS_GOOGLE_ENDPOINT`, the origin of a stand-in for Google's
 * token, consent and Search Console endpoints (the browser tests' local fake). Unset: none.
 */
const envGoogle = (): NonNullable<AnalyticsPluginOptions['sources']>['google'] => {
  const { ANALYTICS_GOOGLE_CLIENT_ID: clientId, ANALYTICS_GOOGLE_CLIENT_SECRET: clientSecret, ANALYTICS_GOOGLE_ENDPOINT: endpoint } = process.env
  if (!clientId || !clientSecret) return undefined
  return { clientId, clientSecret, endpoints: endpoint ? { apiUrl: endpoint, authUrl: `${endpoint}/auth`, tokenUrl: `${endpoint}/token` } : undefined }
}

/** The analytics options with the environment's rate limits and proxy trust under the caller's. */
const withEnvIngest = (analytics: AnalyticsPluginOptions = {}): AnalyticsPluginOptions => {
  if (!ENV_RATE_LIMITS.perClient && !ENV_RATE_LIMITS.perSite && ENV_TRUST_PROXY === undefined) return analytics
  const rateLimits = analytics.ingest?.rateLimits
  return {
    ...analytics,
    ingest: {
      ...analytics.ingest,
      rateLimits: { perClient: rateLimits?.perClient ?? ENV_RATE_LIMITS.perClient, perSite: rateLimits?.perSite ?? ENV_RATE_LIMITS.perSite },
      trustProxy: analytics.ingest?.trustProxy ?? ENV_TRUST_PROXY,
    },
  }
}

/**
 * The dev app's config: a host project as a Payload developer would write it, with the
 * multi-tenant plugin scoping sites to tenants and the analytics plugin after it.
 * Shared by `npm run dev`, the production build and the integration tests.
 */
export function buildDevConfig(options: DevConfigOptions): Promise<SanitizedConfig> {
  return buildConfig({
    admin: {
      avatar: 'default',
      importMap: { baseDir: dirname, importMapFile: path.resolve(dirname, 'app/(payload)/admin/importMap.js') },
      user: Users.slug,
    },
    // Fresh copies: plugins add fields to collections, so one config object per build.
    collections: [Users, Tenants, Sites, ...(options.collections ?? [])].map((collection) => ({ ...collection, fields: [...collection.fields] })),
    email: (options.smtpUrl ?? process.env.SMTP_URL) ? smtpEmailAdapter((options.smtpUrl ?? process.env.SMTP_URL)!) : undefined,
    db: postgresAdapter({
      idType: options.idType ?? 'serial',
      migrationDir: path.resolve(dirname, 'migrations'),
      pool: { connectionString: options.databaseUri },
      prodMigrations: migrations,
      push: options.push ?? process.env.NODE_ENV !== 'production',
    }),
    onInit: async (payload) => {
      if (options.seed) await seedIfEmpty(payload)
    },
    plugins: [
      multiTenantPlugin({
        collections: { sites: {} },
        tenantsSlug: Tenants.slug,
        userHasAccessToAllTenants: (user) => Boolean((user as DevUser | null)?.roles?.includes('super-admin')),
      }),
      analyticsPlugin({
        canManageDefaults,
        defaults: { allowedHostnames: ['localhost'] },
        ...withEnvIngest(options.analytics),
        access: { export: envExportAccess, ...options.analytics?.access },
        sources: { google: envGoogle(), ...options.analytics?.sources },
      }),
      ...(options.plugins ?? []),
    ],
    secret: process.env.PAYLOAD_SECRET || 'dev-only-secret-change-me',
    telemetry: false,
    typescript: {
      autoGenerate: process.env.NODE_ENV === 'development',
      outputFile: path.resolve(dirname, 'payload-types.ts'),
    },
  })
}
