/**
 * Character checks shared by the schema and the URL parsing. Compiled once: they run on
 * every field of every request.
 */

/**
 * Control characters (C0, DEL, C1) and lone surrogates. With the `u` flag a valid
 * surrogate pair is one code point, so only unpaired halves match `\p{Cs}`; those cannot
 * be encoded as UTF-8 and break Postgres text columns and JSON consumers downstream.
 */
const UNSAFE = /[\p{Cc}\p{Cs}]/u

/** As `UNSAFE`, but tab, line feed and carriage return pass: free text may contain them. */
const UNSAFE_IN_TEXT = /[^\P{Cc}\t\n\r]|\p{Cs}/u

const UNSAFE_GLOBAL = /[\p{Cc}\p{Cs}]/gu

/** Whether an identifier, URL or key holds a control character or a lone surrogate. */
export const hasUnsafeChars = (value: string): boolean => UNSAFE.test(value)

/** Whether free text (a prop value) holds a control character other than whitespace, or a lone surrogate. */
export const hasUnsafeTextChars = (value: string): boolean => UNSAFE_IN_TEXT.test(value)

/** Removes control characters and lone surrogates (for values decoded from a URL). */
export const stripUnsafeChars = (value: string): string =>
  UNSAFE.test(value) ? value.replace(UNSAFE_GLOBAL, '') : value

/**
 * Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair, which
 * would leave a lone surrogate behind.
 */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value
  const code = value.charCodeAt(max - 1)
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max
  return value.slice(0, end)
}
