import { describe, expect, it } from 'vitest'

import { uuidv7 } from '../../src/core/uuidv7.js'

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const timeOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)

describe('uuidv7', () => {
  it('is a version 7, RFC-variant UUID carrying the given millisecond', () => {
    const ms = Date.UTC(2026, 10, 22, 6, 30, 0, 123)
    const id = uuidv7(ms)
    expect(id).toMatch(V7)
    expect(timeOf(id)).toBe(ms)
    expect(timeOf(uuidv7(0))).toBe(0)
    expect(uuidv7(0).startsWith('00000000-0000-7')).toBe(true)
  })

  it('sorts by time, as text and byte-wise (the unique index compares it so)', () => {
    const start = Date.UTC(2026, 0, 1)
    const ids = Array.from({ length: 1_000 }, (_, i) => uuidv7(start + i * 997))
    expect([...ids].sort()).toEqual(ids)
  })

  it('is unique within one millisecond', () => {
    const ms = Date.now()
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7(ms))).size).toBe(10_000)
  })

  it('takes its random bits from the given v4 source, keeping the variant', () => {
    expect(uuidv7(1, () => '01234567-89ab-4cde-bf01-23456789abcd')).toBe('00000000-0001-7cde-bf01-23456789abcd')
  })

  it('refuses a time it cannot hold', () => {
    for (const ms of [-1, 1.5, Number.NaN, 2 ** 48]) expect(() => uuidv7(ms)).toThrow(RangeError)
  })
})
