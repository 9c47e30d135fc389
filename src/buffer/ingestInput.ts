import type { IngestInput } from './types.js'

const wholeNumber = (value: number, min: number): boolean => Number.isInteger(value) && value >= min

/**
 * Reject programming errors before they reach Redis (a fractional window would make
 * EXPIRE fail inside the script after the counters were read). Throws a TypeError: these
 * are bugs in the caller, not conditions of the buffer.
 */
export function assertIngestInput(input: IngestInput): void {
  for (const rule of input.rateLimits) {
    if (typeof rule.key !== 'string' || rule.key === '') throw new TypeError('analytics buffer: a rate limit needs a key')
    if (!wholeNumber(rule.limit, 0)) throw new TypeError(`analytics buffer: rate limit "${rule.key}" needs a whole limit ≥ 0`)
    if (!wholeNumber(rule.windowSeconds, 1)) {
      throw new TypeError(`analytics buffer: rate limit "${rule.key}" needs whole windowSeconds ≥ 1`)
    }
  }
  if (input.session) {
    if (typeof input.session.key !== 'string' || input.session.key === '') throw new TypeError('analytics buffer: a session needs a key')
    if (input.session.previousKey !== undefined && (typeof input.session.previousKey !== 'string' || input.session.previousKey === '')) {
      throw new TypeError('analytics buffer: a previous session key must be a non-empty string')
    }
    if (!wholeNumber(input.session.idleSeconds, 1)) throw new TypeError('analytics buffer: session idleSeconds must be a whole number ≥ 1')
  }
}

export function assertClaimCount(count: number): void {
  if (!wholeNumber(count, 1)) throw new TypeError(`analytics buffer: claim count must be a whole number ≥ 1, got ${String(count)}`)
}
