/**
 * Date ranges of the stats API: named ranges resolved against "today" in a time zone (the
 * site's), custom ranges checked, the previous range of equal length, and the bound the
 * stats retention sets. Days are local days of that zone. Pure: the caller passes the clock.
 */
import type { NamedRange, ResolvedRange } from '../stats/types.js'

import { isDay } from './dailyStats.js'
import { DAY_MS } from './time.js'
import { localDayOf, UTC } from './timeZone.js'

/** The range used when a request names none. */
export const DEFAULT_RANGE: NamedRange = '30d'

/** A request's range may end this many days after today: "today" of a visitor east of the site. */
export const MAX_FUTURE_DAYS = 1

/** A stats request that cannot be served; the message says why (the API answers 400). */
export class StatsInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StatsInputError'
  }
}

const dayMs = (day: string): number => Date.parse(`${day}T00:00:00.000Z`)

/** `YYYY-MM-DD` of a time. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/** The day `n` days after `day` (negative: before). */
export const addDays = (day: string, n: number): string => dayOf(dayMs(day) + n * DAY_MS)

/** Days from `from` to `to`, both included (1 for a single day). */
export const daysInRange = (from: string, to: string): number => Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1

/** Every day of a range, oldest first. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = []
  for (let ms = dayMs(from), end = dayMs(to); ms <= end; ms += DAY_MS) days.push(dayOf(ms))
  return days
}

/** The first day kept by the stats retention (`statsDays` days up to and including today). */
export const firstRetainedDay = (today: string, statsDays: number): string => addDays(today, -(statsDays - 1))

export interface RangeRequest {
  from?: string
  range?: NamedRange
  to?: string
}

/** Today in a time zone. */
export const todayIn = (now: Date, timeZone: string = UTC): string => localDayOf(now.getTime(), timeZone)

/**
 * The concrete days of a request, local days of `timeZone`. `from`/`to` without a name mean
 * `custom`; a named range other than `custom` ignores neither silently: giving dates with it
 * is an error.
 */
export function resolveRange(request: RangeRequest, now: Date, statsDays: number, timeZone: string = UTC): ResolvedRange {
  const today = todayIn(now, timeZone)
  const name: NamedRange = request.range ?? (request.from !== undefined || request.to !== undefined ? 'custom' : DEFAULT_RANGE)
  if (name !== 'custom' && (request.from !== undefined || request.to !== undefined)) {
    throw new StatsInputError(`from/to go with range=custom (or no range), not with range=${name}`)
  }
  let resolved: ResolvedRange
  switch (name) {
    case 'today':
      resolved = { from: today, name, to: today }
      break
    case '7d':
      resolved = { from: addDays(today, -6), name, to: today }
      break
    case '30d':
      resolved = { from: addDays(today, -29), name, to: today }
      break
    case 'month':
      resolved = { from: `${today.slice(0, 7)}-01`, name, to: today }
      break
    case 'year':
      resolved = { from: `${today.slice(0, 4)}-01-01`, name, to: today }
      break
    case 'custom':
      resolved = checkCustom(request.from, request.to, 'from', 'to')
      break
  }
  checkWithinRetention(resolved, today, statsDays)
  return resolved
}

/** An explicit range (`from`/`to`, or `compareFrom`/`compareTo`), checked. */
export function checkCustom(from: string | undefined, to: string | undefined, fromName: string, toName: string): ResolvedRange {
  if (from === undefined || to === undefined) throw new StatsInputError(`${fromName} and ${toName} are both required (YYYY-MM-DD)`)
  if (!isDay(from)) throw new StatsInputError(`${fromName}: not a day (YYYY-MM-DD): ${from}`)
  if (!isDay(to)) throw new StatsInputError(`${toName}: not a day (YYYY-MM-DD): ${to}`)
  if (from > to) throw new StatsInputError(`${fromName} (${from}) is after ${toName} (${to})`)
  return { from, name: 'custom', to }
}

/** Daily stats older than the retention are gone: a range reaching before it would silently undercount. */
export function checkWithinRetention(range: ResolvedRange, today: string, statsDays: number): void {
  const first = firstRetainedDay(today, statsDays)
  if (range.from < first) {
    throw new StatsInputError(`${range.from} is older than the stats retention of ${statsDays} days (the first day kept is ${first})`)
  }
  const last = addDays(today, MAX_FUTURE_DAYS)
  if (range.to > last) throw new StatsInputError(`${range.to} is in the future (the last day allowed is ${last})`)
}

/** The range of equal length that ends the day before `range` starts. */
export function previousRange(range: ResolvedRange): ResolvedRange {
  const length = daysInRange(range.from, range.to)
  return { from: addDays(range.from, -length), name: 'custom', to: addDays(range.from, -1) }
}
