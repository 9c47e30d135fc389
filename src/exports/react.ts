export { AnalyticsScript, type AnalyticsScriptProps } from '../../admin/AnalyticsScript/index.js'
