'use client'

import { Button, toast } from '@payloadcms/ui'
import { useRouter } from 'next/navigation.js'
import React from 'react'

import { ENDPOINT_PREFIX } from '../../src/constants.js'

/** One run of the import history, as the server component lists it. */
export interface ImportRun {
  days: number
  file: null | string
  firstDay: null | string
  id: string
  lastDay: null | string
  source: string
  startedAt: null | string
  status: string
}

interface Summary {
  daysWritten: number
  files: Array<{ file: string; rows: number }>
  firstDay: null | string
  lastDay: null | string
  rowsWritten: number
  skipped: Record<string, { days: number; first: string; last: string }>
}

const SKIP_REASONS: Record<string, string> = {
  noTotals: 'no totals in the file',
  otherImport: 'another import holds them',
  ownData: 'the site has its own data from then on',
}

/**
 * The site's imports: drop (or choose) a Plausible CSV export to import it, with the upload's
 * progress and a summary of what was imported; the history with Delete; the site's figures
 * as a Plausible export. The endpoints check access; this only asks.
 */
export function SiteImports({ apiRoute, canImport, importsSlug, runs, siteId }: { apiRoute: string; canImport: boolean; importsSlug: string; runs: ImportRun[]; siteId: string }) {
  const router = useRouter()
  const [progress, setProgress] = React.useState<null | number>(null)
  const [summary, setSummary] = React.useState<null | Summary>(null)
  const [error, setError] = React.useState<null | string>(null)
  const [over, setOver] = React.useState(false)
  const input = React.useRef<HTMLInputElement>(null)

  const upload = (file: File) => {
    setError(null)
    setSummary(null)
    setProgress(0)
    // XMLHttpRequest, not fetch: only it reports the upload's progress.
    const request = new XMLHttpRequest()
    request.open('POST', `${apiRoute}${ENDPOINT_PREFIX}/sites/${encodeURIComponent(siteId)}/imports/plausible-csv?fileName=${encodeURIComponent(file.name)}`)
    request.withCredentials = true
    request.setRequestHeader('Content-Type', 'application/zip')
    request.upload.onprogress = (event) => event.lengthComputable && setProgress(Math.round((event.loaded / event.total) * 100))
    request.onload = () => {
      setProgress(null)
      const body = (() => {
        try {
          return JSON.parse(request.responseText) as { error?: string; import?: Summary }
        } catch {
          return {}
        }
      })()
      if (request.status === 201 && body.import) {
        setSummary(body.import)
        toast.success(`Imported ${body.import.daysWritten} days.`)
        router.refresh()
      } else setError(body.error ?? `Importing failed (${request.status}).`)
    }
    request.onerror = () => {
      setProgress(null)
      setError('The upload failed: the connection was lost.')
    }
    request.send(file)
  }

  const remove = async (run: ImportRun) => {
    if (!window.confirm(`Delete this import and the ${run.days} days of figures it brought?`)) return
    const response = await fetch(`${apiRoute}/${importsSlug}/${encodeURIComponent(run.id)}`, { credentials: 'include', method: 'DELETE' })
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { errors?: Array<{ message?: string }> }
      toast.error(body.errors?.[0]?.message ?? `Deleting failed (${response.status}).`)
      return
    }
    toast.success('The import and its figures were deleted.')
    router.refresh()
  }

  return (
    <div style={{ display: 'grid', gap: 12 }}>
      {canImport ? (
        <div
          className="pa-dropzone"
          data-testid="analytics-import-drop"
          onDragLeave={() => setOver(false)}
          onDragOver={(event) => {
            event.preventDefault()
            setOver(true)
          }}
          onDrop={(event) => {
            event.preventDefault()
            setOver(false)
            const file = event.dataTransfer.files[0]
            if (file) upload(file)
          }}
          style={{ border: `2px dashed ${over ? 'var(--theme-success-500)' : 'var(--theme-elevation-250)'}`, borderRadius: 4, padding: 16, textAlign: 'center' }}
        >
          <p style={{ margin: '0 0 8px' }}>Drop a Plausible CSV export (the ZIP from Plausible’s Settings → Imports &amp; Exports) here, or</p>
          <input accept=".zip,application/zip" hidden onChange={(event) => event.target.files?.[0] && upload(event.target.files[0])} ref={input} type="file" />
          <Button buttonStyle="secondary" disabled={progress !== null} onClick={() => input.current?.click()} size="small">
            Choose a file…
          </Button>
          {progress !== null ? (
            <p aria-live="polite" data-testid="analytics-import-progress" style={{ margin: '8px 0 0' }}>
              {progress < 100 ? `Uploading… ${progress}%` : 'Importing…'}
            </p>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <p className="pa-warning" data-testid="analytics-import-error" role="alert">
          {error}
        </p>
      ) : null}
      {summary ? (
        <div aria-live="polite" data-testid="analytics-import-summary">
          <p style={{ margin: 0 }}>
            Imported {summary.daysWritten} days{summary.firstDay ? ` (${summary.firstDay} to ${summary.lastDay})` : ''}, {summary.rowsWritten} rows.
          </p>
          <ul style={{ margin: '4px 0 0' }}>
            {Object.entries(summary.skipped).map(([reason, skipped]) => (
              <li key={reason}>
                Left out {skipped.days} days ({skipped.first} to {skipped.last}): {SKIP_REASONS[reason] ?? reason}.
              </li>
            ))}
            {summary.files.map((file) => (
              <li key={file.file}>
                {file.file}: {file.rows} rows
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {runs.length ? (
        <table className="pa-table" data-testid="analytics-import-history">
          <thead>
            <tr>
              <th scope="col">Started (UTC)</th>
              <th scope="col">Source</th>
              <th scope="col">File</th>
              <th scope="col">Status</th>
              <th scope="col">Days</th>
              <th scope="col">From – to</th>
              {canImport ? <th scope="col" /> : null}
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td>{run.startedAt ? run.startedAt.slice(0, 16).replace('T', ' ') : ''}</td>
                <td>{run.source}</td>
                <td>{run.file ?? ''}</td>
                <td>{run.status}</td>
                <td>{run.days}</td>
                <td>{run.firstDay ? `${run.firstDay} – ${run.lastDay}` : ''}</td>
                {canImport ? (
                  <td>
                    <Button buttonStyle="error" onClick={() => void remove(run)} size="small">
                      Delete
                    </Button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p style={{ margin: 0 }}>No imports yet.</p>
      )}
    </div>
  )
}
