/**
 * `payload-analytics reaggregate`: recompute the daily statistics of a site (or all) for a
 * range of days from the raw events, with Payload booted from the host's config.
 */
import type { ReaggregateProgress, ReaggregateResult } from '../../jobs/reaggregate.js'

import { ReaggregateInputError, validateRange } from '../../jobs/reaggregate.js'
import { runWithAnalytics } from './loadPayload.js'
import { BIN, parseCommand, usageOf } from './parseCommand.js'

export const REAGGREGATE_HELP = `Usage: ${BIN} reaggregate --site <id|all> --from <YYYY-MM-DD> --to <YYYY-MM-DD> [options]

Recomputes the daily statistics of one site (or every site) for every local day (the site's time zone) from --from to
--to (both included) from the raw events, exactly as the aggregation job does. Idempotent:
run it as often as you like, also while the app and its aggregation are running. Days older
than a site's raw-event retention have no raw events any more: their statistics are left as
they are (the summary says how many).

Payload is booted with your project's config, found like the Payload CLI finds it:
--config, else PAYLOAD_CONFIG_PATH, else payload.config.ts/.js (tsconfig's @payload-config
path, src/, the project root). .env files are loaded first.

Options:
  --site ID|all        The site's id, or all to cover every site
  --from YYYY-MM-DD    First day (each site's local day)
  --to YYYY-MM-DD      Last day (local), included
  --config FILE        The Payload config (default: as the Payload CLI finds it)
  --concurrency N      Site-days recomputed at once, each on its own connection (default 2)
  -h, --help           Show this help

Exit codes: 0 done, 1 failure, 2 bad usage (bad dates, --from after --to, unknown site).

Example:
  ${BIN} reaggregate --site all --from 2026-10-01 --to 2026-10-31
`

const usage = usageOf('reaggregate')

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`

/** Progress on stdout: a redrawn bar on a terminal; otherwise a plain line at the start, every 10 % (or 5 s), and at the end. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stdout, label = 'reaggregate'): (progress: Pick<ReaggregateProgress, 'done' | 'total'>) => void {
  const tty = Boolean(stream.isTTY)
  let lastPercent = -1
  let lastAt = 0
  let finished = false
  return ({ done, total }) => {
    if (finished) return
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100)
    finished = done >= total
    if (tty) {
      const width = 30
      const filled = Math.round((percent / 100) * width)
      stream.write(`\r${label}: [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} days (${percent}%)${finished ? '\n' : ''}`)
      return
    }
    const now = Date.now()
    if (!finished && lastPercent >= 0 && percent - lastPercent < 10 && now - lastAt < 5_000) return
    lastPercent = percent
    lastAt = now
    stream.write(`${label}: ${done}/${total} days (${percent}%)\n`)
  }
}

/** Also across two copies of the module (the config may load the plugin from another path). */
const isInputError = (error: unknown): error is Error =>
  error instanceof ReaggregateInputError || (error instanceof Error && error.name === 'ReaggregateInputError')

export function summary(result: ReaggregateResult): string {
  const lines = [
    `reaggregate: done in ${(result.durationMs / 1000).toFixed(1)} s — ${plural(result.recomputed, 'site-day')} recomputed from raw events ` +
      `(${plural(result.sites, 'site')}, ${result.from} to ${result.to}): ${plural(result.rowsWritten, 'row')} written, ${plural(result.rowsDeleted, 'stale row')} removed.`,
  ]
  if (result.beyondRetention > 0) {
    lines.push(
      `reaggregate: ${plural(result.beyondRetention, 'site-day')} before the raw-event retention (first kept day ${result.firstKeptDay ?? '?'}) ` +
        'were left as they are: their raw events have been deleted.',
    )
  }
  if (result.recomputed > 0) lines.push('reaggregate: days without any raw event keep their statistics unchanged.')
  return lines.join('\n')
}

export async function runReaggregate(args: string[]): Promise<number> {
  const parsed = parseCommand(args, {
    help: REAGGREGATE_HELP,
    options: { concurrency: { type: 'string' }, config: { type: 'string' }, from: { type: 'string' }, site: { type: 'string' }, to: { type: 'string' } },
    positionals: false,
    usage,
  })
  if (typeof parsed === 'number') return parsed
  const { values } = parsed
  const { from, site, to } = values
  if (!site) return usage('--site is required (a site id, or all)')
  if (!from || !to) return usage('--from and --to are required (YYYY-MM-DD)')
  try {
    validateRange(from, to)
  } catch (error) {
    if (isInputError(error)) return usage(error.message)
    throw error
  }
  let concurrency: number | undefined
  if (values.concurrency !== undefined) {
    if (!/^\d+$/.test(values.concurrency) || Number(values.concurrency) < 1 || Number(values.concurrency) > 32) {
      return usage(`--concurrency must be a whole number from 1 to 32, got "${values.concurrency}"`)
    }
    concurrency = Number(values.concurrency)
  }

  return runWithAnalytics('reaggregate', { config: values.config, usage }, async (analytics, loaded) => {
    try {
      console.log(`reaggregate: site ${site}, ${from} to ${to} (config ${loaded.configPath})`)
      const result = await analytics.reaggregate({
        concurrency,
        from,
        onProgress: progressPrinter(),
        site: site === 'all' ? 'all' : site,
        to,
      })
      console.log(summary(result))
      return 0
    } catch (error) {
      if (isInputError(error)) return usage(error.message)
      console.error(`${BIN} reaggregate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      return 1
    }
  })
}
