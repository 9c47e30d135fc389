/**
 * What every connector shares: a pacer that keeps one key (a property, a connection) under
 * its quota, exponential backoff with jitter on quota answers, and errors that say what to
 * do next (retry next run, reconnect) without ever carrying a credential.
 */

/** Why a source failed: `reconnect` needs a person (a refused grant), the others retry next run. */
export type SourceFailure = 'auth' | 'http' | 'quota' | 'reconnect' | 'remote' | 'network'

export class SourceError extends Error {
  constructor(
    message: string,
    readonly failure: SourceFailure,
    readonly status?: number,
  ) {
    super(message)
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Delay before retry `attempt` (0 = the first): `baseMs · 2^attempt`, capped, with "full
 * jitter" (a random point in the upper half) so many sites backing off together spread out.
 * A `Retry-After` the server gave wins.
 */
export function backoffDelayMs(attempt: number, options: { baseMs: number; maxMs: number; random?: () => number; retryAfterSeconds?: null | number }): number {
  if (options.retryAfterSeconds !== undefined && options.retryAfterSeconds !== null && Number.isFinite(options.retryAfterSeconds)) {
    return Math.min(options.maxMs, Math.max(0, options.retryAfterSeconds * 1000))
  }
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** attempt)
  return Math.round(ceiling / 2 + (options.random ?? Math.random)() * (ceiling / 2))
}

/** A `Retry-After` header in seconds (a number of seconds or an HTTP date), or null. */
export function retryAfterSeconds(header: null | string): null | number {
  if (!header) return null
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return seconds
  const at = Date.parse(header)
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000)
}

/** Spaces the requests of each key at least `intervalMs` apart (in this process). */
export interface Pacer {
  wait(key: string): Promise<void>
}

export function createPacer(intervalMs: number, now: () => number = Date.now): Pacer {
  const next = new Map<string, number>()
  return {
    async wait(key) {
      const at = Math.max(now(), next.get(key) ?? 0)
      next.set(key, at + intervalMs)
      const delay = at - now()
      if (delay > 0) await sleep(delay)
    },
  }
}

/** Retry policy of a connector (tests shorten it). */
export interface RetryPolicy {
  baseMs: number
  maxAttempts: number
  maxMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, maxAttempts: 6, maxMs: 60_000 }

/** Text for people and logs: the message only, a URL's query string cut (it may hold a key). */
export const safeMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/\?[^\s]*/g, '?…').slice(0, 300)
