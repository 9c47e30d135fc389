/**
 * Cookie-free visitor identity, as Plausible does it: a keyed hash of (site, anonymised
 * IP, user-agent) with a random salt that rotates daily and is then deleted. Without the
 * salt the hash cannot be recomputed from a guess, and after deletion not at all.
 */
import { createHmac, hash, randomBytes } from 'node:crypto'

/**
 * Characters kept of the base64url HMAC: 22 characters = 132 bits, collision-free in
 * practice for any day's visitors of a site, and short enough for cheap index keys.
 */
export const VISITOR_HASH_LENGTH = 22

// A separator that cannot occur in a site id or an IP keeps ("1","2.3…") and ("12",".3…") apart.
const SEPARATOR = '\n'

/** SHA-256's block size: an HMAC key of at most this many bytes is zero-padded to it (RFC 2104). */
const BLOCK_BYTES = 64
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/**
 * HMAC-SHA256 with the key's two padded blocks worked out once. `createHmac` imports the
 * key and builds an object on every call, which made the two hashes of each tracked
 * request cost more than the rest of its enrichment; the same HMAC from two one-shot
 * `hash` calls costs a fraction of that. The result is byte for byte `createHmac`'s
 * (the unit tests compare them).
 *
 * Only for keys of printable ASCII of at most one block (the salts are hex or base64url):
 * then the inner pad XOR-ed with the key is ASCII too, so it can be prefixed to the
 * message as text and hashed with it in one call (text is hashed as UTF-8, as
 * `Hmac.update` hashes it).
 */
class SaltKey {
  private readonly innerPad: string
  /** The outer pad followed by room for the inner digest: the outer hash's whole input. */
  private readonly outer = Buffer.alloc(BLOCK_BYTES + 32)

  constructor(salt: string) {
    let inner = ''
    for (let index = 0; index < BLOCK_BYTES; index += 1) {
      const byte = index < salt.length ? salt.charCodeAt(index) : 0
      inner += String.fromCharCode(byte ^ 0x36)
      this.outer[index] = byte ^ 0x5c
    }
    this.innerPad = inner
  }

  static fits(salt: string): boolean {
    return salt.length <= BLOCK_BYTES && PRINTABLE_ASCII.test(salt)
  }

  /** base64url of HMAC-SHA256(salt, message). */
  hmac(message: string): string {
    const innerDigest = hash('sha256', this.innerPad + message, 'buffer')
    innerDigest.copy(this.outer, BLOCK_BYTES)
    return hash('sha256', this.outer, 'base64url')
  }
}

// Today's and yesterday's salts are all a process uses; a few more are kept for tests.
const MAX_KEYS = 4
const keys = new Map<string, SaltKey>()

function saltKey(salt: string): null | SaltKey {
  let key = keys.get(salt)
  if (key) return key
  if (!SaltKey.fits(salt)) return null
  if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!)
  key = new SaltKey(salt)
  keys.set(salt, key)
  return key
}

function keyedHash(salt: string, parts: readonly string[]): string {
  const message = parts.join(SEPARATOR)
  const key = saltKey(salt)
  const digest = key ? key.hmac(message) : createHmac('sha256', salt).update(message).digest('base64url')
  return digest.slice(0, VISITOR_HASH_LENGTH)
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
