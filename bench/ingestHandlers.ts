/**
 * `npm run bench:ingest-handlers`: the CPU each ingest route's handler spends per request,
 * in process — `/api/analytics/track` (`createTrackReplyHandler`) and Plausible's
 * `/api/event` (`createPlausibleEventHandler`) over ONE ingest core, as the standalone
 * server and the Pages API routes build them, fed the same traffic-model hits in each
 * route's own format (`requestOf` / `plausibleRequestOf`). No HTTP and no Redis (the
 * in-process buffer and salts): what is left is exactly the code the two routes do not
 * share, plus the pipeline they do. A profile: `node --cpu-prof --import tsx bench/ingestHandlers.ts`.
 *
 * Rounds alternate which route goes first; each round has a fresh buffer (so it never
 * fills). Every request must be accepted (202, nothing dropped), or the run is invalid.
 *
 * Environment (all optional): BENCH_REQUESTS=20000 (distinct model hits), BENCH_ROUNDS=6,
 * BENCH_SEED=20261204. The LAST line is one JSON object: µs of CPU per request for each
 * route (median of the rounds), the ratio event/track, the load average and `valid`.
 */
import os from 'node:os'

import type { IngestRequest, TrackReply } from '../src/ingest/trackHandler.js'

import type { EventBuffer, IngestInput, IngestResult } from '../src/buffer/types.js'

import { encodeEventWithoutSession } from '../src/buffer/eventCodec.js'
import { MemorySaltStore } from '../src/buffer/saltStore.js'
import { openCountryLookup } from '../src/core/country.js'
import { headersFromRecord } from '../src/core/headers.js'
import { createPlausibleEventHandler } from '../src/ingest/plausibleEventHandler.js'
import { SiteDirectory } from '../src/ingest/siteDirectory.js'
import { createIngestCore, createTrackReplyHandler } from '../src/ingest/trackHandler.js'
import { DEFAULT_INGEST_COUNTRY_HEADERS } from '../src/ingestDefaults.js'
import { envNumber } from './envNumber.js'
import { modelSiteSettings } from './model/events.js'
import { plausibleRequestOf, requestOf, TrafficModel } from './model/traffic.js'

const REQUESTS = Math.round(envNumber('BENCH_REQUESTS', 20_000))
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 6))
const SEED = Math.round(envNumber('BENCH_SEED', 20261204))
const MODEL_SITES = 20
const NO_LIMIT = { limit: 1_000_000_000, windowSeconds: 60 }

const log = (message: string) => console.log(`[bench] ${message}`)
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const model = new TrafficModel({ botShare: 0, dailyEvents: 2_000_000, seed: SEED, sites: MODEL_SITES })
const hits = []
for (let slot = 168; hits.length < REQUESTS && slot < 288; slot++) {
  hits.push(...model.sites.flatMap((site) => model.slotHits(site.index, '2026-11-18', slot)).sort((a, b) => a.at - b.at))
}
hits.length = Math.min(hits.length, REQUESTS)
const inputs = {
  event: hits.map(plausibleRequestOf).map(({ body, headers }) => ({ body: Buffer.from(body), headers })),
  track: hits.map(requestOf).map(({ body, headers }) => ({ body: Buffer.from(body), headers })),
}
type Route = keyof typeof inputs

const sites = new SiteDirectory()
sites.replaceAll(model.sites.map((site, index) => ({ domain: site.domain, id: index + 1, settings: modelSiteSettings(site.timeZone), tenantId: 1 })))
const salts = new MemorySaltStore()
// As the standalone server runs by default: no country headers, the bundled GeoIP database.
const geoLookup = await openCountryLookup(null, DEFAULT_INGEST_COUNTRY_HEADERS)

/**
 * A buffer that encodes each event as the Redis buffer does and keeps nothing: a buffer that
 * keeps them (the in-process one) would make the later requests of a run pay for the
 * earlier ones' garbage, which is noise here, not a difference between the routes.
 */
let sunk = 0
const sink = {
  ingest: (input: IngestInput): Promise<IngestResult> => {
    sunk += encodeEventWithoutSession(input.event).length
    return Promise.resolve({ entryId: '0-0', newSession: false, sessionId: 'bench', status: 'accepted' } as IngestResult)
  },
} as unknown as EventBuffer

/** One core and both routes' handlers over it, as the standalone server builds them. */
function handlers() {
  const core = createIngestCore({
    buffer: sink,
    countryHeaders: DEFAULT_INGEST_COUNTRY_HEADERS,
    explainRejections: true,
    geoLookup,
    rateLimits: { perClient: NO_LIMIT, perSite: NO_LIMIT },
    salts,
    sessionIdleSeconds: 1800,
    sites,
    trustProxy: 1,
  })
  return { event: createPlausibleEventHandler(core), track: createTrackReplyHandler(core) }
}

const accepted = (reply: TrackReply) => reply.status === 202 && !reply.headers['x-plausible-dropped'] && !reply.headers['x-analytics-dropped']

/** A request body as the handler reads a fetch body: an async iterable of its bytes (one chunk, as a small POST arrives). */
const bodyOf = (bytes: Uint8Array): AsyncIterable<Uint8Array> => ({
  async *[Symbol.asyncIterator]() {
    yield bytes
  },
})

/** CPU µs spent on `list[from, to)` through one route, and the first refusal seen. */
async function run(route: Route, handle: (request: IngestRequest, info: { remoteAddress?: null | string }) => Promise<TrackReply>, from: number, to: number) {
  const list = inputs[route]
  let refused: null | string = null
  const before = process.cpuUsage()
  for (let index = from; index < to; index++) {
    const { body, headers } = list[index]!
    const reply = await handle({ body: bodyOf(body), headers: headersFromRecord(headers), method: 'POST' }, { remoteAddress: '127.0.0.1' })
    if (!accepted(reply) && refused === null) refused = `${reply.status} ${reply.body ?? ''} (${Buffer.from(body).toString('utf8').slice(0, 200)})`
  }
  const cpu = process.cpuUsage(before)
  return { refused, us: cpu.user + cpu.system }
}

const loadAtStart = os.loadavg().map((value) => Math.round(value * 10) / 10)
log(`${hits.length} model hits as both routes' requests, ${ROUNDS} rounds; load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`)
const figures: Record<Route, number[]> = { event: [], track: [] }
const ratios: number[] = []
const refusals: string[] = []
const handle = handlers()
// Blocks of the list through one route and then the other, the order alternating, so that
// garbage collection and the machine's busy moments fall on both alike. Round 0 warms up.
const BLOCK = 100
for (let round = 0; round <= ROUNDS; round++) {
  const spent: Record<Route, number> = { event: 0, track: 0 }
  for (let from = 0, block = 0; from < hits.length; from += BLOCK, block++) {
    const order: Route[] = (block + round) % 2 ? ['event', 'track'] : ['track', 'event']
    for (const route of order) {
      const { refused, us } = await run(route, handle[route], from, Math.min(from + BLOCK, hits.length))
      if (refused && refusals.length < 5) refusals.push(`${route}: ${refused}`)
      spent[route] += us
    }
  }
  if (round === 0) continue
  const track = spent.track / hits.length
  const event = spent.event / hits.length
  figures.track.push(track)
  figures.event.push(event)
  ratios.push(event / track)
  log(`round ${round}: track ${track.toFixed(1)} µs, event ${event.toFixed(1)} µs per request (×${(event / track).toFixed(3)})`)
}
const round2 = (value: number) => Math.round(value * 100) / 100
const report = {
  bench: 'ingest-handlers',
  valid: refusals.length === 0,
  refusals,
  loadAverage: { end: os.loadavg().map((value) => Math.round(value * 10) / 10), start: loadAtStart },
  cpuUsPerRequest: { event: round2(median(figures.event)), track: round2(median(figures.track)) },
  ratioEventVsTrack: round2(median(ratios)),
  rounds: { event: figures.event.map(round2), track: figures.track.map(round2) },
  setup: { block: BLOCK, encodedBytes: sunk, requests: hits.length, rounds: ROUNDS, seed: SEED },
}
console.log(JSON.stringify(report))
