/**
 * Plausible's Events API (`POST /api/event`) over our ingest pipeline (`IngestCore`): the
 * same checks, privacy, enrichment, rate limits and buffer as `/api/analytics/track`,
 * answered as Plausible documents it — `202 ok` for an accepted event and for one dropped on
 * purpose (`x-plausible-dropped: 1` then), `400 {"errors": {…}}` for invalid input — while
 * our own 404/403/413/429/503 keep their meaning.
 */
import type { PlausibleErrors } from '../core/plausibleEvent.js'
import type { IngestCore, IngestRequest, RecordOutcome, TrackReply } from './trackHandler.js'
import type { IngestSite } from './siteDirectory.js'

import { parsePlausibleEvent } from '../core/plausibleEvent.js'
import { json } from './trackHandler.js'

const TEXT_HEADERS = { 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8' }

const ok = (headers: Record<string, string> = {}): TrackReply => ({ body: 'ok', headers: { ...TEXT_HEADERS, ...headers }, status: 202 })

/** Dropped on purpose, and not explained: no CORS either (which would tell whether the origin belongs to a site). */
const DROPPED = ok({ 'x-plausible-dropped': '1' })

const invalid = (errors: PlausibleErrors, headers: Record<string, string> = {}): TrackReply => json(400, { errors }, headers)
const unreadable = (error: string): TrackReply => invalid({ request: [error] })

/** Outcomes worst-first: with several sites, the answer is the first accepted one's, else the worst. */
const RANK: Record<RecordOutcome['kind'], number> = { accepted: 0, dropped: 1, limited: 3, refused: 2, unavailable: 4 }

export function createPlausibleEventHandler(core: IngestCore) {
  const { corsFor, explainRejections, sites } = core

  const answer = (outcome: RecordOutcome, cors: Record<string, string>): TrackReply => {
    switch (outcome.kind) {
      case 'accepted':
        return ok(cors)
      case 'dropped':
        return explainRejections ? ok({ ...cors, 'x-analytics-dropped': outcome.reason, 'x-plausible-dropped': '1' }) : DROPPED
      case 'refused':
        if (!explainRejections) return DROPPED
        return outcome.status === 400 ? invalid({ url: [outcome.error.replace(/^u: /, '')] }, cors) : json(403, { error: outcome.error }, cors)
      case 'limited':
        return json(429, { error: outcome.error }, { ...cors, 'Retry-After': String(outcome.retryAfterSeconds) })
      case 'unavailable':
        return json(503, { error: outcome.error }, { ...cors, 'Retry-After': '5' })
    }
  }

  return async function handlePlausibleEvent(request: IngestRequest, info: { remoteAddress?: null | string } = {}): Promise<TrackReply> {
    const origin = request.headers.get('origin') ?? null
    if (request.method !== 'POST') return core.notPost(request, origin)

    const read = await core.readBody(request, unreadable)
    if ('reply' in read) return read.reply
    const parsed = parsePlausibleEvent(read.text)
    if (!parsed.ok) {
      core.rejected(parsed.status === 413 ? 'body-too-large' : 'bad-request')
      return parsed.status === 413 ? json(413, { errors: parsed.errors }) : invalid(parsed.errors)
    }
    // Plausible documents it as required: without it there is no visitor to count.
    if (!request.headers.get('user-agent')) {
      core.rejected('bad-request')
      return invalid({ user_agent: ["the User-Agent header is required (send the visitor's)"] })
    }
    const { body, domains } = parsed.event

    const known: IngestSite[] = []
    for (const domain of domains) {
      const site = sites.getByDomain(domain)
      if (site && !known.includes(site)) known.push(site)
    }
    if (known.length === 0) {
      core.rejected('unknown-site')
      return explainRejections ? json(404, { error: `Unknown site "${domains.join(',').slice(0, 64)}"` }) : DROPPED
    }

    let best: null | RecordOutcome = null
    let bestSite = known[0]!
    for (const site of known) {
      const outcome = await core.record(site, body, request, info)
      if (best === null || (outcome.kind === 'accepted' ? best.kind !== 'accepted' : best.kind !== 'accepted' && RANK[outcome.kind] > RANK[best.kind])) {
        best = outcome
        bestSite = site
      }
    }
    return answer(best!, corsFor(origin, bestSite))
  }
}
