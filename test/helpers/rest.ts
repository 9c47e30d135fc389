import type { Payload } from 'payload'

import { handleEndpoints } from 'payload'

import { payloadKey } from './payload.js'

export interface RestResponse<T = Record<string, unknown>> {
  body: T
  status: number
}

/**
 * Call the host's REST API through Payload's own request handler — the function the
 * Next.js route files call — so access control runs exactly as over HTTP.
 */
export async function rest<T = Record<string, unknown>>(
  payload: Payload,
  method: 'DELETE' | 'GET' | 'PATCH' | 'POST',
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<RestResponse<T>> {
  const headers = new Headers({ 'Content-Type': 'application/json' })
  if (options.token) headers.set('Authorization', `JWT ${options.token}`)
  const request = new Request(`http://localhost${payload.config.routes.api}${path}`, {
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    headers,
    method,
  })
  const response = await handleEndpoints({ config: payload.config, payloadInstanceCacheKey: payloadKey(payload), request })
  const text = await response.text()
  return { body: (text ? JSON.parse(text) : {}) as T, status: response.status }
}

/** Log a user in through REST and return the JWT. */
export async function login(payload: Payload, email: string, password: string): Promise<string> {
  const { body, status } = await rest<{ token?: string }>(payload, 'POST', '/users/login', { body: { email, password } })
  if (status !== 200 || !body.token) throw new Error(`login of ${email} failed with ${status}`)
  return body.token
}

/**
 * A raw HTTP-like request to the host's API: any body, any headers (tracking requests). A
 * stream body arrives in the chunks it yields, as a request body does over the network.
 */
export async function rawRequest(
  payload: Payload,
  method: string,
  path: string,
  options: { body?: ReadableStream<Uint8Array> | string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<{ body: Record<string, unknown>; headers: Headers; status: number; text: string }> {
  const request = new Request(`http://localhost${payload.config.routes.api}${path}`, {
    body: options.body as BodyInit | undefined,
    // Required by undici for a stream body.
    ...(options.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    headers: options.headers,
    method,
  })
  const response = await handleEndpoints({ config: payload.config, payloadInstanceCacheKey: payloadKey(payload), request })
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
  } catch {
    body = {}
  }
  return { body, headers: response.headers, status: response.status, text }
}
