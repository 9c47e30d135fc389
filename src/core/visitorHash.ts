/**
 * Cookie-free visitor identity, as Plausible does it: a keyed hash of (site, anonymised
 * IP, user-agent) with a random salt that rotates daily and is then deleted. Without the
 * salt the hash cannot be recomputed from a guess, and after deletion not at all.
 */
import crypto, { randomBytes } from 'node:crypto'

/**
 * Characters kept of the base64url digest: 22 characters = 132 bits, collision-free in
 * practice for any day's visitors of a site, and short enough for cheap index keys.
 */
export const VISITOR_HASH_LENGTH = 22

// A separator that cannot occur in a site id or an IP keeps ("1","2.3…") and ("12",".3…") apart.
const SEPARATOR = '\n'

/** SHA-256 of a string as base64url, in one call where Node has `crypto.hash` (≥ 20.12; half the cost of a hash object). */
const sha256 =
  typeof crypto.hash === 'function'
    ? (text: string): string => crypto.hash('sha256', text, 'base64url')
    : (text: string): string => crypto.createHash('sha256').update(text).digest('base64url')

/**
 * SHA-256 of the secret salt followed by the parts, truncated to 132 bits. The salt is a
 * secret prefix of fixed form (base64url, so it cannot hold the separator), which keys the
 * hash; the truncation hides the hash's internal state, so nothing can be appended to a
 * known input (the length extension that makes HMAC's double hashing necessary for a MAC).
 * (An HMAC, two hashes each time, cost four times as much: with two per tracked event it was
 * one of the endpoint's largest costs.)
 */
function keyedHash(salt: string, parts: string): string {
  return sha256(`${salt}${SEPARATOR}${parts}`).slice(0, VISITOR_HASH_LENGTH)
}

/** The day's visitor hash of a client on a site. Never reversible; changes with the salt. */
export function visitorHash(salt: string, siteId: number | string, anonymizedIp: string, userAgent: string): string {
  return keyedHash(salt, `v${SEPARATOR}${siteId}${SEPARATOR}${anonymizedIp}${SEPARATOR}${userAgent}`)
}

/**
 * The rate-limit key of a client on a site: by anonymised IP only, so that rotating the
 * user-agent does not escape the limit. Salted too, so Redis never holds an IP prefix.
 */
export function clientKey(salt: string, siteId: number | string, anonymizedIp: string): string {
  return keyedHash(salt, `c${SEPARATOR}${siteId}${SEPARATOR}${anonymizedIp}`)
}

/** The UTC day a salt belongs to; salts rotate at 00:00 UTC. */
export function saltDay(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** A fresh salt: 32 random bytes, base64url. */
export function newSalt(): string {
  return randomBytes(32).toString('base64url')
}
