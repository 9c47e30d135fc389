/**
 * API key secrets: made from 32 random bytes, shown once, stored only as a SHA-256 hash (a
 * fast hash is right here: the secret is random and long, so there is nothing to guess, and
 * every API request looks its key up by hash) and a short prefix to tell keys apart.
 */
import { createHash, randomBytes } from 'node:crypto'

/** What every secret starts with, so a leaked one is recognisable (secret scanners). */
export const API_KEY_PREFIX = 'pa_'
/** Characters of the secret kept in clear, to tell keys apart in lists. */
const VISIBLE_PREFIX_LENGTH = API_KEY_PREFIX.length + 6
/** The shape of a secret; anything else is not looked up. */
const SECRET_SHAPE = /^[\w-]{16,128}$/

export const API_KEY_SCOPES = ['stats:read', 'sites:read'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

/** Requests per hour a key may make unless its own limit says otherwise (Plausible's default). */
export const DEFAULT_HOURLY_LIMIT = 600

export function newApiKeySecret(): { hash: string; prefix: string; secret: string } {
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`
  return { hash: hashApiKeySecret(secret), prefix: secret.slice(0, VISIBLE_PREFIX_LENGTH), secret }
}

export const hashApiKeySecret = (secret: string): string => createHash('sha256').update(secret).digest('hex')

/** The key in an `Authorization: Bearer <key>` header; null without one, '' when malformed. */
export function bearerSecret(authorization: null | string | undefined): null | string {
  if (!authorization) return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
  if (!match) return null
  return SECRET_SHAPE.test(match[1]!) ? match[1]! : ''
}
