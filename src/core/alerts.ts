/**
 * Traffic alerts: when a spike or a drop fires. Pure.
 */
export const ALERT_KINDS = ['spike', 'drop'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

/** Each alert fires at most once in this long. */
export const ALERT_QUIET_MS = 12 * 60 * 60_000

/** The window whose visitors an alert of this kind compares with its threshold. */
export const ALERT_WINDOW_MINUTES: Record<AlertKind, number> = { drop: 12 * 60, spike: 30 }

/** Spike: at or above the threshold; drop: below it. */
export const alertFires = (kind: AlertKind, visitors: number, threshold: number): boolean =>
  kind === 'spike' ? visitors >= threshold : visitors < threshold
