/**
 * The visits table (`AnalyticsVisits`): one row per visit of a site's local day, written by the
 * daily recompute in its own statement (`recomputeDailyStats.ts` hands over its `ev` and `sess`
 * CTEs, so the visits cost no second pass over the raw events), read by filtered stats
 * (`filteredStats.ts`). A visit here is exactly the rollups' visit: same events (engagement
 * reports left out), same first-event attributes, entry / exit page, bounce and duration.
 */
import type { CollectionTable, SqlQuery } from './db.js'

import { MAX_EVENT_VALUE, PAGEVIEW, SUMMED_EVENT_TYPES } from '../core/dailyStats.js'
import { sql } from './db.js'

const a = (alias: string) => sql.identifier(alias)

/** Visit attributes: field of the visits collection → column of the recompute's `sess` CTE. */
export const VISIT_ATTRIBUTE_COLUMNS = {
  browser: 'browser',
  country: 'country',
  device: 'device',
  entryPage: 'entry_page',
  exitPage: 'exit_page',
  os: 'os',
  source: 'source',
  utmCampaign: 'utm_campaign',
  utmContent: 'utm_content',
  utmMedium: 'utm_medium',
  utmSource: 'utm_source',
  utmTerm: 'utm_term',
} as const

export type VisitAttribute = keyof typeof VISIT_ATTRIBUTE_COLUMNS

/**
 * CTEs (to follow the recompute's own, after `ev` and `sess`) that upsert the day's visits —
 * rewriting only visits whose values changed — and delete the day's visits that no longer
 * occur (a day without counted events loses them only with `clearEmpty`, as its stats rows).
 */
export function visitRowsCtes(args: {
  clearEmpty: boolean
  /** The day's label (its UTC midnight), as the stats rows' `date`. */
  day: SqlQuery
  siteId: string
  /** The tenant to write (the stats rows' own), or null without tenancy. */
  tenant: null | SqlQuery
  visits: CollectionTable
}): SqlQuery {
  const { day, siteId, visits: v } = args
  const summedTypes = sql.join(Object.keys(SUMMED_EVENT_TYPES).map((type) => sql`${type}`), sql`, `)
  const attributes = Object.entries(VISIT_ATTRIBUTE_COLUMNS)
  const updated = [
    ...(args.tenant ? ['tenant'] : []),
    'visitor',
    'visitors',
    'startedAt',
    'endedAt',
    'events',
    'pageviews',
    'duration',
    'bounce',
    ...attributes.map(([field]) => field),
    'types',
    'valueSums',
    'revenue',
    'eventIds',
    'pages',
  ].map((field) => v.id(field))
  // `visitors` only when the visit's events carry other hashes than its first one (a salt
  // rotation inside the visit, server events): almost every row stores null.
  const list = (prefix: SqlQuery) => sql.join(updated.map((column) => sql`${prefix}${column}`), sql`, `)
  // A visit's (or one of its paths') `types` and `valueSums`, from rows (type, n, value_sum).
  const typeObjects = sql`jsonb_object_agg(${a('type')}, ${a('n')}) FILTER (WHERE ${a('type')} <> ${PAGEVIEW}) AS ${a('types')},
    jsonb_object_agg(${a('type')}, ${a('value_sum')}) FILTER (WHERE ${a('value_sum')} IS NOT NULL) AS ${a('value_sums')}`
  return sql`
    ${a('visit_counts')} AS MATERIALIZED (
      SELECT ${a('session')}, COALESCE(${a('path')}, '') AS ${a('path')}, ${a('type')}, ${a('visitor')}, count(*) AS ${a('n')}, min(${a('ts')}) AS ${a('first_ts')}, max(${a('ts')}) AS ${a('last_ts')},
        sum(LEAST(GREATEST(${a('value')}, 0), ${MAX_EVENT_VALUE})) FILTER (WHERE ${a('type')} IN (${summedTypes})) AS ${a('value_sum')}
      FROM ev WHERE ${a('session')} IS NOT NULL GROUP BY ${a('session')}, 2, ${a('type')}, ${a('visitor')}
    ),
    ${a('path_types')} AS MATERIALIZED (
      SELECT ${a('session')}, ${a('path')}, ${a('type')}, sum(${a('n')}) AS ${a('n')}, sum(${a('value_sum')}) AS ${a('value_sum')} FROM ${a('visit_counts')} GROUP BY 1, 2, 3
    ),
    ${a('visit_types')} AS (
      SELECT ${a('session')}, ${typeObjects}
      FROM (SELECT ${a('session')}, ${a('type')}, sum(${a('n')}) AS ${a('n')}, sum(${a('value_sum')}) AS ${a('value_sum')} FROM ${a('path_types')} GROUP BY 1, 2) t
      GROUP BY ${a('session')}
    ),
    ${a('visit_people')} AS (
      SELECT ${a('session')}, array_agg(DISTINCT ${a('visitor')}) FILTER (WHERE ${a('visitor')} IS NOT NULL) AS ${a('visitors')},
        min(${a('first_ts')}) AS ${a('started_at')}, max(${a('last_ts')}) AS ${a('ended_at')}
      FROM ${a('visit_counts')} GROUP BY ${a('session')}
    ),
    ${a('visit_multi')} AS (
      SELECT p.${a('session')} FROM ${a('visit_people')} p JOIN sess s ON s.${a('session')} = p.${a('session')}
      WHERE p.${a('visitors')} IS DISTINCT FROM (CASE WHEN s.${a('visitor')} IS NULL THEN NULL ELSE ARRAY[s.${a('visitor')}::text] END)
    ),
    ${a('path_revenue')} AS MATERIALIZED (
      SELECT ${a('session')}, COALESCE(${a('path')}, '') AS ${a('path')}, ${a('rev_currency')}, sum(${a('rev_amount')}) AS ${a('amount')} FROM ev
      WHERE ${a('session')} IS NOT NULL AND ${a('rev_currency')} IS NOT NULL AND ${a('rev_amount')} IS NOT NULL GROUP BY 1, 2, 3
    ),
    ${a('visit_revenue')} AS (
      SELECT ${a('session')}, jsonb_object_agg(${a('rev_currency')}, ${a('amount')}::text) AS ${a('revenue')}
      FROM (SELECT ${a('session')}, ${a('rev_currency')}, sum(${a('amount')}) AS ${a('amount')} FROM ${a('path_revenue')} GROUP BY 1, 2) r GROUP BY ${a('session')}
    ),
    ${a('visit_pages')} AS (
      SELECT f.${a('session')}, jsonb_object_agg(f.${a('path')},
          CASE WHEN f.${a('pageviews')} = f.${a('n')} AND r.${a('revenue')} IS NULL AND u.${a('visitors')} IS NULL THEN to_jsonb(f.${a('n')})
          ELSE jsonb_strip_nulls(jsonb_build_object('n', f.${a('n')}, 'p', f.${a('pageviews')}, 't', f.${a('types')}, 'v', f.${a('value_sums')}, 'r', r.${a('revenue')}, 'u', u.${a('visitors')})) END
        ) AS ${a('pages')}
      FROM (
        SELECT ${a('session')}, ${a('path')}, sum(${a('n')}) AS ${a('n')}, sum(${a('n')}) FILTER (WHERE ${a('type')} = ${PAGEVIEW}) AS ${a('pageviews')}, ${typeObjects}
        FROM ${a('path_types')} GROUP BY 1, 2
      ) f
      LEFT JOIN (
        SELECT ${a('session')}, ${a('path')}, jsonb_object_agg(${a('rev_currency')}, ${a('amount')}::text) AS ${a('revenue')} FROM ${a('path_revenue')} GROUP BY 1, 2
      ) r ON r.${a('session')} = f.${a('session')} AND r.${a('path')} = f.${a('path')}
      -- A visit of several visitors keeps each path's (the visitors of a page filter's events).
      LEFT JOIN (
        SELECT c.${a('session')}, c.${a('path')}, COALESCE(jsonb_agg(DISTINCT c.${a('visitor')}) FILTER (WHERE c.${a('visitor')} IS NOT NULL), '[]'::jsonb) AS ${a('visitors')}
        FROM ${a('visit_counts')} c JOIN ${a('visit_multi')} m ON m.${a('session')} = c.${a('session')} GROUP BY 1, 2
      ) u ON u.${a('session')} = f.${a('session')} AND u.${a('path')} = f.${a('path')}
      GROUP BY f.${a('session')}
    ),
    ${a('visit_ids')} AS (
      SELECT ${a('session')}, jsonb_agg(${a('id')}) AS ${a('ids')} FROM ev WHERE ${a('session')} IS NOT NULL GROUP BY ${a('session')}
    ),
    ${a('visits_up')} AS (
      INSERT INTO ${v.ref} AS o (${v.id('site')}, ${v.id('day')}, ${v.id('session')}, ${sql.join(updated, sql`, `)})
      SELECT ${siteId}, ${day}, s.${a('session')}, ${args.tenant ? sql`${args.tenant}, ` : sql``}s.${a('visitor')},
        CASE WHEN m.${a('session')} IS NULL THEN NULL ELSE to_jsonb(p.${a('visitors')}) END,
        p.${a('started_at')}, p.${a('ended_at')}, s.${a('n')}, s.${a('pageviews')}, s.${a('duration')}, s.${a('bounce')} = 1,
        ${sql.join(attributes.map(([, column]) => sql`s.${a(column)}`), sql`, `)},
        t.${a('types')}, t.${a('value_sums')}, r.${a('revenue')}, i.${a('ids')}, g.${a('pages')}
      FROM sess s JOIN ${a('visit_people')} p ON p.${a('session')} = s.${a('session')}
        JOIN ${a('visit_ids')} i ON i.${a('session')} = s.${a('session')}
        JOIN ${a('visit_pages')} g ON g.${a('session')} = s.${a('session')}
        LEFT JOIN ${a('visit_multi')} m ON m.${a('session')} = s.${a('session')}
        LEFT JOIN ${a('visit_types')} t ON t.${a('session')} = s.${a('session')}
        LEFT JOIN ${a('visit_revenue')} r ON r.${a('session')} = s.${a('session')}
      ON CONFLICT (${v.id('site')}, ${v.id('day')}, ${v.id('session')})
        DO UPDATE SET ${sql.join(updated.map((column) => sql`${column} = EXCLUDED.${column}`), sql`, `)}
        WHERE (${list(sql`o.`)}) IS DISTINCT FROM (${list(sql`EXCLUDED.`)})
      RETURNING 1
    ),
    ${a('visits_gone')} AS (
      DELETE FROM ${v.ref} d
      WHERE d.${v.id('site')} = ${siteId} AND d.${v.id('day')} = ${day}
        ${args.clearEmpty ? sql`` : sql`AND EXISTS (SELECT 1 FROM ev)`}
        AND NOT EXISTS (SELECT 1 FROM sess s WHERE s.${a('session')} = d.${v.id('session')})
      RETURNING 1
    )`
}
