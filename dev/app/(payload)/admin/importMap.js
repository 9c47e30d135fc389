import { WatchTenantCollection as WatchTenantCollection_1d0591e3cf4f332c83a86da13a0de59a } from '@payloadcms/plugin-multi-tenant/client'
import { TenantField as TenantField_1d0591e3cf4f332c83a86da13a0de59a } from '@payloadcms/plugin-multi-tenant/client'
import { AssignTenantFieldTrigger as AssignTenantFieldTrigger_1d0591e3cf4f332c83a86da13a0de59a } from '@payloadcms/plugin-multi-tenant/client'
import { SiteAnalyticsTab as SiteAnalyticsTab_8d8d3356eacd586ac1408356f6301c94 } from 'payload-plugin-analytics/rsc'
import { PipelineNotice as PipelineNotice_8d8d3356eacd586ac1408356f6301c94 } from 'payload-plugin-analytics/rsc'
import { ShareLinkField as ShareLinkField_f9ad670e448cdd131b2b017d48defb43 } from 'payload-plugin-analytics/client'
import { ReportActions as ReportActions_8d8d3356eacd586ac1408356f6301c94 } from 'payload-plugin-analytics/rsc'
import { GoogleConnect as GoogleConnect_f9ad670e448cdd131b2b017d48defb43 } from 'payload-plugin-analytics/client'
import { AnalyticsNavLink as AnalyticsNavLink_f9ad670e448cdd131b2b017d48defb43 } from 'payload-plugin-analytics/client'
import { DashboardWidget as DashboardWidget_8d8d3356eacd586ac1408356f6301c94 } from 'payload-plugin-analytics/rsc'
import { TenantSelector as TenantSelector_d6d5f193a167989e2ee7d14202901e62 } from '@payloadcms/plugin-multi-tenant/rsc'
import { TenantSelectionProvider as TenantSelectionProvider_d6d5f193a167989e2ee7d14202901e62 } from '@payloadcms/plugin-multi-tenant/rsc'
import { AnalyticsView as AnalyticsView_8d8d3356eacd586ac1408356f6301c94 } from 'payload-plugin-analytics/rsc'
import { SourcesView as SourcesView_8d8d3356eacd586ac1408356f6301c94 } from 'payload-plugin-analytics/rsc'
import { ShareDashboard as ShareDashboard_8d8d3356eacd586ac1408356f6301c94 } from 'payload-plugin-analytics/rsc'
import { CollectionCards as CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1 } from '@payloadcms/next/rsc'

/** @type import('payload').ImportMap */
export const importMap = {
  "@payloadcms/plugin-multi-tenant/client#WatchTenantCollection": WatchTenantCollection_1d0591e3cf4f332c83a86da13a0de59a,
  "@payloadcms/plugin-multi-tenant/client#TenantField": TenantField_1d0591e3cf4f332c83a86da13a0de59a,
  "@payloadcms/plugin-multi-tenant/client#AssignTenantFieldTrigger": AssignTenantFieldTrigger_1d0591e3cf4f332c83a86da13a0de59a,
  "payload-plugin-analytics/rsc#SiteAnalyticsTab": SiteAnalyticsTab_8d8d3356eacd586ac1408356f6301c94,
  "payload-plugin-analytics/rsc#PipelineNotice": PipelineNotice_8d8d3356eacd586ac1408356f6301c94,
  "payload-plugin-analytics/client#ShareLinkField": ShareLinkField_f9ad670e448cdd131b2b017d48defb43,
  "payload-plugin-analytics/rsc#ReportActions": ReportActions_8d8d3356eacd586ac1408356f6301c94,
  "payload-plugin-analytics/client#GoogleConnect": GoogleConnect_f9ad670e448cdd131b2b017d48defb43,
  "payload-plugin-analytics/client#AnalyticsNavLink": AnalyticsNavLink_f9ad670e448cdd131b2b017d48defb43,
  "payload-plugin-analytics/rsc#DashboardWidget": DashboardWidget_8d8d3356eacd586ac1408356f6301c94,
  "@payloadcms/plugin-multi-tenant/rsc#TenantSelector": TenantSelector_d6d5f193a167989e2ee7d14202901e62,
  "@payloadcms/plugin-multi-tenant/rsc#TenantSelectionProvider": TenantSelectionProvider_d6d5f193a167989e2ee7d14202901e62,
  "payload-plugin-analytics/rsc#AnalyticsView": AnalyticsView_8d8d3356eacd586ac1408356f6301c94,
  "payload-plugin-analytics/rsc#SourcesView": SourcesView_8d8d3356eacd586ac1408356f6301c94,
  "payload-plugin-analytics/rsc#ShareDashboard": ShareDashboard_8d8d3356eacd586ac1408356f6301c94,
  "@payloadcms/next/rsc#CollectionCards": CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1
}
