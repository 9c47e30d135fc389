import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'

import { clientKey, newSalt, saltDay, VISITOR_HASH_LENGTH, visitorHash } from '../../src/core/visitorHash.js'

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0'

describe('visitorHash', () => {
  const salt = newSalt()

  it('is stable for the same salt, site, anonymised IP and user-agent', () => {
    expect(visitorHash(salt, 1, '203.0.113.0', UA)).toBe(visitorHash(salt, 1, '203.0.113.0', UA))
  })

  it('changes with the salt, the site, the IP and the user-agent', () => {
    const base = visitorHash(salt, 1, '203.0.113.0', UA)
    expect(visitorHash(newSalt(), 1, '203.0.113.0', UA)).not.toBe(base)
    expect(visitorHash(salt, 2, '203.0.113.0', UA)).not.toBe(base)
    expect(visitorHash(salt, 1, '203.0.114.0', UA)).not.toBe(base)
    expect(visitorHash(salt, 1, '203.0.113.0', `${UA} x`)).not.toBe(base)
  })

  it('keeps the fields apart (no ambiguity from concatenation)', () => {
    expect(visitorHash(salt, '1', '2.3.4.0', UA)).not.toBe(visitorHash(salt, '12', '.3.4.0', UA))
  })

  it('is a short base64url string that contains none of its inputs', () => {
    const hash = visitorHash(salt, 1, '203.0.113.0', UA)
    expect(hash).toMatch(new RegExp(`^[A-Za-z0-9_-]{${VISITOR_HASH_LENGTH}}$`))
    expect(hash).not.toContain('203')
  })

  it('is a truncated SHA-256 keyed by the salt: a known salt gives a known value', () => {
    expect(visitorHash('fixed-salt', 1, '203.0.113.0', UA)).toBe(visitorHash('fixed-salt', '1', '203.0.113.0', UA))
    const expected = createHash('sha256')
      .update(['fixed-salt', 'v', '1', '203.0.113.0', UA].join('\n'))
      .digest('base64url')
      .slice(0, VISITOR_HASH_LENGTH)
    expect(visitorHash('fixed-salt', 1, '203.0.113.0', UA)).toBe(expected)
  })
})

describe('clientKey', () => {
  it('ignores the user-agent but not the site or the salt', () => {
    const salt = newSalt()
    expect(clientKey(salt, 1, '203.0.113.0')).toBe(clientKey(salt, 1, '203.0.113.0'))
    expect(clientKey(salt, 2, '203.0.113.0')).not.toBe(clientKey(salt, 1, '203.0.113.0'))
    expect(clientKey(newSalt(), 1, '203.0.113.0')).not.toBe(clientKey(salt, 1, '203.0.113.0'))
    expect(clientKey(salt, 1, '203.0.113.0')).not.toBe(visitorHash(salt, 1, '203.0.113.0', ''))
  })
})

describe('saltDay', () => {
  it('is the UTC calendar day', () => {
    expect(saltDay(new Date('2026-03-01T23:59:59.999Z'))).toBe('2026-03-01')
    expect(saltDay(new Date('2026-03-02T00:00:00.000Z'))).toBe('2026-03-02')
    // 01:30 in Berlin is still the previous day in UTC.
    expect(saltDay(new Date('2026-03-02T01:30:00+01:00'))).toBe('2026-03-02')
    expect(saltDay(new Date('2026-03-02T00:30:00+01:00'))).toBe('2026-03-01')
  })
})

describe('newSalt', () => {
  it('is 32 random bytes as base64url', () => {
    const salt = newSalt()
    expect(salt).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(salt, 'base64url')).toHaveLength(32)
    expect(new Set(Array.from({ length: 50 }, newSalt)).size).toBe(50)
  })
})
