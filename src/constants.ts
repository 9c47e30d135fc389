/** The admin group every analytics collection is listed under. */
export const ADMIN_GROUP = 'Analytics'

/** Default collection slugs. Hosts may rename them through `overrides.<name>.slug`. */
export const DEFAULT_SLUGS = {
  alerts: 'analytics-alerts',
  apiKeys: 'analytics-api-keys',
  auditLog: 'analytics-audit-log',
  dailyStats: 'analytics-daily-stats',
  events: 'analytics-events',
  importedStats: 'analytics-imported-stats',
  imports: 'analytics-imports',
  monthlyStats: 'analytics-monthly-stats',
  reportDeliveries: 'analytics-report-deliveries',
  reports: 'analytics-reports',
  salts: 'analytics-salts',
  searchStats: 'analytics-search-stats',
  settings: 'analytics-settings',
  sites: 'sites',
  sources: 'analytics-sources',
  visits: 'analytics-visits',
} as const

/** Where the plugin's REST endpoints live, below the host's `routes.api` (usually `/api`). */
export const ENDPOINT_PREFIX = '/analytics'

/** Where Plausible's trackers send events (`POST /api/event`), below the host's `routes.api`. */
export const PLAUSIBLE_EVENT_PATH = '/event'

/** The package name, used in component paths for the host's import map. */
export const PACKAGE_NAME = 'payload-plugin-analytics'

/** Admin path of the Analytics view. */
export const ANALYTICS_VIEW_PATH = '/analytics'

/** Admin path of Analytics → Sources: the connections, their sites and last runs. */
export const SOURCES_VIEW_PATH = '/analytics/sources'

/**
 * Admin path prefix of the public, read-only dashboard of a share link. A prefix, not
 * `/analytics/share/:token`: Payload lets anonymous visitors into custom views whose path
 * is a plain prefix of the URL, and a `:token` pattern is not one.
 */
export const SHARE_VIEW_PATH = '/analytics/share'

/** Where a share token opens the read-only dashboard (below the admin route). */
export const sharePath = (token: string): `/${string}` => `${SHARE_VIEW_PATH}/${encodeURIComponent(token)}`

/** Path of a site document's Analytics tab, below the document's admin URL. */
export const SITE_TAB_PATH = '/analytics'

/** Where a Search Console connection is sent to Google's consent screen (below the host's `routes.api`). */
export const googleConnectPath = (sourceId: number | string): string => `${ENDPOINT_PREFIX}/sources/${encodeURIComponent(String(sourceId))}/google/connect`
