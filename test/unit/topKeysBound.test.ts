import { describe, expect, test } from 'vitest'

import { keysToRank } from '../../src/core/topKeysBound.js'

const candidate = (key: null | string, lower: number, upper = lower) => ({ key, lower, upper })

describe('keysToRank: which keys can make a breakdown’s top N', () => {
  test('every part read whole: every candidate is ranked, whatever the limit', () => {
    expect(keysToRank({ bound: 0, candidates: [candidate('/a', 5), candidate('/b', 1)], cut: false }, 1)).toEqual(['/a', '/b'])
    expect(keysToRank({ bound: 0, candidates: [], cut: false }, 10)).toEqual([])
  })

  test('an unread key cannot reach the N-th lower sum: only the candidates that can are ranked', () => {
    const dimension = { bound: 4, candidates: [candidate('/a', 50, 52), candidate('/b', 20, 23), candidate('/c', 9, 21), candidate('/d', 3, 7)], cut: true }
    // 2nd largest lower: 20. /c could still reach 21 ≥ 20; /d at most 7.
    expect(keysToRank(dimension, 2)).toEqual(['/a', '/b', '/c'])
    expect(keysToRank(dimension, 1)).toEqual(['/a'])
  })

  test('no proof: an unread key could tie or beat the N-th, too few candidates, or a NULL key', () => {
    // An unread key with as many visitors as the N-th could still rank above it on visits.
    expect(keysToRank({ bound: 20, candidates: [candidate('/a', 50), candidate('/b', 20)], cut: true }, 2)).toBeNull()
    expect(keysToRank({ bound: 1, candidates: [candidate('/a', 50)], cut: true }, 2)).toBeNull()
    expect(keysToRank({ bound: 0, candidates: [candidate(null, 50), candidate('/b', 20)], cut: false }, 1)).toBeNull()
  })
})
