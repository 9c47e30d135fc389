import { describe, expect, it } from 'vitest'

import { hasUnsafeChars, hasUnsafeTextChars, stripUnsafeChars, truncate } from '../../src/core/safeText.js'

describe('safeText', () => {
  it('spots control characters and lone surrogates, not well-formed text', () => {
    for (const bad of ['a\u0000', 'a\u001b[31m', '\u007f', '\u0085', 'x\ud800', '\udc00x', 'a\tb', 'a\nb']) {
      expect(hasUnsafeChars(bad)).toBe(true)
    }
    for (const good of ['plain', 'café', '日本語', '😀', '']) expect(hasUnsafeChars(good)).toBe(false)
  })

  it('lets whitespace controls through in free text', () => {
    expect(hasUnsafeTextChars('a\tb\nc\r')).toBe(false)
    expect(hasUnsafeTextChars('a\u0000')).toBe(true)
    expect(hasUnsafeTextChars('\ud83d')).toBe(true)
    expect(hasUnsafeTextChars('😀')).toBe(false)
  })

  it('strips unsafe characters', () => {
    expect(stripUnsafeChars('a\u0000b\ud800c😀')).toBe('abc😀')
    expect(stripUnsafeChars('clean')).toBe('clean')
  })

  it('truncates without splitting surrogate pairs', () => {
    expect(truncate('abc', 5)).toBe('abc')
    expect(truncate('abcdef', 3)).toBe('abc')
    expect(truncate('ab😀', 3)).toBe('ab')
    expect(truncate('ab😀', 4)).toBe('ab😀')
  })
})
