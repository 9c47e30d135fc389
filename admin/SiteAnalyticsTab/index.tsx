import type { DocumentViewServerProps, PayloadRequest } from 'payload'

import { Gutter } from '@payloadcms/ui'
import { formatAdminURL } from 'payload/shared'
import React from 'react'

import type { SanitizedAnalyticsConfig } from '../../src/types.js'

import { findSiteSettings } from '../../collections/AnalyticsSettings.js'
import { mayAct } from '../../src/access/actions.js'
import { canAccessSite } from '../../src/access/siteAccess.js'
import { getAnalyticsConfig } from '../../src/analyticsConfig.js'
import { analyticsScriptTag, SNIPPET_ORIGIN_WARNING, snippetOrigin } from '../../src/snippet.js'
import { CopyButton } from '../CopyButton/index.client.js'
import { DashboardSection } from '../Dashboard/index.js'
import { loadDashboard } from '../Dashboard/loadDashboard.js'
import { parseDashboardState } from '../Dashboard/state.js'
import { EraseSiteData } from '../EraseSiteData/index.client.js'
import { SiteImportsSection } from '../SiteImports/index.js'
import { EffectiveSettings } from './EffectiveSettings.js'
import { RecentRejections } from './RecentRejections.js'

/** Whether any event of the site ever arrived: a raw event, or a daily row kept longer. */
async function hasReceivedEvents(req: PayloadRequest, cfg: SanitizedAnalyticsConfig, siteId: number | string): Promise<boolean> {
  for (const collection of [cfg.slugs.events, cfg.slugs.dailyStats]) {
    const { docs } = await req.payload.find({
      collection,
      depth: 0,
      limit: 1,
      overrideAccess: false,
      pagination: false,
      req,
      select: {},
      user: req.user,
      where: { site: { equals: siteId } },
    })
    if (docs.length > 0) return true
  }
  return false
}

/**
 * Sites → (a site) → Analytics: the dashboard fixed to that site, its tracking snippet,
 * setup steps while no event has arrived, its settings, its imported data, and erasing its
 * analytics data.
 */
export async function SiteAnalyticsTab({ doc, initPageResult, searchParams }: DocumentViewServerProps) {
  const { req } = initPageResult
  const { payload } = req
  const cfg = getAnalyticsConfig(payload.config)
  const siteId = (doc?.id ?? initPageResult.docID) as number | string | undefined
  if (siteId === undefined || !req.user) return null

  const state = parseDashboardState(searchParams)
  const [result, received, canRead, canUpdate, canErase, settingsDoc, canImport, canExport] = await Promise.all([
    loadDashboard({ caller: { req }, fixedSite: siteId, payload, state }),
    hasReceivedEvents(req, cfg, siteId),
    canAccessSite(req, cfg, siteId, 'read'),
    canAccessSite(req, cfg, siteId, 'update'),
    // `access.erase`: the button is not shown to users the endpoint would refuse.
    mayAct(req, cfg, 'erase', siteId),
    findSiteSettings(req, cfg, siteId),
    mayAct(req, cfg, 'manageSources', siteId),
    mayAct(req, cfg, 'export', siteId),
  ])
  // Defaults applied, from ingestion's own copy: for the site's readers, who may not read the default rows.
  const effective = canRead ? payload.analytics?.sites.get(String(siteId))?.settings : undefined
  // Why events were refused: for the site's admins only, as anonymous clients may not be told.
  const rejections = canUpdate && payload.analytics ? await payload.analytics.rejections.recent(siteId).catch(() => null) : null
  const origin = snippetOrigin(cfg.scriptOrigin, req.headers)
  const snippet = analyticsScriptTag({ apiRoute: cfg.apiRoute, origin: origin.origin, site: siteId })
  const adminRoute = payload.config.routes.admin
  const settingsHref = formatAdminURL({
    adminRoute,
    path: settingsDoc ? `/collections/${cfg.slugs.settings}/${String(settingsDoc.id)}` : `/collections/${cfg.slugs.settings}/create`,
  })
  const siteName = String((doc as Record<string, unknown>)?.name ?? (doc as Record<string, unknown>)?.[cfg.sites.domainField] ?? `Site ${String(siteId)}`)

  return (
    <Gutter>
      <div style={{ display: 'grid', gap: 'var(--base)', padding: 'var(--base) 0 calc(var(--base) * 2)' }}>
        <h2 style={{ margin: 0 }}>
          Analytics of {siteName}
        </h2>
        {received ? null : (
          <section aria-labelledby="pa-setup" className="pa-state" data-testid="analytics-no-events">
            <h2 id="pa-setup">No events received yet</h2>
            <p>This site has not sent a single event. To start counting:</p>
            <ol className="pa-steps">
              <li>Paste the tracking snippet below into the &lt;head&gt; of every page (or render &lt;AnalyticsScript /&gt; in a Next.js layout).</li>
              <li>Make sure the pages are served from {String((doc as Record<string, unknown>)?.[cfg.sites.domainField] ?? 'the site’s domain')}, a subdomain, or an allowed hostname in the settings.</li>
              <li>Open a page in a normal browser window (automated browsers and visitors with Do-Not-Track are not counted by default).</li>
              <li>Events show up here after the next aggregation run, within {Math.max(1, Math.round(cfg.aggregation.intervalMs / 60_000))} minutes.</li>
            </ol>
          </section>
        )}
        <DashboardSection apiRoute={payload.config.routes.api} mode="site" result={result} />
        <section aria-labelledby="pa-snippet" className="pa-panel pa-snippet">
          <h3 id="pa-snippet">Tracking snippet</h3>
          {origin.configured ? null : (
            <p className="pa-warning" data-testid="analytics-snippet-warning">
              <strong>Warning:</strong> {SNIPPET_ORIGIN_WARNING}
            </p>
          )}
          <pre data-testid="analytics-snippet">{snippet}</pre>
          <div>
            <CopyButton label="Copy snippet" text={snippet} />
          </div>
        </section>
        <section aria-labelledby="pa-settings" className="pa-panel">
          <h3 id="pa-settings">Tracking and privacy settings</h3>
          <p style={{ margin: '0 0 8px' }}>
            Tracking on or off, allowed hostnames, excluded paths, IP anonymisation, Do-Not-Track, retention, conversion events and
            the public share link.
          </p>
          {effective ? <EffectiveSettings settings={effective} /> : null}
          <a className="pa-button" href={settingsHref}>
            {settingsDoc ? 'Edit settings' : 'Create settings for this site'}
          </a>
        </section>
        {rejections ? <RecentRejections entries={rejections} /> : null}
        {canRead ? <SiteImportsSection canExport={canExport} canImport={canImport} cfg={cfg} req={req} siteId={siteId} /> : null}
        {canErase ? (
          <section aria-labelledby="pa-erase" className="pa-panel pa-danger">
            <h3 id="pa-erase">Delete all analytics data of this site</h3>
            <p style={{ margin: '0 0 8px' }}>
              Deletes every raw event, daily statistic and the analytics settings of {siteName}, including events still in the buffer.
              The site itself stays. This cannot be undone.
            </p>
            <EraseSiteData apiRoute={payload.config.routes.api} siteId={String(siteId)} siteName={siteName} />
          </section>
        ) : null}
      </div>
    </Gutter>
  )
}
