'use client'

import { Button, ConfirmationModal, toast, useModal } from '@payloadcms/ui'
import React, { useState } from 'react'

import { ENDPOINT_PREFIX } from '../../src/constants.js'

interface SendAnswer {
  deliveries?: Array<{ channel: 'email' | 'webhook'; outcome: { status: 'failed' | 'sent' | 'skipped' }; recipient: null | string }>
  error?: string
}

/** What one "Send now" did, in a sentence. */
export function sendSummary(answer: SendAnswer): string {
  const deliveries = answer.deliveries ?? []
  if (deliveries.length === 0) return 'Nothing to send: the report has no subscribed recipient and no webhook.'
  const sent = deliveries.filter((d) => d.outcome.status === 'sent').map((d) => d.recipient ?? 'the webhook')
  const failed = deliveries.filter((d) => d.outcome.status === 'failed').map((d) => d.recipient ?? 'the webhook')
  return [sent.length ? `Sent to ${sent.join(', ')}.` : '', failed.length ? `Failed for ${failed.join(', ')} (see Report deliveries).` : ''].filter(Boolean).join(' ')
}

/**
 * The saved report's email as it would go out now (in a sandboxed frame: no script runs), and
 * sending it at once to its recipients and webhook, behind a confirmation.
 */
export function ReportActionsButtons({ apiRoute, recipients, reportId, webhook }: { apiRoute: string; recipients: number; reportId: string; webhook: boolean }) {
  const { openModal } = useModal()
  const [preview, setPreview] = useState<null | string>(null)
  const [loading, setLoading] = useState(false)
  const base = `${apiRoute}${ENDPOINT_PREFIX}/reports/${encodeURIComponent(reportId)}`
  const modalSlug = `analytics-report-send-${reportId}`
  const audience = [recipients ? `${recipients} recipient${recipients === 1 ? '' : 's'}` : '', webhook ? 'the webhook' : ''].filter(Boolean).join(' and ') || 'nobody (no recipient, no webhook)'

  const showPreview = async () => {
    setLoading(true)
    try {
      const response = await fetch(`${base}/preview`, { credentials: 'include' })
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { error?: string }
        toast.error(body.error ?? `The preview failed (${response.status}).`)
        return
      }
      setPreview(await response.text())
    } finally {
      setLoading(false)
    }
  }

  return (
    <div data-testid="analytics-report-actions" style={{ display: 'grid', gap: 8, marginBottom: 'var(--base)' }}>
      <p className="field-description" style={{ margin: 0 }}>
        Of the saved report: save your changes first.
      </p>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
        <Button buttonStyle="secondary" disabled={loading} margin={false} onClick={() => void showPreview()} size="small">
          {loading ? 'Loading…' : preview ? 'Refresh preview' : 'Preview'}
        </Button>
        <Button buttonStyle="primary" margin={false} onClick={() => openModal(modalSlug)} size="small">
          Send now
        </Button>
      </div>
      {preview !== null ? (
        <iframe
          data-testid="analytics-report-preview"
          sandbox=""
          srcDoc={preview}
          style={{ background: '#fff', border: '1px solid var(--theme-elevation-150)', height: 560, width: '100%' }}
          title="Preview of the report email"
        />
      ) : null}
      <ConfirmationModal
        body={`The report for the period up to today goes out now to ${audience}. Its schedule is not changed.`}
        confirmingLabel="Sending…"
        confirmLabel="Yes, send it"
        heading="Send this report now?"
        modalSlug={modalSlug}
        onConfirm={async () => {
          const response = await fetch(`${base}/send`, { credentials: 'include', method: 'POST' })
          const body = (await response.json().catch(() => ({}))) as SendAnswer
          if (!response.ok) {
            toast.error(body.error ?? `Sending failed (${response.status}).`)
            return
          }
          const failed = body.deliveries?.some((d) => d.outcome.status === 'failed')
          ;(failed ? toast.error : toast.success)(sendSummary(body))
        }}
      />
    </div>
  )
}
