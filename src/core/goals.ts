/**
 * Goals and funnels of a site, as its settings hold them (pure: parsing, checking, and the
 * path patterns as anchored regular expressions for Postgres' `~`).
 *
 * A goal is an event name (`event`), or a page path pattern (`page`: `*` one segment, `**`
 * any depth, as excluded paths), optionally with one property that must equal a value. A
 * funnel is 2–8 goals, in order, within one visit.
 */
import { StatsInputError } from './statsRange.js'

export interface GoalProp {
  key: string
  value: string
}

export interface Goal {
  /** A custom event's name (or a built-in type such as `lead.created`). */
  event?: string
  /** What the goal is called in answers and in `filter=goal:is:<name>`; unique per site. */
  name: string
  /** A page path pattern: pageviews of matching paths convert. */
  page?: string
  prop?: GoalProp
}

export interface Funnel {
  name: string
  /** Goal names, in order. */
  steps: string[]
}

export const MAX_GOALS = 100
export const MAX_FUNNELS = 50
export const MIN_FUNNEL_STEPS = 2
export const MAX_FUNNEL_STEPS = 8
const MAX_NAME = 120
const MAX_PATTERN = 512

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const text = (value: unknown): null | string => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null)

/** Whether `goal` is answered by the daily rollups alone (an event name without a property). */
export const isRolledUpGoal = (goal: Goal): goal is Goal & { event: string } => goal.event !== undefined && goal.prop === undefined

/**
 * A site's goals from its settings (`goals`, a JSON list) — each `{ name?, event }` or
 * `{ name?, page, prop? }`; the name defaults to the event name or the pattern. Throws a
 * message naming the first bad entry (the settings form shows it).
 */
export function parseGoals(value: unknown): Goal[] {
  if (value === null || value === undefined) return []
  if (!Array.isArray(value)) throw new StatsInputError('goals: a list of goals')
  if (value.length > MAX_GOALS) throw new StatsInputError(`goals: at most ${MAX_GOALS}`)
  const goals: Goal[] = []
  const names = new Set<string>()
  value.forEach((entry, index) => {
    const bad = (why: string) => new StatsInputError(`goals[${index}]: ${why}`)
    if (!isRecord(entry)) throw bad('an object such as { "event": "signup" } or { "page": "/blog/**" }')
    const event = text(entry.event)
    const page = text(entry.page)
    if ((event === null) === (page === null)) throw bad('give exactly one of "event" and "page"')
    if (page !== null && (!page.startsWith('/') || page.length > MAX_PATTERN)) throw bad(`"page" is a path pattern starting with / (at most ${MAX_PATTERN} characters)`)
    const name = text(entry.name) ?? event ?? page!
    if (name.length > MAX_NAME) throw bad(`a name of at most ${MAX_NAME} characters`)
    if (names.has(name)) throw bad(`the name "${name}" is taken by another goal`)
    names.add(name)
    const goal: Goal = { name, ...(event !== null ? { event } : { page: page! }) }
    if (entry.prop !== undefined && entry.prop !== null) {
      const key = isRecord(entry.prop) ? text(entry.prop.key) : null
      const propValue = isRecord(entry.prop) ? entry.prop.value : undefined
      if (key === null || !['boolean', 'number', 'string'].includes(typeof propValue)) throw bad('"prop" is { "key": "...", "value": "..." }')
      goal.prop = { key, value: String(propValue) }
    }
    goals.push(goal)
  })
  return goals
}

/** The goals in force: the settings' own, or — none set — one per conversion event type (a site's first goals). */
export function effectiveGoals(configured: readonly Goal[], conversionEvents: readonly string[]): Goal[] {
  return configured.length > 0 ? [...configured] : conversionEvents.map((event) => ({ event, name: event }))
}

/**
 * A site's funnels from its settings (`funnels`, a JSON list of `{ name, steps: [goal names] }`),
 * checked against its goals (null: not checked — a row whose goals are inherited).
 */
export function parseFunnels(value: unknown, goals: null | readonly Goal[]): Funnel[] {
  if (value === null || value === undefined) return []
  if (!Array.isArray(value)) throw new StatsInputError('funnels: a list of funnels')
  if (value.length > MAX_FUNNELS) throw new StatsInputError(`funnels: at most ${MAX_FUNNELS}`)
  const goalNames = goals ? new Set(goals.map((goal) => goal.name)) : null
  const names = new Set<string>()
  return value.map((entry, index) => {
    const bad = (why: string) => new StatsInputError(`funnels[${index}]: ${why}`)
    if (!isRecord(entry)) throw bad('an object { "name": "...", "steps": ["goal", ...] }')
    const name = text(entry.name)
    if (name === null || name.length > MAX_NAME) throw bad(`a name of 1 to ${MAX_NAME} characters`)
    if (names.has(name)) throw bad(`the name "${name}" is taken by another funnel`)
    names.add(name)
    const steps = Array.isArray(entry.steps) ? entry.steps.map(text) : []
    if (steps.length < MIN_FUNNEL_STEPS || steps.length > MAX_FUNNEL_STEPS) throw bad(`${MIN_FUNNEL_STEPS} to ${MAX_FUNNEL_STEPS} steps`)
    const unknown = steps.find((step) => step === null || (goalNames !== null && !goalNames.has(step)))
    if (unknown !== undefined) throw bad(`step "${String(unknown)}" is not one of the site's goals`)
    return { name, steps: steps as string[] }
  })
}

/**
 * What a goal counts, as one string: two goals with the same key convert on the same events
 * (the name included, since the daily `goal` rows are keyed by it).
 */
export const goalDefinitionKey = (goal: Goal): string =>
  JSON.stringify([goal.name, goal.event ?? null, goal.page ?? null, goal.prop ? [goal.prop.key, goal.prop.value] : null])

const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/g

/**
 * A path pattern as an anchored POSIX regular expression: `*` any characters but `/`, `**`
 * any characters, the rest literal; a trailing `/**` also matches the section's root (as
 * excluded paths do: `/blog/**` means all of the blog, `/blog` included).
 */
export function pathPatternRegex(pattern: string): string {
  let value = pattern.trim().replace(/\*{3,}/g, '**')
  let rootToo = false
  if (value.length > 3 && value.endsWith('/**')) {
    rootToo = true
    value = value.slice(0, -3)
  }
  const body = value
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((literal) => literal.replace(REGEX_SPECIAL, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*')
  return rootToo ? `^${body}(/.*)?$` : `^${body}$`
}
