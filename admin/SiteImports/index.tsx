import type { PayloadRequest } from 'payload'

import React from 'react'

import type { SanitizedAnalyticsConfig } from '../../src/types.js'
import type { ImportRun } from './index.client.js'

import { ENDPOINT_PREFIX } from '../../src/constants.js'
import { SiteImports as SiteImportsClient } from './index.client.js'

const day = (value: unknown) => (typeof value === 'string' ? value.slice(0, 10) : null)

/**
 * A site's imported data in its Analytics tab: the import history (what the user may read of
 * it), importing a Plausible CSV export and deleting an import (for those who may manage the
 * site's sources), and the site's figures as a Plausible export (for those who may export).
 */
export async function SiteImportsSection({ canExport, canImport, cfg, req, siteId }: { canExport: boolean; canImport: boolean; cfg: SanitizedAnalyticsConfig; req: PayloadRequest; siteId: number | string }) {
  const { docs } = await req.payload.find({
    collection: cfg.slugs.imports,
    depth: 0,
    limit: 50,
    overrideAccess: false,
    req,
    sort: '-startedAt',
    user: req.user,
    where: { site: { equals: siteId } },
  })
  const runs: ImportRun[] = (docs as unknown as Array<Record<string, unknown>>).map((doc) => ({
    days: Number(doc.daysWritten ?? 0),
    file: typeof doc.fileName === 'string' ? doc.fileName : null,
    firstDay: day(doc.firstDay),
    id: String(doc.id),
    lastDay: day(doc.lastDay),
    source: String(doc.source),
    startedAt: typeof doc.startedAt === 'string' ? doc.startedAt : null,
    status: String(doc.status),
  }))
  const apiRoute = req.payload.config.routes.api
  return (
    <section aria-labelledby="pa-imports" className="pa-panel" data-testid="analytics-imports">
      <h3 id="pa-imports">Imported data</h3>
      <p style={{ margin: '0 0 8px' }}>
        Figures brought in from other tools fill only the days before this site’s own data begins, and are shown with it (the dashboard
        notes which days). Deleting an import deletes its figures only.
      </p>
      <SiteImportsClient apiRoute={apiRoute} canImport={canImport} importsSlug={cfg.slugs.imports} runs={runs} siteId={String(siteId)} />
      {canExport ? (
        <p style={{ margin: '8px 0 0' }}>
          <a className="pa-button" download href={`${apiRoute}${ENDPOINT_PREFIX}/sites/${encodeURIComponent(String(siteId))}/export/plausible`}>
            Download as a Plausible export (ZIP)
          </a>
        </p>
      ) : null}
    </section>
  )
}
