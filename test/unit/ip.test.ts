import { describe, expect, it } from 'vitest'

import { headersFromRecord } from '../../src/core/headers.js'
import { anonymizeIp, clientIp, unmapIpv4 } from '../../src/core/ip.js'

const headers = (record: Record<string, string | string[]>) => headersFromRecord(record)
const none = headers({})

describe('anonymizeIp', () => {
  it('keeps IPv4 /24 in standard mode and /16 in strict mode', () => {
    expect(anonymizeIp('203.0.113.77', 'standard')).toBe('203.0.113.0')
    expect(anonymizeIp('203.0.113.77', 'strict')).toBe('203.0.0.0')
    expect(anonymizeIp(' 10.1.2.3 ', 'standard')).toBe('10.1.2.0')
  })

  it('keeps IPv6 /48 in standard mode and /32 in strict mode, in canonical form', () => {
    expect(anonymizeIp('2001:db8:abcd:12:1:2:3:4', 'standard')).toBe('2001:db8:abcd::')
    expect(anonymizeIp('2001:db8:abcd:12:1:2:3:4', 'strict')).toBe('2001:db8::')
    // Differently written, same network: same result.
    expect(anonymizeIp('2001:0DB8:0000:0012::1', 'standard')).toBe('2001:db8::')
    expect(anonymizeIp('2001:db8::12:0:0:1', 'standard')).toBe('2001:db8::')
    expect(anonymizeIp('fe80::1%eth0', 'standard')).toBe('fe80::')
  })

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    expect(anonymizeIp('::ffff:198.51.100.23', 'standard')).toBe('198.51.100.0')
    expect(anonymizeIp('::FFFF:c633:6417', 'strict')).toBe('198.51.0.0')
  })

  it('gives null for anything that is not an IP', () => {
    for (const value of ['', 'localhost', '1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4:80', '::g', 'unknown']) {
      expect(anonymizeIp(value, 'standard')).toBeNull()
    }
  })

  it('never returns the full address', () => {
    expect(anonymizeIp('192.0.2.255', 'standard')).not.toContain('255')
    expect(anonymizeIp('2001:db8:1:2:3:4:5:6', 'standard')).not.toMatch(/:2:|:6$/)
  })
})

describe('unmapIpv4', () => {
  it('unwraps mapped addresses and leaves others alone', () => {
    expect(unmapIpv4('::ffff:1.2.3.4')).toBe('1.2.3.4')
    expect(unmapIpv4('::ffff:102:304')).toBe('1.2.3.4')
    expect(unmapIpv4('1.2.3.4')).toBe('1.2.3.4')
    expect(unmapIpv4('2001:db8::1')).toBe('2001:db8::1')
    expect(unmapIpv4('nonsense')).toBe('nonsense')
  })
})

describe('clientIp', () => {
  const forwarded = headers({ 'x-forwarded-for': '198.51.100.1, 203.0.113.5, 10.0.0.2' })

  it('uses the socket address and ignores headers when proxies are not trusted', () => {
    expect(clientIp('10.0.0.9', forwarded, false)).toBe('10.0.0.9')
    expect(clientIp('10.0.0.9', headers({ 'x-real-ip': '1.1.1.1' }), false)).toBe('10.0.0.9')
    expect(clientIp('10.0.0.9', forwarded, 0)).toBe('10.0.0.9')
    expect(clientIp('::ffff:10.0.0.9', none, false)).toBe('::ffff:10.0.0.9')
    expect(clientIp(undefined, none, false)).toBeNull()
    expect(clientIp('garbage', none, false)).toBeNull()
  })

  it('takes the left-most valid X-Forwarded-For entry when fully trusted', () => {
    expect(clientIp('10.0.0.9', forwarded, true)).toBe('198.51.100.1')
    expect(clientIp('10.0.0.9', headers({ 'x-forwarded-for': 'unknown, 198.51.100.7' }), true)).toBe('198.51.100.7')
  })

  it('counts trusted hops from the socket when given a number', () => {
    // One proxy in front: it appended the address it saw, the right-most entry.
    expect(clientIp('10.0.0.9', forwarded, 1)).toBe('10.0.0.2')
    expect(clientIp('10.0.0.9', forwarded, 2)).toBe('203.0.113.5')
    expect(clientIp('10.0.0.9', forwarded, 3)).toBe('198.51.100.1')
    // More hops trusted than entries: the left-most, the furthest we can see.
    expect(clientIp('10.0.0.9', forwarded, 10)).toBe('198.51.100.1')
  })

  it('handles repeated headers, ports and brackets', () => {
    const repeated = headers({ 'x-forwarded-for': ['198.51.100.1', '203.0.113.5'] })
    expect(clientIp('10.0.0.9', repeated, 1)).toBe('203.0.113.5')
    expect(clientIp('10.0.0.9', headers({ 'x-forwarded-for': '198.51.100.1:4711' }), true)).toBe('198.51.100.1')
    expect(clientIp('10.0.0.9', headers({ 'x-forwarded-for': '[2001:db8::5]:443' }), true)).toBe('2001:db8::5')
  })

  it('falls back to the socket when the trusted header is missing or invalid', () => {
    expect(clientIp('10.0.0.9', none, true)).toBe('10.0.0.9')
    expect(clientIp('10.0.0.9', headers({ 'x-forwarded-for': 'evil' }), 1)).toBe('10.0.0.9')
  })

  it('prefers the configured single-IP headers, in order, whatever trustProxy says', () => {
    const both = headers({
      'cf-connecting-ip': '2001:db8::7',
      'x-forwarded-for': '198.51.100.1',
      'x-real-ip': '203.0.113.9',
    })
    expect(clientIp('10.0.0.9', both, true, ['cf-connecting-ip', 'x-real-ip'])).toBe('2001:db8::7')
    expect(clientIp('10.0.0.9', both, 1, ['x-real-ip', 'cf-connecting-ip'])).toBe('203.0.113.9')
    expect(clientIp('10.0.0.9', both, false, ['cf-connecting-ip'])).toBe('2001:db8::7')
    expect(clientIp('10.0.0.9', headers({ 'x-real-ip': 'bogus' }), true, ['x-real-ip'])).toBe('10.0.0.9')
  })

  it('never reads a single-IP header that is not configured, even with proxies trusted', () => {
    // A plain load balancer appends to X-Forwarded-For and passes X-Real-IP through untouched:
    // a hop count must not make a client-chosen X-Real-IP the visitor's address.
    const spoofed = headers({ 'cf-connecting-ip': '192.0.2.1', 'x-forwarded-for': '198.51.100.1', 'x-real-ip': '203.0.113.9' })
    expect(clientIp('10.0.0.9', spoofed, 1)).toBe('198.51.100.1')
    expect(clientIp('10.0.0.9', spoofed, true)).toBe('198.51.100.1')
    expect(clientIp('10.0.0.9', headers({ 'x-real-ip': '203.0.113.9' }), 1)).toBe('10.0.0.9')
  })

  it('reads fetch Headers as well', () => {
    const fetchHeaders = new Headers({ 'X-Forwarded-For': '198.51.100.1' })
    expect(clientIp('10.0.0.9', fetchHeaders, true)).toBe('198.51.100.1')
  })
})
