import type { AdminViewServerProps } from 'payload'

import { Gutter, SetStepNav } from '@payloadcms/ui'
import { formatAdminURL } from 'payload/shared'
import React from 'react'

import type { SourceStatus } from '../../src/sources/kinds.js'
import type { SiteRunOutcome, SourceView } from './loadSources.js'

import { getAnalyticsConfig } from '../../src/analyticsConfig.js'
import { ANALYTICS_VIEW_PATH, googleConnectPath, SITE_TAB_PATH, SOURCES_VIEW_PATH } from '../../src/constants.js'
import { SOURCE_KIND_LABELS } from '../../src/sources/kinds.js'
import { AdminViewTemplate, redirectToLoginUnlessUser } from '../adminViewPage.js'
import { DashboardStyles } from '../Dashboard/index.js'
import { loadSources } from './loadSources.js'

const STATUS_TEXT: Record<SourceStatus, string> = { failing: 'Failing', new: 'Not run yet', ok: 'OK', reconnect: 'Reconnect needed' }
const RUN_TEXT: Record<SiteRunOutcome['status'], string> = { failed: 'Failed', ok: 'OK', skipped: 'Skipped' }
/** Whether a credential is stored (and for Google, whether Google still takes it) — never the credential. */
const credentialText = ({ connected, kind, status }: SourceView) =>
  kind !== 'gsc' ? (connected ? 'Credential stored' : 'No credential stored') : !connected ? 'No Google account connected' : status === 'reconnect' ? 'Google account access refused' : 'Google account connected'
const when = (iso: null | string) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'never')

/**
 * Admin → Analytics → Sources (`/admin/analytics/sources`): the connections to Search
 * Console, Matomo and Plausible the user may manage, each mapped site with its last run
 * (ok, skipped or failed and why), and Connect/Reconnect for Google. Credentials are never
 * shown: only whether one is stored. Custom views are public in Payload: anonymous visitors
 * go to the login first.
 */
export async function SourcesView({ initPageResult, params, searchParams }: AdminViewServerProps) {
  const { req } = initPageResult
  const { payload } = req
  const adminRoute = payload.config.routes.admin
  redirectToLoginUnlessUser(req, SOURCES_VIEW_PATH)
  const cfg = getAnalyticsConfig(payload.config)
  const sources = await loadSources(req, cfg)
  const collectionHref = (path = '') => formatAdminURL({ adminRoute, path: `/collections/${cfg.slugs.sources}${path}` })
  const siteTabHref = (siteId: string) => formatAdminURL({ adminRoute, path: `/collections/${cfg.slugs.sites}/${encodeURIComponent(siteId)}${SITE_TAB_PATH}` })
  const apiRoute = payload.config.routes.api

  return (
    <AdminViewTemplate initPageResult={initPageResult} params={params} searchParams={searchParams}>
      <SetStepNav nav={[{ label: 'Analytics', url: formatAdminURL({ adminRoute, path: ANALYTICS_VIEW_PATH }) }, { label: 'Sources' }]} />
      <DashboardStyles />
      <Gutter>
        <div className="pa-dashboard" data-testid="analytics-sources">
          <div className="pa-share-head">
            <h1>Sources</h1>
            <a className="pa-button" href={collectionHref('/create')}>
              Add a source
            </a>
          </div>
          <p className="pa-context">
            Connections to Google Search Console, Matomo and Plausible, synced every night for each mapped site. Plausible CSV exports are
            imported in a site’s Analytics tab, where its import history is.
          </p>
          {sources.length === 0 ? (
            <div className="pa-state" data-testid="analytics-sources-empty">
              <h2>No sources yet</h2>
              <p>Add a source to bring in Search Console clicks and impressions, or another tool’s history, for the sites you manage.</p>
            </div>
          ) : (
            sources.map((source) => (
              <SourcePanel
                connectHref={source.kind === 'gsc' && cfg.sources.google ? `${apiRoute}${googleConnectPath(source.id)}` : null}
                editHref={collectionHref(`/${encodeURIComponent(source.id)}`)}
                googleMissing={source.kind === 'gsc' && !cfg.sources.google}
                key={source.id}
                siteTabHref={siteTabHref}
                source={source}
              />
            ))
          )}
        </div>
      </Gutter>
    </AdminViewTemplate>
  )
}

function SourcePanel({ connectHref, editHref, googleMissing, siteTabHref, source }: { connectHref: null | string; editHref: string; googleMissing: boolean; siteTabHref: (siteId: string) => string; source: SourceView }) {
  const reconnect = source.status === 'reconnect'
  return (
    <section aria-label={source.name} className={`pa-panel${reconnect || source.status === 'failing' ? ' pa-danger' : ''}`} data-source={source.id} data-status={source.status} data-testid="analytics-source">
      <div className="pa-funnel-head">
        <h2>
          {source.name} <span className="pa-context">· {SOURCE_KIND_LABELS[source.kind]}</span>
        </h2>
        <span className={`pa-change pa-change--${source.status === 'ok' ? 'good' : source.status === 'new' ? 'neutral' : 'bad'}`} data-testid="analytics-source-status">
          {STATUS_TEXT[source.status]}
        </span>
      </div>
      <p className="pa-context">
        {source.baseUrl ? <>{source.baseUrl} · </> : null}
        {credentialText(source)} · Last
        run: {when(source.lastRunAt)}
        {source.failedRuns > 1 ? ` · failed ${source.failedRuns} runs in a row` : ''}
      </p>
      {source.lastError ? (
        <p className="pa-warning" data-testid="analytics-source-error" role={reconnect ? 'alert' : undefined} style={{ marginTop: 8 }}>
          {reconnect ? 'Reconnect needed: ' : 'Last error: '}
          {source.lastError}
        </p>
      ) : null}
      <p style={{ display: 'flex', flexWrap: 'wrap', gap: 8, margin: '8px 0' }}>
        {connectHref ? (
          <a className="pa-button" data-testid="analytics-source-connect" href={connectHref}>
            {reconnect || source.connected ? 'Reconnect Google account' : 'Connect Google account'}
          </a>
        ) : null}
        <a className="pa-button" href={editHref}>
          Edit
        </a>
      </p>
      {googleMissing ? <p className="pa-context">Search Console is not configured on this server (sources.google): connecting is not possible.</p> : null}
      {source.sites.length === 0 ? (
        <p className="pa-empty-list">No site mapped yet: edit the source to map sites.</p>
      ) : (
        <div className="pa-table-scroll">
          <table className="pa-table">
            <caption>Mapped sites and their last run</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Id in the source</th>
                <th scope="col">Last run</th>
                <th className="pa-num" scope="col">
                  Days
                </th>
                <th className="pa-num" scope="col">
                  Rows
                </th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {source.sites.map((site) => (
                <tr data-run={site.lastRun?.status ?? 'none'} data-site={site.siteId} key={site.siteId}>
                  <th scope="row">
                    <a href={siteTabHref(site.siteId)} title="The site’s analytics, imports and import history">
                      {site.siteName}
                    </a>
                  </th>
                  <td>{site.remoteId}</td>
                  <td>{site.lastRun ? RUN_TEXT[site.lastRun.status] : 'Not run yet'}</td>
                  <td className="pa-num">{site.lastRun ? site.lastRun.days : '–'}</td>
                  <td className="pa-num">{site.lastRun ? site.lastRun.rows : '–'}</td>
                  <td>{site.lastRun?.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
