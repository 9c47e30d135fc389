import React from 'react'

import type { RejectionEntry } from '../../src/ingest/rejectionLog.js'

/** What each reason means to a site's admin (the metric's `reason` label values). */
const EXPLANATIONS: Record<string, string> = {
  'bad-request': 'the event was malformed (e.g. the page URL)',
  'excluded-path': 'the page is under an excluded path',
  hostname: 'the page’s hostname is not the site’s domain or an allowed hostname',
  'tracking-disabled': 'tracking is off in the settings',
}

/**
 * The site's last refused tracking requests and why (bots and opt-outs are only counted, in
 * the metrics). Anonymous clients may be
 * answered alike whatever the reason (`ingest.explainRejections`), so this is where the
 * reason shows.
 */
export function RecentRejections({ entries }: { entries: RejectionEntry[] }) {
  return (
    <section aria-labelledby="pa-rejections" className="pa-panel" data-testid="analytics-recent-rejections">
      <h3 id="pa-rejections">Recently refused events</h3>
      {entries.length === 0 ? (
        <p style={{ margin: 0 }}>None: every tracking request for this site lately was counted.</p>
      ) : (
        <table className="pa-table">
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Reason</th>
              <th scope="col">Hostname</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry, index) => (
              <tr key={`${entry.time}-${index}`}>
                <td>{entry.time.slice(0, 19).replace('T', ' ')}</td>
                <td title={EXPLANATIONS[entry.reason]}>
                  {entry.reason}
                  {EXPLANATIONS[entry.reason] ? ` — ${EXPLANATIONS[entry.reason]}` : ''}
                </td>
                <td>{entry.hostname ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
