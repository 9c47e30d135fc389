/**
 * The dev app as it runs in production, for the browser tests and bench:admin: embedded Postgres and a
 * redis-server on free ports, `next build` + `next start` (which runs the migrations and
 * seeds the demo tenants, sites and users), and a second Payload instance in the test
 * process, booted against the same database and Redis with its jobs on manual, to push
 * events into the buffer and run the aggregation when the test says so.
 */
import type { ChildProcess } from 'node:child_process'
import type { Payload } from 'payload'

import { spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getPayload } from 'payload'

import type { AnalyticsPluginOptions } from '../src/types.js'
import type { PostgresHandle, RedisHandle } from './services.js'

import { buildDevConfig } from '../dev/buildConfig.js'
import { JOBS_ENV } from '../jobs/scheduler.js'
import { freePort, startPostgres, startRedis, waitForPort } from './services.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const nextBin = path.join(root, 'node_modules/.bin/next')
const LOG_DIR = path.join(root, 'test/.tmp')
const SECRET = 'e2e-secret-not-for-production'

export interface E2EApp {
  databaseUri: string
  /** The test process's own Payload (jobs on manual), sharing the app's database and Redis. */
  payload: Payload
  redisUrl: string
  stop(): Promise<void>
  /** Origin of `next start`, e.g. `http://127.0.0.1:41234`. */
  url: string
}

const log = (message: string) => console.log(`[e2e] ${message}`)

function runNext(args: string[], env: NodeJS.ProcessEnv, logName: string): ChildProcess {
  mkdirSync(LOG_DIR, { recursive: true })
  const out = createWriteStream(path.join(LOG_DIR, logName))
  const child = spawn(nextBin, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.pipe(out)
  child.stderr?.pipe(out)
  return child
}

const exited = (child: ChildProcess): Promise<number> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code ?? 1))))

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  child.kill('SIGTERM')
  await exited(child)
  clearTimeout(timer)
}

/** Wait until the app answers an admin page (the first request runs migrations and the seed). */
async function waitForApp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/users/me`)
      if (response.status === 200) return
      last = `HTTP ${response.status}`
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`the app at ${url} did not come up within ${timeoutMs} ms (${last}); see test/.tmp/e2e-next-start.log`)
}

/**
 * Build (unless `E2E_REUSE_BUILD=1` and a build exists: for iterating on the tests only)
 * and start the app. `analytics` adds plugin options to the test process's own Payload;
 * `databaseUri` serves an existing database (a bench's prepared data) instead of a fresh
 * embedded Postgres. Everything started here is stopped by `stop()`, by handle.
 */
export async function startApp(options: { analytics?: AnalyticsPluginOptions; databaseUri?: string } = {}): Promise<E2EApp> {
  const cleanups: Array<() => Promise<void>> = []
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error))
  }
  try {
    const [postgres, redis]: [null | PostgresHandle, RedisHandle] = await Promise.all([options.databaseUri ? null : startPostgres(), startRedis()])
    if (postgres) cleanups.push(() => postgres.stop())
    cleanups.push(() => redis.stop())
    const databaseUri = options.databaseUri ?? (await postgres!.createDatabase('analytics_e2e'))
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // All test traffic comes from one machine: the per-client limit would stop it.
      ANALYTICS_RATE_LIMIT_PER_CLIENT: '100000',
      // …and plays many visitors, each its own X-Forwarded-For, as a proxy in front would report them.
      ANALYTICS_TRUST_PROXY: '1',
      // The plain editor reads but may not export (the browser test of `access.export`).
      ANALYTICS_EXPORT_ROLES: 'super-admin,tenant-manager',
      DATABASE_URI: databaseUri,
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_ENV: 'production',
      PAYLOAD_SECRET: SECRET,
      REDIS_URL: redis.url,
    }
    delete env[JOBS_ENV]

    const reuse = process.env.E2E_REUSE_BUILD === '1' && existsSync(path.join(root, 'dev/.next/BUILD_ID'))
    if (!reuse) {
      log('next build (40–120 s)…')
      const started = Date.now()
      const code = await exited(runNext(['build', 'dev'], env, 'e2e-next-build.log'))
      if (code !== 0) throw new Error(`next build failed (exit ${code}); see test/.tmp/e2e-next-build.log`)
      log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    }
    const port = await freePort()
    const server = runNext(['start', 'dev', '--port', String(port), '--hostname', '127.0.0.1'], env, 'e2e-next-start.log')
    cleanups.push(() => stopChild(server))
    const url = `http://127.0.0.1:${port}`
    await waitForPort(port, 60_000)
    await waitForApp(url, 120_000)
    log(`app up at ${url}`)

    // The test's own instance: no jobs of its own, no schema push (the app's migrations made it).
    process.env[JOBS_ENV] = 'manual'
    const config = buildDevConfig({ databaseUri, push: false, seed: false, analytics: { ...options.analytics, redisUrl: redis.url } })
    const payload = await getPayload({ config, key: `e2e:${databaseUri}` })
    cleanups.push(() => payload.destroy())
    return { databaseUri, payload, redisUrl: redis.url, stop, url }
  } catch (error) {
    await stop()
    throw error
  }
}
