import type { AdminViewServerProps } from 'payload'

import { Gutter } from '@payloadcms/ui'
import React from 'react'

import { getAnalyticsConfig } from '../../src/analyticsConfig.js'
import { siteBranding } from '../../src/branding.js'
import { DashboardSection } from '../Dashboard/index.js'
import { loadDashboard } from '../Dashboard/loadDashboard.js'
import { parseDashboardState } from '../Dashboard/state.js'

/**
 * `/admin/analytics/share/<token>`: one site's dashboard for anyone with its share link,
 * read-only and without login. The stats service checks the token (public dashboard on,
 * token current) and serves exactly that site; nothing here trusts the URL beyond that.
 */
export async function ShareDashboard({ initPageResult, params, searchParams }: AdminViewServerProps) {
  const { payload } = initPageResult.req
  const segments = Array.isArray(params?.segments) ? params.segments : []
  const token = segments[2] ?? ''
  const state = parseDashboardState(searchParams)
  // The site switcher is not offered: a share link shows one site.
  const result = token
    ? await loadDashboard({ caller: { shareToken: token }, payload, state: { ...state, site: undefined } })
    : ({ message: 'This share link is incomplete.', ok: false, status: 404 } as const)
  const site = result.ok ? result.data.sites[0] : undefined
  // White label of the site's tenant (only once the token proved valid: a bad link shows no one's brand).
  const branding = site ? await siteBranding(payload, getAnalyticsConfig(payload.config), site.id) : null
  return (
    <Gutter>
      <main data-testid="analytics-share" style={{ margin: '0 auto', maxWidth: 1400 }}>
        {branding ? (
          <div
            data-accent={branding.accentColor}
            data-testid="analytics-share-brand"
            style={{ alignItems: 'center', borderTop: `4px solid ${branding.accentColor}`, display: 'flex', fontSize: 18, fontWeight: 600, gap: 12, marginTop: 'var(--base)', paddingTop: 'calc(var(--base) * 0.75)' }}
          >
            {branding.logoUrl ? <img alt="" height={32} src={branding.logoUrl} style={{ display: 'block', height: 32, width: 'auto' }} /> : null}
            <span style={{ color: branding.accentColor }}>{branding.name}</span>
          </div>
        ) : null}
        <div className="pa-share-head">
          <h1>{site ? `${site.name || site.domain} — analytics` : 'Shared analytics'}</h1>
          <span style={{ color: 'var(--theme-elevation-600)' }}>Read-only dashboard shared by its owner</span>
        </div>
        <DashboardSection
          apiRoute={payload.config.routes.api}
          mode="share"
          result={result.ok || result.status >= 500 ? result : { message: 'This share link does not exist or has been revoked.', ok: false, status: 404 }}
        />
      </main>
    </Gutter>
  )
}
