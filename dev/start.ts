/**
 * `npm run dev` (and `npm run dev:prod`): the dev app with everything it needs.
 * - DATABASE_URI unset → an embedded Postgres with its data in dev/.data/postgres.
 * - REDIS_URL unset and redis-server on PATH → a local redis-server (dev/.data/redis).
 * - Then `next dev` (or, with --prod, `next build` + `next start`, which runs the migrations).
 * Every process started here is stopped here, by PID, on Ctrl-C.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import type { PostgresHandle, RedisHandle } from '../scripts/services.js'

import { freePort, portOpen, redisServerPath, startPostgres, startRedis, waitForPort } from '../scripts/services.js'
import { DEMO_USERS } from './seed.js'

const dirname = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(dirname, '..')
const production = process.argv.includes('--prod')
const nextBin = path.join(root, 'node_modules/.bin/next')

const log = (message: string) => console.log(`[dev] ${message}`)
const cleanups: Array<() => Promise<void>> = []
let stopping = false

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error))
  }
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(nextBin, args, { cwd: root, env, stdio: 'inherit' })
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
    })
    child.on('exit', (code) => resolve(code ?? 1))
  })
}

async function main() {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }

  if (!env.DATABASE_URI) {
    const port = Number(env.ANALYTICS_DEV_PG_PORT ?? 54329)
    log(`starting embedded Postgres on port ${port} (data in dev/.data/postgres)…`)
    const postgres: PostgresHandle = await startPostgres({ dataDir: path.join(dirname, '.data/postgres'), port })
    cleanups.push(() => postgres.stop())
    env.DATABASE_URI = await postgres.createDatabase(production ? 'analytics_dev_prod' : 'analytics_dev')
  }

  if (!env.REDIS_URL) {
    if (redisServerPath()) {
      const redis: RedisHandle = await startRedis({ appendonly: true, dataDir: path.join(dirname, '.data/redis') })
      cleanups.push(() => redis.stop())
      env.REDIS_URL = redis.url
      log(`started redis-server (pid ${redis.pid}) at ${redis.url}`)
    } else {
      log('no REDIS_URL and no redis-server on PATH: the plugin uses its in-process buffer (single instance).')
    }
  }

  let port = Number(env.PORT ?? 3000)
  if (await portOpen(port)) {
    port = await freePort()
    log(`port ${env.PORT ?? 3000} is taken, using ${port}`)
  }

  if (production) {
    log('building the dev app for production (next build)…')
    const built = await run(['build', 'dev'], { ...env, NODE_ENV: 'production' })
    if (built !== 0) return shutdown(built)
  }

  const server = run(production ? ['start', 'dev', '--port', String(port)] : ['dev', 'dev', '--port', String(port)], {
    ...env,
    NODE_ENV: production ? 'production' : 'development',
  })
  void server.then((code) => shutdown(code))

  await waitForPort(port, 120_000)
  const url = `http://localhost:${port}`
  log('')
  log(`admin:    ${url}/admin   (the first page compiles for a while in dev mode)`)
  log(`login:    ${DEMO_USERS.superAdmin.email} / ${DEMO_USERS.superAdmin.password}   (super-admin)`)
  log(`          ${DEMO_USERS.tenantUser.email} / ${DEMO_USERS.tenantUser.password}   (Acme tenant only)`)
  log(`          ${DEMO_USERS.tenantManager.email} / ${DEMO_USERS.tenantManager.password}   (Acme tenant manager: also its analytics defaults)`)
  log(`database: ${env.DATABASE_URI?.replace(/:[^:@/]+@/, ':***@')}`)
  log(`redis:    ${env.REDIS_URL ?? 'none (in-process buffer)'}`)
  log('')
}

main().catch((error: unknown) => {
  console.error(error)
  void shutdown(1)
})
