/**
 * Browser, OS, device and bot classification of a user-agent, with isbot and
 * ua-parser-js. The raw user-agent never leaves this function: only the names do.
 */
import { isbot } from 'isbot'
import UAParser from 'ua-parser-js'

import type { DeviceClass, ScreenClass } from './dimensions.js'

import { boundedMemo } from './boundedMemo.js'

export interface UserAgentInfo {
  /**
   * A headless or scripted browser (HeadlessChrome, PhantomJS…). Always also a bot; kept
   * apart so that a site that opts into automation traffic can still count it.
   */
  automation: boolean
  /** A crawler, a script, an automated browser or an empty user-agent. */
  bot: boolean
  browser: null | string
  device: DeviceClass
  os: null | string
}

/** ua-parser-js names folded into what a reader of the dashboard expects. */
const BROWSER_NAMES: ReadonlyMap<string, string> = new Map([
  ['Chrome Headless', 'Chrome'],
  // Android's system WebView and iOS WKWebView (in-app browsers that do not name themselves).
  ['Chrome WebView', 'WebView'],
  ['WebKit', 'WebView'],
  ['IE', 'Internet Explorer'],
  ['Mobile Chrome', 'Chrome'],
  ['Mobile Firefox', 'Firefox'],
  ['Mobile Safari', 'Safari'],
  ['Opera Mobi', 'Opera'],
  ['Opera Touch', 'Opera'],
])

const OS_NAMES: ReadonlyMap<string, string> = new Map([
  ['Chromium OS', 'ChromeOS'],
  ['Mac OS', 'macOS'],
])

/** OSes whose devices are desktops whatever the window width. */
const DESKTOP_OSES: ReadonlySet<string> = new Set([
  'ChromeOS',
  'Debian',
  'Fedora',
  'FreeBSD',
  'Linux',
  'macOS',
  'OpenBSD',
  'Ubuntu',
  'Windows',
])

/** Parser device types beyond phones and tablets (TVs, consoles, watches, headsets…). */
const DEVICE_TYPES: ReadonlyMap<string, DeviceClass> = new Map([
  ['console', 'other'],
  ['embedded', 'other'],
  ['mobile', 'mobile'],
  ['smarttv', 'other'],
  ['tablet', 'tablet'],
  ['wearable', 'other'],
  ['xr', 'other'],
])

const AUTOMATION = /headless|phantomjs|slimerjs/i

/** Upper bounds (exclusive) of Plausible's screen buckets. */
const MOBILE_MAX_WIDTH = 576
const TABLET_MAX_WIDTH = 992
const LAPTOP_MAX_WIDTH = 1440

/** Plausible's screen-size buckets of a viewport width; null when unknown. */
export function screenClass(width: number | undefined): null | ScreenClass {
  if (width === undefined || !Number.isFinite(width) || width <= 0) return null
  if (width < MOBILE_MAX_WIDTH) return 'mobile'
  if (width < TABLET_MAX_WIDTH) return 'tablet'
  if (width < LAPTOP_MAX_WIDTH) return 'laptop'
  return 'desktop'
}

interface ParsedAgent {
  automation: boolean
  bot: boolean
  browser: null | string
  /** The parser's device class, or null when it could not tell. */
  device: DeviceClass | null
  os: null | string
}

// One parser for the process: parsing is synchronous, so reusing it via setUA is safe
// and saves building a parser (and its result objects) per request.
const parser = new UAParser()

function parse(userAgent: string): ParsedAgent {
  const ua = userAgent.trim()
  if (ua === '') return { automation: false, bot: true, browser: null, device: null, os: null }
  parser.setUA(ua)
  const browserName = parser.getBrowser().name
  const osName = parser.getOS().name
  const deviceType = parser.getDevice().type
  const automation = AUTOMATION.test(ua)
  return {
    automation,
    bot: automation || isbot(ua),
    browser: browserName ? (BROWSER_NAMES.get(browserName) ?? browserName) : null,
    device: deviceType ? (DEVICE_TYPES.get(deviceType) ?? 'other') : null,
    os: osName ? (OS_NAMES.get(osName) ?? osName) : null,
  }
}

/**
 * A process-wide cache of parsed user-agents: a site's traffic comes from a few hundred
 * distinct strings, and the parser's regex cascade costs ~15 µs a call. It holds nothing
 * per visitor (no IP, no time).
 */
const parseCached = boundedMemo(parse, { maxEntries: 2000, maxKeyLength: 512 })

/**
 * Classifies a user-agent. Device: phone or tablet as the parser recognises it; a desktop
 * OS means desktop; otherwise the screen width is the hint (Plausible's buckets, laptop
 * and wider counting as desktop); with no hint, desktop.
 */
export function classifyUserAgent(userAgent: string, screenWidth?: number): UserAgentInfo {
  const parsed = parseCached(userAgent)
  let device = parsed.device
  if (device === null) {
    const screen = parsed.os !== null && DESKTOP_OSES.has(parsed.os) ? null : screenClass(screenWidth)
    device = screen === 'mobile' || screen === 'tablet' ? screen : 'desktop'
  }
  return { automation: parsed.automation, bot: parsed.bot, browser: parsed.browser, device, os: parsed.os }
}
