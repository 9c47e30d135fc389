/**
 * Wrong database credentials behind the Pages API tracking route: a permanent start-up
 * error is reported as one (503 naming the configuration error, no credential in it), and
 * waves of requests boot Payload at most once per interval — counted as failed logins in
 * the log of a Postgres this file starts itself.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { PostgresHandle } from '../../scripts/services.js'

import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'

import { buildDevConfig } from '../../dev/buildConfig.js'
import { JOBS_ENV } from '../../jobs/scheduler.js'
import { startPostgres } from '../../scripts/services.js'
import { createTrackApiRoute } from '../../src/exports/next.js'

process.env[JOBS_ENV] = 'manual'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const RETRY_MS = 3_000

const log: string[] = []
let postgres: PostgresHandle
let server: Server
let trackUrl: string
const failedLogins = () => log.filter((line) => /password authentication failed/.test(line)).length

beforeAll(async () => {
  postgres = await startPostgres({ log: (line) => log.push(line) })
  const good = await postgres.createDatabase('bootfailure')
  const wrongPassword = good.replace('postgres:postgres@', 'postgres:not-the-password@')
  expect(wrongPassword).not.toBe(good)
  const route = createTrackApiRoute(buildDevConfig({ databaseUri: wrongPassword, push: true }), {
    bootRetryMs: RETRY_MS,
    key: `boot-failure-${randomBytes(3).toString('hex')}`,
  })
  server = createServer((req, res) => void route(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  trackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/analytics/track`
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await postgres?.stop()
})

const wave = (size: number) =>
  Promise.all(
    Array.from({ length: size }, async () => {
      const response = await fetch(trackUrl, {
        body: JSON.stringify({ s: '1', t: 'pageview', u: 'https://shop.acme.test/' }),
        headers: { 'content-type': 'text/plain', 'user-agent': CHROME },
        method: 'POST',
      })
      return { body: (await response.json()) as { error: string }, retryAfter: response.headers.get('retry-after'), status: response.status }
    }),
  )

test('wrong database credentials: every request 503 naming the configuration error, one boot attempt per interval', { timeout: 60_000 }, async () => {
  const first = await wave(100)
  const second = await wave(100)
  for (const answer of [...first, ...second]) {
    expect(answer.status).toBe(503)
    expect(answer.body.error).toMatch(/could not start \(the database refused the login: check the user and password of the database URL\)/)
    expect(answer.body.error).not.toMatch(/not-the-password|postgres:\/\/|starting/)
    expect(Number(answer.retryAfter)).toBeGreaterThan(0)
  }
  // Two waves of 100, one boot: the failed logins of one attempt, not of every wave.
  const afterOne = failedLogins()
  console.log(`[boot-failure] 200 requests in two waves: ${afterOne} failed Postgres login(s)`)
  expect(afterOne).toBe(1)

  // Past the interval, the next request boots again (once), and is answered the same way.
  await sleep(RETRY_MS + 200)
  const third = await wave(50)
  expect(third.every((answer) => answer.status === 503 && /refused the login/.test(answer.body.error))).toBe(true)
  await sleep(300)
  expect(failedLogins()).toBe(2)
})
