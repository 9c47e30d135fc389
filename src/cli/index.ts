#!/usr/bin/env node
/**
 * `payload-analytics`: the plugin's command line. `ingest` runs the standalone ingest
 * server; `worker`, `reaggregate`, `export` and `import` boot Payload with the host's config.
 * Exit codes: 0 success (also after a graceful SIGINT/SIGTERM), 1 failure, 2 bad usage.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import type { TrustProxy } from '../core/ip.js'
import type { IngestServer } from '../ingest/standaloneServer.js'
import type { RateLimitOptions } from '../types.js'

import { checkRedisUrl } from '../buffer/redisClient.js'
import { startIngestServer } from '../ingest/standaloneServer.js'
import { runExport } from './export.js'
import { runImport, runPlausibleExport } from './imports.js'
import { runReports } from './reports.js'
import { runReaggregate } from './reaggregate.js'
import { runSourcesCommand } from './sources.js'
import { runWorker } from './worker.js'
import {
  DEFAULT_RATE_LIMIT_PER_CLIENT,
  DEFAULT_RATE_LIMIT_PER_SITE,
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_SESSION_IDLE_MINUTES,
} from '../ingestDefaults.js'

const BIN = 'payload-analytics'
const DEFAULT_PORT = 8787
const DEFAULT_HOST = '0.0.0.0'

const formatLimit = (limit: Readonly<RateLimitOptions>) => `${limit.limit}/${limit.windowSeconds}`

const MAIN_HELP = `Usage: ${BIN} <command> [options]

Privacy-first analytics for Payload CMS: operator commands.

Commands:
  ingest        Run the standalone ingest server (tracking endpoint and script),
                needing only Redis, no Payload boot
  worker        Run the aggregation and retention jobs in this process
                (for aggregation.worker: 'external'), booting Payload
  reaggregate   Recompute the daily stats of a site or all sites for a
                date range from the raw events, booting Payload
  reports run   Send the scheduled reports that are due (--dry-run: list them)
  sources sync  Fetch Search Console, Matomo and Plausible data for a date range
                (backfill), with progress, booting Payload
  export        Write the month-to-date / year-to-date portfolio files
                (CSV or JSON) of one site or all, booting Payload
  export plausible
                Write a site's figures as a Plausible CSV export (ZIP)
  import        Import a Plausible CSV export into a site (import plausible-csv),
                list a site's imports, delete one

Options:
  -h, --help     Show this help (or a command's: ${BIN} <command> --help)
  -v, --version  Show the version
`

const INGEST_HELP = `Usage: ${BIN} ingest [options]

Serves POST /api/analytics/track (and its CORS preflight), GET /api/analytics/script.js,
GET /api/analytics/metrics (Prometheus) and GET /healthz on plain Node HTTP. Sites and their settings come from Redis, where the
Payload app publishes them at start and on every change: start the Payload app once first,
with the same Redis and key prefix. Run as many as you like behind a load balancer.

Options:
  --port N                         Port to listen on (default ${DEFAULT_PORT})
  --host ADDRESS                   Address to bind (default ${DEFAULT_HOST})
  --redis-url URL                  Redis the Payload app uses (default $REDIS_URL)
  --key-prefix PREFIX              The plugin's redisKeyPrefix (default ${DEFAULT_REDIS_KEY_PREFIX})
  --api-route PATH                 The Payload app's routes.api (default /api)
  --trust-proxy false|true|N       Trust X-Forwarded-For: not at all, fully, or N proxy
                                   hops in front of this server (default false)
  --ip-header NAME                 Single-IP header your proxy overwrites on every request
                                   (e.g. cf-connecting-ip), believed as the client's address
                                   whatever --trust-proxy says; repeatable (default none)
  --country-header NAME            Trusted CDN header with the visitor's country (e.g.
                                   cf-ipcountry); repeatable (default none)
  --geoip FILE                     Local MaxMind-format country database (.mmdb)
                                   (default: the one bundled with the plugin)
  --explain-rejections true|false  Tell anonymous clients why an event was not counted
                                   (default: true unless NODE_ENV=production)
  --rate-limit-per-client N[/SEC]  Events per anonymised client per window
                                   (default ${formatLimit(DEFAULT_RATE_LIMIT_PER_CLIENT)})
  --rate-limit-per-site N[/SEC]    Events per site per window (default ${formatLimit(DEFAULT_RATE_LIMIT_PER_SITE)})
  --session-idle-minutes N         Inactivity that ends a visit (default ${DEFAULT_SESSION_IDLE_MINUTES})
  --metrics-token TOKEN            Bearer token for GET /api/analytics/metrics
                                   (default $ANALYTICS_METRICS_TOKEN; without one: 401)
  --metrics-public                 Serve the metrics without a token (private networks only)
  --metrics-no-site-labels         Count accepted events by type only (large portfolios)
  -h, --help                       Show this help

Stops gracefully on SIGINT or SIGTERM (requests in flight are answered first).

Example:
  REDIS_URL=redis://127.0.0.1:6379 ${BIN} ingest --port 8787 --trust-proxy 1 --country-header cf-ipcountry
`

/** Bad usage: the message, where to look, exit code 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly helpCommand: string,
  ) {
    super(message)
  }
}

function version(): string {
  // src/cli/ under tsx, dist/src/cli/ once built: walk up to the package's own package.json.
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 5; depth++) {
    const file = path.join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'payload-plugin-analytics') return pkg.version ?? 'unknown'
    }
    dir = path.dirname(dir)
  }
  return 'unknown'
}

const wholeNumber = (value: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got "${value}"`, 'ingest')
  const number = Number(value)
  if (number < min || number > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${value}`, 'ingest')
  return number
}

const parseTrustProxy = (value: string): TrustProxy => {
  if (value === 'true') return true
  if (value === 'false') return false
  if (/^\d+$/.test(value)) return Number(value)
  throw new UsageError(`--trust-proxy takes false, true or a number of proxy hops, got "${value}"`, 'ingest')
}

const parseRateLimit = (value: string, flag: string, fallback: Readonly<RateLimitOptions>): RateLimitOptions => {
  const [limit = '', windowSeconds] = value.split('/')
  if (value.split('/').length > 2) throw new UsageError(`${flag} takes LIMIT or LIMIT/SECONDS, got "${value}"`, 'ingest')
  return {
    limit: wholeNumber(limit, flag, 1),
    windowSeconds: windowSeconds === undefined ? fallback.windowSeconds : wholeNumber(windowSeconds, `${flag} window`, 1),
  }
}

const headerName = (value: string, flag: string): string => {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) throw new UsageError(`${flag} must be an HTTP header name, got "${value}"`, 'ingest')
  return value.toLowerCase()
}

async function runIngest(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'api-route': { type: 'string' },
      'country-header': { multiple: true, type: 'string' },
      geoip: { type: 'string' },
      help: { short: 'h', type: 'boolean' },
      'explain-rejections': { type: 'string' },
      host: { type: 'string' },
      'ip-header': { multiple: true, type: 'string' },
      'key-prefix': { type: 'string' },
      'metrics-no-site-labels': { type: 'boolean' },
      'metrics-public': { type: 'boolean' },
      'metrics-token': { type: 'string' },
      port: { type: 'string' },
      'rate-limit-per-client': { type: 'string' },
      'rate-limit-per-site': { type: 'string' },
      'redis-url': { type: 'string' },
      'session-idle-minutes': { type: 'string' },
      'trust-proxy': { type: 'string' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(INGEST_HELP)
    return 0
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'ingest')

  const redisUrl = values['redis-url'] ?? process.env.REDIS_URL
  if (!redisUrl) throw new UsageError('no Redis: pass --redis-url or set REDIS_URL (the Redis the Payload app uses)', 'ingest')
  try {
    checkRedisUrl(redisUrl)
  } catch (error) {
    throw new UsageError(`--redis-url: ${(error as Error).message}`, 'ingest')
  }
  const keyPrefix = values['key-prefix'] ?? DEFAULT_REDIS_KEY_PREFIX
  if (!keyPrefix) throw new UsageError('--key-prefix must not be empty', 'ingest')
  const geoipDatabase = values.geoip
  if (geoipDatabase !== undefined && !existsSync(geoipDatabase)) throw new UsageError(`--geoip: no such file "${geoipDatabase}"`, 'ingest')

  if (values['metrics-token'] !== undefined && values['metrics-token'].trim() === '') throw new UsageError('--metrics-token must not be empty', 'ingest')

  const apiRoute = values['api-route']
  if (apiRoute !== undefined && !/^\/[\w./-]*$/.test(apiRoute)) throw new UsageError(`--api-route must be a path like /api, got "${apiRoute}"`, 'ingest')

  const explain = values['explain-rejections']
  if (explain !== undefined && explain !== 'true' && explain !== 'false') throw new UsageError(`--explain-rejections takes true or false, got "${explain}"`, 'ingest')

  const options = {
    apiRoute,
    countryHeaders: (values['country-header'] ?? []).map((name) => headerName(name, '--country-header')),
    explainRejections: explain === undefined ? undefined : explain === 'true',
    geoipDatabase: geoipDatabase ?? null,
    host: values.host ?? DEFAULT_HOST,
    ipHeaders: values['ip-header']?.map((name) => headerName(name, '--ip-header')),
    keyPrefix,
    metrics: {
      public: values['metrics-public'] ?? false,
      siteLabels: !values['metrics-no-site-labels'],
      token: values['metrics-token'], // without it, ANALYTICS_METRICS_TOKEN (resolveMetricsOptions)
    },
    port: values.port === undefined ? DEFAULT_PORT : wholeNumber(values.port, '--port', 0, 65_535),
    rateLimits: {
      perClient: parseRateLimit(values['rate-limit-per-client'] ?? formatLimit(DEFAULT_RATE_LIMIT_PER_CLIENT), '--rate-limit-per-client', DEFAULT_RATE_LIMIT_PER_CLIENT),
      perSite: parseRateLimit(values['rate-limit-per-site'] ?? formatLimit(DEFAULT_RATE_LIMIT_PER_SITE), '--rate-limit-per-site', DEFAULT_RATE_LIMIT_PER_SITE),
    },
    redisUrl,
    sessionIdleSeconds:
      values['session-idle-minutes'] === undefined ? undefined : wholeNumber(values['session-idle-minutes'], '--session-idle-minutes', 1) * 60,
    trustProxy: values['trust-proxy'] === undefined ? false : parseTrustProxy(values['trust-proxy']),
  }

  // Signals are handled from the start: one that arrives while the server is still starting
  // stops it as soon as it is up, rather than killing the process half-way.
  let stopping: NodeJS.Signals | null = null
  let stopNow: ((signal: NodeJS.Signals) => void) | null = null
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${BIN} ingest: ${signal} again, exiting now`)
      process.exit(1)
    }
    stopping = signal
    stopNow?.(signal)
  }
  // The first signal stops gracefully; a second one quits at once.
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  let server: IngestServer
  try {
    server = await startIngestServer(options)
  } catch (error) {
    console.error(`${BIN} ingest: could not start: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }

  return new Promise<number>((resolve) => {
    stopNow = (signal) => {
      console.log(`[analytics ingest] ${signal}: finishing requests in flight and stopping…`)
      server.close().then(
        () => {
          console.log('[analytics ingest] stopped')
          // Whatever a library may still hold (a reconnect timer) must not keep a stopped server alive.
          process.exit(0)
        },
        (error: unknown) => {
          console.error(`${BIN} ingest: error while stopping: ${error instanceof Error ? error.message : String(error)}`)
          resolve(1)
        },
      )
    }
    if (stopping) stopNow(stopping)
  })
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    // Asked for: stdout and success; no command at all is a usage error.
    ;(command === undefined ? process.stderr : process.stdout).write(MAIN_HELP)
    return command === undefined ? 2 : 0
  }
  if (command === '-v' || command === '--version') {
    console.log(version())
    return 0
  }
  if (command === 'ingest') return runIngest(rest)
  if (command === 'worker') return runWorker(rest)
  if (command === 'reaggregate') return runReaggregate(rest)
  if (command === 'export') return rest[0] === 'plausible' ? runPlausibleExport(rest.slice(1)) : runExport(rest)
  if (command === 'import') return runImport(rest)
  if (command === 'reports') return runReports(rest)
  if (command === 'sources') return runSourcesCommand(rest)
  throw new UsageError(command.startsWith('-') ? `unknown option "${command}"` : `unknown command "${command}"`, '')
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      const helpCommand = error instanceof UsageError ? error.helpCommand : 'ingest'
      console.error(`${BIN}${helpCommand ? ` ${helpCommand}` : ''}: ${error.message}`)
      console.error(`Run '${BIN}${helpCommand ? ` ${helpCommand}` : ''} --help' for usage.`)
      process.exitCode = 2
      return
    }
    console.error(`${BIN}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exitCode = 1
  },
)
