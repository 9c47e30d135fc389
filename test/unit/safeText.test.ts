import { describe, expect, it } from 'vitest'

import { hasUnsafeChars, hasUnsafeTextChars, normalizeKey, truncate } from '../../src/core/safeText.js'

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

  it('normalises keys: controls, lone surrogates, bidi and zero-width characters removed, NFC', () => {
    expect(normalizeKey('a\u0000b\ud800c😀')).toBe('abc😀')
    expect(normalizeKey('/clean-ascii path')).toBe('/clean-ascii path')
    // U+202E RIGHT-TO-LEFT OVERRIDE would show "/gpj.exe" as "/exe.jpg"; isolates, marks, BOM too.
    expect(normalizeKey('/\u202egpj.exe')).toBe('/gpj.exe')
    expect(normalizeKey('/a\u2066b\u2069\u200fc\ufeff')).toBe('/abc')
    // Zero-width space, non-joiner, joiner, word joiner, soft hyphen; line / paragraph separators.
    expect(normalizeKey('pri\u200bc\u200ci\u200dn\u2060g\u00ad\u2028\u2029')).toBe('pricing')
    // Composed and decomposed forms are one key.
    const composed = 'caf\u00e9'
    const decomposed = 'cafe\u0301'
    expect(composed).not.toBe(decomposed)
    expect(normalizeKey(decomposed)).toBe(composed)
    expect(normalizeKey(composed)).toBe(composed)
    // Visible non-ASCII text is kept.
    expect(normalizeKey('日本語 / Ünïcödé')).toBe('日本語 / Ünïcödé')
  })

  it('truncates without splitting surrogate pairs', () => {
    expect(truncate('abc', 5)).toBe('abc')
    expect(truncate('abcdef', 3)).toBe('abc')
    expect(truncate('ab😀', 3)).toBe('ab')
    expect(truncate('ab😀', 4)).toBe('ab😀')
  })
})
