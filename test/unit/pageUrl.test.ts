import { describe, expect, it } from 'vitest'

import { MAX_PATH_LENGTH, normalizePath, parsePageUrl } from '../../src/core/pageUrl.js'

describe('parsePageUrl', () => {
  it('splits hostname and path, without query string or fragment', () => {
    expect(parsePageUrl('https://Blog.Example.COM/Posts/Hello/?x=1#top')).toEqual({
      clickId: null,
      hostname: 'blog.example.com',
      path: '/Posts/Hello',
      sourceParam: null,
      utm: { campaign: null, content: null, medium: null, source: null, term: null },
    })
  })

  it('keeps the root and trims trailing slashes elsewhere', () => {
    expect(parsePageUrl('https://example.com')?.path).toBe('/')
    expect(parsePageUrl('https://example.com/')?.path).toBe('/')
    expect(parsePageUrl('https://example.com/a//')?.path).toBe('/a')
  })

  it('drops the port, credentials and a trailing dot from the hostname', () => {
    expect(parsePageUrl('http://user:pw@example.com.:8080/a')?.hostname).toBe('example.com')
    expect(parsePageUrl('http://localhost:3000/')?.hostname).toBe('localhost')
  })

  it('decodes percent-escapes for readability but keeps reserved ones', () => {
    expect(parsePageUrl('https://example.com/caf%C3%A9')?.path).toBe('/café')
    expect(parsePageUrl('https://example.com/café')?.path).toBe('/café')
    expect(parsePageUrl('https://example.com/a%2Fb')?.path).toBe('/a%2Fb')
    expect(parsePageUrl('https://example.com/bad%E0%A4%A')?.path).toBe('/bad%E0%A4%A')
    expect(parsePageUrl('https://example.com/nul%00')?.path).toBe('/nul%00')
  })

  it('limits the path length', () => {
    expect(parsePageUrl(`https://example.com/${'a'.repeat(3000)}`)?.path).toHaveLength(MAX_PATH_LENGTH)
  })

  it('reads, trims and limits UTM tags', () => {
    const page = parsePageUrl(
      `https://example.com/?utm_source=%20newsletter%20&utm_medium=email&utm_campaign=spring+sale&utm_term=shoes&utm_content=${'c'.repeat(300)}`,
    )
    expect(page?.utm).toEqual({
      campaign: 'spring sale',
      content: 'c'.repeat(256),
      medium: 'email',
      source: 'newsletter',
      term: 'shoes',
    })
    expect(page?.sourceParam).toBe('newsletter')
    expect(parsePageUrl('https://example.com/?utm_source=&utm_medium=%20')?.utm.source).toBeNull()
    expect(parsePageUrl('https://example.com/?utm_source=a%00b')?.utm.source).toBe('ab')
  })

  it('takes source and ref as the explicit source when utm_source is absent', () => {
    expect(parsePageUrl('https://example.com/?ref=producthunt')?.sourceParam).toBe('producthunt')
    expect(parsePageUrl('https://example.com/?source=hn&ref=x')?.sourceParam).toBe('hn')
    expect(parsePageUrl('https://example.com/?utm_source=a&source=b')?.sourceParam).toBe('a')
    // They are not UTM tags.
    expect(parsePageUrl('https://example.com/?ref=producthunt')?.utm.source).toBeNull()
  })

  it('fills source and medium from a click id when the link has no utm_source', () => {
    const google = parsePageUrl('https://example.com/?gclid=abc123')
    expect(google?.clickId).toBe('gclid')
    expect(google?.utm).toMatchObject({ medium: 'cpc', source: 'Google' })
    expect(google?.sourceParam).toBe('Google')
    expect(parsePageUrl('https://example.com/?msclkid=1')?.utm).toMatchObject({ medium: 'cpc', source: 'Bing' })
    expect(parsePageUrl('https://example.com/?ttclid=1')?.utm).toMatchObject({ medium: 'cpc', source: 'TikTok' })
    expect(parsePageUrl('https://example.com/?li_fat_id=1')?.utm).toMatchObject({ medium: 'cpc', source: 'LinkedIn' })
    // Facebook and X add their ids to organic links too: no medium is implied.
    expect(parsePageUrl('https://example.com/?fbclid=1')?.utm).toMatchObject({ medium: null, source: 'Facebook' })
    expect(parsePageUrl('https://example.com/?twclid=1')?.utm).toMatchObject({ medium: null, source: 'Twitter' })
  })

  it('never lets a click id override explicit tags, and never keeps its value', () => {
    const tagged = parsePageUrl('https://example.com/?gclid=SECRET&utm_source=newsletter')
    expect(tagged?.clickId).toBe('gclid')
    expect(tagged?.utm).toMatchObject({ medium: null, source: 'newsletter' })
    expect(parsePageUrl('https://example.com/?gclid=1&utm_medium=display')?.utm).toMatchObject({
      medium: 'display',
      source: 'Google',
    })
    expect(parsePageUrl('https://example.com/?gclid=1&ref=partner')?.sourceParam).toBe('partner')
    expect(JSON.stringify(tagged)).not.toContain('SECRET')
  })

  it('makes look-alike paths and UTM values one key: bidi overrides, zero-width characters, NFD', () => {
    const variants = [
      'https://example.com/caf%C3%A9?utm_campaign=caf%C3%A9', // composed é
      'https://example.com/cafe%CC%81?utm_campaign=cafe%CC%81', // e + combining acute (NFD)
      'https://example.com/caf%E2%80%8B%C3%A9?utm_campaign=caf%E2%80%8B%C3%A9', // zero-width space inside
      'https://example.com/%E2%80%AEcaf%C3%A9?utm_campaign=%E2%80%AEcaf%C3%A9', // RIGHT-TO-LEFT OVERRIDE first
      'https://example.com/caf%C3%A9%EF%BB%BF?utm_campaign=%E2%81%A6caf%C3%A9%E2%81%A9', // BOM; an isolate pair
    ]
    const parsed = variants.map((url) => parsePageUrl(url)!)
    expect(new Set(parsed.map((page) => page.path))).toEqual(new Set(['/caf\u00e9']))
    expect(new Set(parsed.map((page) => page.utm.campaign))).toEqual(new Set(['caf\u00e9']))
    // A UTM value that was nothing but invisible characters is no value.
    expect(parsePageUrl('https://example.com/?utm_source=%E2%80%8B%E2%80%AE')?.utm.source).toBeNull()
  })

  it('refuses a hostname longer than DNS allows (253 characters)', () => {
    const label = 'a'.repeat(60)
    const long = `${Array.from({ length: 20 }, () => label).join('.')}.example.com` // ≈ 1,230 characters
    expect(parsePageUrl(`https://${long}/`)).toBeNull()
    const longest = `${Array.from({ length: 4 }, () => label).join('.')}.example.com`.slice(-253)
    expect(parsePageUrl(`https://${longest}/`)?.hostname).toBe(longest)
  })

  it('accepts only absolute http(s) URLs', () => {
    for (const url of ['ftp://example.com/', 'javascript:alert(1)', 'data:text/html,x', '/relative', 'example.com', '', 'http://']) {
      expect(parsePageUrl(url)).toBeNull()
    }
  })
})

describe('normalizePath', () => {
  it('normalises server-side paths the same way', () => {
    expect(normalizePath('/exports/monthly/?x=1')).toBe('/exports/monthly')
    expect(normalizePath('reports#x')).toBe('/reports')
    expect(normalizePath('/')).toBe('/')
  })

  it('does not split a surrogate pair when truncating', () => {
    const path = normalizePath(`/${'a'.repeat(MAX_PATH_LENGTH - 2)}😀`)
    expect(path.length).toBe(MAX_PATH_LENGTH - 1)
    expect(path.endsWith('a')).toBe(true)
  })
})
