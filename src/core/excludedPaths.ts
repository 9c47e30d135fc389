/**
 * Excluded-path patterns (`/admin`, `/preview/*`, `/drafts/**`), compiled once per
 * pattern list: the check runs on every tracked request.
 *
 * Wildcard patterns run on a small automaton rather than a regex: a regex such as
 * `^.*a.*a.*b$` backtracks in polynomial time on a long path, and paths come from the
 * visitor. The automaton is linear in the path length whatever the pattern.
 */

/** Token codes besides literal UTF-16 units (which are ≥ 0). */
const STAR = -1
const GLOBSTAR = -2
const SLASH = 0x2f

const STAR_RUNS = /\*{3,}/g

export type PathMatcher = (path: string) => boolean

/**
 * A pattern as normalised path text (leading slash, no trailing slash, `***` as `**`),
 * or null when empty.
 */
function normalizePattern(pattern: string): null | string {
  let value = pattern.trim().replace(STAR_RUNS, '**')
  if (value === '') return null
  if (!value.startsWith('/') && !value.startsWith('*')) value = `/${value}`
  while (value.length > 1 && value.endsWith('/')) value = value.slice(0, -1)
  return value
}

function tokenize(pattern: string): Int32Array {
  const tokens: number[] = []
  for (let i = 0; i < pattern.length; i++) {
    const code = pattern.charCodeAt(i)
    if (code !== 0x2a) tokens.push(code)
    else if (pattern.charCodeAt(i + 1) === 0x2a) {
      tokens.push(GLOBSTAR)
      i++
    } else tokens.push(STAR)
  }
  return Int32Array.from(tokens)
}

/**
 * A matcher for one wildcard pattern: a set-of-states simulation over the tokens, each
 * path character advancing every live state at once. The two state buffers are reused
 * across calls; matching is synchronous, so no call can interleave with another.
 */
function wildcardMatcher(tokens: Int32Array): PathMatcher {
  const size = tokens.length
  let current = new Uint8Array(size + 1)
  let next = new Uint8Array(size + 1)
  // Wildcards match the empty string, so a live state before one is live after it too.
  const close = (states: Uint8Array) => {
    for (let s = 0; s < size; s++) if (states[s] === 1 && (tokens[s] ?? 0) < 0) states[s + 1] = 1
  }
  return (path) => {
    current.fill(0)
    current[0] = 1
    close(current)
    for (let i = 0; i < path.length; i++) {
      const code = path.charCodeAt(i)
      next.fill(0)
      let alive = false
      for (let s = 0; s < size; s++) {
        if (current[s] !== 1) continue
        const token = tokens[s] ?? 0
        if (token === GLOBSTAR || (token === STAR && code !== SLASH)) {
          next[s] = 1
          alive = true
        } else if (token === code) {
          next[s + 1] = 1
          alive = true
        }
      }
      if (!alive) return false
      close(next)
      ;[current, next] = [next, current]
    }
    return current[size] === 1
  }
}

const never: PathMatcher = () => false

/**
 * Compiles patterns into one matcher. `*` matches within one path segment, `**` across
 * segments, anything else literally (case-sensitive, as paths are). A trailing `/**` also
 * matches the section's own root, so `/blog/**` excludes `/blog` too: whoever excludes a
 * section means all of it. Patterns are normalised as paths are, so `/admin/` and `admin`
 * mean `/admin`.
 */
export function compileExcludedPaths(patterns: readonly string[]): PathMatcher {
  const exact = new Set<string>()
  const wildcards: PathMatcher[] = []
  for (const raw of patterns) {
    const pattern = normalizePattern(raw)
    if (pattern === null) continue
    if (!pattern.includes('*')) {
      exact.add(pattern)
      continue
    }
    if (pattern.length > 3 && pattern.endsWith('/**')) {
      const root = pattern.slice(0, -3)
      if (root.includes('*')) wildcards.push(wildcardMatcher(tokenize(root)))
      else exact.add(root)
    }
    wildcards.push(wildcardMatcher(tokenize(pattern)))
  }
  if (exact.size === 0 && wildcards.length === 0) return never
  return (path) => exact.has(path) || wildcards.some((matches) => matches(path))
}

/**
 * Keyed by the list itself: settings are resolved once and cached in process, so the same
 * array comes back on every request, and a replaced array frees its matcher with it.
 * Lists are treated as immutable: replace a settings array rather than editing it.
 */
const compiled = new WeakMap<readonly string[], PathMatcher>()
/** Second level, by content, for callers that build a fresh array per request. */
const compiledByContent = new Map<string, PathMatcher>()
const MAX_CONTENT_ENTRIES = 500

function matcherFor(patterns: readonly string[]): PathMatcher {
  const key = patterns.join('\n')
  let matcher = compiledByContent.get(key)
  if (matcher === undefined) {
    matcher = compileExcludedPaths(patterns)
    if (compiledByContent.size >= MAX_CONTENT_ENTRIES) compiledByContent.clear()
    compiledByContent.set(key, matcher)
  }
  return matcher
}

/** Whether a (normalised) page path matches any of the patterns. */
export function isExcludedPath(path: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false
  let matcher = compiled.get(patterns)
  if (matcher === undefined) {
    matcher = matcherFor(patterns)
    compiled.set(patterns, matcher)
  }
  return matcher(path)
}
