/**
 * `payload-analytics worker`: the aggregation and retention worker in a process of its own,
 * for `aggregation: { worker: 'external' }` (it works beside inline workers too: one run at a
 * time across all of them either way).
 */

import { BootUsageError, closePayload, loadPayload } from './loadPayload.js'
import { BIN, parseCommand, usageOf } from './parseCommand.js'

export const WORKER_HELP = `Usage: ${BIN} worker [--config FILE]

Runs the analytics jobs (aggregation every few minutes, retention once a day) from the
plugin's BullMQ queue in this process until SIGTERM or SIGINT. Use it with
aggregation: { worker: 'external' } so the Payload servers only schedule the jobs; run one or
more (one run at a time across all of them, by a lock in Redis). Needs Redis (REDIS_URL or
the redisUrl option): without it the Payload server runs the jobs itself.

Payload is booted with your project's config, found like the Payload CLI finds it:
--config, else PAYLOAD_CONFIG_PATH, else payload.config.ts/.js (tsconfig's @payload-config
path, src/, the project root). .env files are loaded first.

Options:
  --config FILE   The Payload config (default: as the Payload CLI finds it)
  -h, --help      Show this help

Stops gracefully on SIGTERM or SIGINT: a run in progress claims no new batch, finishes the
batches in flight and recomputes their days (or is abandoned after 30 s: the next run redoes
its work). A second signal exits at once.
`

const usage = usageOf('worker')

export async function runWorker(args: string[]): Promise<number> {
  const parsed = parseCommand(args, { help: WORKER_HELP, options: { config: { type: 'string' } }, positionals: false, usage })
  if (typeof parsed === 'number') return parsed
  const { values } = parsed

  let loaded: Awaited<ReturnType<typeof loadPayload>>
  try {
    loaded = await loadPayload({ config: values.config })
  } catch (error) {
    if (error instanceof BootUsageError) return usage(error.message)
    throw error
  }
  const { payload } = loaded
  const analytics = payload.analytics
  if (!analytics) {
    console.error(`${BIN} worker: payload-plugin-analytics is not enabled in ${loaded.configPath}`)
    return closePayload(payload, 1)
  }
  if (analytics.jobs.driver !== 'bullmq') {
    return closePayload(payload, usage('no Redis (set REDIS_URL or the plugin\'s redisUrl): without Redis the Payload server runs the aggregation itself'))
  }
  await analytics.jobs.schedule()
  await analytics.jobs.startWorker()
  const cfg = analytics.config
  const every = cfg.aggregation.intervalMs % 60_000 === 0 ? `${cfg.aggregation.intervalMs / 60_000} min` : `${cfg.aggregation.intervalMs / 1000} s`
  console.log(
    `[analytics worker] running (pid ${process.pid}): queue "analytics" under ${cfg.redisKeyPrefix}bull, aggregation every ` +
      `${every}, retention daily at ${cfg.retention.runAt} UTC; config ${loaded.configPath}`,
  )

  return new Promise<number>(() => {
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`${BIN} worker: ${signal} again, exiting now`)
        process.exit(1)
      }
      stopping = true
      console.log(`[analytics worker] ${signal}: finishing the run in progress and stopping…`)
      // Exits the process once Payload is stopped.
      void closePayload(payload, 0, '[analytics worker] stopped')
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
