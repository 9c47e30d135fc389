import { describe, expect, it } from 'vitest'

import { boundedMemo } from '../../src/core/boundedMemo.js'

describe('boundedMemo', () => {
  it('computes a key once, forgets the oldest past the bound, and never keeps over-long keys', () => {
    const calls: string[] = []
    const upper = boundedMemo(
      (key: string) => {
        calls.push(key)
        return key.toUpperCase()
      },
      { maxEntries: 2, maxKeyLength: 5 },
    )
    expect([upper('a'), upper('a'), upper('b')]).toEqual(['A', 'A', 'B'])
    expect(calls).toEqual(['a', 'b'])
    upper('c') // 'a' goes
    upper('a')
    expect(calls).toEqual(['a', 'b', 'c', 'a'])
    upper('toolong')
    upper('toolong')
    expect(calls.filter((key) => key === 'toolong')).toHaveLength(2)
  })

  it('keeps a null result too', () => {
    let calls = 0
    const none = boundedMemo(() => {
      calls += 1
      return null
    }, { maxEntries: 10, maxKeyLength: 10 })
    none('x')
    none('x')
    expect(calls).toBe(1)
  })
})
