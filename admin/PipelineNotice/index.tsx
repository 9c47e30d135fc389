import type { ServerComponentProps } from 'payload'

import React from 'react'

type Props = Partial<ServerComponentProps> & { interval?: string }

/**
 * Shown above the raw events and daily stats lists: why they are read-only and when new
 * rows appear, so an empty list right after installation is not a surprise.
 */
export function PipelineNotice({ interval = '5 minutes' }: Props) {
  return (
    <p
      data-testid="analytics-pipeline-notice"
      style={{ color: 'var(--theme-elevation-600)', margin: '0 0 var(--base)' }}
    >
      Written only by the analytics pipeline: tracked events are buffered and land here when the
      aggregation job runs (every {interval}). Nothing can be added or edited by hand.
    </p>
  )
}
