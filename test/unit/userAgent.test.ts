import { describe, expect, it } from 'vitest'

import { classifyUserAgent, screenClass } from '../../src/core/userAgent.js'

const UA = {
  android: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  androidTablet: 'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  androidWebView:
    'Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.71 Mobile Safari/537.36',
  chromeOs: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  curl: 'curl/8.5.0',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36',
  ie: 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  iosWebView: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  macSafari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  phantom: 'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
  smartTv:
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
}

describe('classifyUserAgent', () => {
  it('names desktop browsers and OSes', () => {
    expect(classifyUserAgent(UA.chromeWindows)).toEqual({
      automation: false,
      bot: false,
      browser: 'Chrome',
      device: 'desktop',
      os: 'Windows',
    })
    expect(classifyUserAgent(UA.macSafari)).toMatchObject({ browser: 'Safari', device: 'desktop', os: 'macOS' })
    expect(classifyUserAgent(UA.firefoxLinux)).toMatchObject({ browser: 'Firefox', os: 'Linux' })
    expect(classifyUserAgent(UA.edge)).toMatchObject({ browser: 'Edge' })
    expect(classifyUserAgent(UA.ie)).toMatchObject({ browser: 'Internet Explorer' })
    expect(classifyUserAgent(UA.chromeOs)).toMatchObject({ os: 'ChromeOS' })
  })

  it('folds mobile browser names into their family', () => {
    expect(classifyUserAgent(UA.iphone)).toMatchObject({ browser: 'Safari', device: 'mobile', os: 'iOS' })
    expect(classifyUserAgent(UA.android)).toMatchObject({ browser: 'Chrome', device: 'mobile', os: 'Android' })
    expect(classifyUserAgent(UA.androidWebView)).toMatchObject({ browser: 'WebView', device: 'mobile' })
    expect(classifyUserAgent(UA.iosWebView)).toMatchObject({ browser: 'WebView', device: 'mobile' })
  })

  it('takes tablets from the parser', () => {
    expect(classifyUserAgent(UA.ipad).device).toBe('tablet')
    expect(classifyUserAgent(UA.androidTablet).device).toBe('tablet')
    // The parser wins over a contradicting width.
    expect(classifyUserAgent(UA.ipad, 2000).device).toBe('tablet')
  })

  it('puts TVs, consoles and the like under other', () => {
    expect(classifyUserAgent(UA.smartTv).device).toBe('other')
  })

  it('uses the screen width only when the parser cannot tell and the OS is not a desktop one', () => {
    // Desktop OS: a narrow window is still a desktop.
    expect(classifyUserAgent(UA.chromeWindows, 400).device).toBe('desktop')
    const unknown = 'SomeBrowser/1.0'
    expect(classifyUserAgent(unknown, 400).device).toBe('mobile')
    expect(classifyUserAgent(unknown, 800).device).toBe('tablet')
    expect(classifyUserAgent(unknown, 1200).device).toBe('desktop')
    expect(classifyUserAgent(unknown).device).toBe('desktop')
  })

  it('flags crawlers, scripts and empty user-agents as bots', () => {
    expect(classifyUserAgent(UA.googlebot)).toMatchObject({ automation: false, bot: true })
    expect(classifyUserAgent(UA.curl).bot).toBe(true)
    expect(classifyUserAgent('').bot).toBe(true)
    expect(classifyUserAgent('   ').bot).toBe(true)
  })

  it('flags headless browsers as bots and as automation', () => {
    expect(classifyUserAgent(UA.headless)).toMatchObject({ automation: true, bot: true, browser: 'Chrome', os: 'Linux' })
    expect(classifyUserAgent(UA.phantom)).toMatchObject({ automation: true, bot: true })
    expect(classifyUserAgent(UA.chromeWindows).automation).toBe(false)
  })

  it('answers the same from its cache, and the width still applies per call', () => {
    const unknown = 'CachedBrowser/2.0'
    expect(classifyUserAgent(unknown, 400).device).toBe('mobile')
    expect(classifyUserAgent(unknown, 1600).device).toBe('desktop')
    for (let i = 0; i < 2500; i++) classifyUserAgent(`Filler/${i}`)
    expect(classifyUserAgent(UA.iphone)).toMatchObject({ browser: 'Safari', device: 'mobile' })
  })

  it('copes with huge user-agents', () => {
    const huge = `${UA.chromeWindows} ${'x'.repeat(10_000)}`
    expect(classifyUserAgent(huge)).toMatchObject({ browser: 'Chrome' })
  })
})

describe('screenClass', () => {
  it("uses Plausible's buckets", () => {
    expect(screenClass(320)).toBe('mobile')
    expect(screenClass(575)).toBe('mobile')
    expect(screenClass(576)).toBe('tablet')
    expect(screenClass(991)).toBe('tablet')
    expect(screenClass(992)).toBe('laptop')
    expect(screenClass(1439)).toBe('laptop')
    expect(screenClass(1440)).toBe('desktop')
    expect(screenClass(5120)).toBe('desktop')
  })

  it('is null when unknown', () => {
    expect(screenClass(undefined)).toBeNull()
    expect(screenClass(0)).toBeNull()
    expect(screenClass(Number.NaN)).toBeNull()
  })
})
