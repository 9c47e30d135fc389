/**
 * Credentials at rest: AES-256-GCM with a key derived (HKDF-SHA256) from the Payload secret
 * or the `sources.encryptionKey` option. A sealed value is `v1.<iv>.<tag>.<ciphertext>`
 * (base64url), so a later key scheme can sit next to this one. A wrong key or a tampered
 * value fails to open (GCM's tag), never decrypts to garbage.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const VERSION = 'v1'
/** Binds the derived key to this use: the same Payload secret signs sessions too. */
const INFO = 'payload-plugin-analytics/sources/v1'

export interface SecretBox {
  open(sealed: string): string
  seal(plain: string): string
}

export class SecretBoxError extends Error {}

export function createSecretBox(secret: string): SecretBox {
  if (!secret) throw new SecretBoxError('payload-plugin-analytics: an encryption key is needed for source credentials (the Payload secret or sources.encryptionKey)')
  const key = Buffer.from(hkdfSync('sha256', secret, 'analytics-sources', INFO, 32))
  return {
    open(sealed) {
      const [version, iv, tag, data] = sealed.split('.')
      if (version !== VERSION || !iv || !tag || data === undefined) throw new SecretBoxError('analytics: a stored credential is not in a known format')
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')
      } catch {
        // Never echo the value: only that it could not be opened (a changed key, most likely).
        throw new SecretBoxError('analytics: a stored credential could not be decrypted (was the encryption key changed?)')
      }
    },
    seal(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.')
    },
  }
}
