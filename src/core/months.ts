/**
 * Calendar months of the monthly stats rollup (a site's local months: its days are local days): a month is named by its first day
 * (`YYYY-MM-01`), and a range of days splits into whole months (read from the monthly rows)
 * and the partial months at either end (read from the daily rows).
 */
import { DAY_MS } from './time.js'

const ms = (day: string) => Date.parse(`${day}T00:00:00.000Z`)
const dayString = (time: number) => new Date(time).toISOString().slice(0, 10)

/** The first day of the month of a day: `2024-02-29` → `2024-02-01`. */
export const monthOf = (day: string): string => `${day.slice(0, 7)}-01`

/** The first day of the month after the month of `day`. */
export function nextMonth(day: string): string {
  const date = new Date(ms(monthOf(day)))
  return dayString(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1))
}

/** The last day of the month of `day`. */
export const lastDayOfMonth = (day: string): string => dayString(ms(nextMonth(day)) - DAY_MS)

/** Months from the month of `from` to the month of `to`, both included: `2024-11-01`…`2025-02-01` → 4. */
export const monthsInRange = (from: string, to: string): number =>
  (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1

export interface DayRange {
  from: string
  to: string
}

export interface MonthSplit {
  /** Day ranges read from the daily rows: the partial months at either end (0, 1 or 2 ranges). */
  days: DayRange[]
  /** First days of the first and last whole month, both included; null when the range holds no whole month. */
  months: DayRange | null
}

/**
 * Split the days `from`…`to` (both included, `from <= to`) into
 * [leading partial month][whole months][trailing partial month]. Without a whole month, the
 * whole range is one day range.
 */
export function splitByMonths(from: string, to: string): MonthSplit {
  const firstWhole = from === monthOf(from) ? from : nextMonth(from)
  // The first day of the month after the last whole month.
  const afterLastWhole = to === lastDayOfMonth(to) ? nextMonth(to) : monthOf(to)
  if (firstWhole >= afterLastWhole) return { days: [{ from, to }], months: null }
  const days: DayRange[] = []
  if (from < firstWhole) days.push({ from, to: dayString(ms(firstWhole) - DAY_MS) })
  if (afterLastWhole <= to) days.push({ from: afterLastWhole, to })
  return { days, months: { from: firstWhole, to: monthOf(dayString(ms(afterLastWhole) - DAY_MS)) } }
}
