/**
 * The `payloadCustomServer` subject of `npm run bench:ingest`: the dev app's production
 * build served by Next's programmatic API from a custom `node:http` server that answers
 * the ingest routes with `createIngestListener` (src/ingest/standaloneServer.ts) before
 * Next's router, and hands every other request (admin, REST, pages) to Next. It shows what
 * serving tracking from the Payload app's own process costs without Next's per-request
 * machinery. Run as its own process by bench/ingest.ts:
 *   tsx bench/customServer.ts <port> <redisUrl> <keyPrefix>
 * Prints "listening <port>" once ready; stops on SIGTERM.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import { createServer } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import nextModule from 'next'

import { createIngestListener } from '../src/ingest/standaloneServer.js'

const [portArg, redisUrl, keyPrefix] = process.argv.slice(2)
if (!portArg || !redisUrl || !keyPrefix) {
  console.error('usage: tsx bench/customServer.ts <port> <redisUrl> <keyPrefix>')
  process.exit(2)
}
const port = Number(portArg)
// Next's main module is CommonJS whose `module.exports` is the factory; its types declare
// it as a default export, which NodeNext reads as the namespace. What is used of it:
type NextFactory = (options: { dev: boolean; dir: string; hostname: string; port: number }) => {
  getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>
  prepare(): Promise<void>
}
const next = nextModule as unknown as NextFactory
const noLimit = { limit: 1_000_000_000, windowSeconds: 60 }

const app = next({ dev: false, dir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dev'), hostname: '127.0.0.1', port })
await app.prepare()
const handleWithNext = app.getRequestHandler()
const ingest = await createIngestListener({ keyPrefix, rateLimits: { perClient: noLimit, perSite: noLimit }, redisUrl, trustProxy: 1 })

const server = createServer((req, res) => {
  if (!ingest.handle(req, res)) void handleWithNext(req, res)
})
server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`))

process.on('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  void ingest.close().finally(() => process.exit(0))
})
