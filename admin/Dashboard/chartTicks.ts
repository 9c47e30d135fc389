/**
 * Which periods of a chart's x axis carry a label. Recharts' default (`interval:
 * 'preserveEnd'` with a `minTickGap`) measures every label's width in the DOM — one forced
 * style recalculation of the whole admin page per label — before choosing: for a year of days
 * that cost the Analytics view seconds of main-thread time on a fast machine and over a
 * minute on a loaded one (found by `npm run bench:admin`). A fixed step needs no measuring.
 */

/** Labels the wide chart shows at most (the traffic chart spans the dashboard's width). */
export const WIDE_CHART_TICKS = 12
/** Labels a half-width chart shows at most. */
export const SMALL_CHART_TICKS = 6

/**
 * Recharts' numeric `interval` for `periods` points: the number of periods skipped between two
 * labels, so that at most `maxTicks` labels show (every period when they all fit).
 */
export const tickInterval = (periods: number, maxTicks: number): number => Math.max(0, Math.ceil(periods / maxTicks) - 1)

/**
 * A `CartesianGrid`'s `verticalCoordinatesGenerator` for grids without vertical lines: no
 * positions. Without it recharts still works them out — even with `vertical={false}` — from the
 * x axis's ticks in its default, measuring way (the stored axis carries no `interval`).
 */
export const noVerticalLines = (): number[] => []
