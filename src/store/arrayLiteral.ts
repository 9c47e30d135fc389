/**
 * A Postgres array literal (`{"a","b\"c",NULL}`) of text, number or null values, sent as ONE
 * bound text parameter and cast in SQL (`$1::text[]`, `$1::numeric[]`, …). node-postgres
 * can serialise JS arrays itself, but it escapes every element with two regular expressions
 * and grows the literal piece by piece; this quotes every element, escapes only the few
 * strings holding `"` or `\`, and joins once.
 */
export function arrayLiteral(values: ReadonlyArray<null | number | string>): string {
  const elements = new Array<string>(values.length)
  for (let index = 0; index < values.length; index++) {
    const value = values[index]
    if (value === null || value === undefined) {
      elements[index] = 'NULL'
      continue
    }
    const text = typeof value === 'string' ? value : String(value)
    elements[index] = NEEDS_ESCAPE.test(text) ? `"${text.replace(ESCAPED, '\\$&')}"` : `"${text}"`
  }
  return `{${elements.join(',')}}`
}

const NEEDS_ESCAPE = /["\\]/
const ESCAPED = /["\\]/g
