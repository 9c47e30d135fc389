import type { Payload } from 'payload'

import { randomUUID } from 'node:crypto'

export interface DemoSite {
  domain: string
  id: number | string
  tenant: number | string
}

/** The seeded demo sites (two for tenant Acme, one for Globex), by domain. */
export async function demoSites(payload: Payload): Promise<Record<string, DemoSite>> {
  const { docs } = await payload.find({ collection: 'sites', depth: 0, pagination: false })
  return Object.fromEntries(
    docs.map((doc) => [doc.domain, { domain: doc.domain, id: doc.id, tenant: doc.tenant as number | string }]),
  )
}

/** Insert raw events and daily-stats rows for a site as the pipeline would (server-side, no access check). */
export async function addAnalyticsRows(payload: Payload, site: DemoSite, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await payload.create({
      collection: 'analytics-events',
      data: {
        eventId: randomUUID(),
        path: `/page-${i}`,
        site: site.id,
        tenant: site.tenant,
        timestamp: new Date(Date.UTC(2026, 10, 1, 12, i)).toISOString(),
        type: 'pageview',
      },
    })
  }
  await payload.create({
    collection: 'analytics-daily-stats',
    data: { date: '2026-11-01T00:00:00.000Z', dimension: 'total', key: '', pageviews: count, site: site.id, tenant: site.tenant, visitors: 1 },
  })
}
