/**
 * The reference ceilings for `npm run bench:ingest`: a bare `node:http` server that answers
 * 202 to a POST once its body is in Redis, and does nothing else — no validation, no
 * enrichment, no session, no rate limit. Two ways, run as its own process by bench/ingest.ts:
 *   tsx bench/ceilingServer.ts <port> <redisUrl> <streamKey> naive|batched
 * - `naive`: one ioredis XADD per request (the ceiling the first benches used);
 * - `batched`: what the product's buffer does (src/buffer/redisBuffer.ts, `ingest`): bodies
 *   queue until the event loop has handled the I/O at hand (`setImmediate`) or 64 are
 *   waiting, then ONE script call appends the whole batch — the fair ceiling for the product,
 *   which batches the same way.
 * Prints "listening <port>" once ready; stops on SIGTERM.
 */
import { createServer } from 'node:http'
import { Redis } from 'ioredis'

const [portArg, redisUrl, streamKey, mode = 'naive'] = process.argv.slice(2)
if (!portArg || !redisUrl || !streamKey || (mode !== 'naive' && mode !== 'batched')) {
  console.error('usage: tsx bench/ceilingServer.ts <port> <redisUrl> <streamKey> naive|batched')
  process.exit(2)
}

/** As the product's INGEST_BATCH_MAX. */
const BATCH_MAX = 64
const redis = new Redis(redisUrl)
// One XADD per argument, in one call: the shape of the product's ingest script without its logic.
redis.defineCommand('appendAll', {
  lua: "for i = 1, #ARGV do redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end return #ARGV",
  numberOfKeys: 1,
})
const appendAll = (redis as unknown as { appendAll: (key: string, ...bodies: string[]) => Promise<number> }).appendAll.bind(redis)
const ACCEPTED = JSON.stringify({ ok: true })

type Done = (ok: boolean) => void
let queue: Array<{ body: string; done: Done }> = []
let scheduled = false

function flush() {
  scheduled = false
  const batch = queue
  queue = []
  if (batch.length === 0) return
  appendAll(streamKey!, ...batch.map((item) => item.body)).then(
    () => batch.forEach((item) => item.done(true)),
    () => batch.forEach((item) => item.done(false)),
  )
}

function append(body: string, done: Done) {
  if (mode === 'naive') {
    redis.xadd(streamKey!, '*', 'e', body).then(
      () => done(true),
      () => done(false),
    )
    return
  }
  queue.push({ body, done })
  if (queue.length >= BATCH_MAX) flush()
  else if (!scheduled) {
    scheduled = true
    setImmediate(flush)
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    append(Buffer.concat(chunks).toString('utf8'), (ok) => {
      if (!ok) {
        res.writeHead(503)
        res.end()
        return
      }
      res.writeHead(202, { 'content-length': Buffer.byteLength(ACCEPTED), 'content-type': 'application/json' })
      res.end(ACCEPTED)
    })
  })
})

server.listen(Number(portArg), '127.0.0.1', () => console.log(`listening ${portArg}`))

process.on('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  redis.disconnect()
  process.exit(0)
})
