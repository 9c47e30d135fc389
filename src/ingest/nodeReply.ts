/**
 * Writing ingest answers straight to a Node `ServerResponse` (the standalone server, a
 * custom server, a Next.js Pages API route): one `writeHead`, a known length so keep-alive
 * needs no chunking, no fetch `Response` in between.
 */
import type { ServerResponse } from 'node:http'

import type { TrackReply } from './trackHandler.js'

export const INTERNAL_ERROR = Buffer.from(JSON.stringify({ error: 'Internal error' }))
const JSON_TYPE = 'application/json; charset=utf-8'

export function sendJson(res: ServerResponse, status: number, body: Buffer, extra: string[] = []): void {
  res.writeHead(status, ['content-type', JSON_TYPE, 'cache-control', 'no-store', 'content-length', String(body.byteLength), ...extra])
  res.end(body)
}

/**
 * Write a tracking reply: its header object goes to `writeHead` as it is (it is the
 * reply's own, so the length is added to it), the body with its length.
 */
export function sendReply(res: ServerResponse, reply: TrackReply): void {
  const { headers } = reply
  if (reply.status !== 204 && reply.status !== 304) headers['Content-Length'] = reply.body === null ? '0' : String(Buffer.byteLength(reply.body))
  // The rest of a body over the limit is not read: the connection ends after the answer.
  if (reply.status === 413) headers.Connection = 'close'
  res.writeHead(reply.status, headers)
  res.end(reply.body ?? undefined)
}
