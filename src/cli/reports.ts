/**
 * `payload-analytics reports run [--dry-run]`: send the reports that are due now (each
 * delivery once, as the scheduled job does — running it beside the app sends nothing twice),
 * or with `--dry-run` only list what would be sent.
 */
import { parseArgs } from 'node:util'

import { runWithAnalytics } from './loadPayload.js'

const BIN = 'payload-analytics'

export const REPORTS_HELP = `Usage: ${BIN} reports run [--dry-run] [--config FILE]

Sends every enabled report whose occurrence is due (a missed one once, marked late), by
email through the app's Payload email adapter and/or its signed webhook — exactly as the
scheduled job does, each delivery once. Payload is booted with your project's config.

Options:
  --dry-run      Build the due reports and list them; send and record nothing
  --config FILE  The Payload config (default: as the Payload CLI finds it)
  -h, --help     Show this help

Exit codes: 0 done, 1 failure, 2 bad usage.
`

const usage = (message: string): number => {
  console.error(`${BIN} reports: ${message}`)
  console.error(`Run '${BIN} reports --help' for usage.`)
  return 2
}

export async function runReports(args: string[]): Promise<number> {
  let values: { config?: string; 'dry-run'?: boolean; help?: boolean }
  let positionals: string[]
  try {
    ;({ positionals, values } = parseArgs({
      allowPositionals: true,
      args,
      options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { short: 'h', type: 'boolean' } },
      strict: true,
    }))
  } catch (error) {
    return usage((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(REPORTS_HELP)
    return 0
  }
  if (positionals[0] !== 'run' || positionals.length > 1) return usage(positionals.length ? `unknown subcommand "${positionals.join(' ')}"` : 'missing subcommand: run')
  const dryRun = Boolean(values['dry-run'])
  return runWithAnalytics('reports', { config: values.config, usage }, async (analytics) => {
    const runs = await analytics.reports.runDue({ dryRun, via: 'cli' })
    for (const run of runs) {
      const sent = run.deliveries.map((d) => `${d.channel}${d.recipient ? ` ${d.recipient}` : ''}: ${d.outcome.status}`).join(', ')
      console.log(
        `reports: report ${String(run.reportId)} (${run.range.from}..${run.range.to}, due ${run.occurrence}${run.missed ? ', late' : ''})` +
          (dryRun ? ': would be sent' : `: ${sent || 'nothing to send'}`),
      )
    }
    if (runs.length === 0) console.log('reports: nothing due')
    return 0
  })
}
