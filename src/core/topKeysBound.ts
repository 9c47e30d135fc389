/**
 * Which keys can be in a breakdown's top N, from each part's first rows alone (a part: one
 * site's day or whole month of rollup rows). A breakdown ranks keys by their visitors summed
 * over the parts (then visits, pageviews, events, key). Summing every key of a year — tens of
 * thousands of pages — is what made long ranges slow; instead each part's `depth` rows with
 * the most visitors are read (an index gives them in that order), and:
 *
 * - a key missing from a part's rows has at most that part's last row's visitors there
 *   (`bound` sums these over the cut parts: no key outside the rows read has more);
 * - a key's visitors are at least the sum of the rows read (`lower`) and at most that plus
 *   the bounds of the parts where it was not read (`upper`).
 *
 * If the N-th largest `lower` exceeds `bound`, no unread key can reach the top N; and a read
 * key whose `upper` is below that N-th `lower` cannot either. The exact sums of the remaining
 * keys then rank exactly as summing every key would. Otherwise the caller sums every key.
 */

export interface TopCandidate {
  /** The key (null: a NULL key, which the full query groups on its own — never pruned). */
  key: null | string
  /** Visitors summed over the rows read. */
  lower: number
  /** `lower` plus the bounds of the parts whose rows read did not hold the key. */
  upper: number
}

export interface DimensionCandidates {
  /** Sum over the cut parts of the visitors of their last row read. */
  bound: number
  candidates: readonly TopCandidate[]
  /** Whether any part had more rows than were read (none: every key of the range was read). */
  cut: boolean
}

/**
 * The keys whose exact sums decide the top `limit` of one dimension, or null when the rows
 * read cannot prove it (then every key must be summed).
 */
export function keysToRank(dimension: DimensionCandidates, limit: number): null | string[] {
  const { candidates } = dimension
  if (candidates.some((candidate) => candidate.key === null)) return null
  const keys = (list: readonly TopCandidate[]) => list.map((candidate) => candidate.key!)
  // Every part read whole: the candidates are every key there is.
  if (!dimension.cut) return keys(candidates)
  if (candidates.length < limit) return null
  const floor = candidates.map((candidate) => candidate.lower).sort((x, y) => y - x)[limit - 1]!
  // Strictly: an unread key with as many visitors could still win on visits, pageviews or its key.
  if (!(dimension.bound < floor)) return null
  return keys(candidates.filter((candidate) => candidate.upper >= floor))
}
