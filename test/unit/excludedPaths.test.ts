import { describe, expect, it } from 'vitest'

import { compileExcludedPaths, isExcludedPath } from '../../src/core/excludedPaths.js'

describe('isExcludedPath', () => {
  it('matches exact patterns exactly', () => {
    const patterns = ['/admin']
    expect(isExcludedPath('/admin', patterns)).toBe(true)
    expect(isExcludedPath('/admin/users', patterns)).toBe(false)
    expect(isExcludedPath('/administrator', patterns)).toBe(false)
    expect(isExcludedPath('/Admin', patterns)).toBe(false)
  })

  it('lets * match within one segment only', () => {
    const patterns = ['/preview/*']
    expect(isExcludedPath('/preview/abc', patterns)).toBe(true)
    expect(isExcludedPath('/preview/abc/def', patterns)).toBe(false)
    expect(isExcludedPath('/users/*/settings', ['/users/*/settings'])).toBe(true)
    expect(isExcludedPath('/users/a/b/settings', ['/users/*/settings'])).toBe(false)
    expect(isExcludedPath('/blog/draft-1', ['/blog/draft-*'])).toBe(true)
  })

  it('lets ** match across segments, a trailing /** including the section root', () => {
    const patterns = ['/docs/**']
    expect(isExcludedPath('/docs', patterns)).toBe(true)
    expect(isExcludedPath('/docs/a', patterns)).toBe(true)
    expect(isExcludedPath('/docs/a/b/c', patterns)).toBe(true)
    expect(isExcludedPath('/docsx', patterns)).toBe(false)
    expect(isExcludedPath('/a/b/private', ['/**/private'])).toBe(true)
    expect(isExcludedPath('/x/y/secret.pdf', ['/**.pdf'])).toBe(true)
    expect(isExcludedPath('/anything/at/all', ['/**'])).toBe(true)
  })

  it('treats regex characters literally', () => {
    expect(isExcludedPath('/a.b', ['/a.b'])).toBe(true)
    expect(isExcludedPath('/axb', ['/a.b'])).toBe(false)
    expect(isExcludedPath('/(x)+[y]', ['/(x)+[y]'])).toBe(true)
    expect(isExcludedPath('/price$', ['/price$'])).toBe(true)
  })

  it('normalises patterns like paths', () => {
    expect(isExcludedPath('/admin', ['/admin/'])).toBe(true)
    expect(isExcludedPath('/admin', ['admin'])).toBe(true)
    expect(isExcludedPath('/', ['/'])).toBe(true)
    expect(isExcludedPath('/a', ['', '   '])).toBe(false)
  })

  it('matches any of several patterns and nothing for an empty list', () => {
    const patterns = ['/admin', '/preview/*', '/internal/**']
    expect(isExcludedPath('/preview/x', patterns)).toBe(true)
    expect(isExcludedPath('/internal/a/b', patterns)).toBe(true)
    expect(isExcludedPath('/pricing', patterns)).toBe(false)
    expect(isExcludedPath('/pricing', [])).toBe(false)
  })

  it('compiles a list once and reuses it', () => {
    const patterns = ['/cached/*']
    expect(isExcludedPath('/cached/a', patterns)).toBe(true)
    // Same content in a fresh array: same answer (from the content-keyed cache).
    expect(isExcludedPath('/cached/b', [...patterns])).toBe(true)
  })

  it('stays fast on a long hostile path', () => {
    // As regexes, these backtrack for minutes on this input.
    const matcher = compileExcludedPaths(['/**a**a**a**a**b', '/*a*a*a*a*a*b'])
    const start = performance.now()
    expect(matcher(`/${'a'.repeat(1024)}`)).toBe(false)
    expect(matcher(`/${'a'.repeat(1023)}b`)).toBe(true)
    expect(performance.now() - start).toBeLessThan(200)
  })
})
