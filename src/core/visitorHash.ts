/**
 * Cookie-free visitor identity, as Plausible does it: a keyed hash of (site, anonymised
 * IP, user-agent) with a random salt that rotates daily and is then deleted. Without the
 * salt the hash cannot be recomputed from a guess, and after deletion not at all.
 */
import { createHmac, randomBytes } from 'node:crypto'

/**
 * Characters kept of the base64url HMAC: 22 characters = 132 bits, collision-free in
 * practice for any day's visitors of a site, and short enough for cheap index keys.
 */
export const VISITOR_HASH_LENGTH = 22

// A separator that cannot occur in a site id or an IP keeps ("1","2.3…") and ("12",".3…") apart.
const SEPARATOR = '\n'

function keyedHash(salt: string, parts: readonly string[]): string {
  return createHmac('sha256', salt).update(parts.join(SEPARATOR)).digest('base64url').slice(0, VISITOR_HASH_LENGTH)
}

/** The day's visitor hash of a client on a site. Never reversible; changes with the salt. */
export function visitorHash(salt: string, siteId: number | string, anonymizedIp: string, userAgent: string): string {
  return keyedHash(salt, ['v', String(siteId), anonymizedIp, userAgent])
}

/**
 * The rate-limit key of a client on a site: by anonymised IP only, so that rotating the
 * user-agent does not escape the limit. Salted too, so Redis never holds an IP prefix.
 */
export function clientKey(salt: string, siteId: number | string, anonymizedIp: string): string {
  return keyedHash(salt, ['c', String(siteId), anonymizedIp])
}

/** The UTC day a salt belongs to; salts rotate at 00:00 UTC. */
export function saltDay(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** A fresh salt: 32 random bytes, base64url. */
export function newSalt(): string {
  return randomBytes(32).toString('base64url')
}
