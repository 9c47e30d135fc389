/**
 * Local days and hours of a site's IANA time zone. Node's Intl is the one definition of a
 * zone here: the day an event is marked under, the UTC interval a day's recompute reads, the
 * hours of an hourly series and the "today" of a named range all come from these functions
 * (Postgres's own zone database is never asked, so the two can never disagree).
 *
 * A local day is [first instant whose local date is the day, first instant of the next day):
 * 24 hours, or 23/25 (23.5/24.5 on Lord Howe Island) on the days clocks change.
 */
import { boundedMemo } from './boundedMemo.js'

export const UTC = 'UTC'

/** A time zone name that is not one Node knows (the message says so; settings answer 400). */
export class TimeZoneError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TimeZoneError'
  }
}

// Offset strings (`+05:30`) are accepted by newer Intl but read the other way round by
// POSIX-style zone parsers: only names.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/

const known = (): Map<string, string> => {
  const names = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return new Map([...names, UTC].map((name) => [name.toLowerCase(), name]))
}
let knownZones: Map<string, string> | null = null

/**
 * The canonical spelling of an IANA zone name (`america/new_york` → `America/New_York`), or
 * a `TimeZoneError`. Links Node accepts but does not list (`US/Eastern`) are kept as given.
 */
export function checkTimeZone(name: unknown): string {
  if (typeof name !== 'string' || !ZONE_NAME.test(name)) {
    throw new TimeZoneError(`not an IANA time zone name (such as Europe/Paris or America/New_York): ${JSON.stringify(name)}`)
  }
  const listed = (knownZones ??= known()).get(name.toLowerCase())
  if (listed) return listed
  try {
    new Intl.DateTimeFormat('en', { timeZone: name })
    return name
  } catch {
    throw new TimeZoneError(`unknown time zone "${name}" (an IANA name such as Europe/Paris or America/New_York)`)
  }
}

export const isTimeZone = (name: unknown): boolean => {
  try {
    checkTimeZone(name)
    return true
  } catch {
    return false
  }
}

interface Parts {
  day: string
  hour: number
  minute: number
  /** Local time minus UTC, in minutes. */
  offset: number
}

const formatters = boundedMemo((timeZone: string): ((ms: number) => Parts) => {
  const format = new Intl.DateTimeFormat('en-US', {
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
    minute: '2-digit',
    month: '2-digit',
    second: '2-digit',
    timeZone,
    year: 'numeric',
  })
  return (ms: number): Parts => {
    const p: Record<string, string> = {}
    for (const part of format.formatToParts(ms)) p[part.type] = part.value
    const [year, month, day, hour, minute, second] = [p.year, p.month, p.day, p.hour, p.minute, p.second].map(Number) as [number, number, number, number, number, number]
    const local = Date.UTC(year, month - 1, day, hour, minute, second)
    const offset = Math.round((local - (ms - (((ms % 1000) + 1000) % 1000))) / 60_000)
    return { day: `${p.year}-${p.month}-${p.day}`, hour, minute, offset }
  }
}, { maxEntries: 1_000, maxKeyLength: 100 })

/** The local date, hour and UTC offset of an instant in a zone. */
export const localParts = (ms: number, timeZone: string): Parts => formatters(timeZone)(ms)

/** The local day (`YYYY-MM-DD`) of an instant. */
export function localDayOf(ms: number, timeZone: string): string {
  if (timeZone === UTC) return new Date(ms).toISOString().slice(0, 10)
  return localParts(ms, timeZone).day
}

/**
 * `localDayOf` for many instants (a batch of events): each zone's local days met so far are
 * kept as UTC intervals, so an instant costs a comparison or two, and Intl is asked once per
 * (zone, day) — not per event (a batch spread over minutes would otherwise cost one Intl call
 * per minute, ≈ 12 µs each).
 */
export function localDayMemo(): (ms: number, timeZone: string) => string {
  const known = new Map<string, Array<{ day: string; end: number; start: number }>>()
  return (ms, timeZone) => {
    if (timeZone === UTC) return new Date(ms).toISOString().slice(0, 10)
    const days = known.get(timeZone) ?? known.set(timeZone, []).get(timeZone)!
    for (const day of days) if (ms >= day.start && ms < day.end) return day.day
    const day = localDayOf(ms, timeZone)
    const { end, start } = localDayBounds(day, timeZone)
    // Most recent first: a batch's events mostly fall on its last day.
    days.unshift({ day, end: end.getTime(), start: start.getTime() })
    return day
  }
}

const MINUTE = 60_000
/** Every zone's offset is within ±14 h; a day starts within this of its UTC midnight. */
const SEARCH = 15 * 60 * MINUTE

/**
 * The first instant (whole minute) whose local day is `day` or later: found by bisection
 * over `localDayOf`, so it is right by definition also where midnight falls in a DST gap.
 */
export function localMidnight(day: string, timeZone: string): Date {
  const utc = Date.parse(`${day}T00:00:00.000Z`)
  if (timeZone === UTC) return new Date(utc)
  let lo = (utc - SEARCH) / MINUTE // local day before `day`
  let hi = (utc + SEARCH) / MINUTE // local day after or on `day`
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (localDayOf(mid * MINUTE, timeZone) >= day) hi = mid
    else lo = mid
  }
  return new Date(hi * MINUTE)
}

const nextDay = (day: string): string => new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10)

/** The instants a local day covers, [start, end): 23, 24 or 25 hours (or 23.5/24.5). */
export function localDayBounds(day: string, timeZone: string): { end: Date; start: Date } {
  return { end: localMidnight(nextDay(day), timeZone), start: localMidnight(day, timeZone) }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** `+05:30`, `-04:00`, `+00:00`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+'
  const abs = Math.abs(minutes)
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

export interface LocalHour {
  /** The local clock hour with its UTC offset, `2026-11-01T01:00-04:00`: a repeated hour has two. */
  label: string
  /** Its first instant. */
  start: Date
}

/**
 * Every local clock hour that occurs in [start, end), in order: one per (local hour, UTC
 * offset), so New York's spring day has 23 and its autumn day 25 (the repeated 01:00 once
 * at -04:00 and once at -05:00). Offsets change on quarter hours at most, so the instants
 * are walked in quarter hours.
 */
export function localHours(start: Date, end: Date, timeZone: string): LocalHour[] {
  const hours: LocalHour[] = []
  const step = 15 * MINUTE
  let previous = ''
  for (let ms = start.getTime(); ms < end.getTime(); ms += step) {
    const parts = localParts(ms, timeZone)
    const label = `${parts.day}T${pad(parts.hour)}:00${formatOffset(parts.offset)}`
    if (label !== previous) {
      hours.push({ label, start: new Date(ms) })
      previous = label
    }
  }
  return hours
}
