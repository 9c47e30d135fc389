/**
 * Local stand-ins for Matomo's Reporting API (`API.getBulkRequest` posted as a form, errors
 * as `{"result":"error"}` in 200 bodies) and Plausible's Stats API v2 (`POST /api/v2/query`
 * with a Bearer key, 429 with Retry-After). Figures derive from (site, day) so tests know them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

export interface Recorded {
  at: number
  body: string
  headers: IncomingMessage['headers']
  url: string
}

const hash = (text: string) => {
  let h = 2166136261
  for (const char of text) h = Math.imul(h ^ char.charCodeAt(0), 16777619) >>> 0
  return h
}

/** The day's figures of a site, as both fakes serve them (visits ≥ visitors, bounces ≤ visits). */
export function dayFigures(site: string, day: string) {
  const h = hash(`${site}|${day}`)
  const visitors = 50 + (h % 400)
  const visits = visitors + (h % 37)
  const bounces = Math.floor(visits / 3)
  return { bounces, duration: visits * 42, pageviews: visits * 3, visitors, visits }
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      requests.push({ at: Date.now(), body, headers: req.headers, url: req.url ?? '' })
      handler(req, body, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())), requests, url: `http://127.0.0.1:${port}` }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** Matomo: token `matomo-token`; idSite 666 answers an error in a 200 body for its visits report. */
export async function startFakeMatomo() {
  return listen((_req, raw, res) => {
    const form = new URLSearchParams(raw)
    if (form.get('token_auth') !== 'matomo-token') return json(res, 200, { message: "You can't access this resource as it requires 'view' access", result: 'error' })
    if (form.get('method') !== 'API.getBulkRequest' || form.get('module') !== 'API') return json(res, 400, { message: 'bad method', result: 'error' })
    const answers: unknown[] = []
    for (let i = 0; form.has(`urls[${i}]`); i++) {
      const q = new URLSearchParams(form.get(`urls[${i}]`)!)
      const idSite = q.get('idSite')!
      const day = q.get('date')!
      const f = dayFigures(`matomo-${idSite}`, day)
      switch (q.get('method')) {
        case 'VisitsSummary.get':
          answers.push(idSite === '666' ? { message: 'An unexpected website was found in the request: website id was set to 666.', result: 'error' } : { bounce_count: f.bounces, nb_actions: f.pageviews, nb_uniq_visitors: f.visitors, nb_visits: f.visits, sum_visit_length: f.duration })
          break
        case 'Actions.get':
          answers.push({ nb_pageviews: f.pageviews, nb_uniq_pageviews: f.visits })
          break
        case 'Actions.getPageUrls':
          answers.push([
            { label: '/index', nb_hits: f.pageviews - 5, nb_uniq_visitors: f.visitors, nb_visits: f.visits - 2, url: 'https://m.test/' },
            { label: '/über, "quoted"', nb_hits: 5, nb_uniq_visitors: 2, nb_visits: 2 },
          ])
          break
        case 'Referrers.getAll':
          answers.push([
            { label: 'Direct Entry', nb_uniq_visitors: 10, nb_visits: 12, referer_type: 1 },
            { label: 'Google', nb_uniq_visitors: f.visitors - 10, nb_visits: f.visits - 12, referer_type: 2 },
          ])
          break
        case 'UserCountry.getCountry':
          answers.push([{ code: 'de', label: 'Germany', nb_uniq_visitors: f.visitors, nb_visits: f.visits }])
          break
        case 'DevicesDetection.getType':
          answers.push([
            { label: 'Desktop', nb_uniq_visitors: f.visitors - 3, nb_visits: f.visits - 3 },
            { label: 'Smartphone', nb_uniq_visitors: 3, nb_visits: 3 },
          ])
          break
        default:
          answers.push({ message: 'unknown method', result: 'error' })
      }
    }
    json(res, 200, answers)
  })
}

/**
 * Plausible: key `plausible-key`; the first `tooManyFirst` queries answer 429. Breakdowns are
 * paged as Plausible documents (`pagination: {limit, offset}`, default 10,000 rows from 0);
 * `pageRows` pages (`/p/0`, `/p/1`, … one visitor each) make `event:page` that long.
 */
export async function startFakePlausible(options: { pageRows?: number; tooManyFirst: number }) {
  let tooMany = options.tooManyFirst
  return listen((req, raw, res) => {
    if (req.url !== '/api/v2/query' || req.method !== 'POST') return json(res, 404, { error: 'not found' })
    if (req.headers.authorization !== 'Bearer plausible-key') return json(res, 401, { error: 'Invalid API key' })
    if (tooMany > 0) {
      tooMany--
      return json(res, 429, { error: 'Too many API requests' }, { 'retry-after': '0' })
    }
    const body = JSON.parse(raw) as { date_range: [string, string]; dimensions?: string[]; metrics: string[]; pagination?: { limit?: number; offset?: number }; site_id: string }
    const f = dayFigures(`plausible-${body.site_id}`, body.date_range[0])
    const dimension = body.dimensions?.[0]
    if (!dimension) {
      const values: Record<string, number> = { bounce_rate: (f.bounces / f.visits) * 100, pageviews: f.pageviews, visit_duration: f.duration / f.visits, visitors: f.visitors, visits: f.visits }
      return json(res, 200, { meta: {}, query: body, results: [{ dimensions: [], metrics: body.metrics.map((m) => values[m] ?? 0) }] })
    }
    const rows: Record<string, Array<[string, number, number, number]>> = {
      'event:page': options.pageRows ? Array.from({ length: options.pageRows }, (_, i) => [`/p/${i}`, 1, 1, 1]) : [['/', f.visitors, f.visits, f.pageviews]],
      'visit:country': [['DE', f.visitors, f.visits, 0]],
      'visit:device': [['Desktop', f.visitors, f.visits, 0]],
      'visit:source': [['Direct / None', f.visitors, f.visits, 0]],
    }
    const offset = body.pagination?.offset ?? 0
    const page = (rows[dimension] ?? []).slice(offset, offset + (body.pagination?.limit ?? 10_000))
    return json(res, 200, { meta: {}, query: body, results: page.map(([key, ...m]) => ({ dimensions: [key], metrics: m.slice(0, body.metrics.length) })) })
  })
}
