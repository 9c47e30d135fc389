/**
 * Read at most `limit` bytes of a request body as UTF-8. Stops reading as soon as the limit
 * is passed, so a huge body costs nothing beyond it. Takes any async iterable of bytes: a
 * fetch body stream or a Node `IncomingMessage`.
 */
// ignoreBOM: the BOM is kept here and parseTrackBody strips one, so exactly one is allowed.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export async function readBodyWithLimit(
  body: AsyncIterable<Uint8Array> | null | undefined,
  limit: number,
): Promise<{ ok: false; reason: 'encoding' | 'size' } | { ok: true; text: string }> {
  if (!body) return { ok: true, text: '' }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    // Leaving the loop early cancels a web stream; the Node server closes the connection.
    if (size > limit) return { ok: false, reason: 'size' }
    chunks.push(chunk)
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
  try {
    return { ok: true, text: utf8.decode(bytes) }
  } catch {
    return { ok: false, reason: 'encoding' }
  }
}
