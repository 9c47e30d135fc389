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

/**
 * What a stored key must not hold: controls and lone surrogates, format characters (`Cf`:
 * bidi overrides and isolates such as U+202E, zero-width space and joiners, the BOM, the soft
 * hyphen), and line and paragraph separators. Invisible or reordering, they would make a path
 * or a source look like another one, or read backwards, in every list that shows it.
 */
const NOT_IN_KEYS = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu
/** Printable ASCII: nothing to normalise, nothing to strip (most keys; a test costs next to nothing). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/**
 * A dimension key (a page path, a source, a UTM value) as it is stored: Unicode NFC, so a
 * composed and a decomposed `é` are one key, and without the characters of `NOT_IN_KEYS`.
 * Length limits are the caller's (`truncate` after this). Plain ASCII is returned as is.
 */
export function normalizeKey(value: string): string {
  if (PRINTABLE_ASCII.test(value)) return value
  return value.normalize('NFC').replace(NOT_IN_KEYS, '')
}

/** Whether an identifier, URL or key holds a control character or a lone surrogate. */
export const hasUnsafeChars = (value: string): boolean => UNSAFE.test(value)

/** Whether free text (a prop value) holds a control character other than whitespace, or a lone surrogate. */
export const hasUnsafeTextChars = (value: string): boolean => UNSAFE_IN_TEXT.test(value)

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
