import { describe, expect, test } from 'vitest'

import type { SettingsDefaults } from '../../src/core/siteSettings.js'

import { canonicalDomain, hostnameMatchesDomain, normalizeDomain } from '../../src/core/domain.js'
import { SiteDirectory } from '../../src/ingest/siteDirectory.js'
import { resolveSiteSettings } from '../../src/core/siteSettings.js'
import { goalDefinitionKey } from '../../src/core/goals.js'
import { MAX_ROLLED_UP_PROPS, parsePropKeys, propDefinitionKey, propRowKey, propRowPrefix, rollupDefinitionKeys } from '../../src/core/siteRollups.js'

const defaults: SettingsDefaults = {
  allowedHostnames: ['localhost'],
  conversionEvents: ['lead.created', 'form.submit'],
  excludedPaths: [],
  ipAnonymization: 'standard',
  respectDoNotTrack: true,
  retentionDays: 30,
  timeZone: 'UTC',
  trackAutomation: false,
  trackingEnabled: true,
}

describe('resolveSiteSettings', () => {
  test('without rows, the plugin defaults apply and sharing is off', () => {
    const settings = resolveSiteSettings({}, defaults)
    expect(settings).toMatchObject({ ...defaults, publicDashboard: false, shareToken: null })
  })

  test('the most specific level that sets a switch wins; inherit passes up', () => {
    const settings = resolveSiteSettings(
      { global: { trackingEnabled: 'off' }, site: { trackingEnabled: 'inherit' }, tenant: { trackingEnabled: 'on' } },
      defaults,
    )
    expect(settings.trackingEnabled).toBe(true)
    expect(resolveSiteSettings({ global: { trackingEnabled: 'off' } }, defaults).trackingEnabled).toBe(false)
  })

  test('hostnames and excluded paths add up across levels', () => {
    const settings = resolveSiteSettings(
      { global: { excludedPaths: ['/admin'] }, site: { allowedHostnames: ['staging.example.net'], excludedPaths: ['/preview/*'] } },
      defaults,
    )
    expect(settings.allowedHostnames.sort()).toEqual(['localhost', 'staging.example.net'])
    expect(settings.excludedPaths.sort()).toEqual(['/admin', '/preview/*'])
  })

  test('conversion events, retention and IP mode take the nearest level that sets them', () => {
    const settings = resolveSiteSettings(
      {
        global: { ipAnonymization: 'strict', retentionDays: 90 },
        site: { conversionEvents: ['signup'], ipAnonymization: 'inherit', retentionDays: null },
        tenant: { conversionEvents: ['lead.created'] },
      },
      defaults,
    )
    expect(settings.conversionEvents).toEqual(['signup'])
    expect(settings.ipAnonymization).toBe('strict')
    expect(settings.retentionDays).toBe(90)
  })

  test('a share token counts only while the public dashboard is on', () => {
    expect(resolveSiteSettings({ site: { publicDashboard: true, shareToken: 'abc' } }, defaults)).toMatchObject({
      publicDashboard: true,
      shareToken: 'abc',
    })
    expect(resolveSiteSettings({ site: { publicDashboard: false, shareToken: 'abc' } }, defaults)).toMatchObject({
      publicDashboard: false,
      shareToken: null,
    })
  })
})

describe('domains', () => {
  test('normalizeDomain strips scheme, path, port and case', () => {
    expect(normalizeDomain(' https://WWW.Example.com:8443/path?q=1 ')).toBe('www.example.com')
    expect(normalizeDomain('example.com.')).toBe('example.com')
  })

  test('every spelling of a domain has one canonical form; what is no hostname has none', () => {
    for (const variant of ['GLOBEX.TEST', 'globex.test.', 'https://globex.test/', 'Globex.Test:443', 'user@globex.test:8080/a?b#c', 'ｇｌｏｂｅｘ.test']) {
      expect(canonicalDomain(variant), variant).toBe('globex.test')
    }
    expect(canonicalDomain('Bücher.Example')).toBe('xn--bcher-kva.example')
    expect(canonicalDomain('xn--bcher-kva.example')).toBe('xn--bcher-kva.example')
    for (const invalid of ['', ' ', '..', 'a b.test', '-x.test', 'x_y.test', 'https://']) expect(canonicalDomain(invalid), invalid).toBeNull()
  })

  test('the site directory resolves a domain only while one site claims it', () => {
    const site = (id: number, domain: string) => ({ domain, id, settings: resolveSiteSettings({}, defaults), tenantId: null })
    const directory = new SiteDirectory()
    directory.replaceAll([site(1, 'globex.test'), site(2, 'acme.test')])
    expect(directory.get('GLOBEX.TEST')?.id).toBe(1)
    directory.upsert(site(3, 'Globex.Test.'))
    expect(directory.get('globex.test')).toBeUndefined()
    expect(directory.ambiguousDomains()).toEqual(['globex.test'])
    expect(directory.get('3')?.id).toBe(3)
    directory.remove(3)
    expect(directory.get('globex.test')?.id).toBe(1)
    expect(directory.ambiguousDomains()).toEqual([])
  })

  test('a hostname matches its domain and subdomains only', () => {
    expect(hostnameMatchesDomain('example.com', 'example.com')).toBe(true)
    expect(hostnameMatchesDomain('blog.example.com', 'www.example.com')).toBe(true)
    expect(hostnameMatchesDomain('evil-example.com', 'example.com')).toBe(false)
    expect(hostnameMatchesDomain('example.com.evil.net', 'example.com')).toBe(false)
  })
})

describe('property keys rolled up daily', () => {
  test('a short list of distinct keys without ":"; each bad entry is named', () => {
    expect(parsePropKeys([' plan ', 'variant'])).toEqual(['plan', 'variant'])
    expect(parsePropKeys(null)).toEqual([])
    expect(() => parsePropKeys('plan')).toThrow('rolledUpProps: a list of property keys')
    expect(() => parsePropKeys(['plan', 'a:b'])).toThrow('rolledUpProps[1]: a property key of 1 to 64 characters, without ":"')
    expect(() => parsePropKeys(['x'.repeat(65)])).toThrow('rolledUpProps[0]')
    expect(() => parsePropKeys(['plan', 'plan'])).toThrow('"plan" is listed twice')
    expect(() => parsePropKeys(Array.from({ length: MAX_ROLLED_UP_PROPS + 1 }, (_, i) => `k${i}`))).toThrow(`at most ${MAX_ROLLED_UP_PROPS} keys`)
  })

  test('the most specific level that lists keys wins; a list that does not parse passes to the next level', () => {
    expect(resolveSiteSettings({ global: { rolledUpProps: ['plan'] }, site: { rolledUpProps: [] }, tenant: { rolledUpProps: ['variant'] } }, defaults).rolledUpProps).toEqual(['variant'])
    expect(resolveSiteSettings({ global: { rolledUpProps: ['plan'] }, site: { rolledUpProps: ['a:b'] } }, defaults).rolledUpProps).toEqual(['plan'])
    expect(resolveSiteSettings({}, defaults).rolledUpProps).toEqual([])
  })

  test('row keys of different (key, value) pairs never collide, and state keys of properties never equal a goal’s', () => {
    // "a:b" as a value of "x" and "b" as a value of "x:a" would collide — but "x:a" is no listable key.
    expect(propRowKey('x', 'a:b')).toBe('x:a:b')
    expect(() => parsePropKeys(['x:a'])).toThrow()
    expect(propRowKey('plan', 'pro').startsWith(propRowPrefix('plan'))).toBe(true)
    expect(propRowKey('plan2', 'pro').startsWith(propRowPrefix('plan'))).toBe(false)
    const goal = { event: 'signup', name: 'prop:plan' }
    expect(rollupDefinitionKeys({ goals: [goal], props: ['plan'] })).toEqual([goalDefinitionKey(goal), propDefinitionKey('plan')])
    expect(goalDefinitionKey(goal)).not.toBe(propDefinitionKey('plan'))
  })
})
