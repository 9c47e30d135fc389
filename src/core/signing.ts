/**
 * The HMAC-SHA256 recipes of the reports: the webhook signature (over `<timestamp>.<body>`,
 * so a captured request cannot be replayed with another time) and the per-recipient
 * unsubscribe token (the report id and address, signed, so a link unsubscribes that one
 * recipient of that one report and cannot be forged for another).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** Headers of a webhook delivery. */
export const WEBHOOK_HEADERS = {
  idempotencyKey: 'idempotency-key',
  signature: 'x-analytics-signature',
  timestamp: 'x-analytics-timestamp',
} as const

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest()

/** `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`; timestamp in Unix seconds. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${hmac(secret, `${timestamp}.${body}`).toString('hex')}`
}

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b)

/** Checks a signature and that its timestamp is within `toleranceSeconds` of `now`. */
export function verifyWebhook(secret: string, header: { signature: string; timestamp: string }, body: string, now = Date.now(), toleranceSeconds = 300): boolean {
  const timestamp = Number(header.timestamp)
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false
  return sameBytes(Buffer.from(header.signature), Buffer.from(signWebhook(secret, timestamp, body)))
}

/** Delay before retry `attempt` (2 = the first retry): base, 2·base, 4·base … */
export const backoffMs = (attempt: number, baseMs: number): number => baseMs * 2 ** Math.max(0, attempt - 2)

/** `<report>.<address, base64url>.<signature>`: unsubscribes one address from one report. */
export function unsubscribeToken(secret: string, reportId: number | string, email: string): string {
  const address = Buffer.from(email.toLowerCase()).toString('base64url')
  const signature = hmac(secret, `unsubscribe.${String(reportId)}.${address}`).toString('base64url')
  return `${String(reportId)}.${address}.${signature}`
}

/** The report and address of a valid token; null for anything forged or malformed. */
export function readUnsubscribeToken(secret: string, token: string): { email: string; reportId: string } | null {
  const [reportId, address, signature, ...rest] = token.split('.')
  if (!reportId || !address || !signature || rest.length > 0 || !/^[\w-]{1,64}$/.test(reportId)) return null
  const expected = hmac(secret, `unsubscribe.${reportId}.${address}`)
  if (!sameBytes(Buffer.from(signature, 'base64url'), expected)) return null
  return { email: Buffer.from(address, 'base64url').toString(), reportId }
}
