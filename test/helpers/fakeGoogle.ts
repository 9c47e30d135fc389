/**
 * A local stand-in for Google's OAuth token endpoint and Search Console's
 * `searchAnalytics.query`, implementing their documented request and response shapes: form
 * posts to the token endpoint (`invalid_grant` for a refused grant), Bearer tokens on the
 * API, `rowLimit`/`startRow` paging, `metadata.firstIncompleteDate` for `dataState: all`
 * grouped by date, 429s, quota 403s and errors in JSON bodies. Figures are derived from
 * (property, day) so a test can compute the expected numbers.
 */
import { createServer, type IncomingMessage } from 'node:http'

import type { GscApiRow } from '../../src/core/searchStats.js'

export interface RecordedRequest {
  at: number
  authorization: null | string
  body: Record<string, unknown> | Record<string, string>
  path: string
  property?: string
  url: string
}

export interface PropertyBehaviour {
  /** Answer these many 401s first (an access token Google no longer takes). */
  unauthorizedFirst?: number
  /** Answer these many 429s first (with Retry-After: 0). */
  tooManyFirst?: number
  /** Always answer this status with a Google error body. */
  failWith?: { reason: string; status: number }
  /** Answer a body that is not JSON. */
  garbage?: boolean
  /** Queries of a day (the `query` breakdown) — more than 25,000 pages. */
  queries?: number
  /** First day Google calls incomplete. */
  firstIncompleteDate?: string
}

const hash = (text: string) => {
  let h = 2166136261
  for (const char of text) h = Math.imul(h ^ char.charCodeAt(0), 16777619) >>> 0
  return h
}

/** The day's totals of a property, as the fake serves them. */
export function fixtureTotals(property: string, day: string): GscApiRow {
  const h = hash(`${property}|${day}`)
  const impressions = 1000 + (h % 5000)
  const clicks = 10 + (h % 300)
  return { clicks, ctr: clicks / impressions, impressions, keys: [day], position: 1 + (h % 200) / 10 }
}

export function fixtureRows(property: string, day: string, dimension: string, count: number): GscApiRow[] {
  const rows: GscApiRow[] = []
  const keys: Record<string, string[]> = { country: ['deu', 'usa', 'fra', 'zzz'], device: ['DESKTOP', 'MOBILE', 'TABLET'] }
  const n = keys[dimension]?.length ?? count
  for (let i = 0; i < n; i++) {
    const key = keys[dimension]?.[i] ?? (dimension === 'page' ? `https://example.test/p/${i}` : `query ${i} “ü”`)
    rows.push({ clicks: Math.max(0, 500 - i), impressions: 1000 - (i % 900), keys: [key], position: 1 + (i % 50) / 5 })
  }
  return rows
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function startFakeGoogle() {
  const requests: RecordedRequest[] = []
  const behaviours = new Map<string, PropertyBehaviour>()
  const issued = new Set<string>()
  const revoked = new Set<string>()
  let tokenCount = 0
  const counters = new Map<string, { unauthorized: number; tooMany: number }>()

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req)
      const url = new URL(req.url ?? '/', 'http://fake')
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers })
        res.end(typeof body === 'string' ? body : JSON.stringify(body))
      }
      if (url.pathname === '/token') {
        const form = Object.fromEntries(new URLSearchParams(raw))
        requests.push({ at: Date.now(), authorization: req.headers.authorization ?? null, body: form, path: url.pathname, url: req.url ?? '' })
        if (form.client_id !== 'client-1' || form.client_secret !== 'secret-1') return send(401, { error: 'invalid_client' })
        if (form.grant_type === 'authorization_code') {
          if (form.code !== 'good-code') return send(400, { error: 'invalid_grant' })
          const token = `at-${++tokenCount}`
          issued.add(token)
          return send(200, { access_token: token, expires_in: 3599, refresh_token: 'rt-from-code', scope: 'https://www.googleapis.com/auth/webmasters.readonly', token_type: 'Bearer' })
        }
        if (form.grant_type === 'refresh_token') {
          if (!form.refresh_token || revoked.has(form.refresh_token)) return send(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' })
          const token = `at-${++tokenCount}`
          issued.add(token)
          return send(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' })
        }
        return send(400, { error: 'unsupported_grant_type' })
      }
      const match = /^\/sites\/([^/]+)\/searchAnalytics\/query$/.exec(url.pathname)
      if (!match || req.method !== 'POST') return send(404, { error: { code: 404, message: 'Not found' } })
      const property = decodeURIComponent(match[1]!)
      const body = JSON.parse(raw) as Record<string, unknown>
      requests.push({ at: Date.now(), authorization: req.headers.authorization ?? null, body, path: url.pathname, property, url: req.url ?? '' })
      const behaviour = behaviours.get(property) ?? {}
      const count = counters.get(property) ?? { tooMany: 0, unauthorized: 0 }
      counters.set(property, count)
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      if (!issued.has(token)) return send(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } })
      if (count.unauthorized < (behaviour.unauthorizedFirst ?? 0)) {
        count.unauthorized++
        issued.delete(token)
        return send(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } })
      }
      if (count.tooMany < (behaviour.tooManyFirst ?? 0)) {
        count.tooMany++
        return send(429, { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } }, { 'retry-after': '0' })
      }
      if (behaviour.failWith) {
        return send(behaviour.failWith.status, { error: { code: behaviour.failWith.status, errors: [{ reason: behaviour.failWith.reason }], message: `Failure: ${behaviour.failWith.reason}` } })
      }
      if (behaviour.garbage) return send(200, '<html>not json')
      const day = String(body.startDate)
      const dimensions = (body.dimensions as string[] | undefined) ?? []
      const startRow = Number(body.startRow ?? 0)
      const rowLimit = Math.min(25_000, Number(body.rowLimit ?? 1000))
      let rows: GscApiRow[]
      if (dimensions[0] === 'date') rows = [fixtureTotals(property, day)]
      else rows = fixtureRows(property, day, dimensions[0] ?? '', dimensions[0] === 'query' ? (behaviour.queries ?? 30) : 40)
      const page = rows.slice(startRow, startRow + rowLimit)
      const answer: Record<string, unknown> = { responseAggregationType: 'byProperty' }
      if (page.length) answer.rows = page
      if (dimensions[0] === 'date' && body.dataState === 'all' && behaviour.firstIncompleteDate && day >= behaviour.firstIncompleteDate) {
        answer.metadata = { firstIncompleteDate: behaviour.firstIncompleteDate }
      }
      return send(200, answer)
    })().catch((error: unknown) => {
      res.writeHead(500)
      res.end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    behaviours,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    /** Revoke a refresh token (the next refresh answers invalid_grant). */
    revoke: (refreshToken: string) => revoked.add(refreshToken),
    requests,
    /** Forget every access token issued so far (they "expired"). */
    expireAccessTokens: () => issued.clear(),
    url: `http://127.0.0.1:${port}`,
  }
}
