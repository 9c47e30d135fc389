/** The admin group every analytics collection is listed under. */
export const ADMIN_GROUP = 'Analytics'

/** Default collection slugs. Hosts may rename them through `overrides.<name>.slug`. */
export const DEFAULT_SLUGS = {
  dailyStats: 'analytics-daily-stats',
  events: 'analytics-events',
  salts: 'analytics-salts',
  settings: 'analytics-settings',
  sites: 'sites',
} as const

/** Where the plugin's REST endpoints live, below the host's `routes.api` (usually `/api`). */
export const ENDPOINT_PREFIX = '/analytics'

/** The package name, used in component paths for the host's import map. */
export const PACKAGE_NAME = 'payload-plugin-analytics'
