import type { CollectionConfig, Config } from 'payload'

import { describe, expect, test, vi } from 'vitest'

import { analyticsPlugin, getAnalyticsConfig } from '../../src/index.js'

const tenants: CollectionConfig = { slug: 'tenants', fields: [{ name: 'name', type: 'text' }] }
const sites: CollectionConfig = {
  slug: 'sites',
  fields: [
    { name: 'name', type: 'text' },
    { name: 'domain', type: 'text' },
    { name: 'tenant', type: 'relationship', relationTo: 'tenants' },
  ],
}
const host = (collections: CollectionConfig[] = [tenants, sites]): Config =>
  ({ collections, secret: 'x' }) as unknown as Config

const slugs = (config: Config) => (config.collections ?? []).map((collection) => collection.slug)

describe('analyticsPlugin', () => {
  test('adds the analytics collections and keeps the host’s', () => {
    const config = analyticsPlugin()(host())
    expect(slugs(config)).toEqual(['tenants', 'sites', 'analytics-events', 'analytics-daily-stats', 'analytics-monthly-stats', 'analytics-visits', 'analytics-settings', 'analytics-salts', 'analytics-audit-log', 'analytics-reports', 'analytics-report-deliveries', 'analytics-alerts', 'analytics-imports', 'analytics-imported-stats', 'analytics-sources', 'analytics-search-stats', 'analytics-api-keys'])
  })

  test('detects the tenants collection from the sites’ tenant relationship', () => {
    const config = analyticsPlugin()(host())
    expect(getAnalyticsConfig(config).tenantsCollection).toBe('tenants')
    const events = config.collections!.find((collection) => collection.slug === 'analytics-events')!
    expect(events.fields.some((field) => 'name' in field && field.name === 'tenant')).toBe(true)
  })

  test('adds a minimal sites collection when the host has none, without tenant columns', () => {
    const config = analyticsPlugin()(host([]))
    expect(slugs(config)).toContain('sites')
    const cfg = getAnalyticsConfig(config)
    expect(cfg.sites.pluginOwned).toBe(true)
    expect(cfg.tenantsCollection).toBeNull()
    const events = config.collections!.find((collection) => collection.slug === 'analytics-events')!
    expect(events.fields.some((field) => 'name' in field && field.name === 'tenant')).toBe(false)
  })

  test('enabled: false keeps the collections (stable schema) but adds no start-up work', () => {
    const onInit = vi.fn()
    const config = analyticsPlugin({ enabled: false })({ ...host(), onInit })
    expect(slugs(config)).toContain('analytics-events')
    expect(config.onInit).toBe(onInit)
  })

  test('chains the host’s onInit (run first) and its sites hooks', async () => {
    const order: string[] = []
    const beforeDelete = vi.fn()
    const config = analyticsPlugin()({
      ...host([tenants, { ...sites, hooks: { beforeDelete: [beforeDelete] } }]),
      onInit: () => {
        order.push('host')
      },
    })
    await expect(config.onInit!({ db: { name: 'sqlite' } } as never)).rejects.toThrow(/Postgres/)
    expect(order).toEqual(['host'])
    const siteHooks = config.collections!.find((collection) => collection.slug === 'sites')!.hooks!.beforeDelete!
    expect(siteHooks).toHaveLength(2)
    expect(siteHooks[0]).toBe(beforeDelete)
  })

  test('registers the tracking endpoints only when enabled', () => {
    const paths = (config: Config) => (config.endpoints || []).map((endpoint) => `${endpoint.method} ${endpoint.path}`)
    expect(paths(analyticsPlugin()(host()))).toEqual(
      expect.arrayContaining(['post /analytics/track', 'options /analytics/track', 'get /analytics/script.js']),
    )
    expect(paths(analyticsPlugin({ enabled: false })(host()))).toEqual([])
  })

  test('refuses to start on a database other than Postgres, with a clear message', async () => {
    const config = analyticsPlugin()(host())
    await expect(config.onInit!({ db: { name: 'mongoose' } } as never)).rejects.toThrow(/needs the Postgres adapter/)
  })

  test('collection overrides: fields through a function, slugs followed everywhere', () => {
    const config = analyticsPlugin({
      overrides: {
        events: {
          fields: ({ defaultFields }) => [...defaultFields, { name: 'campaignNote', type: 'text' }],
          slug: 'raw-events',
        },
      },
    })(host())
    const events = config.collections!.find((collection) => collection.slug === 'raw-events')!
    expect(events.fields.some((field) => 'name' in field && field.name === 'campaignNote')).toBe(true)
    expect(events.fields.some((field) => 'name' in field && field.name === 'eventId')).toBe(true)
    expect(getAnalyticsConfig(config).slugs.events).toBe('raw-events')
  })

  test('bad options fail at config time with the option’s name', () => {
    expect(() => analyticsPlugin({ retention: { eventsDays: 0 } })(host())).toThrow(/retention.eventsDays/)
    expect(() => analyticsPlugin({ defaults: { timeZone: 'Europe/Atlantis' } })(host())).toThrow(/defaults.timeZone: unknown time zone "Europe\/Atlantis"/)
    expect(() => analyticsPlugin({ sites: { tenantsCollection: 'orgs' } })(host())).toThrow(/"orgs" does not exist/)
    // A malformed Redis URL is refused at start, not taken as a unix socket path later.
    expect(() => analyticsPlugin({ redisUrl: 'redis//cache.internal:6379' })(host())).toThrow(/invalid REDIS_URL "redis\/\/cache.internal:6379"/)
  })
})
