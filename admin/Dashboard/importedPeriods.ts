/**
 * Which periods of a chart hold imported days, so the chart can mark them. A period runs
 * from its own start to the day before the next one begins (the last to the range's end);
 * an hour is its own day. Pure: unit-tested.
 */
import type { ImportedDays, Interval } from '../../src/stats/types.js'

import { addDays } from '../../src/core/statsRange.js'

export function importedPeriods(starts: readonly string[], interval: Interval, imported: ImportedDays | null, rangeTo: string): boolean[] {
  if (!imported) return starts.map(() => false)
  return starts.map((date, index) => {
    const first = date.slice(0, 10)
    const next = starts[index + 1]
    const last = interval === 'hour' ? first : next ? addDays(next.slice(0, 10), -1) : rangeTo
    return first <= imported.to && last >= imported.from
  })
}
