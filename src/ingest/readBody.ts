/**
 * Read at most `limit` bytes of a request body as UTF-8. Stops reading as soon as the limit
 * is passed, so a huge body costs nothing beyond it. Takes any async iterable of bytes: a
 * fetch body stream or a Node `IncomingMessage` (read through its events, which costs less
 * per request than its async iterator).
 */
import type { Readable } from 'node:stream'

// ignoreBOM: the BOM is kept here and parseTrackBody strips one, so exactly one is allowed.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export type BodyReadResult = { ok: false; reason: 'encoding' | 'size' } | { ok: true; text: string }

const isNodeReadable = (body: unknown): body is Readable =>
  typeof (body as Readable).on === 'function' && typeof (body as Readable).read === 'function' && typeof (body as Readable).pause === 'function'

export function readBodyWithLimit(body: AsyncIterable<Uint8Array> | null | undefined, limit: number): Promise<BodyReadResult> {
  if (!body) return Promise.resolve({ ok: true, text: '' })
  return isNodeReadable(body) ? readNodeBody(body, limit) : readIterable(body, limit)
}

function decode(chunks: Uint8Array[]): BodyReadResult {
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
  try {
    return { ok: true, text: utf8.decode(bytes) }
  } catch {
    return { ok: false, reason: 'encoding' }
  }
}

async function readIterable(body: AsyncIterable<Uint8Array>, limit: number): Promise<BodyReadResult> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    // Leaving the loop early cancels a web stream.
    if (size > limit) return { ok: false, reason: 'size' }
    chunks.push(chunk)
  }
  return decode(chunks)
}

function readNodeBody(body: Readable, limit: number): Promise<BodyReadResult> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let size = 0
    const done = () => {
      body.off('data', onData)
      body.off('end', onEnd)
      body.off('error', onError)
      body.off('close', onClose)
    }
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength
      if (size > limit) {
        done()
        // Nothing more is read: the rest is left unread and the server closes the connection.
        body.pause()
        resolve({ ok: false, reason: 'size' })
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
    body.on('data', onData)
    body.on('end', onEnd)
    body.on('error', onError)
    body.on('close', onClose)
  })
}
