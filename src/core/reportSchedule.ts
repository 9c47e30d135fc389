/**
 * When a report is due and which days it covers, in the report's own IANA time zone: its
 * schedule as a cron pattern (croner computes occurrences across DST changes), the latest
 * occurrence not yet sent, and the range of days of that occurrence. Pure: the caller
 * passes the clock.
 */
import { Cron } from 'croner'

import { addDays } from './statsRange.js'

export const REPORT_FREQUENCIES = ['weekly', 'monthly', 'cron'] as const
export type ReportFrequency = (typeof REPORT_FREQUENCIES)[number]

export const REPORT_RANGES = ['lastWeek', 'lastMonth', 'monthToDate', 'yearToDate'] as const
export type ReportRange = (typeof REPORT_RANGES)[number]

/** ISO weekdays (1 = Monday … 7 = Sunday). */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const
export type Weekday = (typeof WEEKDAYS)[number]

export interface ReportSchedule {
  /** Cron expression (5 fields, minute first) with `frequency: 'cron'`. */
  cron?: null | string
  /** Day of the month (1–28, so every month has it) with `monthly`. */
  dayOfMonth?: null | number
  frequency: ReportFrequency
  /** Local hour, 0–23 (weekly, monthly). */
  hour?: null | number
  /** IANA zone, e.g. `Europe/Berlin`. */
  timeZone: string
  weekday?: null | Weekday
}

/** A schedule that cannot run; the message says why. */
export class ReportScheduleError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReportScheduleError'
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** The schedule as a 5-field cron pattern in its zone. */
export function cronPattern(schedule: ReportSchedule): string {
  const hour = schedule.hour ?? 9
  if (schedule.frequency !== 'cron' && (!Number.isInteger(hour) || hour < 0 || hour > 23)) throw new ReportScheduleError('hour: a whole number from 0 to 23')
  switch (schedule.frequency) {
    case 'weekly': {
      const day = WEEKDAYS.indexOf(schedule.weekday ?? 'monday')
      if (day < 0) throw new ReportScheduleError(`weekday: one of ${WEEKDAYS.join(', ')}`)
      // Cron counts Sunday as 0.
      return `0 ${hour} * * ${(day + 1) % 7}`
    }
    case 'monthly': {
      const day = schedule.dayOfMonth ?? 1
      if (!Number.isInteger(day) || day < 1 || day > 28) throw new ReportScheduleError('dayOfMonth: a whole number from 1 to 28')
      return `0 ${hour} ${day} * *`
    }
    case 'cron': {
      const pattern = (schedule.cron ?? '').trim()
      if (pattern.split(/\s+/).length !== 5) throw new ReportScheduleError('cron: five fields (minute hour day-of-month month weekday)')
      return pattern
    }
  }
}

const cronOf = (schedule: ReportSchedule): Cron => {
  if (!isTimeZone(schedule.timeZone)) throw new ReportScheduleError(`timeZone: not an IANA time zone: ${schedule.timeZone}`)
  try {
    return new Cron(cronPattern(schedule), { paused: true, timezone: schedule.timeZone })
  } catch (error) {
    if (error instanceof ReportScheduleError) throw error
    throw new ReportScheduleError(`cron: ${(error as Error).message}`)
  }
}

/** Throws a ReportScheduleError when the schedule cannot run. */
export function checkSchedule(schedule: ReportSchedule): void {
  cronOf(schedule)
}

/** The next occurrence strictly after `after`. */
export function nextOccurrence(schedule: ReportSchedule, after: Date): Date | null {
  return cronOf(schedule).nextRun(after)
}

export interface DueOccurrence {
  /** Sent later than planned (the app was down at that time): the report says so. */
  missed: boolean
  occurrence: Date
}

/** An occurrence sent within this long of its time is on time (the scheduler ticks every minute). */
export const ON_TIME_MS = 10 * 60_000

/**
 * The latest occurrence after `since` (the last one sent, or when the report started) and
 * at or before `now`; null when none is due. Several missed occurrences give only the latest:
 * one report, not a burst.
 */
export function dueOccurrence(schedule: ReportSchedule, since: Date, now: Date): DueOccurrence | null {
  const cron = cronOf(schedule)
  const first = cron.nextRun(since)
  if (!first || first.getTime() > now.getTime()) return null
  // croner's previousRuns is exclusive of its reference: the latest one at or before now.
  const latest = cron.previousRuns(1, new Date(now.getTime() + 1))[0] ?? first
  const occurrence = latest.getTime() > since.getTime() ? latest : first
  return { missed: now.getTime() - occurrence.getTime() > ON_TIME_MS, occurrence }
}

/** The calendar day (`YYYY-MM-DD`) of an instant in a zone. */
export function localDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { day: '2-digit', month: '2-digit', timeZone, year: 'numeric' }).formatToParts(at)
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

/** ISO weekday of a day, 1 = Monday. */
const isoWeekday = (day: string): number => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1

/**
 * The days a report sent at `occurrence` covers, from the local day of the occurrence in the
 * report's zone: `lastWeek` the Monday–Sunday week before it, `lastMonth` the calendar month
 * before it, `monthToDate` / `yearToDate` from the 1st of the month / year of yesterday up to
 * yesterday (the day of sending is not over).
 */
export function reportRange(range: ReportRange, occurrence: Date, timeZone: string): { from: string; to: string } {
  const today = localDay(occurrence, timeZone)
  const yesterday = addDays(today, -1)
  switch (range) {
    case 'lastWeek': {
      const monday = addDays(today, -(isoWeekday(today) - 1))
      return { from: addDays(monday, -7), to: addDays(monday, -1) }
    }
    case 'lastMonth': {
      const lastOfPrevious = addDays(`${today.slice(0, 7)}-01`, -1)
      return { from: `${lastOfPrevious.slice(0, 7)}-01`, to: lastOfPrevious }
    }
    case 'monthToDate':
      return { from: `${yesterday.slice(0, 7)}-01`, to: yesterday }
    case 'yearToDate':
      return { from: `${yesterday.slice(0, 4)}-01-01`, to: yesterday }
  }
}
