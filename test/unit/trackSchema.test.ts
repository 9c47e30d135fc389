import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import {
  MAX_BODY_BYTES,
  MAX_EVENT_VALUE,
  MAX_PROPS,
  pageEventBodySchema,
  parseServerEvent,
  parseTrackBody,
  plainPageEventBody,
  trackBodySchema,
} from '../../src/core/trackSchema.js'

const valid = { s: '42', t: 'pageview', u: 'https://example.com/pricing?utm_source=x' }
const json = (value: unknown) => JSON.stringify(value)

const expectError = (raw: string, pattern: RegExp, status = 400) => {
  const result = parseTrackBody(raw)
  expect(result.ok).toBe(false)
  if (result.ok) return
  expect(result.status).toBe(status)
  expect(result.error).toMatch(pattern)
}

describe('parseTrackBody', () => {
  it('accepts the minimal and the full tracker body', () => {
    expect(parseTrackBody(json(valid))).toEqual({ body: valid, ok: true })
    const full = {
      ...valid,
      p: { a: 'x', b: 1.5, c: true, d: null, 'plan.tier': 'pro' },
      r: 'https://www.google.com/',
      t: 'lead.created',
      v: 12,
      w: 1280,
    }
    expect(parseTrackBody(json(full))).toEqual({ body: full, ok: true })
  })

  it('accepts custom event names and site ids that are uuids', () => {
    const body = { ...valid, s: '3f2b8c1e-9a4d-4c1b-8f5e-2d7a6b9c0e1f', t: 'signup:step/2' }
    expect(parseTrackBody(json(body)).ok).toBe(true)
  })

  it('accepts the names of the optional tracker features: inner spaces and a leading digit', () => {
    for (const t of ['Outbound Link: Click', 'File Download', '404']) expect(parseTrackBody(json({ ...valid, p: { url: 'https://x.org/' }, t })).ok).toBe(true)
    for (const t of [' leading', 'trailing ', '-dash', 'tab\tname']) expectError(json({ ...valid, t }), /^Invalid event: t: /)
  })

  describe('engagement', () => {
    const engagement = { ...valid, d: 50, e: 5000, t: 'engagement' }

    it('accepts a scroll depth of 0–100 % and an engaged time under one day', () => {
      expect(parseTrackBody(json(engagement))).toEqual({ body: engagement, ok: true })
      expect(parseTrackBody(json({ ...engagement, d: 0, e: 0 })).ok).toBe(true)
      expect(parseTrackBody(json({ ...engagement, d: 100, e: 86_399_999 })).ok).toBe(true)
    })

    it('refuses depths and times out of range or not whole', () => {
      expectError(json({ ...engagement, d: 101 }), /d: must be a whole percentage from 0 to 100/)
      expectError(json({ ...engagement, d: -1 }), /d: must be a whole percentage/)
      expectError(json({ ...engagement, d: 50.5 }), /d: must be a whole percentage/)
      expectError(json({ ...engagement, e: 86_400_000 }), /e: must be a whole number of milliseconds .*under one day/)
      expectError(json({ ...engagement, e: -5 }), /e: must be a whole number of milliseconds/)
      expectError(json({ ...engagement, e: '5000' }), /e: must be a whole number of milliseconds/)
    })

    it('needs both figures on an engagement and allows them nowhere else', () => {
      expectError(json({ ...valid, e: 5000, t: 'engagement' }), /d: is required for an engagement event/)
      expectError(json({ ...valid, d: 50, t: 'engagement' }), /e: is required for an engagement event/)
      expectError(json({ ...valid, d: 50 }), /d: is allowed on engagement events only/)
      expectError(json({ ...engagement, v: 3 }), /v: is not allowed on an engagement event/)
      expectError(json({ ...engagement, p: { a: 1 } }), /p: is not allowed on an engagement event/)
    })

    it('comes from the tracker only, never from server code', () => {
      const result = parseServerEvent({ siteId: 1, type: 'engagement', value: 5 })
      expect(!result.ok && result.error).toMatch(/type: engagement events come from the browser tracker only/)
    })
  })

  it('ignores a leading byte-order mark', () => {
    expect(parseTrackBody(`\uFEFF${json(valid)}`).ok).toBe(true)
  })

  it('explains malformed JSON without echoing it', () => {
    expectError('{"s": "1", ', /not valid JSON/)
    const result = parseTrackBody('{secret-input')
    expect(!result.ok && result.error).not.toContain('secret-input')
  })

  it('refuses empty bodies and non-objects', () => {
    expectError('', /Empty body/)
    expectError('   ', /Empty body/)
    expectError('[]', /JSON object/)
    expectError('null', /JSON object/)
    expectError('"pageview"', /JSON object/)
    expectError('42', /JSON object/)
  })

  it('answers 413 for bodies over the limit', () => {
    expectError(json({ ...valid, r: 'x'.repeat(MAX_BODY_BYTES) }), /too large/, 413)
  })

  it('names the offending field in the message and lists issues', () => {
    const result = parseTrackBody(json({ ...valid, t: '-bad name' }))
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toMatch(/^Invalid event: t: must be 'pageview', a built-in event type or a custom name/)
    expect(result.issues).toEqual([expect.objectContaining({ path: 't' })])
  })

  it('refuses unknown keys, including __proto__ at the top level', () => {
    expectError(json({ ...valid, extra: 1 }), /Unrecognized key/)
    expectError('{"s":"1","t":"pageview","u":"https://a.com/","__proto__":{"polluted":true}}', /__proto__/)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('requires s, t and u', () => {
    expectError(json({ t: 'pageview', u: valid.u }), /^Invalid event: s:/)
    expectError(json({ s: '1', u: valid.u }), /^Invalid event: t:/)
    expectError(json({ s: '1', t: 'pageview' }), /^Invalid event: u:/)
  })

  it('limits every string', () => {
    expectError(json({ ...valid, t: `a${'b'.repeat(64)}` }), /t: /)
    expectError(json({ ...valid, u: `https://a.com/${'x'.repeat(2048)}` }), /u: must be at most 2048/)
    expectError(json({ ...valid, r: 'x'.repeat(2049) }), /r: must be at most 2048/)
    expectError(json({ ...valid, s: 'x'.repeat(254) }), /s: must be a site id/)
    expectError(json({ ...valid, s: "1' OR 1=1 --" }), /s: must be a site id/)
  })

  it('accepts only http(s) page URLs', () => {
    expectError(json({ ...valid, u: 'javascript:alert(1)' }), /u: must be an http\(s\) URL/)
    expectError(json({ ...valid, u: '/relative' }), /u: must be an http\(s\) URL/)
    expect(parseTrackBody(json({ ...valid, u: 'HTTP://EXAMPLE.COM/' })).ok).toBe(true)
  })

  it('refuses control characters and lone surrogates', () => {
    expectError(json({ ...valid, u: 'https://a.com/\u0000' }), /u: must not contain control characters/)
    expectError('{"s":"1","t":"pageview","u":"https://a.com/\\ud800"}', /u: must not contain control characters or unpaired surrogates/)
    expectError(json({ ...valid, r: 'https://a.com/\u0085' }), /r: must not contain/)
    // A well-formed astral character is fine.
    expect(parseTrackBody(json({ ...valid, u: 'https://a.com/😀' })).ok).toBe(true)
  })

  it('checks the window width and the value', () => {
    expect(parseTrackBody(json({ ...valid, w: 0 })).ok).toBe(true)
    expectError(json({ ...valid, w: 1.5 }), /w: must be an integer/)
    expectError(json({ ...valid, w: -1 }), /w: must be at least 0/)
    expectError(json({ ...valid, w: 100_001 }), /w: must be at most 100000/)
    expectError(json({ ...valid, w: '1280' }), /w: must be an integer/)
    expectError(json({ ...valid, v: '12' }), /v: must be a finite number/)
    expectError('{"s":"1","t":"pageview","u":"https://a.com/","v":1e999}', /v: must be a finite number/)
  })

  it('bounds the value, and refuses a negative one where it is summed into a count (ai.usage)', () => {
    expect(MAX_EVENT_VALUE).toBe(1_000_000_000)
    for (const v of [MAX_EVENT_VALUE, -MAX_EVENT_VALUE, 0, 1830, -12.5]) expect(parseTrackBody(json({ ...valid, t: 'purchase', v })).ok).toBe(true)
    expect(parseTrackBody(json({ ...valid, t: 'ai.usage', v: MAX_EVENT_VALUE })).ok).toBe(true)
    // The two values that once broke every "all sites" view, and their negatives.
    for (const v of [1.7976931348623157e308, 1e308, MAX_EVENT_VALUE + 1, -1e308]) {
      expectError(json({ ...valid, t: 'purchase', v }), /v: must be a number between -1,000,000,000 and 1,000,000,000/)
    }
    expectError(json({ ...valid, t: 'ai.usage', v: -1 }), /v: must not be negative for ai\.usage events/)
    expectError(json({ ...valid, t: 'ai.usage', v: -1e-9 }), /v: must not be negative/)
  })

  describe('props', () => {
    const withProps = (p: unknown) => json({ ...valid, p })

    it(`allows at most ${MAX_PROPS} props`, () => {
      const props = Object.fromEntries(Array.from({ length: MAX_PROPS }, (_, i) => [`k${i}`, i]))
      expect(parseTrackBody(withProps(props)).ok).toBe(true)
      expectError(withProps({ ...props, one: 'more' }), /p: must have at most 30 properties/)
    })

    it('refuses nesting and arrays', () => {
      expectError(withProps({ a: { b: 1 } }), /p\.a: must be a string of at most 256 characters/)
      expectError(withProps({ a: [1] }), /p\.a: /)
      expectError(withProps([1, 2]), /p: must be a flat object/)
      expectError(withProps('x'), /p: must be a flat object/)
    })

    it('refuses reserved prop names that could reach a prototype', () => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        expectError(`{"s":"1","t":"pageview","u":"https://a.com/","p":{"${key}":"x"}}`, new RegExp(`p\\.${key}: "${key}" is not allowed`))
      }
      expect(({} as Record<string, unknown>).x).toBeUndefined()
    })

    it('limits keys and values', () => {
      expectError(withProps({ ['k'.repeat(65)]: 1 }), /prop names must be at most 64 characters/)
      expectError(withProps({ '': 1 }), /prop names must not be empty/)
      expectError(withProps({ a: 'x'.repeat(257) }), /p\.a: must be a string of at most 256/)
      expectError(withProps({ a: 'bell\u0007' }), /p\.a: /)
      expect(parseTrackBody(withProps({ a: 'two\nlines\tand tab' })).ok).toBe(true)
    })
  })

  it('never throws and never accepts an unknown key, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((value) => JSON.stringify(value))), (raw) => {
        const result = parseTrackBody(raw)
        if (result.ok) {
          expect(Object.keys(result.body).every((key) => 'dehprstuvw'.includes(key))).toBe(true)
        } else {
          expect(result.error.length).toBeGreaterThan(0)
          expect([400, 413]).toContain(result.status)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('answers every body exactly as the schema does (the common bodies are checked without zod)', () => {
    // Fields near and past each limit, of the right type and of the wrong one.
    const text = fc.oneof(fc.constantFrom('', ' ', 'a b', 'x'.repeat(256), 'x'.repeat(257), 'x'.repeat(2048), 'x'.repeat(2049), 'a\u0000b', 'tab\there', '\ud800', 'é'), fc.string({ maxLength: 12 }))
    const number = fc.oneof(
      fc.constantFrom(0, -0, 1, -1, 0.5, 100, 101, 100_000, 100_001, MAX_EVENT_VALUE, MAX_EVENT_VALUE + 1, -MAX_EVENT_VALUE - 1, 86_399_999, 86_400_000, 2 ** 53),
      fc.double(),
      fc.integer(),
    )
    const any = fc.oneof(text, number, fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({ nested: 1 }))
    const url = fc.oneof(fc.constantFrom('https://example.com/a?utm_source=x', 'HTTP://EXAMPLE.COM', 'ftp://example.com/', 'https://', '/relative'), text)
    const props = fc.oneof(
      fc.dictionary(fc.constantFrom('a', 'plan', 'url'), fc.oneof(text, number, fc.boolean(), fc.constant(null)), { maxKeys: 3 }),
      fc.dictionary(fc.oneof(fc.constantFrom('', 'constructor', 'prototype', 'k'.repeat(64), 'k'.repeat(65), 'a\u0001'), fc.string({ maxLength: 6 })), any, { maxKeys: 32 }),
      any,
    )
    const fields = {
      d: fc.oneof(number, any),
      e: fc.oneof(number, any),
      h: fc.oneof(fc.constantFrom(1, 0, '1', true), any),
      p: props,
      r: fc.oneof(url, any),
      s: fc.oneof(fc.constantFrom('42', 'example.com', '-a', '.a', 'a/b', 'x'.repeat(253), 'x'.repeat(254)), text, any),
      t: fc.oneof(fc.constantFrom('pageview', 'engagement', 'ai.usage', 'lead.created', 'Outbound Link: Click', 'a ', ' a', '1'), text, any),
      u: fc.oneof(url, any),
      v: fc.oneof(number, fc.constant({ revenue: { amount: 5, currency: 'EUR' } }), any),
      w: fc.oneof(number, any),
      x: any,
    }
    const field = fc.oneof(...Object.entries(fields).map(([key, value]) => value.map((generated) => [key, generated] as const)))
    // Valid bodies with one or two fields replaced, so that both answers are common, and any bodies.
    const bases = fc.constantFrom(valid, { ...valid, d: 50, e: 1200, t: 'engagement' }, { ...valid, p: { a: 'x' }, t: 'ai.usage', v: 3 })
    const nearlyValid = fc.tuple(bases, fc.array(field, { maxLength: 2 })).map(([base, replaced]) => ({ ...base, ...Object.fromEntries(replaced) }))
    const raws = fc.oneof(
      fc.record(fields, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
      nearlyValid.map((value) => JSON.stringify(value)),
      fc.constantFrom('{"s":"1","t":"x","u":"https://a.b/","p":{"n":1e400}}', '{"s":"1","t":"x","u":"https://a.b/","__proto__":{}}'),
      // Each limit just inside and just past, on an otherwise valid body.
      fc.constantFrom(
        ...[
          { p: { a: 'x'.repeat(256) } },
          { p: { a: 'x'.repeat(257) } },
          { p: { a: 'a\u0000' } },
          { p: { ['k'.repeat(65)]: 1 } },
          { p: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, i])) },
          { w: 100_000 },
          { w: 100_001 },
          { w: 1.5 },
          { r: 'x'.repeat(2049) },
          { u: `https://a.b/${'x'.repeat(2037)}` },
          { t: 'ai.usage', v: -1 },
          { v: MAX_EVENT_VALUE + 1 },
          { d: 100, e: 86_399_999, t: 'engagement' },
          { d: 101, e: 1, t: 'engagement' },
          { d: 1, e: 86_400_000, t: 'engagement' },
          { d: 1, e: 1, p: {}, t: 'engagement' },
          { d: 1 },
          { h: 1 },
          { h: true },
        ].map((fields) => JSON.stringify({ ...valid, ...fields })),
      ),
    )
    fc.assert(
      fc.property(raws, (raw) => {
        const schema = trackBodySchema.safeParse(JSON.parse(raw))
        const result = parseTrackBody(raw)
        expect(result.ok).toBe(schema.success)
        if (result.ok && schema.success) {
          expect(result.body).toEqual(schema.data)
          // In the same key order too: the pipeline's reads stay monomorphic across the two routes.
          expect(Object.keys(result.body)).toEqual(Object.keys(schema.data))
        }
        // The same quick check on a body without the site (Plausible's /api/event).
        const parsed: unknown = JSON.parse(raw)
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return
        const { s: _site, ...withoutSite } = parsed as Record<string, unknown>
        const plain = plainPageEventBody(withoutSite)
        const pageSchema = pageEventBodySchema.safeParse(withoutSite)
        if (plain) {
          expect(pageSchema.success).toBe(true)
          if (pageSchema.success) expect(Object.entries(plain)).toEqual(Object.entries(pageSchema.data))
        } else if (pageSchema.success) {
          // Left to the schema: only bodies with a revenue value.
          expect(typeof withoutSite.v).toBe('object')
        }
      }),
      { numRuns: 20_000 },
    )
  })

  it('reports at most ten issues for a hostile body', () => {
    const props = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, { nested: i }]))
    const result = parseTrackBody(json({ p: props, s: '', t: '', u: '' }))
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues?.length).toBe(10)
    expect(result.error).toMatch(/\(and \d+ more\)$/)
  })

  it('exports the schema for reuse', () => {
    expect(trackBodySchema.safeParse(valid).success).toBe(true)
  })
})

describe('parseServerEvent', () => {
  it('accepts the minimal and the full server event', () => {
    expect(parseServerEvent({ siteId: 7, type: 'automation.run' })).toEqual({
      event: { siteId: 7, type: 'automation.run' },
      ok: true,
    })
    const result = parseServerEvent({
      path: '/exports/monthly',
      props: { model: 'gpt-4o' },
      siteId: 'site_1',
      timestamp: '2026-01-02T03:04:05.000Z',
      type: 'ai.usage',
      value: 1234,
    })
    expect(result.ok && result.event.timestamp).toEqual(new Date('2026-01-02T03:04:05.000Z'))
  })

  it('accepts a Date or epoch milliseconds and refuses invalid times', () => {
    const date = new Date('2026-03-01T00:00:00Z')
    const fromDate = parseServerEvent({ siteId: 1, timestamp: date, type: 'export.completed' })
    expect(fromDate.ok && fromDate.event.timestamp).toEqual(date)
    const fromEpoch = parseServerEvent({ siteId: 1, timestamp: date.getTime(), type: 'export.completed' })
    expect(fromEpoch.ok && fromEpoch.event.timestamp).toEqual(date)
    for (const timestamp of [new Date('nope'), 'yesterday', '2026-13-45', -1, 1e20]) {
      const result = parseServerEvent({ siteId: 1, timestamp, type: 'x' })
      expect(result.ok).toBe(false)
      expect(!result.ok && result.error).toMatch(/timestamp: must be a valid Date/)
    }
  })

  it('applies the tracker limits', () => {
    expect(parseServerEvent({ siteId: 1, type: 'ai.usage', value: 1e308 }).ok).toBe(false)
    expect(parseServerEvent({ siteId: 1, type: 'ai.usage', value: MAX_EVENT_VALUE }).ok).toBe(true)
    const negative = parseServerEvent({ siteId: 1, type: 'ai.usage', value: -5 })
    expect(!negative.ok && negative.error).toMatch(/value: must not be negative for ai\.usage events/)
    expect(parseServerEvent({ siteId: 1, type: 'refund', value: -5 }).ok).toBe(true)
    expect(parseServerEvent({ siteId: 1, type: 'ai.usage', value: Number.POSITIVE_INFINITY }).ok).toBe(false)
    expect(parseServerEvent({ siteId: 1, type: 'ai.usage', value: Number.NaN }).ok).toBe(false)
    expect(parseServerEvent({ siteId: 0, type: 'x' }).ok).toBe(false)
    expect(parseServerEvent({ siteId: 1, type: 'trailing space ' }).ok).toBe(false)
    expect(parseServerEvent({ path: 'no-slash', siteId: 1, type: 'x' }).ok).toBe(false)
    expect(parseServerEvent({ extra: true, siteId: 1, type: 'x' }).ok).toBe(false)
    const props = JSON.parse('{"__proto__":"x"}') as Record<string, unknown>
    const result = parseServerEvent({ props, siteId: 1, type: 'x' })
    expect(!result.ok && result.error).toMatch(/props\.__proto__/)
    expect(parseServerEvent(null).ok).toBe(false)
  })
})
