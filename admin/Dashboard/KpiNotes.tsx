import type { KpiNote } from './kpiWording.js'

import React from 'react'

/** Trend, 7-day average and month projection under a KPI card (nothing when the KPIs do not cover it). */
export function KpiNotes({ notes }: { notes: KpiNote[] }) {
  if (notes.length === 0) return null
  return (
    <ul className="pa-kpi-notes" style={{ color: 'var(--theme-elevation-600)', fontSize: 12, fontVariantNumeric: 'tabular-nums', listStyle: 'none', margin: '6px 0 0', padding: 0 }}>
      {notes.map((note) => (
        <li aria-label={note.label} data-kpi-note={note.kind} key={note.kind} title={note.label}>
          {note.text}
        </li>
      ))}
    </ul>
  )
}
