/**
 * The two ways a report or alert goes out, each one try of a delivery: an email through the
 * host's Payload email adapter, and a JSON POST signed over `<timestamp>.<body>`.
 */
import type { Payload, SendEmailOptions } from 'payload'

import type { AttemptResult } from './deliveries.js'
import type { WebhookTargetOptions } from './webhookTarget.js'

import { signWebhook, WEBHOOK_HEADERS } from '../core/signing.js'
import { webhookTargetError } from './webhookTarget.js'

export async function sendEmailAttempt(payload: Payload, message: SendEmailOptions): Promise<AttemptResult> {
  await payload.sendEmail(message)
  return { ok: true }
}

export async function postWebhookAttempt(
  httpFetch: typeof fetch,
  webhook: { secret: string; url: string },
  body: string,
  idempotencyKey: string,
  target: WebhookTargetOptions,
): Promise<AttemptResult> {
  // Resolved again before each send: the host may point elsewhere than when the URL was saved.
  const refused = await webhookTargetError(webhook.url, target)
  if (refused) return { error: refused, final: true, ok: false }
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
    // A redirect is an answer, not a new target: following it could lead into the internal network.
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  })
  await response.arrayBuffer().catch(() => undefined)
  return { error: response.ok ? undefined : `HTTP ${response.status}`, ok: response.ok, status: response.status }
}
