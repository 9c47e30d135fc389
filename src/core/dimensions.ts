/**
 * A daily-stats row is keyed by (site, day, dimension, key). The `total` dimension has the
 * empty key and holds the day's totals; every other dimension is one breakdown of the day.
 */
export const STATS_DIMENSIONS = [
  'total',
  'page',
  'entryPage',
  'exitPage',
  'source',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'country',
  'browser',
  'os',
  'device',
  'event',
  // Revenue per currency (key: the currency) and per custom event and currency (key:
  // `EUR:Purchase`, `eventRevenueKey`): `events` and `visitors` as for `event`, the sum in `revenue`.
  'revenue',
  'eventRevenue',
  // A goal of the site (key: its name): conversions in `events`, converting visitors in
  // `visitors`. Written for the goals in force when the day is recomputed (`jobs/goalRollup.ts`).
  'goal',
  // Revenue of a goal's converting events per currency (key: `EUR:Pro signup`,
  // `goalRevenueKey`): `events`, `visitors` and `revenue` as `eventRevenue`; written with `goal`.
  'goalRevenue',
  // A listed custom property's value (key: `plan:pro`, `propRowKey`; the day's top values of
  // the key): `events`, `pageviews`, `visitors`, `visits` of the events carrying it.
  'prop',
] as const

export type StatsDimension = (typeof STATS_DIMENSIONS)[number]

/** Device classes derived from the user-agent (and the screen width as a hint). */
export const DEVICE_CLASSES = ['desktop', 'mobile', 'tablet', 'other'] as const
export type DeviceClass = (typeof DEVICE_CLASSES)[number]

/** Screen classes from the reported viewport width, as Plausible buckets them. */
export const SCREEN_CLASSES = ['mobile', 'tablet', 'laptop', 'desktop'] as const
export type ScreenClass = (typeof SCREEN_CLASSES)[number]

/**
 * The engagement sums of `page` and `total` rows (definitions: `dailyStats.ts`): time on
 * page = engagedMs / engagedVisits / 1000 (seconds), scroll depth = scrollDepthSum / scrollVisits.
 */
// Engaged time in whole milliseconds: sums of whole numbers stay exact as float8 (the stats
// queries sum in float8), so a range's time on page is the same from daily or monthly rows.
export const ENGAGEMENT_METRICS = ['scrollDepthSum', 'scrollVisits', 'engagedMs', 'engagedVisits'] as const
export type EngagementMetric = (typeof ENGAGEMENT_METRICS)[number]

/** The additive counters every daily-stats row carries. */
export const STATS_METRICS = [
  'pageviews',
  'visitors',
  'visits',
  'bounces',
  'totalDuration',
  'events',
  'leads',
  'forms',
  'exports',
  'automationRuns',
  'aiTokens',
  ...ENGAGEMENT_METRICS,
] as const

export type StatsMetric = (typeof STATS_METRICS)[number]

/**
 * The columns of the daily and monthly rollups: the counters, and `revenue` — the exact
 * (`numeric`) sum of the `revenue`, `eventRevenue` and `goalRevenue` rows, in the currency of their key; 0 on
 * every other row (currencies do not add up, so the `total` row has none).
 */
export const ROLLUP_METRICS = [...STATS_METRICS, 'revenue'] as const
export type RollupMetric = (typeof ROLLUP_METRICS)[number]
