/**
 * White label: the name, logo and accent colour a tenant's report emails and public share
 * pages show. Each field is taken from the most specific level that sets it (a report's own,
 * then its tenant's defaults, then the global defaults), else the plugin's own look.
 */

export interface Branding {
  /** `#rrggbb` */
  accentColor: string
  /** An http(s) image URL, or null for none. */
  logoUrl: null | string
  name: string
}

/** One level's branding as stored: every field may be empty (inherit). */
export interface BrandingRow {
  accentColor?: null | string
  logoUrl?: null | string
  name?: null | string
}

export const DEFAULT_BRANDING: Branding = { accentColor: '#1f6feb', logoUrl: null, name: 'Analytics' }

export const isAccentColor = (value: unknown): value is string => typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)

export const isLogoUrl = (value: unknown): value is string => {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/** The branding in force, from the most specific level first. Values that do not fit (edited in the database) are skipped. */
export function resolveBranding(levels: ReadonlyArray<BrandingRow | null | undefined>): Branding {
  const first = <T>(pick: (row: BrandingRow) => unknown, fits: (value: unknown) => value is T): T | undefined => {
    for (const row of levels) {
      const value = row ? pick(row) : undefined
      if (fits(value)) return value
    }
    return undefined
  }
  const isName = (value: unknown): value is string => typeof value === 'string' && value.trim() !== ''
  return {
    accentColor: first((row) => row.accentColor, isAccentColor) ?? DEFAULT_BRANDING.accentColor,
    logoUrl: first((row) => row.logoUrl, isLogoUrl) ?? DEFAULT_BRANDING.logoUrl,
    name: first((row) => row.name, isName)?.trim() ?? DEFAULT_BRANDING.name,
  }
}
