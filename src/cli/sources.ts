/**
 * `payload-analytics sources sync`: pull the external sources (Search Console, Matomo,
 * Plausible's Stats API) for a range of days — a backfill, or the missed nights — with
 * progress, booting Payload with the host's config. Days already complete are skipped, so it
 * may be run again after a stop.
 */
import type { SourceKind } from '../sources/kinds.js'
import type { SourcesRunResult } from '../sources/sync.js'

import { isDay } from '../core/dailyStats.js'
import { SOURCE_KINDS } from '../sources/kinds.js'
import { runWithAnalytics } from './loadPayload.js'
import { BIN, parseCommand, usageOf } from './parseCommand.js'
import { progressPrinter } from './reaggregate.js'

export const SOURCES_HELP = `Usage: ${BIN} sources sync --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--site <id>] [--source gsc|matomo|plausible]

Fetches every day from --from to --to (both included) from each connected source
(analytics-sources) of every mapped site, or of one site / one kind of source. Each site
succeeds or fails on its own; the summary lists every failure with its reason. Days already
stored complete are not fetched again: run it again after a stop to finish.

Options:
  --from YYYY-MM-DD   First day
  --to YYYY-MM-DD     Last day, included
  --site ID           Only this site
  --source KIND       Only this kind of source: gsc, matomo or plausible
  --config FILE       The Payload config (default: as the Payload CLI finds it)
  -h, --help          Show this help

Exit codes: 0 every site ok (or skipped), 1 a site failed, 2 bad usage.

Example:
  ${BIN} sources sync --from 2026-09-01 --to 2026-10-30 --source gsc
`

const usage = usageOf('sources')

export function sourcesSummary(result: SourcesRunResult): string {
  const count = (status: string) => result.outcomes.filter((outcome) => outcome.status === status).length
  const lines = [`sources: done in ${(result.durationMs / 1000).toFixed(1)} s — ${count('ok')} site(s) ok, ${count('skipped')} skipped, ${count('failed')} failed.`]
  for (const outcome of result.outcomes) {
    if (outcome.status !== 'ok') lines.push(`sources: ${outcome.status} — site ${String(outcome.siteId)}, ${outcome.kind} "${outcome.sourceName}": ${outcome.reason ?? ''}`)
  }
  return lines.join('\n')
}

export async function runSourcesCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, {
    help: SOURCES_HELP,
    options: { config: { type: 'string' }, from: { type: 'string' }, site: { type: 'string' }, source: { type: 'string' }, to: { type: 'string' } },
    usage,
  })
  if (typeof parsed === 'number') return parsed
  const { positionals, values } = parsed
  if (positionals[0] !== 'sync' || positionals.length > 1) return usage(positionals[0] ? `unknown subcommand "${positionals.join(' ')}"` : 'a subcommand is required: sync')
  const { from, to } = values
  if (!from || !to || !isDay(from) || !isDay(to)) return usage('--from and --to are required (YYYY-MM-DD)')
  if (from > to) return usage(`--from (${from}) is after --to (${to})`)
  if (values.source !== undefined && !SOURCE_KINDS.includes(values.source as SourceKind)) return usage(`--source must be one of ${SOURCE_KINDS.join(', ')}`)

  return runWithAnalytics('sources', { config: values.config, usage }, async (analytics, loaded) => {
    console.log(`sources: ${from} to ${to}${values.site ? `, site ${values.site}` : ''}${values.source ? `, ${values.source} only` : ''} (config ${loaded.configPath})`)
    const siteId = values.site === undefined ? undefined : /^\d+$/.test(values.site) ? Number(values.site) : values.site
    const result = await analytics.sources.run({ from, kind: values.source as SourceKind | undefined, onProgress: progressPrinter(process.stdout, 'sources'), siteId, to })
    console.log(sourcesSummary(result))
    return result.outcomes.some((outcome) => outcome.status === 'failed') ? 1 : 0
  })
}
