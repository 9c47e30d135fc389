/** The kinds of external source and how each names a site. */
export const SOURCE_KINDS = ['gsc', 'matomo', 'plausible'] as const
export type SourceKind = (typeof SOURCE_KINDS)[number]

/** How each kind is named in the admin. */
export const SOURCE_KIND_LABELS: Record<SourceKind, string> = { gsc: 'Google Search Console', matomo: 'Matomo', plausible: 'Plausible (Stats API)' }

/** `new` until the first run; `reconnect`: Google refused the refresh token (`invalid_grant`). */
export const SOURCE_STATUSES = ['new', 'ok', 'failing', 'reconnect'] as const
export type SourceStatus = (typeof SOURCE_STATUSES)[number]

/** Why a site's id in a source is not one, or null when it is. */
export function checkRemoteId(kind: SourceKind, remoteId: string): null | string {
  if (!remoteId.trim()) return 'The site’s id in the source is required.'
  if (kind === 'gsc' && !/^sc-domain:[^\s/]+$/.test(remoteId) && !/^https?:\/\/[^\s]+\/$/.test(remoteId)) {
    return 'A Search Console property is sc-domain:example.com or a URL prefix ending in / (https://example.com/).'
  }
  if (kind === 'matomo' && !/^[1-9]\d{0,9}$/.test(remoteId)) return 'A Matomo idSite is a positive whole number.'
  return null
}
