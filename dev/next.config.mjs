import { withPayload } from '@payloadcms/next/withPayload'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dirname = path.dirname(fileURLToPath(import.meta.url))

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Next's gzip middleware wraps every response, tracking answers of a few bytes included;
  // in production a proxy or CDN compresses (README: "High-traffic sites on the Payload app itself").
  compress: false,
  // The plugin's source lives one folder up and is imported by package name (see tsconfig paths).
  outputFileTracingRoot: path.resolve(dirname, '..'),
  turbopack: { root: path.resolve(dirname, '..') },
  webpack: (webpackConfig) => {
    webpackConfig.resolve.extensionAlias = {
      '.cjs': ['.cts', '.cjs'],
      '.js': ['.ts', '.tsx', '.js', '.jsx'],
      '.mjs': ['.mts', '.mjs'],
    }
    return webpackConfig
  },
}

/** Every path but the tracking route (a path-to-regexp source, as Next's `headers` take them). */
const ALL_BUT_TRACKING = '/:path((?!api/analytics/track$).*)'

/**
 * Payload's admin headers (client hints, X-Powered-By) come as one rule for every path
 * (`/:path*`), which Next matches and applies on each request; the tracking route needs none
 * of them, so the rule is narrowed to skip it (README: "High-traffic sites on the Payload app itself").
 */
const skipHeadersOnTracking = (config) => {
  const headers = config.headers
  if (!headers) return config
  return {
    ...config,
    headers: async () => (await headers()).map((rule) => (rule.source === '/:path*' ? { ...rule, source: ALL_BUT_TRACKING } : rule)),
  }
}

export default skipHeadersOnTracking(withPayload(nextConfig, { devBundleServerPackages: false }))
