import { describe, expect, it } from 'vitest'

import { knownSourceForHost, referrerSource, sourceFromParam } from '../../src/core/referrer.js'

const source = (referrer: string | undefined, sourceParam?: null | string) =>
  referrerSource(referrer, 'www.example.com', 'example.com', sourceParam)

describe('referrerSource', () => {
  it('names search engines, including Google country domains', () => {
    expect(source('https://www.google.com/')).toBe('Google')
    expect(source('https://www.google.co.uk/')).toBe('Google')
    expect(source('https://www.google.com.au/search?q=x')).toBe('Google')
    expect(source('https://google.de/')).toBe('Google')
    expect(source('https://www.bing.com/search?q=x')).toBe('Bing')
    expect(source('https://duckduckgo.com/')).toBe('DuckDuckGo')
    expect(source('https://search.yahoo.com/')).toBe('Yahoo')
    expect(source('https://uk.search.yahoo.com/')).toBe('Yahoo')
    expect(source('https://yandex.ru/')).toBe('Yandex')
    expect(source('https://www.baidu.com/')).toBe('Baidu')
    expect(source('https://www.ecosia.org/')).toBe('Ecosia')
    expect(source('https://search.brave.com/')).toBe('Brave')
    expect(source('https://www.startpage.com/')).toBe('Startpage')
    expect(source('https://www.qwant.com/')).toBe('Qwant')
  })

  it('names social networks and their link shorteners', () => {
    expect(source('https://l.facebook.com/l.php?u=x')).toBe('Facebook')
    expect(source('https://lm.facebook.com/')).toBe('Facebook')
    expect(source('https://m.facebook.com/')).toBe('Facebook')
    expect(source('https://l.instagram.com/')).toBe('Instagram')
    expect(source('https://t.co/abc')).toBe('Twitter')
    expect(source('https://x.com/someone')).toBe('Twitter')
    expect(source('https://twitter.com/')).toBe('Twitter')
    expect(source('https://www.linkedin.com/feed/')).toBe('LinkedIn')
    expect(source('https://lnkd.in/abc')).toBe('LinkedIn')
    expect(source('https://old.reddit.com/r/x')).toBe('Reddit')
    expect(source('https://out.reddit.com/')).toBe('Reddit')
    expect(source('https://m.youtube.com/')).toBe('YouTube')
    expect(source('https://youtu.be/')).toBe('YouTube')
    expect(source('https://www.pinterest.de/')).toBe('Pinterest')
    expect(source('https://www.tiktok.com/')).toBe('TikTok')
    expect(source('https://news.ycombinator.com/item?id=1')).toBe('Hacker News')
  })

  it('names AI assistants and webmail, with the most specific entry winning', () => {
    expect(source('https://chatgpt.com/')).toBe('ChatGPT')
    expect(source('https://chat.openai.com/')).toBe('ChatGPT')
    expect(source('https://www.perplexity.ai/')).toBe('Perplexity')
    expect(source('https://gemini.google.com/')).toBe('Gemini')
    expect(source('https://mail.google.com/mail/u/0/')).toBe('Gmail')
    expect(source('https://outlook.live.com/')).toBe('Outlook')
    expect(source('https://mail.yahoo.com/')).toBe('Yahoo Mail')
  })

  it('names Android apps by package', () => {
    expect(source('android-app://com.google.android.gm/')).toBe('Gmail')
    expect(source('android-app://com.google.android.googlequicksearchbox/')).toBe('Google')
    expect(source('android-app://org.example.reader/')).toBe('org.example.reader')
  })

  it('gives the bare host of unknown referrers', () => {
    expect(source('https://www.some-blog.org/post/1')).toBe('some-blog.org')
    expect(source('http://news.example.net:8080/a')).toBe('news.example.net')
    expect(source('https://NotGoogle.com/')).toBe('notgoogle.com')
    expect(source('https://google.example.org/')).toBe('google.example.org')
  })

  it('drops self-referrals: the page host, the site domain and its subdomains', () => {
    expect(source('https://www.example.com/previous')).toBeNull()
    expect(source('https://example.com/')).toBeNull()
    expect(source('https://blog.example.com/')).toBeNull()
    expect(referrerSource('https://preview.acme.dev/', 'preview.acme.dev', 'example.com')).toBeNull()
    expect(source('https://example.com.evil.net/')).toBe('example.com.evil.net')
  })

  it('gives no source for a referrer host longer than DNS allows, so it cannot fill the Sources list', () => {
    const long = `${'a'.repeat(1_200)}.example.org`
    expect(source(`https://${long}/`)).toBeNull()
    expect(source(`https://${'b'.repeat(60)}.example.org/`)).toBe(`${'b'.repeat(60)}.example.org`)
  })

  it('makes look-alike source parameters one source', () => {
    const sources = ['Caf\u00e9 News', 'Cafe\u0301 News', '\u202eCaf\u00e9 News', 'Caf\u200b\u00e9 News\u200d'].map((value) => source(undefined, value))
    expect(new Set(sources)).toEqual(new Set(['Caf\u00e9 News']))
    expect(sourceFromParam('\u200b\u202e')).toBeNull()
  })

  it('treats missing, empty, invalid and non-web referrers as direct', () => {
    expect(source(undefined)).toBeNull()
    expect(source('')).toBeNull()
    expect(source('   ')).toBeNull()
    expect(source('not a url')).toBeNull()
    expect(source('file:///etc/passwd')).toBeNull()
    expect(source('javascript:alert(1)')).toBeNull()
  })

  it('lets an explicit source parameter win over the referrer, even internally', () => {
    expect(source('https://www.google.com/', 'newsletter')).toBe('newsletter')
    expect(source(undefined, 'fb')).toBe('Facebook')
    expect(source('https://www.example.com/', 'chatgpt.com')).toBe('ChatGPT')
    // A blank parameter does not hide the referrer.
    expect(source('https://www.google.com/', '  ')).toBe('Google')
  })
})

describe('sourceFromParam', () => {
  it('maps aliases and known hosts, keeps the rest as written', () => {
    expect(sourceFromParam('Google')).toBe('Google')
    expect(sourceFromParam('ig')).toBe('Instagram')
    expect(sourceFromParam('news.ycombinator.com')).toBe('Hacker News')
    expect(sourceFromParam(' Spring Newsletter ')).toBe('Spring Newsletter')
    expect(sourceFromParam('partner-site.io')).toBe('partner-site.io')
    expect(sourceFromParam('x\u0000y')).toBe('xy')
    expect(sourceFromParam('a'.repeat(500))).toHaveLength(256)
    expect(sourceFromParam('')).toBeNull()
  })
})

describe('knownSourceForHost', () => {
  it('is null for unknown hosts and bare TLDs', () => {
    expect(knownSourceForHost('example.org')).toBeNull()
    expect(knownSourceForHost('com')).toBeNull()
    expect(knownSourceForHost('WWW.BING.COM')).toBe('Bing')
  })
})
