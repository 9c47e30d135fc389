import type { Config } from 'payload'

import { componentPaths } from './componentPaths.js'
import { ANALYTICS_VIEW_PATH, SHARE_VIEW_PATH, SOURCES_VIEW_PATH } from './constants.js'

/**
 * The plugin's places in the host's admin: the Analytics view and its nav link, Analytics →
 * Sources, the public share page, and the widget on the admin home. Existing components are kept (spread first).
 */
export function wireAdmin(admin: Config['admin']): Config['admin'] {
  const components = admin?.components ?? {}
  return {
    ...admin,
    components: {
      ...components,
      afterNavLinks: [...(components.afterNavLinks ?? []), componentPaths.navLink],
      beforeDashboard: [...(components.beforeDashboard ?? []), componentPaths.dashboardWidget],
      views: {
        ...components.views,
        analytics: { Component: componentPaths.analyticsView, exact: true, meta: { title: 'Analytics' }, path: ANALYTICS_VIEW_PATH },
        analyticsSources: { Component: componentPaths.sourcesView, exact: true, meta: { title: 'Sources' }, path: SOURCES_VIEW_PATH },
        analyticsShare: { Component: componentPaths.shareDashboard, meta: { title: 'Shared analytics' }, path: SHARE_VIEW_PATH },
      },
    },
  }
}
