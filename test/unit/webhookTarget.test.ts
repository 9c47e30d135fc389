import { describe, expect, test } from 'vitest'

import { isInternalAddress } from '../../src/core/privateAddress.js'
import { webhookTargetError } from '../../src/reports/webhookTarget.js'

describe('isInternalAddress', () => {
  test('loopback, private, link-local, CGNAT, unspecified, multicast and IPv4-mapped ones are internal; public ones are not', () => {
    for (const ip of ['127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isInternalAddress(ip), ip).toBe(true)
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isInternalAddress(ip), ip).toBe(false)
    }
  })
})

describe('webhookTargetError', () => {
  const resolvesTo = (...addresses: string[]) => async () => addresses
  test('address literals and resolved names that reach inside are refused, unless allowed', async () => {
    expect(await webhookTargetError('http://127.0.0.1:8080/hook', { allowPrivate: false })).toMatch(/loopback, private or link-local.*reports\.allowPrivateWebhooks/)
    expect(await webhookTargetError('http://[::1]/hook', { allowPrivate: false })).toMatch(/loopback/)
    expect(await webhookTargetError('http://169.254.169.254/latest/meta-data', { allowPrivate: false })).toMatch(/169\.254\.169\.254/)
    // One internal address among a name's addresses is enough to refuse it.
    expect(await webhookTargetError('https://hooks.example.com/x', { allowPrivate: false, lookup: resolvesTo('93.184.216.34', '10.0.0.5') })).toMatch(/hooks\.example\.com \(10\.0\.0\.5\)/)
    expect(await webhookTargetError('https://hooks.example.com/x', { allowPrivate: false, lookup: resolvesTo('93.184.216.34') })).toBeNull()
    expect(await webhookTargetError('http://127.0.0.1:8080/hook', { allowPrivate: true })).toBeNull()
  })
  test('a name that does not resolve is refused; while typing (no lookup) only literals are checked; not http(s) is refused', async () => {
    const failing = async () => {
      throw new Error('ENOTFOUND')
    }
    expect(await webhookTargetError('https://nowhere.invalid/x', { allowPrivate: false, lookup: failing })).toBe('The webhook host nowhere.invalid could not be resolved')
    expect(await webhookTargetError('https://nowhere.invalid/x', { allowPrivate: false, lookup: false })).toBeNull()
    expect(await webhookTargetError('file:///etc/passwd', { allowPrivate: true })).toBe('An http:// or https:// URL')
    expect(await webhookTargetError('not a url', { allowPrivate: false })).toBe('An http:// or https:// URL')
  })
})
