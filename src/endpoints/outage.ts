import type { PayloadRequest } from 'payload'

import type { SourceOutage } from '../sourceHealth.js'

import { BufferError } from '../buffer/errors.js'
import { outageOf } from '../sourceHealth.js'

/** Seconds a client is told to wait before retrying during an outage. */
export const OUTAGE_RETRY_AFTER_SECONDS = 10

/** 503 with Retry-After, the source that is down and what it means (JSON `{ error, source }`). */
export const outageResponse = (outage: SourceOutage, headers: Record<string, string> = {}): Response =>
  Response.json(
    { error: outage.message, source: outage.source },
    { headers: { ...headers, 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) }, status: 503 },
  )

/**
 * Whether the request carries a login (a JWT or API key header, or Payload's auth cookie):
 * without a user, such a request may be a valid login Payload could not check because the
 * database was down — a 401 would tell a logged-in admin to log in again.
 */
export const presentsCredentials = (req: PayloadRequest): boolean => {
  if (req.headers.get('authorization')) return true
  const cookie = req.headers.get('cookie') ?? ''
  const name = `${req.payload.config.cookiePrefix || 'payload'}-token=`
  return cookie.split(';').some((part) => part.trim().startsWith(name))
}

/**
 * The outage behind a failed analytics request, or null when both sources answer (a bug,
 * or the caller's own mistake). A buffer refusal is Redis's; anything else is probed.
 */
export async function outageBehind(req: PayloadRequest, error: unknown): Promise<null | SourceOutage> {
  if (error instanceof BufferError && error.code === 'unavailable') return outageOf('redis')
  return (await req.payload.analytics?.health.outage()) ?? null
}
