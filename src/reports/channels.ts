/**
 * The two ways a report or alert goes out, each one try of a delivery: an email through the
 * host's Payload email adapter, and a JSON POST signed over `<timestamp>.<body>`.
 */
import type { Payload, SendEmailOptions } from 'payload'

import type { AttemptResult } from './deliveries.js'

import { signWebhook, WEBHOOK_HEADERS } from '../core/signing.js'

export async function sendEmailAttempt(payload: Payload, message: SendEmailOptions): Promise<AttemptResult> {
  await payload.sendEmail(message)
  return { ok: true }
}

export async function postWebhookAttempt(
  httpFetch: typeof fetch,
  webhook: { secret: string; url: string },
  body: string,
  idempotencyKey: string,
): Promise<AttemptResult> {
  const timestamp = Math.floor(Date.now() / 1000)
  const response = await httpFetch(webhook.url, {
    body,
    headers: {
      'content-type': 'application/json',
      [WEBHOOK_HEADERS.idempotencyKey]: idempotencyKey,
      [WEBHOOK_HEADERS.signature]: signWebhook(webhook.secret, timestamp, body),
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    },
    method: 'POST',
    signal: AbortSignal.timeout(15_000),
  })
  await response.arrayBuffer().catch(() => undefined)
  return { error: response.ok ? undefined : `HTTP ${response.status}`, ok: response.ok, status: response.status }
}
