'use client'

import { Button, ConfirmationModal, toast, useModal } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import React from 'react'

import { ENDPOINT_PREFIX } from '../../src/constants.js'

/**
 * "Delete all analytics data of this site", behind a confirmation dialog. The endpoint
 * checks that the user may update the site; this button only asks.
 */
export function EraseSiteData({ apiRoute, siteId, siteName }: { apiRoute: string; siteId: string; siteName: string }) {
  const { openModal } = useModal()
  const router = useRouter()
  const slug = `analytics-erase-${siteId}`
  return (
    <>
      <Button buttonStyle="error" onClick={() => openModal(slug)} size="small">
        Delete all analytics data…
      </Button>
      <ConfirmationModal
        body={`Every raw event, daily statistic and the analytics settings of ${siteName} will be deleted, including events not yet aggregated. This cannot be undone.`}
        confirmingLabel="Deleting…"
        confirmLabel="Delete analytics data"
        heading={`Delete all analytics data of ${siteName}?`}
        modalSlug={slug}
        onConfirm={async () => {
          const response = await fetch(`${apiRoute}${ENDPOINT_PREFIX}/sites/${encodeURIComponent(siteId)}/erase`, { credentials: 'include', method: 'POST' })
          const body = (await response.json().catch(() => ({}))) as { error?: string }
          if (!response.ok) {
            toast.error(body.error ?? `Deleting failed (${response.status}).`)
            return
          }
          toast.success(`All analytics data of ${siteName} was deleted.`)
          router.refresh()
        }}
      />
    </>
  )
}
