/**
 * A tracking request over a raw socket that sends its headers and part of its body, then
 * nothing more: what a slow or hostile client does. For the body-deadline tests of every
 * Node-served tracking route.
 */
import { connect } from 'node:net'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

/** The raw answer and the milliseconds until the server closed the socket (20 s at most). */
export function stalledTrackRequest(port: number, framing: 'chunked' | 'content-length', body: string): Promise<{ ms: number; response: string }> {
  const head = [
    'POST /api/analytics/track HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: text/plain',
    `User-Agent: ${CHROME}`,
    framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${Buffer.byteLength(body)}`,
  ].join('\r\n')
  // Half the body; chunked: one chunk, never the last.
  const partial = body.slice(0, Math.floor(body.length / 2))
  const sent = framing === 'chunked' ? `${Buffer.byteLength(partial).toString(16)}\r\n${partial}\r\n` : partial
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\n\r\n${sent}`))
    let response = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (response += chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve({ ms: Date.now() - started, response }))
    setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server neither answered nor closed within 20 s: ${response}`))
    }, 20_000).unref()
  })
}
