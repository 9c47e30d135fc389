/** A funnel's steps as the API reports them, from the visitors who reached each step. */
import type { FunnelStep } from '../stats/types.js'

const ratio = (numerator: number, denominator: number): number => (denominator > 0 ? numerator / denominator : 0)

export function funnelSteps(goals: readonly string[], reached: readonly number[]): { conversionRate: number; steps: FunnelStep[] } {
  const steps = goals.map((goal, index): FunnelStep => {
    const visitors = reached[index] ?? 0
    if (index === 0) return { conversionRate: 1, dropOff: 0, dropOffRate: 0, goal, visitors }
    const before = reached[index - 1] ?? 0
    return { conversionRate: ratio(visitors, before), dropOff: before - visitors, dropOffRate: ratio(before - visitors, before), goal, visitors }
  })
  return { conversionRate: ratio(reached[goals.length - 1] ?? 0, reached[0] ?? 0), steps }
}
