/**
 * The worker side of `npm run bench:aggregate` (bench/aggregate.ts spawns it; not run by hand):
 * boots Payload in this process as `payload-analytics worker` does (the jobs not started at
 * boot: `PAYLOAD_ANALYTICS_JOBS=manual`), then, for every `run` line on stdin, runs
 * `payload.analytics.aggregateNow()` once — what one scheduled run does — and prints one JSON
 * line with its result, its duration and this process's CPU time; `exit` (or the end of stdin)
 * stops it. One boot serves every run, so runs are timed without the boot. The parent samples
 * this process's RSS and times Postgres's and Redis's CPU around each run.
 *
 * Environment (set by the parent): DATABASE_URI, REDIS_URL, BENCH_BATCH_SIZE.
 */
import { createInterface } from 'node:readline'
import { getPayload } from 'payload'

import { buildDevConfig } from '../dev/buildConfig.js'
import { JOBS_ENV } from '../jobs/scheduler.js'
import { closePayload } from '../src/cli/loadPayload.js'

process.env[JOBS_ENV] = 'manual'
process.env.DISABLE_PAYLOAD_HMR = 'true'

const mb = (bytes: number) => Math.round(bytes / 2 ** 20)

async function main() {
  const databaseUri = process.env.DATABASE_URI
  const redisUrl = process.env.REDIS_URL
  if (!databaseUri || !redisUrl) throw new Error('DATABASE_URI and REDIS_URL must be set (by bench/aggregate.ts)')
  const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 5_000)
  const config = buildDevConfig({ analytics: { aggregation: { batchSize, worker: 'external' }, redisUrl }, databaseUri, push: false, seed: false })
  const payload = await getPayload({ config, key: 'bench-aggregate-worker' })
  const analytics = payload.analytics
  if (!analytics) throw new Error('payload-plugin-analytics is not enabled')
  // Where a run's time goes (wall-clock seconds, summed over the run's lanes): the buffer's
  // claims (Redis round trip and decoding) and acks timed here; the inserts (COPY) and the
  // recompute from the product's own `analytics_db_latency_seconds`.
  const phases = { ack: 0, claim: 0 }
  const buffer = analytics.buffer
  for (const phase of ['claim', 'ack'] as const) {
    const original = buffer[phase].bind(buffer) as (...args: unknown[]) => Promise<unknown>
    ;(buffer as unknown as Record<string, unknown>)[phase] = async (...args: unknown[]) => {
      const started = performance.now()
      try {
        return await original(...args)
      } finally {
        phases[phase] += (performance.now() - started) / 1000
      }
    }
  }
  const dbSeconds = async () => {
    const metric = (await analytics.metrics.registry.getSingleMetricAsString('analytics_db_latency_seconds')).split('\n')
    const sum = (operation: string) => Number(metric.find((line) => line.startsWith(`analytics_db_latency_seconds_sum{operation="${operation}"`))?.split(' ').pop() ?? 0)
    return { insert: sum('insert'), recompute: sum('recompute') }
  }
  const rssBootMB = mb(process.memoryUsage().rss)
  console.log(`[worker] booted (pid ${process.pid}, RSS ${rssBootMB} MB)`)
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'exit') break
    if (line.trim() !== 'run') continue
    const started = performance.now()
    const cpuBefore = process.cpuUsage()
    phases.ack = phases.claim = 0
    const dbBefore = await dbSeconds()
    // A run that fails (the buffer's 1 s command timeout, on a starved or disk-bound machine)
    // is tried again at once, as the next scheduled run would; the failures are reported and
    // their time counts in the run's.
    const failures: string[] = []
    let result: Awaited<ReturnType<typeof analytics.aggregateNow>> | undefined
    while (!result) {
      try {
        result = await analytics.aggregateNow()
      } catch (error) {
        failures.push((error as Error).message)
        if (failures.length >= 5) throw error
      }
    }
    const durationMs = performance.now() - started
    const cpu = process.cpuUsage(cpuBefore)
    const dbAfter = await dbSeconds()
    const round3 = (value: number) => Math.round(value * 1000) / 1000
    const phaseSeconds = {
      ack: round3(phases.ack),
      claim: round3(phases.claim),
      insert: round3(dbAfter.insert - dbBefore.insert),
      recompute: round3(dbAfter.recompute - dbBefore.recompute),
    }
    console.log(
      JSON.stringify({
        failedAttempts: failures.length,
        phaseSeconds,
        failures,
        batchSize: analytics.config.aggregation.batchSize,
        claimed: result.claimed,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        daysRecomputed: result.daysRecomputed,
        durationMs,
        inserted: result.inserted,
        rowsWritten: result.rowsWritten,
        rssBootMB,
        skipped: result.skipped,
      }),
    )
  }
  await closePayload(payload, 0)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
