import * as migration_20261121_224806_initial from './20261121_224806_initial.js';
import * as migration_20261121_231218_analytics_salts from './20261121_231218_analytics_salts.js';
import * as migration_20261122_012023_events_plain_site_columns from './20261122_012023_events_plain_site_columns.js';
import * as migration_20261122_020545_stats_index from './20261122_020545_stats_index.js';
import * as migration_20261122_023019_monthly_stats from './20261122_023019_monthly_stats.js';
import * as migration_20261204_114750_tenant_isolation from './20261204_114750_tenant_isolation.js';
import * as migration_20261204_115123_audit_log from './20261204_115123_audit_log.js';
import * as migration_20261204_115207_site_time_zone from './20261204_115207_site_time_zone.js';
import * as migration_20261204_121348_reports from './20261204_121348_reports.js';
import * as migration_20261204_122410_engagement from './20261204_122410_engagement.js';
import * as migration_20261204_122505_alerts from './20261204_122505_alerts.js';
import * as migration_20261204_145210_imports from './20261204_145210_imports.js';
import * as migration_20261204_150212_tenant_branding from './20261204_150212_tenant_branding.js';
import * as migration_20261204_150513_api_keys from './20261204_150513_api_keys.js';
import * as migration_20261204_151237_explore_goals_funnels from './20261204_151237_explore_goals_funnels.js';
import * as migration_20261204_153254_sources from './20261204_153254_sources.js';
import * as migration_20261204_160627_merged_schema from './20261204_160627_merged_schema.js';
import * as migration_20261204_182655_revenue from './20261204_182655_revenue.js';
import * as migration_20261204_183600_goal_rollups from './20261204_183600_goal_rollups.js';
import * as migration_20261204_205400_merged_revenue_goals from './20261204_205400_merged_revenue_goals.js';
import * as migration_20261204_213336_visits from './20261204_213336_visits.js';
import * as migration_20261204_213644_pruned_breakdown_indexes from './20261204_213644_pruned_breakdown_indexes.js';
import * as migration_20261204_213815_prop_and_goal_revenue_rollups from './20261204_213815_prop_and_goal_revenue_rollups.js';
import * as migration_20261204_221556_merged_prune_props from './20261204_221556_merged_prune_props.js';
import * as migration_20261204_221909_merged_visits from './20261204_221909_merged_visits.js';
import * as migration_20261205_051009_visit_pages from './20261205_051009_visit_pages.js';

export const migrations = [
  {
    up: migration_20261121_224806_initial.up,
    down: migration_20261121_224806_initial.down,
    name: '20261121_224806_initial',
  },
  {
    up: migration_20261121_231218_analytics_salts.up,
    down: migration_20261121_231218_analytics_salts.down,
    name: '20261121_231218_analytics_salts',
  },
  {
    up: migration_20261122_012023_events_plain_site_columns.up,
    down: migration_20261122_012023_events_plain_site_columns.down,
    name: '20261122_012023_events_plain_site_columns',
  },
  {
    up: migration_20261122_020545_stats_index.up,
    down: migration_20261122_020545_stats_index.down,
    name: '20261122_020545_stats_index',
  },
  {
    up: migration_20261122_023019_monthly_stats.up,
    down: migration_20261122_023019_monthly_stats.down,
    name: '20261122_023019_monthly_stats',
  },
  {
    up: migration_20261204_114750_tenant_isolation.up,
    down: migration_20261204_114750_tenant_isolation.down,
    name: '20261204_114750_tenant_isolation',
  },
  {
    up: migration_20261204_115123_audit_log.up,
    down: migration_20261204_115123_audit_log.down,
    name: '20261204_115123_audit_log',
  },
  {
    up: migration_20261204_115207_site_time_zone.up,
    down: migration_20261204_115207_site_time_zone.down,
    name: '20261204_115207_site_time_zone',
  },
  {
    up: migration_20261204_121348_reports.up,
    down: migration_20261204_121348_reports.down,
    name: '20261204_121348_reports',
  },
  {
    up: migration_20261204_122410_engagement.up,
    down: migration_20261204_122410_engagement.down,
    name: '20261204_122410_engagement',
  },
  {
    up: migration_20261204_122505_alerts.up,
    down: migration_20261204_122505_alerts.down,
    name: '20261204_122505_alerts',
  },
  {
    up: migration_20261204_145210_imports.up,
    down: migration_20261204_145210_imports.down,
    name: '20261204_145210_imports',
  },
  {
    up: migration_20261204_150212_tenant_branding.up,
    down: migration_20261204_150212_tenant_branding.down,
    name: '20261204_150212_tenant_branding',
  },
  {
    up: migration_20261204_150513_api_keys.up,
    down: migration_20261204_150513_api_keys.down,
    name: '20261204_150513_api_keys',
  },
  {
    up: migration_20261204_151237_explore_goals_funnels.up,
    down: migration_20261204_151237_explore_goals_funnels.down,
    name: '20261204_151237_explore_goals_funnels',
  },
  {
    up: migration_20261204_153254_sources.up,
    down: migration_20261204_153254_sources.down,
    name: '20261204_153254_sources',
  },
  {
    up: migration_20261204_160627_merged_schema.up,
    down: migration_20261204_160627_merged_schema.down,
    name: '20261204_160627_merged_schema',
  },
  {
    up: migration_20261204_182655_revenue.up,
    down: migration_20261204_182655_revenue.down,
    name: '20261204_182655_revenue',
  },
  {
    up: migration_20261204_183600_goal_rollups.up,
    down: migration_20261204_183600_goal_rollups.down,
    name: '20261204_183600_goal_rollups',
  },
  {
    up: migration_20261204_205400_merged_revenue_goals.up,
    down: migration_20261204_205400_merged_revenue_goals.down,
    name: '20261204_205400_merged_revenue_goals',
  },
  {
    up: migration_20261204_213336_visits.up,
    down: migration_20261204_213336_visits.down,
    name: '20261204_213336_visits',
  },
  {
    up: migration_20261204_213644_pruned_breakdown_indexes.up,
    down: migration_20261204_213644_pruned_breakdown_indexes.down,
    name: '20261204_213644_pruned_breakdown_indexes',
  },
  {
    up: migration_20261204_213815_prop_and_goal_revenue_rollups.up,
    down: migration_20261204_213815_prop_and_goal_revenue_rollups.down,
    name: '20261204_213815_prop_and_goal_revenue_rollups',
  },
  {
    up: migration_20261204_221556_merged_prune_props.up,
    down: migration_20261204_221556_merged_prune_props.down,
    name: '20261204_221556_merged_prune_props',
  },
  {
    up: migration_20261204_221909_merged_visits.up,
    down: migration_20261204_221909_merged_visits.down,
    name: '20261204_221909_merged_visits',
  },
  {
    up: migration_20261205_051009_visit_pages.up,
    down: migration_20261205_051009_visit_pages.down,
    name: '20261205_051009_visit_pages'
  },
];
