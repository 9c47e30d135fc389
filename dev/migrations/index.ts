import * as migration_20261121_224806_initial from './20261121_224806_initial.js';
import * as migration_20261121_231218_analytics_salts from './20261121_231218_analytics_salts.js';
import * as migration_20261122_012023_events_plain_site_columns from './20261122_012023_events_plain_site_columns.js';
import * as migration_20261122_020545_stats_index from './20261122_020545_stats_index.js';
import * as migration_20261122_023019_monthly_stats from './20261122_023019_monthly_stats.js';
import * as migration_20261204_115207_site_time_zone from './20261204_115207_site_time_zone.js';

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
    up: migration_20261204_115207_site_time_zone.up,
    down: migration_20261204_115207_site_time_zone.down,
    name: '20261204_115207_site_time_zone'
  },
];
