/**
 * Sending something exactly once across instances, with retries, and logging each try:
 * a delivery row per unique key (`INSERT … ON CONFLICT DO NOTHING` — the instance whose insert
 * wins sends), its attempts counted before each try, its outcome after. A row left `pending`
 * (the process died between sending and logging) is taken over once it is stale, and resent
 * with the same idempotency key, so the receiver can tell the retry from a new delivery.
 */
import type { Payload } from 'payload'

import { createHash } from 'node:crypto'

import type { SanitizedAnalyticsConfig } from '../types.js'

import { backoffMs } from '../core/signing.js'
import { collectionTable, drizzleOf, sql } from '../store/db.js'

export interface DeliveryTarget {
  channel: 'email' | 'webhook'
  /** Unique per thing sent once, e.g. `report:7:2026-10-26T08:00:00.000Z:email:ann@example.com`. */
  key: string
  kind: 'alert' | 'report'
  missed: boolean
  occurrence: Date
  recipient: null | string
  /** Report id, or the site of an alert. */
  source: string
}

/** One try: ok, or the answer's status / the error. */
export interface AttemptResult {
  error?: string
  /** Not worth another try (e.g. a refused webhook target): the delivery fails now. */
  final?: boolean
  ok: boolean
  status?: number
}

export interface DeliveryOptions {
  /** Tries at most. @default 5 */
  maxAttempts?: number
  /** First retry delay, doubled each time. @default 2000 */
  retryBaseMs?: number
  /** Waits between tries (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>
  /** A pending row older than this is taken over (its sender died). @default 600000 */
  staleMs?: number
  /** Test hook: runs after a try was sent and before its outcome is logged (throw to simulate a crash there). */
  afterSend?: (target: DeliveryTarget, attempt: number) => Promise<void> | void
}

export type DeliveryOutcome = { attempts: number; idempotencyKey: string; status: 'failed' | 'sent' } | { status: 'skipped' }

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

/** A stable key for receivers: the same for every try of one delivery, also after a crash. */
export const idempotencyKeyOf = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 32)

export function createDeliveries(payload: Payload, cfg: SanitizedAnalyticsConfig, options: DeliveryOptions = {}) {
  const db = drizzleOf(payload)
  const table = () => collectionTable(payload, cfg.slugs.reportDeliveries)
  const maxAttempts = options.maxAttempts ?? 5
  const retryBaseMs = options.retryBaseMs ?? 2000
  const staleMs = options.staleMs ?? 10 * 60_000
  const sleep = options.sleep ?? defaultSleep

  /** The row to send with: newly inserted, or a stale pending one taken over; null when another sender has (or had) it. */
  async function claim(target: DeliveryTarget): Promise<null | { attempts: number; id: number | string; idempotencyKey: string }> {
    const t = table()
    const idempotencyKey = idempotencyKeyOf(target.key)
    const inserted = await db.execute(sql`
      INSERT INTO ${t.ref} (${t.id('key')}, ${t.id('kind')}, ${t.id('source')}, ${t.id('occurrence')}, ${t.id('missed')}, ${t.id('channel')},
        ${t.id('recipient')}, ${t.id('status')}, ${t.id('attempts')}, ${t.id('idempotencyKey')}, ${t.id('createdAt')}, ${t.id('updatedAt')})
      VALUES (${target.key}, ${target.kind}, ${target.source}, ${target.occurrence.toISOString()}::timestamptz, ${target.missed}, ${target.channel},
        ${target.recipient}, 'pending', 0, ${idempotencyKey}, now(), now())
      ON CONFLICT (${t.id('key')}) DO NOTHING
      RETURNING ${t.id('id')} AS id`)
    const row = inserted.rows[0] as undefined | { id: number | string }
    if (row) return { attempts: 0, id: row.id, idempotencyKey }
    // Compare-and-set on updated_at: one taker of a stale row.
    const taken = await db.execute(sql`
      UPDATE ${t.ref} SET ${t.id('updatedAt')} = now()
      WHERE ${t.id('key')} = ${target.key} AND ${t.id('status')} = 'pending'
        AND ${t.id('updatedAt')} <= now() - make_interval(secs => ${staleMs / 1000})
      RETURNING ${t.id('id')} AS id, ${t.id('attempts')} AS attempts, ${t.id('idempotencyKey')} AS key`)
    const stale = taken.rows[0] as undefined | { attempts: number; id: number | string; key: string }
    return stale ? { attempts: Number(stale.attempts), id: stale.id, idempotencyKey: stale.key } : null
  }

  const update = (id: number | string, data: Record<string, unknown>) =>
    payload.update({ collection: cfg.slugs.reportDeliveries, data, depth: 0, id, overrideAccess: true } as Parameters<Payload['update']>[0])

  /**
   * Send `target` once: `send` is called with the idempotency key, retried with exponential
   * backoff until it succeeds or `maxAttempts` tries were made in all (across takeovers).
   */
  async function deliver(target: DeliveryTarget, send: (idempotencyKey: string) => Promise<AttemptResult>): Promise<DeliveryOutcome> {
    const claimed = await claim(target)
    if (!claimed) return { status: 'skipped' }
    let attempt = claimed.attempts
    while (attempt < maxAttempts) {
      attempt++
      if (attempt > 1) await sleep(backoffMs(attempt, retryBaseMs))
      // Counted before the try: a crash during it still shows in the log.
      await update(claimed.id, { attempts: attempt })
      let result: AttemptResult
      try {
        result = await send(claimed.idempotencyKey)
      } catch (error) {
        result = { error: (error as Error).message, ok: false }
      }
      await options.afterSend?.(target, attempt)
      if (result.ok) {
        await update(claimed.id, { error: null, responseStatus: result.status ?? null, sentAt: new Date().toISOString(), status: 'sent' })
        return { attempts: attempt, idempotencyKey: claimed.idempotencyKey, status: 'sent' }
      }
      await update(claimed.id, { error: (result.error ?? '').slice(0, 500) || null, responseStatus: result.status ?? null })
      if (result.final) break
    }
    await update(claimed.id, { status: 'failed' })
    return { attempts: attempt, idempotencyKey: claimed.idempotencyKey, status: 'failed' }
  }

  return { deliver }
}

export type Deliveries = ReturnType<typeof createDeliveries>
