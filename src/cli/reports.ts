/**
 * `payload-analytics reports run [--dry-run]`: send the reports that are due now (each
 * delivery once, as the scheduled job does — running it beside the app sends nothing twice),
 * or with `--dry-run` only list what would be sent.
 */

import { runWithAnalytics } from './loadPayload.js'
import { BIN, parseCommand, usageOf } from './parseCommand.js'

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

const usage = usageOf('reports')

export async function runReports(args: string[]): Promise<number> {
  const parsed = parseCommand(args, { help: REPORTS_HELP, options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' } }, usage })
  if (typeof parsed === 'number') return parsed
  const { positionals, values } = parsed
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
