/**
 * The reference ceiling for `npm run bench:ingest`: a bare `node:http` server that answers
 * 202 to a small JSON POST after one ioredis XADD per request, and nothing else — no
 * validation, no enrichment, no rate limit. Run as its own process by bench/ingest.ts:
 *   tsx bench/ceilingServer.ts <port> <redisUrl> <streamKey>
 * Prints "listening <port>" once ready; stops on SIGTERM.
 */
import { createServer } from 'node:http'
import { Redis } from 'ioredis'

const [portArg, redisUrl, streamKey] = process.argv.slice(2)
if (!portArg || !redisUrl || !streamKey) {
  console.error('usage: tsx bench/ceilingServer.ts <port> <redisUrl> <streamKey>')
  process.exit(2)
}

const redis = new Redis(redisUrl)
const ACCEPTED = JSON.stringify({ ok: true })

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    redis.xadd(streamKey, '*', 'e', Buffer.concat(chunks).toString('utf8')).then(
      () => {
        res.writeHead(202, { 'content-length': Buffer.byteLength(ACCEPTED), 'content-type': 'application/json' })
        res.end(ACCEPTED)
      },
      () => {
        res.writeHead(503)
        res.end()
      },
    )
  })
})

server.listen(Number(portArg), '127.0.0.1', () => console.log(`listening ${portArg}`))

process.on('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  redis.disconnect()
  process.exit(0)
})
