/**
 * Per-site settings inherit from the tenant's defaults, which inherit from the global
 * defaults, which inherit from the plugin options. This module holds only the pure
 * resolution; the rows come from the AnalyticsSettings collection.
 */
import type { Funnel, Goal } from './goals.js'

import { effectiveGoals, parseFunnels, parseGoals } from './goals.js'
import { parsePropKeys } from './siteRollups.js'
import { checkTimeZone, isTimeZone, UTC } from './timeZone.js'

export const SETTINGS_SCOPES = ['global', 'tenant', 'site'] as const
export type SettingsScope = (typeof SETTINGS_SCOPES)[number]

/** A tri-state switch: `inherit` takes the value of the next level up. */
export const TOGGLE_VALUES = ['inherit', 'on', 'off'] as const
export type Toggle = (typeof TOGGLE_VALUES)[number]

/**
 * How much of the IP address is kept before it is used for the visitor hash and the
 * rate limit. `standard`: IPv4 /24, IPv6 /48 (as Plausible). `strict`: IPv4 /16, IPv6 /32.
 */
export const IP_ANONYMIZATION_MODES = ['standard', 'strict'] as const
export type IpAnonymization = (typeof IP_ANONYMIZATION_MODES)[number]

/** One settings row as stored; every field may be unset (inherit). */
export interface SettingsRow {
  allowedHostnames?: null | string[]
  conversionEvents?: null | string[]
  excludedPaths?: null | string[]
  /** Funnels: `[{ name, steps: [goal names] }]` (`goals.ts`). */
  funnels?: unknown
  /** Goals: `[{ name?, event }]` or `[{ name?, page, prop? }]` (`goals.ts`). */
  goals?: unknown
  ipAnonymization?: 'inherit' | IpAnonymization | null
  publicDashboard?: boolean | null
  respectDoNotTrack?: null | Toggle
  retentionDays?: null | number
  /** Property keys rolled up daily (`siteRollups.ts`). */
  rolledUpProps?: null | string[]
  shareToken?: null | string
  /** An IANA zone name; empty or `inherit`: the next level up. */
  timeZone?: null | string
  /** Site rows only, written by the plugin: see `GoalRollupState`. */
  goalRollup?: GoalRollupState | null
  /** Site rows only, written by the plugin: see `TimeZoneState`. */
  timeZoneState?: null | TimeZoneState
  trackAutomation?: null | Toggle
  trackingEnabled?: null | Toggle
}

/**
 * What a site's daily rows are computed in, written by the plugin when the site's zone
 * changes (`jobs/rezone.ts`): the days that raw events still cover are recomputed in the
 * new zone; older days keep the zone they were computed in.
 */
export interface TimeZoneState {
  /** The zone the daily rows are computed in, from `since` on. */
  applied: string
  /** The zone of the days before `since`; null when no older day is in another zone. */
  previous: null | string
  /** Recompute of the days from `since` on: site-days done of total. */
  progress: { done: number; total: number }
  /** The first local day recomputed in `applied` (every day from it on is in `applied`). */
  since: null | string
}

/**
 * Which goals a site's daily `goal` rows hold, and which listed property keys its `prop` rows
 * hold, written by the plugin (`jobs/goalRollup.ts`) once the days that raw events still cover
 * are recomputed: per definition (`rollupDefinitionKeys`: a goal's `goalDefinitionKey`, a
 * property's `prop:<key>`), the first local day its rows count. A definition not listed (new,
 * or changed) is read from raw events until its recompute is done.
 */
export interface GoalRollupState {
  ready: Record<string, string>
}

/** The zone a site's rows are in now: its state's, or UTC (every day was a UTC day before zones existed). */
export const appliedTimeZone = (state: null | TimeZoneState | undefined): string => state?.applied ?? UTC

/** The settings in force for one site. */
export interface EffectiveSiteSettings {
  /** Hostnames allowed besides the site's own domain and its subdomains. */
  allowedHostnames: string[]
  conversionEvents: string[]
  /** Path patterns (`/admin`, `/preview/*`) whose pageviews are dropped. */
  excludedPaths: string[]
  /** Saved funnels, their steps among `goals`. */
  funnels: Funnel[]
  /** Which goals the daily rollups hold, and from which day; null for a site without its own settings row (none tracked). */
  goalRollup: GoalRollupState | null
  /** The goals: the most specific level's list, or one per conversion event type. */
  goals: Goal[]
  ipAnonymization: IpAnonymization
  /** Public read-only dashboard through `shareToken`; never inherited. */
  publicDashboard: boolean
  /** Honour Do-Not-Track and Global Privacy Control headers. */
  respectDoNotTrack: boolean
  /** Days raw events are kept. */
  retentionDays: number
  /** Property keys whose values the daily rollups hold (`prop` rows): the most specific level's list. */
  rolledUpProps: string[]
  shareToken: null | string
  /** The site's IANA time zone: its days and months are local days and months. */
  timeZone: string
  /** The state of the site's rollups (null: never changed; they are in `timeZone`, or UTC before it existed). */
  timeZoneState: null | TimeZoneState
  /** Count visits from automated browsers (`navigator.webdriver`); off by default. */
  trackAutomation: boolean
  trackingEnabled: boolean
}

export type SettingsDefaults = Omit<EffectiveSiteSettings, 'funnels' | 'goalRollup' | 'goals' | 'publicDashboard' | 'rolledUpProps' | 'shareToken' | 'timeZoneState'>

/** A level's list, or null when it sets none or one that does not parse (stored before a check, or by hand): the next level applies. */
const parsedList = <T>(value: unknown, parse: (value: unknown) => T[]): null | T[] => {
  try {
    const list = parse(value)
    return list.length > 0 ? list : null
  } catch {
    return null
  }
}

const toggle = (levels: Array<null | SettingsRow | undefined>, key: keyof SettingsRow, fallback: boolean): boolean => {
  for (const row of levels) {
    const value = row?.[key]
    if (value === 'on') return true
    if (value === 'off') return false
  }
  return fallback
}

const union = (levels: Array<null | SettingsRow | undefined>, fallback: string[], key: 'allowedHostnames' | 'excludedPaths'): string[] => {
  const values = new Set(fallback)
  for (const row of levels) for (const value of row?.[key] ?? []) values.add(value)
  return [...values]
}

/**
 * Resolve the settings of a site from its own row, its tenant's row and the global row
 * (each may be missing). Lists of hostnames and excluded paths add up across levels;
 * conversion events and scalars take the most specific level that sets them.
 */
export function resolveSiteSettings(
  rows: { global?: null | SettingsRow; site?: null | SettingsRow; tenant?: null | SettingsRow },
  defaults: SettingsDefaults,
): EffectiveSiteSettings {
  const levels = [rows.site, rows.tenant, rows.global]
  const conversionEvents = levels.find((row) => row?.conversionEvents?.length)?.conversionEvents
  const ipAnonymization = levels
    .map((row) => row?.ipAnonymization)
    .find((mode): mode is IpAnonymization => mode === 'standard' || mode === 'strict')
  // A zone that is not a name Node knows (edited in the database, or a zone dropped from
  // the tz database) is skipped rather than failing every site: the next level up applies.
  const timeZone = levels.map((row) => row?.timeZone).find((zone): zone is string => typeof zone === 'string' && zone !== '' && zone !== 'inherit' && isTimeZone(zone))
  const retentionDays = levels
    .map((row) => row?.retentionDays)
    .find((days): days is number => typeof days === 'number' && days > 0)

  const conversions = [...(conversionEvents ?? defaults.conversionEvents)]
  const goals = effectiveGoals(levels.map((row) => parsedList(row?.goals, parseGoals)).find((list) => list !== null) ?? [], conversions)
  const funnels = levels.map((row) => parsedList(row?.funnels, (value) => parseFunnels(value, goals))).find((list) => list !== null) ?? []

  return {
    allowedHostnames: union(levels, defaults.allowedHostnames, 'allowedHostnames'),
    conversionEvents: conversions,
    excludedPaths: union(levels, defaults.excludedPaths, 'excludedPaths'),
    funnels,
    // Tracked on the site's own row only (a site without one reads its goals from raw events).
    goalRollup: rows.site ? (rows.site.goalRollup ?? { ready: {} }) : null,
    goals,
    ipAnonymization: ipAnonymization ?? defaults.ipAnonymization,
    publicDashboard: rows.site?.publicDashboard === true && Boolean(rows.site.shareToken),
    respectDoNotTrack: toggle(levels, 'respectDoNotTrack', defaults.respectDoNotTrack),
    retentionDays: retentionDays ?? defaults.retentionDays,
    rolledUpProps: levels.map((row) => parsedList(row?.rolledUpProps, parsePropKeys)).find((list) => list !== null) ?? [],
    shareToken: rows.site?.publicDashboard ? (rows.site.shareToken ?? null) : null,
    timeZone: timeZone ? checkTimeZone(timeZone) : defaults.timeZone,
    timeZoneState: rows.site?.timeZoneState ?? null,
    trackAutomation: toggle(levels, 'trackAutomation', defaults.trackAutomation),
    trackingEnabled: toggle(levels, 'trackingEnabled', defaults.trackingEnabled),
  }
}
