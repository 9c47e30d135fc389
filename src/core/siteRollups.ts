/**
 * What a site's daily rollups hold beyond the fixed dimensions (pure): one `goal` row per goal
 * in force, and `prop` rows for the property keys its settings list (`rolledUpProps`). Both
 * are written by every recompute of the site's days; a change of either is rolled out over
 * the days raw events still cover by `jobs/goalRollup.ts`, which records per definition the
 * first day its rows count (`GoalRollupState.ready`, keyed by `rollupDefinitionKeys`).
 */
import type { Goal } from './goals.js'

import { PROP_KEY } from './filters.js'
import { goalDefinitionKey } from './goals.js'
import { StatsInputError } from './statsRange.js'

/** Property keys a site may list for daily rollups: each adds up to `MAX_PROP_VALUES_PER_DAY` rows a day. */
export const MAX_ROLLED_UP_PROPS = 10
/**
 * Values of one listed key rolled up per site and day at most, the most frequent first (by
 * visitors, then events, then value): a property with more values a day (an id, a URL) would
 * otherwise grow the rollups by its raw events. Values past the cap are missing from that day.
 */
export const MAX_PROP_VALUES_PER_DAY = 100

/** The definitions a site's rollups hold beyond the fixed dimensions. */
export interface SiteRollups {
  goals: readonly Goal[]
  /** Listed property keys: `prop` rows of each value of the key. */
  props: readonly string[]
}

export const NO_ROLLUPS: SiteRollups = { goals: [], props: [] }

/**
 * A `prop` row's key: `<property key>:<value>`. Listed keys contain no `:` (`PROP_KEY`), so the
 * first `:` ends the key and no two (key, value) pairs share a row; a value may contain any text.
 */
export const propRowKey = (key: string, value: string): string => `${key}:${value}`
/** What every `prop` row key of one property key starts with. */
export const propRowPrefix = (key: string): string => `${key}:`

/** A listed property's entry in the rollup state: `prop:<key>` (goal entries are JSON arrays, `[…`: never equal). */
export const propDefinitionKey = (key: string): string => `prop:${key}`

/** Every definition of a site's rollups, as the rollup state keys them. */
export const rollupDefinitionKeys = (rollups: SiteRollups): string[] => [...rollups.goals.map(goalDefinitionKey), ...rollups.props.map(propDefinitionKey)]

/**
 * The property keys a settings row lists for daily rollups: at most `MAX_ROLLED_UP_PROPS`
 * distinct keys of 1 to 64 characters without `:` or control characters (as `prop:<key>` takes
 * them). Throws a message naming the first bad entry (the settings form shows it).
 */
export function parsePropKeys(value: unknown): string[] {
  if (value === null || value === undefined) return []
  if (!Array.isArray(value)) throw new StatsInputError('rolledUpProps: a list of property keys')
  const keys: string[] = []
  value.forEach((entry, index) => {
    const key = typeof entry === 'string' ? entry.trim() : null
    if (key === null || !PROP_KEY.test(key)) throw new StatsInputError(`rolledUpProps[${index}]: a property key of 1 to 64 characters, without ":" or control characters`)
    if (keys.includes(key)) throw new StatsInputError(`rolledUpProps[${index}]: "${key}" is listed twice`)
    keys.push(key)
  })
  if (keys.length > MAX_ROLLED_UP_PROPS) throw new StatsInputError(`rolledUpProps: at most ${MAX_ROLLED_UP_PROPS} keys (each adds up to ${MAX_PROP_VALUES_PER_DAY} rows a day)`)
  return keys
}
