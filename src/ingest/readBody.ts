/**
 * Read at most `limit` bytes of a request body as UTF-8. Stops reading as soon as the limit
 * is passed, so a huge body costs nothing beyond it. Takes any async iterable of bytes: a
 * fetch body stream or a Node `IncomingMessage` (read through its events, which costs less
 * per request than its async iterator).
 *
 * With a `BodyReadGuard`, a read also ends when its body has not arrived by a deadline
 * (`timeout`), and none starts while too many are in flight (`busy`): a client that sends a
 * body slowly, or never finishes it, holds a read for seconds, not for the server's
 * `requestTimeout` (Node: 300 s), and a crowd of them cannot pile up unbounded.
 */
import type { Readable } from 'node:stream'

// ignoreBOM: the BOM is kept here and parseTrackBody strips one, so exactly one is allowed.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export type BodyReadResult = { ok: false; reason: 'busy' | 'encoding' | 'size' | 'timeout' } | { ok: true; text: string }

/**
 * Admits a read: registers the function that ends it at its deadline and returns the read's
 * release, or null when too many reads are in flight.
 */
export type BodyReadGuard = (expire: () => void) => (() => void) | null

/**
 * One guard per handler. No timer per request: the reads in flight are kept in arrival
 * order (hence deadline order) and one interval, running only while some are, ends those
 * past their deadline — at most `deadlineMs` + 250 ms after they started.
 */
export function createBodyReadGuard(options: { deadlineMs: number; maxInFlight: number }): BodyReadGuard {
  const { deadlineMs, maxInFlight } = options
  const inFlight = new Map<() => void, number>()
  let sweeper: NodeJS.Timeout | null = null
  const sweep = () => {
    const now = Date.now()
    for (const [expire, deadline] of inFlight) {
      if (deadline > now) break
      inFlight.delete(expire)
      expire()
    }
    if (inFlight.size === 0 && sweeper) {
      clearInterval(sweeper)
      sweeper = null
    }
  }
  return (expire) => {
    if (inFlight.size >= maxInFlight) return null
    inFlight.set(expire, Date.now() + deadlineMs)
    if (!sweeper) {
      sweeper = setInterval(sweep, Math.min(250, deadlineMs))
      sweeper.unref()
    }
    return () => {
      inFlight.delete(expire)
    }
  }
}

const isNodeReadable = (body: unknown): body is Readable =>
  typeof (body as Readable).on === 'function' && typeof (body as Readable).read === 'function' && typeof (body as Readable).pause === 'function'

const BUSY: BodyReadResult = { ok: false, reason: 'busy' }
const TIMEOUT: BodyReadResult = { ok: false, reason: 'timeout' }

export function readBodyWithLimit(body: AsyncIterable<Uint8Array> | null | undefined, limit: number, guard?: BodyReadGuard): Promise<BodyReadResult> {
  if (!body) return Promise.resolve({ ok: true, text: '' })
  return isNodeReadable(body) ? readNodeBody(body, limit, guard) : readIterable(body, limit, guard)
}

function decode(chunks: Uint8Array[]): BodyReadResult {
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
  try {
    return { ok: true, text: utf8.decode(bytes) }
  } catch {
    return { ok: false, reason: 'encoding' }
  }
}

async function readIterable(body: AsyncIterable<Uint8Array>, limit: number, guard?: BodyReadGuard): Promise<BodyReadResult> {
  const iterator = body[Symbol.asyncIterator]()
  // Not awaited: a web stream's iterator finishes `return()` only after its pending read.
  const stop = () => void iterator.return?.()?.catch(() => undefined)
  let expired: (result: BodyReadResult) => void = () => undefined
  const deadline = new Promise<BodyReadResult>((resolve) => (expired = resolve))
  const release = guard ? guard(() => expired(TIMEOUT)) : () => undefined
  if (release === null) {
    stop()
    return BUSY
  }
  try {
    const chunks: Uint8Array[] = []
    let size = 0
    for (;;) {
      const next = guard ? await Promise.race([iterator.next(), deadline]) : await iterator.next()
      if ('ok' in next) {
        stop()
        return next
      }
      if (next.done) break
      size += next.value.byteLength
      if (size > limit) {
        stop() // cancels a web stream
        return { ok: false, reason: 'size' }
      }
      chunks.push(next.value)
    }
    return decode(chunks)
  } finally {
    release()
  }
}

function readNodeBody(body: Readable, limit: number, guard?: BodyReadGuard): Promise<BodyReadResult> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let size = 0
    const done = () => {
      release?.()
      body.off('data', onData)
      body.off('end', onEnd)
      body.off('error', onError)
      body.off('close', onClose)
    }
    // Nothing more is read: the rest is left unread and the server closes the connection.
    const stopWith = (result: BodyReadResult) => {
      done()
      body.pause()
      resolve(result)
    }
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength
      if (size > limit) {
        stopWith({ ok: false, reason: 'size' })
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      done()
      resolve(decode(chunks))
    }
    const onError = (error: Error) => {
      done()
      reject(error)
    }
    // Closed before the end (the client went away): nothing to decode.
    const onClose = () => {
      done()
      reject(new Error('the request was closed before its body ended'))
    }
    const release = guard ? guard(() => stopWith(TIMEOUT)) : undefined
    if (release === null) {
      resolve(BUSY)
      return
    }
    body.on('data', onData)
    body.on('end', onEnd)
    body.on('error', onError)
    body.on('close', onClose)
  })
}
