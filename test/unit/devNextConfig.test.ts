/**
 * The dev app's next.config narrows Payload's every-path header rule so the tracking route
 * skips it (README: "High-traffic sites on the Payload app itself"). The narrowing keys on
 * the rule's source as `withPayload` writes it today; if a Payload upgrade changes that, the
 * tracking route silently pays for the rule again — this test says so instead.
 */
import { getPathMatch } from 'next/dist/shared/lib/router/utils/path-match.js'
import { describe, expect, test } from 'vitest'

// @ts-expect-error -- a plain .mjs config without types
import nextConfig from '../../dev/next.config.mjs'

interface HeaderRule {
  headers: Array<{ key: string; value: string }>
  source: string
}

describe('dev app next.config', () => {
  test("Payload's header rule covers every path but the tracking route", async () => {
    const rules = (await (nextConfig as { headers: () => Promise<HeaderRule[]> }).headers()) as HeaderRule[]
    expect(rules.map((rule) => rule.source)).not.toContain('/:path*')
    const narrowed = rules.find((rule) => rule.headers.some((header) => header.key === 'X-Powered-By'))
    expect(narrowed).toBeDefined()
    // Matched the way Next matches a rule's source.
    const matches = getPathMatch(narrowed!.source)
    for (const path of ['/', '/admin', '/admin/collections/sites', '/api/analytics/stats', '/api/analytics/track/x', '/pricing']) {
      expect({ matched: matches(path) !== false, path }).toEqual({ matched: true, path })
    }
    expect(matches('/api/analytics/track')).toBe(false)
  })

  test('does not compress: a proxy or CDN in front does', () => {
    expect((nextConfig as { compress?: boolean }).compress).toBe(false)
  })
})
