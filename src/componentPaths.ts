import { PACKAGE_NAME } from './constants.js'

/** Component paths the plugin puts in the host's config, so its import map must hold each (`payload generate:importmap`). */
export const componentPaths = {
  analyticsView: `${PACKAGE_NAME}/rsc#AnalyticsView`,
  dashboardWidget: `${PACKAGE_NAME}/rsc#DashboardWidget`,
  googleConnect: `${PACKAGE_NAME}/client#GoogleConnect`,
  navLink: `${PACKAGE_NAME}/client#AnalyticsNavLink`,
  pipelineNotice: `${PACKAGE_NAME}/rsc#PipelineNotice`,
  reportActions: `${PACKAGE_NAME}/rsc#ReportActions`,
  shareDashboard: `${PACKAGE_NAME}/rsc#ShareDashboard`,
  shareLinkField: `${PACKAGE_NAME}/client#ShareLinkField`,
  siteAnalyticsTab: `${PACKAGE_NAME}/rsc#SiteAnalyticsTab`,
  sourcesView: `${PACKAGE_NAME}/rsc#SourcesView`,
} as const
