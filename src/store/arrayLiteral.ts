/**
 * A Postgres array literal (`{a,"b\"c",NULL}`) of text, number or null values, sent as ONE
 * bound text parameter and cast in SQL (`$1::text[]`, `$1::numeric[]`, …). node-postgres
 * can serialise JS arrays itself, but it escapes every element with two regular expressions
 * and grows the literal piece by piece; this quotes only the elements Postgres's array
 * reader needs quoted (so most elements are the value's own string, no copy), escapes only
 * the few holding `"` or `\`, and joins once.
 */
export function arrayLiteral(values: ReadonlyArray<null | number | string>): string {
  const elements = new Array<string>(values.length)
  for (let index = 0; index < values.length; index++) {
    const value = values[index]
    if (value === null || value === undefined) {
      elements[index] = 'NULL'
      continue
    }
    elements[index] = arrayElement(typeof value === 'string' ? value : String(value))
  }
  return `{${elements.join(',')}}`
}

/**
 * One element as the array reader takes it back unchanged: bare unless it is empty, reads as
 * NULL, or holds white space, a brace, the delimiter, a quote or a backslash (the cases
 * Postgres's own array output quotes); quoted and escaped otherwise.
 */
function arrayElement(text: string): string {
  if (text === '' || QUOTE_WHEN.test(text) || (text.length === 4 && text.toLowerCase() === 'null')) {
    return NEEDS_ESCAPE.test(text) ? `"${text.replace(ESCAPED, '\\$&')}"` : `"${text}"`
  }
  return text
}

/** JavaScript's `\s` covers every white space Postgres trims (and more: quoting more is harmless). */
const QUOTE_WHEN = /[\s{},"\\]/
const NEEDS_ESCAPE = /["\\]/
const ESCAPED = /["\\]/g
