'use client'

import { Button, toast, useConfig, useDocumentInfo, useField, useFormFields } from '@payloadcms/ui'
import { formatAdminURL } from 'payload/shared'
import React, { useEffect, useState } from 'react'

import { ENDPOINT_PREFIX, sharePath } from '../../src/constants.js'
import { CopyButton } from '../CopyButton/index.client.js'

/**
 * The public share link of a site's settings: the full URL with Copy, and Rotate, which
 * replaces the token so the old link stops working at once. Shown under the
 * "Public dashboard" checkbox; the token itself is never typed by hand.
 */
export function ShareLinkField() {
  const { id } = useDocumentInfo()
  const { config } = useConfig()
  const enabled = useFormFields(([fields]) => Boolean(fields.publicDashboard?.value))
  const site = useFormFields(([fields]) => fields.site?.value as { id?: number | string } | null | number | string | undefined)
  const siteId = site !== null && typeof site === 'object' ? site.id : site
  const { setValue, value: token } = useField<string>({ path: 'shareToken' })
  const [origin, setOrigin] = useState(config.serverURL || '')
  const [rotating, setRotating] = useState(false)
  useEffect(() => {
    if (!config.serverURL) setOrigin(window.location.origin)
  }, [config.serverURL])

  if (!enabled) return null
  if (!token || id === undefined || siteId === undefined || siteId === null) {
    return (
      <p className="field-description" data-testid="analytics-share-link-pending">
        Save to create the share link.
      </p>
    )
  }
  const url = `${origin}${formatAdminURL({ adminRoute: config.routes.admin, path: sharePath(token) })}`
  return (
    <div style={{ display: 'grid', gap: 8, marginBottom: 'var(--base)' }}>
      <label htmlFor="analytics-share-link" style={{ fontWeight: 600 }}>
        Share link
      </label>
      <input
        className="pa-share-url"
        data-testid="analytics-share-link"
        id="analytics-share-link"
        readOnly
        style={{ background: 'var(--theme-elevation-50)', border: '1px solid var(--theme-elevation-150)', borderRadius: 3, color: 'var(--theme-text)', font: 'inherit', padding: '8px 10px' }}
        value={url}
      />
      <p className="field-description" style={{ margin: 0 }}>
        Anyone with this link sees this site’s dashboard, read-only, without logging in. Rotate it to revoke the old link.
      </p>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
        <CopyButton label="Copy link" text={url} />
        <Button
          buttonStyle="secondary"
          disabled={rotating}
          onClick={async () => {
            setRotating(true)
            try {
              const response = await fetch(`${config.routes.api}${ENDPOINT_PREFIX}/share/rotate?siteId=${encodeURIComponent(String(siteId))}`, {
                credentials: 'include',
                method: 'POST',
              })
              const body = (await response.json().catch(() => ({}))) as { error?: string; shareToken?: string }
              if (!response.ok || !body.shareToken) throw new Error(body.error ?? `failed (${response.status})`)
              // Saved already on the server: the form shows it without becoming "modified".
              setValue(body.shareToken, true)
              toast.success('New share link created; the old one no longer works.')
            } catch (error) {
              toast.error(`Could not rotate the share link: ${(error as Error).message}`)
            } finally {
              setRotating(false)
            }
          }}
          size="small"
        >
          {rotating ? 'Rotating…' : 'Rotate link'}
        </Button>
      </div>
    </div>
  )
}
