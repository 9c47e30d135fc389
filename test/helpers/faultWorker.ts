/**
 * A killable aggregation worker for test/integration/faults.test.ts (spawned with
 * `node --import tsx`, so its PID is the process doing the work): boots Payload from the dev
 * config like `payload-analytics worker` does (jobs not started: `PAYLOAD_ANALYTICS_JOBS=manual`)
 * and runs one aggregation, printing a line per acknowledged batch and one JSON line at the end.
 *
 * Environment (set by the test): DATABASE_URI, REDIS_URL, FAULT_KEY_PREFIX, FAULT_BATCH_SIZE,
 * FAULT_MODE (`now`: `payload.analytics.aggregateNow()`, the production path; `direct`:
 * `runAggregation` on a buffer of its own, without the single-run lock, so several workers
 * really claim from the same stream at once), FAULT_CONSUMER, FAULT_CLAIM_IDLE_MS, FAULT_WAIT_GO,
 * FAULT_HOLD_AFTER_ACKS (`now` mode: after that many acknowledged batches, every later ack
 * prints `[fault-worker] holding <n>` and never returns, so the parent can SIGKILL the worker
 * while it provably holds claimed batches whose rows are stored but whose entries are not
 * acknowledged — wherever the machine's load would otherwise have let the kill land).
 */
import type { EventBuffer } from '../../src/buffer/types.js'

import { getPayload } from 'payload'

import { buildDevConfig } from '../../dev/buildConfig.js'
import { runAggregation } from '../../jobs/aggregate.js'
import { JOBS_ENV } from '../../jobs/scheduler.js'
import { createEventBuffer } from '../../src/buffer/index.js'
import { closePayload } from '../../src/cli/loadPayload.js'
import { createDirtyDays } from '../../src/store/dirtyDays.js'

process.env[JOBS_ENV] = 'manual'
process.env.DISABLE_PAYLOAD_HMR = 'true'

async function main() {
  const databaseUri = process.env.DATABASE_URI
  const redisUrl = process.env.REDIS_URL
  const keyPrefix = process.env.FAULT_KEY_PREFIX
  if (!databaseUri || !redisUrl || !keyPrefix) throw new Error('DATABASE_URI, REDIS_URL and FAULT_KEY_PREFIX must be set')
  const batchSize = Number(process.env.FAULT_BATCH_SIZE ?? 500)
  const mode = process.env.FAULT_MODE ?? 'now'
  const config = buildDevConfig({
    analytics: { aggregation: { batchSize, worker: 'external' }, redisKeyPrefix: keyPrefix, redisUrl },
    databaseUri,
    push: false,
    seed: false,
  })
  const payload = await getPayload({ config, key: `fault-worker-${process.pid}` })
  const analytics = payload.analytics
  if (!analytics) throw new Error('payload-plugin-analytics is not enabled')
  console.log(`[fault-worker] booted (pid ${process.pid})`)
  // FAULT_WAIT_GO: start only on a line on stdin, so several workers start together.
  if (process.env.FAULT_WAIT_GO) await new Promise((resolve) => process.stdin.once('data', resolve))

  /** Log every acknowledged batch, so the parent sees the run going. */
  const logged = (buffer: EventBuffer): EventBuffer =>
    Object.assign(Object.create(buffer) as EventBuffer, {
      ack: async (ids: string[]) => {
        const acked = await buffer.ack(ids)
        console.log(`[fault-worker] acked ${ids.length}`)
        return acked
      },
    })

  let result
  if (mode === 'direct') {
    const buffer = await createEventBuffer({
      claimIdleMs: process.env.FAULT_CLAIM_IDLE_MS ? Number(process.env.FAULT_CLAIM_IDLE_MS) : undefined,
      consumer: process.env.FAULT_CONSUMER,
      keyPrefix,
      redis: analytics.redis,
    })
    try {
      result = await runAggregation({
        batchSize,
        buffer: logged(buffer),
        cfg: analytics.config,
        dirty: createDirtyDays({ keyPrefix, redis: analytics.redis }),
        payload,
      })
    } finally {
      await buffer.close()
    }
  } else {
    const holdAfter = process.env.FAULT_HOLD_AFTER_ACKS ? Number(process.env.FAULT_HOLD_AFTER_ACKS) : null
    if (holdAfter !== null) {
      // aggregateNow() acks through the runtime's buffer object: wrap its ack in place.
      const buffer = analytics.buffer
      const ack = buffer.ack.bind(buffer)
      let acked = 0
      buffer.ack = async (ids: string[]) => {
        // Counted when the ack starts: the aggregation's two lanes may ack at once, and only
        // the first `holdAfter` may pass (counted after the await, two could both pass as the 10th).
        acked++
        if (acked > holdAfter) {
          console.log(`[fault-worker] holding ${ids.length}`)
          return new Promise<void>(() => undefined)
        }
        await ack(ids)
        console.log(`[fault-worker] acked ${ids.length}`)
      }
    }
    result = await analytics.aggregateNow()
  }
  const { claimed, daysRecomputed, inserted, skipped } = result
  console.log(JSON.stringify({ claimed, daysRecomputed, inserted, skipped }))
  await closePayload(payload, 0)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
