/**
 * The dashboard's styles, built on Payload's theme variables so light and dark themes
 * follow the admin's. A string rendered in a `<style>` element: the package ships no CSS
 * files, so hosts need no loader for them.
 */
export const DASHBOARD_CSS = `
.pa-dashboard { --pa-gap: calc(var(--base) * 0.75); color: var(--theme-text); display: grid; gap: var(--base); margin-bottom: calc(var(--base) * 2); position: relative }
.pa-dashboard[aria-busy='true'] .pa-body { opacity: .55; transition: opacity .15s }
.pa-toolbar { align-items: end; display: flex; flex-wrap: wrap; gap: var(--pa-gap) }
.pa-toolbar .pa-spacer { flex: 1 }
.pa-field { display: grid; gap: 4px }
.pa-field > span, .pa-legend { color: var(--theme-elevation-600); font-size: 12px; font-weight: 600; letter-spacing: .02em; text-transform: uppercase }
.pa-select, .pa-date { background: var(--theme-input-bg, var(--theme-elevation-0)); border: 1px solid var(--theme-elevation-150); border-radius: var(--style-radius-s, 3px); color: var(--theme-text); font: inherit; min-height: 36px; padding: 0 10px }
.pa-select:focus-visible, .pa-date:focus-visible, .pa-seg button:focus-visible, .pa-button:focus-visible, .pa-link:focus-visible { outline: 2px solid var(--theme-success-500); outline-offset: 2px }
.pa-seg { border: 1px solid var(--theme-elevation-150); border-radius: var(--style-radius-s, 3px); display: inline-flex; flex-wrap: wrap; margin: 0; overflow: hidden; padding: 0 }
.pa-seg button { background: var(--theme-elevation-0); border: 0; border-right: 1px solid var(--theme-elevation-150); color: var(--theme-text); cursor: pointer; font: inherit; min-height: 36px; padding: 0 12px }
.pa-seg button:last-child { border-right: 0 }
.pa-seg button[aria-pressed='true'] { background: var(--theme-elevation-800); color: var(--theme-elevation-0) }
.pa-custom { align-items: end; display: flex; flex-wrap: wrap; gap: 8px }
.pa-button { align-items: center; background: var(--theme-elevation-100); border: 1px solid var(--theme-elevation-150); border-radius: var(--style-radius-s, 3px); color: var(--theme-text); cursor: pointer; display: inline-flex; font: inherit; gap: 6px; min-height: 36px; padding: 0 12px; text-decoration: none }
.pa-button:hover { background: var(--theme-elevation-150) }
.pa-button[aria-pressed='true'] { background: var(--theme-elevation-800); color: var(--theme-elevation-0) }
.pa-realtime { align-items: center; border: 1px solid var(--theme-elevation-150); border-radius: 999px; display: inline-flex; font-size: 13px; gap: 8px; min-height: 32px; padding: 0 12px }
.pa-realtime::before { animation: pa-pulse 2s infinite; background: var(--theme-success-500); border-radius: 50%; content: ''; height: 8px; width: 8px }
.pa-realtime--off::before { animation: none; background: var(--theme-error-500) }
@keyframes pa-pulse { 50% { opacity: .35 } }
@media (prefers-reduced-motion: reduce) { .pa-realtime::before { animation: none } }
.pa-context { color: var(--theme-elevation-600); margin: 0 }
.pa-body { display: grid; gap: var(--base) }
/* Grid items may shrink below their content (wide tables scroll inside their panel instead). */
.pa-dashboard > *, .pa-body > *, .pa-charts > *, .pa-lists > *, .pa-kpis > * { min-width: 0 }
.pa-kpis { display: grid; gap: var(--pa-gap); grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); list-style: none; margin: 0; padding: 0 }
.pa-card, .pa-panel { background: var(--theme-elevation-50); border: 1px solid var(--theme-elevation-100); border-radius: var(--style-radius-m, 4px); padding: calc(var(--base) * 0.75) }
.pa-kpi-label { color: var(--theme-elevation-600); font-size: 13px; margin: 0 }
.pa-kpi-value { font-size: 26px; font-variant-numeric: tabular-nums; font-weight: 600; line-height: 1.2; margin: 4px 0 }
.pa-change { border-radius: 999px; display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 8px }
.pa-change--good { background: color-mix(in srgb, var(--theme-success-500) 18%, transparent); color: var(--theme-success-750, var(--theme-success-500)) }
.pa-change--bad { background: color-mix(in srgb, var(--theme-error-500) 18%, transparent); color: var(--theme-error-750, var(--theme-error-500)) }
.pa-change--neutral { background: var(--theme-elevation-100); color: var(--theme-elevation-700) }
.pa-charts { display: grid; gap: var(--pa-gap); grid-template-columns: repeat(2, minmax(0, 1fr)) }
@media (max-width: 900px) { .pa-charts { grid-template-columns: minmax(0, 1fr) } }
.pa-charts .pa-panel--wide { grid-column: 1 / -1 }
.pa-panel h2, .pa-panel h3 { font-size: 16px; margin: 0 0 12px }
.pa-chart { height: 260px; width: 100% }
.pa-chart--small { height: 200px }
.pa-imported-legend { align-items: center; color: var(--theme-elevation-600); display: flex; font-size: 12px; gap: 6px; margin: 6px 0 0 }
.pa-imported-swatch { border-radius: 2px; display: inline-block; height: 10px; opacity: .35; width: 14px }
.pa-imported-tag { color: var(--theme-elevation-600); font-weight: 400 }
.pa-lists { display: grid; gap: var(--pa-gap); grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr)) }
.pa-table { border-collapse: collapse; font-size: 14px; width: 100% }
.pa-table caption { caption-side: top; color: var(--theme-elevation-600); font-size: 13px; padding-bottom: 6px; text-align: left }
.pa-table th, .pa-table td { border-bottom: 1px solid var(--theme-elevation-100); padding: 6px 8px; text-align: left; vertical-align: middle }
.pa-table th { color: var(--theme-elevation-600); font-size: 12px; font-weight: 600 }
.pa-table .pa-num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap }
.pa-table-scroll { overflow-x: auto }
.pa-bar-cell { position: relative }
.pa-bar { background: color-mix(in srgb, var(--theme-success-500) 16%, transparent); border-radius: 2px; bottom: 3px; left: 0; position: absolute; top: 3px }
.pa-bar-label { overflow-wrap: anywhere; position: relative }
.pa-empty-list { color: var(--theme-elevation-500); margin: 0 }
.pa-state { background: var(--theme-elevation-50); border: 1px dashed var(--theme-elevation-200); border-radius: var(--style-radius-m, 4px); padding: calc(var(--base) * 1.25) }
.pa-state h2 { font-size: 18px; margin: 0 0 8px }
.pa-state p { margin: 0 0 8px }
.pa-state--error { border-color: var(--theme-error-500); border-style: solid }
.pa-status { clip: rect(0 0 0 0); height: 1px; overflow: hidden; position: absolute; white-space: nowrap; width: 1px }
.pa-loading { background: var(--theme-elevation-800); border-radius: 999px; color: var(--theme-elevation-0); font-size: 13px; padding: 4px 12px; position: absolute; right: 0; top: 0; z-index: 2 }
.pa-spark { display: block }
.pa-link { background: none; border: 0; color: inherit; cursor: pointer; font: inherit; padding: 0; text-align: left; text-decoration: underline; text-underline-offset: 2px }
.pa-snippet { display: grid; gap: 8px }
.pa-snippet pre { background: var(--theme-elevation-100); border-radius: var(--style-radius-s, 3px); margin: 0; overflow-x: auto; padding: 10px 12px; white-space: pre-wrap; word-break: break-all }
.pa-warning { background: var(--theme-warning-100); border-left: 3px solid var(--theme-warning-500); border-radius: var(--style-radius-s, 3px); margin: 0; padding: 8px 12px }
.pa-steps { margin: 0; padding-left: 20px }
.pa-danger { border-color: var(--theme-error-500) }
.pa-widget { display: grid; gap: 12px; margin-bottom: var(--base) }
.pa-widget-head { align-items: baseline; display: flex; flex-wrap: wrap; gap: 12px; justify-content: space-between }
.pa-widget-head h2 { font-size: 18px; margin: 0 }
.pa-share-head { align-items: baseline; display: flex; flex-wrap: wrap; gap: 12px; justify-content: space-between; margin: calc(var(--base) * 1.5) 0 var(--base) }
.pa-share-head h1 { margin: 0 }
.pa-row-filter { background: none; border: 0; color: inherit; cursor: pointer; font: inherit; padding: 0; text-align: left }
.pa-row-filter:hover, .pa-row-filter:focus-visible { text-decoration: underline; outline-offset: 2px }
.pa-funnel-head { align-items: baseline; display: flex; flex-wrap: wrap; gap: 12px; justify-content: space-between }
.pa-funnel { display: grid; gap: 10px; list-style: none; margin: 0; padding: 0 }
.pa-funnel li { align-items: center; display: grid; gap: 4px 12px; grid-template-columns: minmax(120px, 1fr) 2fr auto; }
.pa-funnel-track { background: var(--theme-elevation-100); border-radius: var(--style-radius-s, 3px); display: block; height: 18px; overflow: hidden }
.pa-funnel-bar { background: var(--theme-success-500); display: block; height: 100%; min-width: 2px }
.pa-funnel-change { color: var(--theme-elevation-600); font-size: 13px; grid-column: 1 / -1 }
.pa-chips { align-items: center; display: flex; flex-wrap: wrap; gap: 8px; list-style: none; margin: 0 0 8px; padding: 0 }
.pa-chip { align-items: center; background: var(--theme-elevation-100); border-radius: 999px; display: inline-flex; gap: 6px; padding: 2px 4px 2px 12px }
.pa-chip-remove { background: none; border: 0; border-radius: 999px; color: inherit; cursor: pointer; font: inherit; line-height: 1; padding: 4px 8px }
.pa-chip-remove:hover, .pa-chip-remove:focus-visible { background: var(--theme-elevation-200) }
@media (max-width: 640px) {
  .pa-kpi-value { font-size: 22px }
  .pa-kpis { grid-template-columns: repeat(2, minmax(0, 1fr)) }
  .pa-toolbar { align-items: stretch; flex-direction: column }
  .pa-toolbar .pa-spacer { display: none }
}
`
