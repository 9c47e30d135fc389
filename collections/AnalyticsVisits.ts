import type { CollectionConfig, Field } from 'payload'

import type { SanitizedAnalyticsConfig } from '../src/types.js'

import { ADMIN_GROUP } from '../src/constants.js'
import { eventOwnershipFields, pipelineCollection } from './sharedFields.js'

const text = (name: string, description: string): Field => ({ name, type: 'text', admin: { description } })
const count = (name: string, description: string): Field => ({ name, type: 'number', admin: { description }, defaultValue: 0, required: true })

/**
 * One row per visit (session) of a site's local day, as the daily rollups see it (a visit
 * crossing midnight is a visit on both days): its counters and its visit-level attributes.
 * Written by the aggregation in the statement that recomputes the site-day
 * (`src/store/visitRows.ts`), deleted with the raw events by retention; filtered stats read it
 * instead of sorting the raw events into visits (docs/explore.md). Holds nothing the raw
 * events do not (hashes, not addresses or user agents). Hidden, as the monthly rollups.
 */
export function buildAnalyticsVisits(cfg: SanitizedAnalyticsConfig): CollectionConfig {
  return {
    slug: cfg.slugs.visits,
    access: pipelineCollection(cfg).access,
    admin: {
      description: 'Visits per site and local day, for filtered statistics (written by the aggregation).',
      group: ADMIN_GROUP,
      hidden: true,
    },
    defaultSort: '-day',
    fields: [
      // Plain id columns as the raw events' (no foreign key or index to check on every write).
      ...eventOwnershipFields(cfg),
      { name: 'day', type: 'date', required: true, admin: { date: { pickerAppearance: 'dayOnly' }, description: "The site's local day (its date at 00:00 UTC)." } },
      { name: 'session', type: 'text', required: true },
      text('visitor', 'The first event’s visitor hash.'),
      { name: 'visitors', type: 'json', admin: { description: 'Every visitor hash of the visit’s events, when they are not just `visitor` (a salt rotation inside the visit).' } },
      { name: 'startedAt', type: 'date', required: true, admin: { date: { pickerAppearance: 'dayAndTime' } } },
      { name: 'endedAt', type: 'date', required: true, admin: { date: { pickerAppearance: 'dayAndTime' } } },
      count('events', 'Counted events (engagement reports are not).'),
      count('pageviews', 'Pageviews.'),
      count('duration', 'Seconds, as the daily rollups count them.'),
      { name: 'bounce', type: 'checkbox', defaultValue: false, required: true },
      text('entryPage', 'Path of the first pageview.'),
      text('exitPage', 'Path of the last pageview.'),
      text('source', 'The first event’s source.'),
      text('utmSource', 'The first event’s UTM source.'),
      text('utmMedium', 'The first event’s UTM medium.'),
      text('utmCampaign', 'The first event’s UTM campaign.'),
      text('utmTerm', 'The first event’s UTM term.'),
      text('utmContent', 'The first event’s UTM content.'),
      text('country', 'The first event’s country.'),
      text('browser', 'The first event’s browser.'),
      text('os', 'The first event’s OS.'),
      text('device', 'The first event’s device.'),
      { name: 'types', type: 'json', admin: { description: 'Events per type other than pageview: `{ "signup": 2 }`.' } },
      { name: 'valueSums', type: 'json', admin: { description: 'Summed values per summed type (`ai.usage`), each bounded as the rollups bound it.' } },
      { name: 'revenue', type: 'json', admin: { description: 'Revenue per currency, exact decimal text: `{ "EUR": "12.50" }`.' } },
      // Filtered questions that test events (a page, an event name…) under a visit filter fetch
      // the kept visits' events by primary key: no index on the raw events for sessions.
      { name: 'eventIds', type: 'json', admin: { description: 'Ids of the visit’s raw events (that day).' } },
      // A page filter under a visit filter (Google's visitors who saw /pricing) is answered from
      // the kept visits' pages alone, without fetching their events (`filteredStats.ts`).
      {
        name: 'pages',
        type: 'json',
        admin: {
          description:
            'Per path of the visit’s events: its pageviews when they are all it has (`{ "/": 2 }`), else `{ "n": 3, "p": 2, "t": { "signup": 1 } }` — events, pageviews and, when there are any, other types (`t`), summed values (`v`), revenue (`r`) and, for a visit of several visitors, theirs (`u`).',
        },
      },
    ],
    graphQL: false,
    // The unique key serves the recompute's upserts and every range read (site, days); the
    // first-event source, the most clicked filter, has its own.
    indexes: [{ fields: ['site', 'day', 'session'], unique: true }, { fields: ['site', 'source', 'day'] }],
    labels: { plural: 'Visits', singular: 'Visit' },
    lockDocuments: false,
    timestamps: false,
  }
}
