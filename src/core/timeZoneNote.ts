import type { TimeZoneState } from './siteSettings.js'

/**
 * A sentence on which zone a site's figures are in (the settings view shows it): after a
 * change of zone, from which day on they are in the new one, which older days stay in the
 * previous one, and how far the recompute has come.
 */
export function timeZoneNote(state: null | TimeZoneState | undefined): string {
  if (!state || typeof state !== 'object' || typeof state.applied !== 'string') return 'The figures are in the time zone above (UTC days before one was set).'
  const { done, total } = state.progress ?? { done: 0, total: 0 }
  const parts = [state.since && state.previous ? `Figures from ${state.since} on are in ${state.applied}.` : `Every day's figures are in ${state.applied}.`]
  if (state.previous && state.since) parts.push(`Days before ${state.since} stay in ${state.previous}: their raw events are past retention, so they cannot be recomputed.`)
  if (done < total) parts.push(`Recomputing in ${state.applied}: ${done} of ${total} days done.`)
  return parts.join(' ')
}
