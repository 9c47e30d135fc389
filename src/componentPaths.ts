import { PACKAGE_NAME } from './constants.js'

/** Component paths as the host's import map knows them (`payload generate:importmap`). */
export const componentPaths = {
  analyticsView: `${PACKAGE_NAME}/rsc#AnalyticsView`,
  copyButton: `${PACKAGE_NAME}/client#CopyButton`,
  dashboardWidget: `${PACKAGE_NAME}/rsc#DashboardWidget`,
  navLink: `${PACKAGE_NAME}/client#AnalyticsNavLink`,
  pipelineNotice: `${PACKAGE_NAME}/rsc#PipelineNotice`,
  shareDashboard: `${PACKAGE_NAME}/rsc#ShareDashboard`,
  shareLinkField: `${PACKAGE_NAME}/client#ShareLinkField`,
  siteAnalyticsTab: `${PACKAGE_NAME}/rsc#SiteAnalyticsTab`,
} as const
