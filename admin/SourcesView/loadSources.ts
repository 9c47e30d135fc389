/**
 * What Analytics → Sources shows: the connections the user may see (the sources collection's
 * own read access: whoever may manage the sources of every site a connection maps), each
 * mapped site with its last run. Read through the Local API as the user; the sealed
 * credential is a hidden field and not selected, so it never reaches the page.
 */
import type { PayloadRequest } from 'payload'

import type { SourceKind, SourceStatus } from '../../src/sources/kinds.js'
import type { SourceSiteOutcome } from '../../src/sources/sync.js'
import type { SanitizedAnalyticsConfig } from '../../src/types.js'

import { relationId } from '../../src/core/relationId.js'

/** A site's outcome in its connection's last run (as `recordRun` keeps it). */
export type SiteRunOutcome = Pick<SourceSiteOutcome, 'days' | 'reason' | 'rows' | 'status'>

export interface SourceSiteView {
  /** The site's id in the source (idSite, domain, Search Console property). */
  remoteId: string
  /** Null when the last run did not cover this site (new, or a backfill of other sites). */
  lastRun: null | SiteRunOutcome
  siteId: string
  siteName: string
}

export interface SourceView {
  baseUrl: null | string
  /** Whether a credential (API key, token, Google refresh token) is stored — never the credential. */
  connected: boolean
  failedRuns: number
  id: string
  kind: SourceKind
  lastError: null | string
  lastRunAt: null | string
  name: string
  sites: SourceSiteView[]
  status: SourceStatus
}

type SourceDoc = {
  baseUrl?: null | string
  failedRuns?: null | number
  hasCredential?: boolean | null
  id: number | string
  kind: SourceKind
  lastError?: null | string
  lastRunAt?: null | string
  lastSummary?: unknown
  name: string
  sites?: Array<{ remoteId?: null | string; site?: unknown }> | null
  status?: null | SourceStatus
}

const outcomesOf = (summary: unknown): Map<string, SiteRunOutcome> => {
  const rows = Array.isArray(summary) ? (summary as Array<Partial<SiteRunOutcome> & { siteId?: unknown }>) : []
  return new Map(
    rows
      .filter((row) => row.siteId !== undefined && (row.status === 'ok' || row.status === 'skipped' || row.status === 'failed'))
      .map((row) => [String(row.siteId), { days: Number(row.days ?? 0), reason: row.reason ?? undefined, rows: Number(row.rows ?? 0), status: row.status! }]),
  )
}

export async function loadSources(req: PayloadRequest, cfg: SanitizedAnalyticsConfig): Promise<SourceView[]> {
  if (!req.user) return []
  const [{ docs }, readable] = await Promise.all([
    req.payload.find({
      collection: cfg.slugs.sources,
      depth: 0,
      limit: 500,
      overrideAccess: false,
      req,
      select: { baseUrl: true, failedRuns: true, hasCredential: true, kind: true, lastError: true, lastRunAt: true, lastSummary: true, name: true, sites: true, status: true },
      sort: 'name',
      user: req.user,
    } as Parameters<typeof req.payload.find>[0]),
    req.payload.analytics ? req.payload.analytics.stats.readableSites({ req }) : Promise.resolve([]),
  ])
  const names = new Map(readable.map((site) => [String(site.id), site.name || site.domain]))
  return (docs as unknown as SourceDoc[]).map((doc) => {
    const outcomes = outcomesOf(doc.lastSummary)
    return {
      baseUrl: doc.baseUrl ?? null,
      connected: Boolean(doc.hasCredential),
      failedRuns: doc.failedRuns ?? 0,
      id: String(doc.id),
      kind: doc.kind,
      lastError: doc.lastError ?? null,
      lastRunAt: doc.lastRunAt ?? null,
      name: doc.name,
      sites: (doc.sites ?? []).flatMap((row) => {
        const id = relationId(row.site)
        if (id === null) return []
        const siteId = String(id)
        return [{ lastRun: outcomes.get(siteId) ?? null, remoteId: row.remoteId ?? '', siteId, siteName: names.get(siteId) ?? `Site ${siteId}` }]
      }),
      status: doc.status ?? 'new',
    }
  })
}
