/**
 * The seeded randomness of the traffic model: one stream of numbers per seed (mulberry32),
 * and the few distributions real traffic follows. Nothing here reads the clock or
 * `Math.random`, so the same seed gives the same traffic on every machine.
 */

export interface Rng {
  /** true with probability `p`. */
  chance(p: number): boolean
  /** Exponentially distributed, with this mean. */
  exponential(mean: number): number
  /** A whole number in [0, n). */
  int(n: number): number
  /** Log-normally distributed: the median, and the spread of its logarithm. */
  logNormal(median: number, sigma: number): number
  /** The next number in [0, 1). */
  next(): number
  pick<T>(items: readonly T[]): T
}

/** mulberry32: small, fast, and good enough for traffic (not for secrets). */
export function createRng(seed: number): Rng {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const gaussian = () => {
    // Box–Muller; 1 - next() keeps the logarithm finite.
    return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  }
  return {
    chance: (p) => next() < p,
    exponential: (mean) => -mean * Math.log(1 - next()),
    int: (n) => Math.floor(next() * n),
    logNormal: (median, sigma) => median * Math.exp(sigma * gaussian()),
    next,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  }
}

/** A seed for a named part of the model (a site, a day), so each part can be made alone. */
export function subSeed(seed: number, ...parts: Array<number | string>): number {
  // FNV-1a over the parts: stable, and different parts give unrelated streams.
  let hash = 0x811c9dc5 ^ (seed >>> 0)
  for (const part of parts) {
    for (const char of `${String(part)}|`) {
      hash ^= char.charCodeAt(0)
      hash = Math.imul(hash, 0x01000193) >>> 0
    }
  }
  return hash >>> 0
}

/** Draws an index by weight (a cumulative table and a binary search: O(log n) per draw). */
export class WeightedTable<T> {
  private readonly cumulative: Float64Array
  readonly total: number

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) throw new RangeError('WeightedTable: one weight per item, at least one item')
    this.cumulative = new Float64Array(weights.length)
    let sum = 0
    weights.forEach((weight, index) => {
      sum += weight
      this.cumulative[index] = sum
    })
    this.total = sum
  }

  /** The index drawn. */
  index(rng: Rng): number {
    const target = rng.next() * this.total
    let low = 0
    let high = this.cumulative.length - 1
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.cumulative[middle]! > target) high = middle
      else low = middle + 1
    }
    return low
  }

  draw(rng: Rng): T {
    return this.items[this.index(rng)]!
  }

  /** The share of item `index` (0…1). */
  share(index: number): number {
    return (this.cumulative[index]! - (index > 0 ? this.cumulative[index - 1]! : 0)) / this.total
  }
}

/** Zipf weights 1/rank^s for ranks 1…n: a few items get most of the draws, a long tail the rest. */
export const zipfWeights = (n: number, s = 1): number[] => Array.from({ length: n }, (_, index) => 1 / (index + 1) ** s)

/** `[item, weight]` pairs as a table. */
export const tableOf = <T>(pairs: ReadonlyArray<readonly [T, number]>): WeightedTable<T> =>
  new WeightedTable(
    pairs.map(([item]) => item),
    pairs.map(([, weight]) => weight),
  )
