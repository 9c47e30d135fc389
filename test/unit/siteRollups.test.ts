import { describe, expect, test } from 'vitest'

import type { SettingsDefaults } from '../../src/core/siteSettings.js'

import { goalDefinitionKey } from '../../src/core/goals.js'
import { resolveSiteSettings } from '../../src/core/siteSettings.js'
import { MAX_ROLLED_UP_PROPS, parsePropKeys, propDefinitionKey, propRowKey, propRowPrefix, rollupDefinitionKeys } from '../../src/core/siteRollups.js'

const defaults: SettingsDefaults = {
  allowedHostnames: [],
  conversionEvents: ['lead.created'],
  excludedPaths: [],
  ipAnonymization: 'standard',
  respectDoNotTrack: true,
  retentionDays: 30,
  timeZone: 'UTC',
  trackAutomation: false,
  trackingEnabled: true,
}

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
