/**
 * The one thing core needs from request headers: look one up by name. A fetch `Headers`
 * fits as is (the endpoint and the standalone ingest server are fetch-style); Node's
 * `IncomingHttpHeaders` fits through `headersFromRecord`.
 */
export interface HeaderLookup {
  /** The header's value, or null/undefined when absent. Names are case-insensitive. */
  get(name: string): null | string | undefined
}

/**
 * Wraps a Node-style header record (lower-case names; repeated headers as arrays, joined
 * with ", " as fetch's `Headers.get` does).
 */
export function headersFromRecord(record: Readonly<Record<string, string | string[] | undefined>>): HeaderLookup {
  return {
    get(name) {
      const value = record[name.toLowerCase()]
      return Array.isArray(value) ? value.join(', ') : (value ?? null)
    },
  }
}
