'use client'

import { useConfig, useDocumentInfo, useFormFields } from '@payloadcms/ui'
import React from 'react'

import { googleConnectPath } from '../../src/constants.js'

/**
 * Connect (or reconnect) a Search Console source to a Google account: a link to the plugin's
 * connect endpoint, which sends the user to Google's consent screen and back here. Shown in
 * the sidebar of `gsc` connections once saved; says so when Google refused the stored grant.
 */
export function GoogleConnect() {
  const { id } = useDocumentInfo()
  const { config } = useConfig()
  const kind = useFormFields(([fields]) => fields.kind?.value as string | undefined)
  const status = useFormFields(([fields]) => fields.status?.value as string | undefined)
  const connected = useFormFields(([fields]) => Boolean(fields.hasCredential?.value))
  if (kind !== 'gsc') return null
  if (id === undefined) return <p className="field-description">Save, then connect a Google account.</p>
  const href = `${config.serverURL || ''}${config.routes.api}${googleConnectPath(id)}`
  const reconnect = status === 'reconnect'
  return (
    <div data-testid="analytics-google-connect" style={{ display: 'grid', gap: 6, marginBottom: 'var(--base)' }}>
      {reconnect ? (
        <p role="alert" style={{ color: 'var(--theme-error-500)', margin: 0 }}>
          Google refused the stored access (revoked or expired): reconnect the account.
        </p>
      ) : null}
      <a className="btn btn--style-secondary btn--size-small" href={href}>
        {reconnect || connected ? 'Reconnect Google account' : 'Connect Google account'}
      </a>
    </div>
  )
}
