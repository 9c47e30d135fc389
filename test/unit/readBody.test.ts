import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'

import { createBodyReadGuard, readBodyWithLimit } from '../../src/ingest/readBody.js'

/** A Node request body that sends `first` and then nothing more (a slow or stuck client). */
const stuckBody = (first = '{"s":') => {
  const body = new PassThrough()
  body.write(first)
  return body
}

/** A web stream that sends `first` and never closes (as a fetch body, an async iterable in Node). */
const stuckStream = (first = '{"s":') =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first))
    },
  }) as unknown as AsyncIterable<Uint8Array>

describe('readBodyWithLimit with a guard', () => {
  it('ends a Node body that does not finish by its deadline, and reads a complete one', async () => {
    const guard = createBodyReadGuard({ deadlineMs: 150, maxInFlight: 10 })
    const started = Date.now()
    expect(await readBodyWithLimit(stuckBody(), 8192, guard)).toEqual({ ok: false, reason: 'timeout' })
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(140)
    expect(elapsed).toBeLessThan(1_000)

    const complete = new PassThrough()
    complete.end('{"ok":true}')
    expect(await readBodyWithLimit(complete, 8192, guard)).toEqual({ ok: true, text: '{"ok":true}' })
  })

  it('ends a web stream that never closes by its deadline', async () => {
    const guard = createBodyReadGuard({ deadlineMs: 150, maxInFlight: 10 })
    const started = Date.now()
    expect(await readBodyWithLimit(stuckStream(), 8192, guard)).toEqual({ ok: false, reason: 'timeout' })
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('admits a bounded number of reads at once, and more once they end', async () => {
    const guard = createBodyReadGuard({ deadlineMs: 200, maxInFlight: 2 })
    const slow = [readBodyWithLimit(stuckBody(), 8192, guard), readBodyWithLimit(stuckStream(), 8192, guard)]
    expect(await readBodyWithLimit(stuckBody(), 8192, guard)).toEqual({ ok: false, reason: 'busy' })
    expect(await Promise.all(slow)).toEqual([
      { ok: false, reason: 'timeout' },
      { ok: false, reason: 'timeout' },
    ])
    const complete = new PassThrough()
    complete.end('{}')
    expect(await readBodyWithLimit(complete, 8192, guard)).toEqual({ ok: true, text: '{}' })
  })

  it('still stops at the size limit and refuses invalid UTF-8', async () => {
    const guard = createBodyReadGuard({ deadlineMs: 1_000, maxInFlight: 10 })
    const big = new PassThrough()
    big.end('x'.repeat(100))
    expect(await readBodyWithLimit(big, 10, guard)).toEqual({ ok: false, reason: 'size' })
    const bad = new PassThrough()
    bad.end(Buffer.from([0xff, 0xfe]))
    expect(await readBodyWithLimit(bad, 10, guard)).toEqual({ ok: false, reason: 'encoding' })
  })
})
