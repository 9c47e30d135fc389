/**
 * The load generator of `npm run bench:ingest`, in a process of its own so that its CPU can
 * be measured apart from the server's (bench/ingest.ts reads it from /proc and marks a run
 * invalid when the generator, not the server, was the bottleneck). Not run by hand:
 *   tsx bench/ingestLoad.ts <json options>
 * Options: { url, connections, amount, requestsFile, rate? } — `amount` requests in all
 * (a fixed count: every request sent is answered before the run ends), each connection
 * walking the request list (JSON: [{ body, headers }]) from its own offset, so concurrent
 * requests differ. Prints one JSON line with autocannon's figures and this process's CPU
 * seconds over the run (its start-up excluded).
 */
import autocannon from 'autocannon'
import { readFileSync } from 'node:fs'

interface Options {
  amount: number
  connections: number
  rate?: number
  requestsFile: string
  url: string
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options
const requests = JSON.parse(readFileSync(options.requestsFile, 'utf8')) as Array<{ body: string; headers: Record<string, string> }>
if (requests.length === 0) throw new Error('no requests')

let nextOffset = 0
const cpuBefore = process.cpuUsage()
const started = performance.now()
const result = await autocannon({
  amount: options.amount,
  connections: options.connections,
  requests: [
    {
      method: 'POST',
      setupRequest: (request, context: object) => {
        // Each connection starts at its own place in the list and walks it.
        const walk = context as { index?: number }
        walk.index ??= nextOffset += Math.floor(requests.length / options.connections) + 1
        const next = requests[walk.index++ % requests.length]!
        return { ...request, body: next.body, headers: next.headers, method: 'POST' }
      },
    },
  ],
  url: options.url,
  ...(options.rate ? { overallRate: options.rate } : {}),
})
const cpu = process.cpuUsage(cpuBefore)
console.log(
  JSON.stringify({
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    duration: result.duration,
    errors: result.errors,
    non2xx: result.non2xx,
    ok2xx: result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    requestsP50: result.requests.p50,
    timeouts: result.timeouts,
    total: result.requests.total,
    wallSeconds: (performance.now() - started) / 1000,
  }),
)
