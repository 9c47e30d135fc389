import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Payload } from 'payload'

import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { handleEndpoints } from 'payload'

import { freePort } from '../../scripts/services.js'
import { payloadKey } from './payload.js'

export interface HttpHandle {
  close(): Promise<void>
  /** The server's origin, e.g. `http://127.0.0.1:41234`. */
  url: string
}

/** A Node request as the fetch `Request` Next.js would hand to a route file. */
function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  // Next.js sets X-Forwarded-For from the socket when no proxy did; the track endpoint
  // reads the peer address from it.
  if (!headers.has('x-forwarded-for') && req.socket.remoteAddress) headers.set('x-forwarded-for', req.socket.remoteAddress)
  const method = req.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  return new Request(new URL(req.url ?? '/', origin), {
    body: hasBody ? (Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>) : undefined,
    duplex: 'half',
    headers,
    method,
  } as RequestInit & { duplex: 'half' })
}

async function writeResponse(res: ServerResponse, response: Response, method: string | undefined): Promise<void> {
  res.statusCode = response.status
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value)
  }
  const cookies = response.headers.getSetCookie()
  if (cookies.length) res.setHeader('set-cookie', cookies)
  if (response.body && method !== 'HEAD') {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk)
  }
  res.end()
}

/**
 * Serve a booted Payload's REST API (`/api/...`) over real HTTP on a free port, through
 * `handleEndpoints` — the function Next.js's route files call — so browsers and HTTP
 * clients reach the real endpoints of that very instance.
 */
export async function serveRestApi(
  payload: Payload,
  options: {
    host?: string
    /**
     * Sees each request as the endpoint got it (a copy: its body can still be read), and the
     * answer (headers only: the body is still to be sent).
     */
    observe?: (request: Request, response: Response) => void
  } = {},
): Promise<HttpHandle> {
  const host = options.host ?? '127.0.0.1'
  const port = await freePort()
  const origin = `http://${host}:${port}`
  const payloadInstanceCacheKey = payloadKey(payload)

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const request = toRequest(req, origin)
        const copy = options.observe && request.body ? request.clone() : request
        const response = await handleEndpoints({ config: payload.config, payloadInstanceCacheKey, request })
        options.observe?.(copy, response)
        await writeResponse(res, response, req.method)
      } catch (error) {
        console.error(`httpServer: ${req.method} ${req.url} failed:`, error)
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end('Internal error in the test server')
      }
    })()
  })
  return listen(server, port, host, origin)
}

/** Listen on `port` and return a handle whose `close()` also drops idle keep-alive connections. */
export function listen(server: ReturnType<typeof createServer>, port: number, host: string, url: string): Promise<HttpHandle> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve({
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()))
            server.closeAllConnections()
          }),
        url,
      })
    })
  })
}
