import type { Config, Payload } from 'payload'

import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { postgresAdapter } from '@payloadcms/db-postgres'
import { buildConfig, getPayload, handleEndpoints } from 'payload'
import { afterAll, beforeAll, describe, expect, inject, test, vi } from 'vitest'

import type { AnalyticsPluginOptions } from '../../src/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { BUILT_IN_EVENT_TYPES } from '../../src/core/eventTypes.js'
import { metricsResponse } from '../../src/endpoints/metrics.js'
import { analyticsPlugin } from '../../src/index.js'
import { METRIC_NAMES, REJECTED_REASONS } from '../../src/metrics/names.js'
import { createAnalyticsMetrics } from '../../src/metrics/registry.js'
import { sanitizeOptions } from '../../src/options.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload, freshDatabase } from '../helpers/payload.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const HEADLESS = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36'
const TOKEN = 't0ken'

/** A booted instance and the `getPayload` key its requests must name to reach it (not 'default'). */
interface Instance {
  key: string
  keyPrefix: string
  payload: Payload
}

/** Like `rawRequest`, but to this very instance: without the key Payload boots a second one under 'default'. */
async function request(instance: Instance, method: string, apiPath: string, options: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await handleEndpoints({
    config: instance.payload.config,
    payloadInstanceCacheKey: instance.key,
    request: new Request(`http://localhost${instance.payload.config.routes.api}${apiPath}`, { body: options.body, headers: options.headers, method }),
  })
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = {}
  }
  return { body, headers: response.headers, status: response.status, text }
}

let ipCounter = 1
const usedIps: string[] = []
const newIp = () => {
  const ip = `198.51.${Math.floor(ipCounter / 250)}.${ipCounter++ % 250}`
  usedIps.push(ip)
  return ip
}

const track = (instance: Instance, body: unknown, options: { headers?: Record<string, string>; raw?: string; ua?: string } = {}) =>
  request(instance, 'POST', '/analytics/track', {
    body: options.raw ?? JSON.stringify(body),
    headers: { 'content-type': 'text/plain', 'user-agent': options.ua ?? CHROME, 'x-forwarded-for': newIp(), ...options.headers },
  })

const event = (site: DemoSite, type: string, pagePath = '/pricing') => ({ s: String(site.id), t: type, u: `https://${site.domain}${pagePath}`, w: 1280 })

const scrape = (instance: Instance, authorization?: string) =>
  request(instance, 'GET', '/analytics/metrics', { headers: authorization ? { authorization } : {} })

interface Sample {
  labels: Record<string, string>
  name: string
  value: number
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line)
    if (!match) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name!] = value!.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char))
    }
    samples.push({ labels, name: match[1]!, value: Number(match[3]) })
  }
  return samples
}

/** The value of the sample with exactly these labels, or undefined. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort())
  return samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value
}

const uniqueKey = (label: string) => `${label}-${randomBytes(4).toString('hex')}`

let main: Instance
let flat: Instance
let redis: Redis
let sites: Record<string, DemoSite>
let mainText = ''
let flatText = ''

beforeAll(async () => {
  vi.stubEnv('ANALYTICS_METRICS_TOKEN', '')
  const bootInstance = async (label: string, analytics: AnalyticsPluginOptions): Promise<Instance> => {
    const key = uniqueKey(label)
    const keyPrefix = `${key}:`
    const payload = await bootPayload({ analytics: { ...analytics, redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') }, key })
    return { key, keyPrefix, payload }
  }
  main = await bootInstance('metrics', {
    defaults: { allowedHostnames: ['localhost'], excludedPaths: ['/private/**'] },
    metrics: { token: TOKEN },
  })
  redis = new Redis(inject('redisUrl'))
  sites = await demoSites(main.payload)
  const shop = sites['shop.acme.test']!
  const globex = sites['globex.test']!

  // Accepted: 4 on shop (2 pageviews, a lead, a custom event), 2 on globex, 1 server-side.
  for (const body of [event(shop, 'pageview'), event(shop, 'pageview', '/'), event(shop, 'lead.created'), event(shop, 'signup.clicked'), event(globex, 'pageview'), event(globex, 'form.submit')]) {
    expect((await track(main, body)).status).toBe(202)
  }
  await main.payload.analytics!.track({ siteId: globex.id, type: 'ai.usage', value: 1830 })

  // Dropped (answered 202): a bot, an automated browser, Do-Not-Track, an excluded path.
  expect((await track(main, event(shop, 'pageview'), { ua: GOOGLEBOT })).headers.get('x-analytics-dropped')).toBe('bot')
  expect((await track(main, event(shop, 'pageview'), { ua: HEADLESS })).headers.get('x-analytics-dropped')).toBe('automation')
  expect((await track(main, event(shop, 'pageview'), { headers: { dnt: '1' } })).headers.get('x-analytics-dropped')).toBe('dnt')
  expect((await track(main, event(shop, 'pageview', '/private/area'))).headers.get('x-analytics-dropped')).toBe('excluded-path')

  // Refused: unknown site (tracker and server-side), not JSON, a foreign hostname, too large.
  expect((await track(main, { s: '999999', t: 'pageview', u: 'https://shop.acme.test/' })).status).toBe(404)
  await expect(main.payload.analytics!.track({ siteId: 999999, type: 'automation.run' })).rejects.toThrow(/Unknown site/)
  expect((await track(main, null, { raw: '{"s":' })).status).toBe(400)
  expect((await track(main, { ...event(shop, 'pageview'), u: 'https://evil.test/' })).status).toBe(403)
  expect((await track(main, event(shop, 'pageview', `/${'a'.repeat(9000)}`))).status).toBe(413)

  // A poison entry in the stream: the next claim removes it and counts it as malformed.
  await redis.xadd(`${main.keyPrefix}{events}`, '*', 'e', '{not json')
  await main.payload.analytics!.buffer.claim(1000)

  const scraped = await scrape(main, `Bearer ${TOKEN}`)
  expect(scraped.status).toBe(200)
  mainText = scraped.text

  // A second Payload in the same process (another host: no tenants, the plugin's own sites
  // collection): its own registry, no site labels, public. The dev config cannot be booted
  // twice in one process (the multi-tenant plugin adds its field to the shared collection).
  const flatKey = uniqueKey('metrics-flat')
  const flatConfig = buildConfig({
    db: postgresAdapter({ pool: { connectionString: await freshDatabase() }, push: true }),
    plugins: [analyticsPlugin({ metrics: { public: true, siteLabels: false }, redisKeyPrefix: `${flatKey}:`, redisUrl: inject('redisUrl') })],
    secret: 'metrics-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  flat = { key: flatKey, keyPrefix: `${flatKey}:`, payload: await getPayload({ config: flatConfig, key: flatKey }) }
  const flatSite = await flat.payload.create({ collection: 'sites', data: { domain: 'flat.test', name: 'Flat' } })
  const flatRef: DemoSite = { domain: 'flat.test', id: flatSite.id, tenant: '' }
  expect((await track(flat, event(flatRef, 'pageview'))).status).toBe(202)
  expect((await track(flat, event(flatRef, 'signup.clicked'))).status).toBe(202)
  const flatScrape = await scrape(flat)
  expect(flatScrape.status).toBe(200)
  flatText = flatScrape.text
})

afterAll(async () => {
  vi.unstubAllEnvs()
  redis?.disconnect()
  await main?.payload.destroy()
  await flat?.payload.destroy()
})

describe('the bearer token', () => {
  test('no Authorization header → 401 JSON with WWW-Authenticate: Bearer', async () => {
    const response = await scrape(main)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    expect(response.body.error).toMatch(/Authorization: Bearer/)
    expect(response.text).not.toContain('analytics_events_total')
  })

  test('a wrong token, another scheme or an empty bearer → 401', async () => {
    for (const authorization of [`Bearer ${TOKEN}x`, 'Bearer t0ke', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`, 'Bearer ', TOKEN]) {
      const response = await scrape(main, authorization)
      expect(response.status, authorization).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
      expect(typeof response.body.error).toBe('string')
    }
  })

  test('the right token → 200 in the Prometheus text format, not cached', async () => {
    const response = await scrape(main, `bearer ${TOKEN}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  test('no token configured and not public → 401 saying how to configure one', async () => {
    const metrics = createAnalyticsMetrics()
    const response = await metricsResponse({ public: false, siteLabels: true, token: null }, `Bearer ${TOKEN}`, metrics)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    const body = (await response.json()) as { error: string }
    expect(body.error).toMatch(/ANALYTICS_METRICS_TOKEN/)
    expect(body.error).toMatch(/metrics\.token/)
    expect(body.error).toMatch(/metrics\.public/)
  })

  test('public: true serves without a token (over the real REST handler)', async () => {
    expect((await scrape(flat)).status).toBe(200)
  })

  test('the token defaults to ANALYTICS_METRICS_TOKEN; a blank one is no token', () => {
    const host = { collections: [], secret: 'x' } as unknown as Config
    vi.stubEnv('ANALYTICS_METRICS_TOKEN', ' from-env ')
    expect(sanitizeOptions({}, host).metrics).toEqual({ public: false, siteLabels: true, token: 'from-env' })
    expect(sanitizeOptions({ metrics: { token: 'own' } }, host).metrics.token).toBe('own')
    vi.stubEnv('ANALYTICS_METRICS_TOKEN', '  ')
    expect(sanitizeOptions({}, host).metrics.token).toBeNull()
    vi.stubEnv('ANALYTICS_METRICS_TOKEN', '')
  })
})

describe('the scraped metrics', () => {
  test('accepted events by type, tenant and site; custom names as "custom"', () => {
    const samples = parseExposition(mainText)
    const shop = sites['shop.acme.test']!
    const globex = sites['globex.test']!
    const at = (site: DemoSite, type: string) => valueOf(samples, METRIC_NAMES.events, { site: String(site.id), tenant: String(site.tenant), type })
    expect(at(shop, 'pageview')).toBe(2)
    expect(at(shop, 'lead.created')).toBe(1)
    expect(at(shop, 'custom')).toBe(1)
    expect(at(globex, 'pageview')).toBe(1)
    expect(at(globex, 'form.submit')).toBe(1)
    expect(at(globex, 'ai.usage')).toBe(1)
    expect(mainText).toMatch(new RegExp(`^analytics_events_total\\{site="${shop.id}",tenant="${shop.tenant}",type="pageview"\\} 2$`, 'm'))

    const events = samples.filter((sample) => sample.name === METRIC_NAMES.events)
    expect(events.reduce((sum, sample) => sum + sample.value, 0)).toBe(7)
    for (const sample of events) {
      expect(Object.keys(sample.labels).sort()).toEqual(['site', 'tenant', 'type'])
      expect([...BUILT_IN_EVENT_TYPES, 'custom']).toContain(sample.labels.type)
    }
    expect(mainText).not.toContain('signup.clicked')
  })

  test('rejected, dropped and malformed events by reason, every reason present', () => {
    const samples = parseExposition(mainText)
    const reason = (name: string) => valueOf(samples, METRIC_NAMES.eventsRejected, { reason: name })
    expect({
      automation: reason('automation'),
      'bad-request': reason('bad-request'),
      'body-too-large': reason('body-too-large'),
      bot: reason('bot'),
      dnt: reason('dnt'),
      'excluded-path': reason('excluded-path'),
      hostname: reason('hostname'),
      malformed: reason('malformed'),
      'rate-limited': reason('rate-limited'),
      'tracking-disabled': reason('tracking-disabled'),
      unavailable: reason('unavailable'),
      'unknown-site': reason('unknown-site'),
    }).toEqual({
      automation: 1,
      'bad-request': 1,
      'body-too-large': 1,
      bot: 1,
      dnt: 1,
      'excluded-path': 1,
      hostname: 1,
      malformed: 1,
      'rate-limited': 0,
      'tracking-disabled': 0,
      unavailable: 0,
      'unknown-site': 2,
    })
    const reasons = samples.filter((sample) => sample.name === METRIC_NAMES.eventsRejected).map((sample) => sample.labels.reason)
    expect(reasons.sort()).toEqual([...REJECTED_REASONS].sort())
  })

  test('analytics_queue_pending is the stream length, read at scrape time', async () => {
    const length = async () => redis.xlen(`${main.keyPrefix}{events}`)
    const before = await length()
    const { text } = await scrape(main, `Bearer ${TOKEN}`)
    const after = await length()
    const pending = valueOf(parseExposition(text), METRIC_NAMES.queuePending)
    expect(before).toBe(7)
    expect(pending).toBeGreaterThanOrEqual(Math.min(before, after))
    expect(pending).toBeLessThanOrEqual(Math.max(before, after))

    await main.payload.analytics!.track({ siteId: sites['blog.acme.test']!.id, type: 'export.completed' })
    const again = valueOf(parseExposition((await scrape(main, `Bearer ${TOKEN}`)).text), METRIC_NAMES.queuePending)
    expect(again).toBe(await length())
  })

  test('every metric is there with its type; no per-site label outside analytics_events_total', () => {
    const types: Record<string, string> = {
      [METRIC_NAMES.aggregationDuration]: 'histogram',
      [METRIC_NAMES.aggregationLastSuccess]: 'gauge',
      [METRIC_NAMES.dailyStats]: 'counter',
      [METRIC_NAMES.dbLatency]: 'histogram',
      [METRIC_NAMES.events]: 'counter',
      [METRIC_NAMES.eventsRejected]: 'counter',
      [METRIC_NAMES.queuePending]: 'gauge',
      [METRIC_NAMES.sourceFailingRuns]: 'gauge',
      [METRIC_NAMES.sourceRuns]: 'counter',
    }
    expect(Object.keys(types).sort()).toEqual(Object.values(METRIC_NAMES).sort())
    for (const [name, type] of Object.entries(types)) expect(mainText).toContain(`# TYPE ${name} ${type}\n`)
    expect(mainText).toContain('# TYPE process_cpu_seconds_total counter')
    for (const sample of parseExposition(mainText)) {
      if (sample.name !== METRIC_NAMES.events) expect(Object.keys(sample.labels), sample.name).not.toContain('site')
    }
  })

  test('no IP address, user-agent or token anywhere in the output', () => {
    expect(usedIps.length).toBeGreaterThan(10)
    for (const text of [mainText, flatText]) {
      for (const ip of usedIps) expect(text).not.toContain(ip)
      for (const fragment of ['198.51.', 'Mozilla', 'Chrome/126', 'Googlebot', 'HeadlessChrome', 'AppleWebKit', TOKEN]) expect(text).not.toContain(fragment)
    }
  })

  test('siteLabels: false drops the tenant and site labels; each instance has its own registry', () => {
    const samples = parseExposition(flatText)
    const events = samples.filter((sample) => sample.name === METRIC_NAMES.events)
    expect(events.map((sample) => sample.labels)).toEqual(expect.arrayContaining([{ type: 'pageview' }, { type: 'custom' }]))
    for (const sample of events) expect(Object.keys(sample.labels)).toEqual(['type'])
    expect(valueOf(samples, METRIC_NAMES.events, { type: 'pageview' })).toBe(1)
    expect(valueOf(samples, METRIC_NAMES.events, { type: 'custom' })).toBe(1)
    expect(flatText).not.toMatch(/\b(site|tenant)="/)
    // The first instance's counts are untouched by the second's.
    expect(valueOf(parseExposition(mainText), METRIC_NAMES.events, { site: String(sites['shop.acme.test']!.id), tenant: String(sites['shop.acme.test']!.tenant), type: 'pageview' })).toBe(2)
  })

  test('the job-side methods record what they are given', async () => {
    const metrics = main.payload.analytics!.metrics
    metrics.dbLatency('insert', 0.02)
    await metrics.timeDb('recompute', async () => new Promise((resolve) => setTimeout(resolve, 15)))
    await expect(metrics.timeDb('query', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    metrics.statsRowsWritten(12)
    metrics.aggregationFinished(3.5)
    const samples = parseExposition((await scrape(main, `Bearer ${TOKEN}`)).text)
    expect(valueOf(samples, `${METRIC_NAMES.dbLatency}_count`, { operation: 'insert' })).toBe(1)
    expect(valueOf(samples, `${METRIC_NAMES.dbLatency}_bucket`, { le: '0.025', operation: 'insert' })).toBe(1)
    expect(valueOf(samples, `${METRIC_NAMES.dbLatency}_sum`, { operation: 'recompute' })).toBeGreaterThanOrEqual(0.01)
    expect(valueOf(samples, `${METRIC_NAMES.dbLatency}_count`, { operation: 'query' })).toBe(1)
    expect(valueOf(samples, METRIC_NAMES.dailyStats)).toBe(12)
    expect(valueOf(samples, `${METRIC_NAMES.aggregationDuration}_count`)).toBe(1)
    expect(valueOf(samples, `${METRIC_NAMES.aggregationDuration}_bucket`, { le: '5' })).toBe(1)
    expect(valueOf(samples, METRIC_NAMES.aggregationLastSuccess)).toBeCloseTo(Date.now() / 1000, -1)
  })

  test('an unreadable queue is NaN, never a stale number, and never fails the scrape', async () => {
    const metrics = createAnalyticsMetrics({ logger: { warn: () => undefined } })
    metrics.setQueueSource(async () => 5)
    expect(valueOf(parseExposition(await metrics.registry.metrics()), METRIC_NAMES.queuePending)).toBe(5)
    metrics.setQueueSource(() => Promise.reject(new Error('Redis is down')))
    expect(valueOf(parseExposition(await metrics.registry.metrics()), METRIC_NAMES.queuePending)).toBeNaN()
  })
})

// promtool: CI must run these (the Debian package `prometheus`); locally they may be skipped.
const promtoolFound = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0
const promtoolTest = promtoolFound || process.env.CI ? test : test.skip
const skipNote = promtoolFound
  ? ''
  : process.env.CI
    ? ' [promtool is not on PATH: required in CI]'
    : ' [skipped: promtool is not on PATH; apt-get install --no-install-recommends prometheus]'

const promtool = (args: string[], options: { cwd?: string; input?: string } = {}) => {
  if (!promtoolFound) {
    throw new Error('promtool is not on PATH and CI is set: install the Debian package "prometheus" (add it to the apt-get line of .ci/run)')
  }
  const result = spawnSync('promtool', args, { cwd: options.cwd ?? root, encoding: 'utf8', input: options.input })
  return { output: `${result.stdout}${result.stderr}`, status: result.status }
}

describe('promtool', () => {
  promtoolTest(`check metrics accepts a scrape of a running instance${skipNote}`, () => {
    for (const text of [mainText, flatText]) {
      const { output, status } = promtool(['check', 'metrics'], { input: text })
      expect(output.trim()).toBe('')
      expect(status).toBe(0)
    }
  })

  promtoolTest(`check rules accepts prometheus/alerts.yml${skipNote}`, () => {
    const { output, status } = promtool(['check', 'rules', 'prometheus/alerts.yml'])
    expect(output).toContain('SUCCESS: 6 rules found')
    expect(status).toBe(0)
  })

  promtoolTest(`test rules: the alerts fire when, and only when, they should${skipNote}`, () => {
    const { output, status } = promtool(['test', 'rules', 'alerts.test.yml'], { cwd: path.join(root, 'prometheus') })
    expect(output).toContain('SUCCESS')
    expect(status).toBe(0)
  })

  promtoolTest(`every query of the Grafana dashboard is valid PromQL${skipNote}`, () => {
    const dashboard = JSON.parse(readFileSync(path.join(root, 'grafana/analytics-overview.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] }
    const exprs = dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) =>
      target.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replaceAll('$tenant', '.*').replaceAll('$site', '.*'),
    )
    expect(exprs.length).toBeGreaterThan(10)
    const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-rules-'))
    try {
      const file = path.join(dir, 'rules.yml')
      const rules = exprs.map((expr, index) => `      - record: dashboard:query_${index}\n        expr: ${JSON.stringify(expr)}`).join('\n')
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules}\n`)
      const { output, status } = promtool(['check', 'rules', file])
      expect(output).toContain(`SUCCESS: ${exprs.length} rules found`)
      expect(status).toBe(0)
    } finally {
      rmSync(dir, { force: true, recursive: true })
    }
  })
})

describe('the alert rules', () => {
  test('use only metrics the plugin defines, with the thresholds of SPEC §8', () => {
    const rules = readFileSync(path.join(root, 'prometheus/alerts.yml'), 'utf8')
    const names = new Set([...rules.matchAll(/\banalytics_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, '')))
    for (const name of names) expect(Object.values(METRIC_NAMES) as string[]).toContain(name)
    expect(rules).toMatch(/analytics_queue_pending\) > 10000\n\s+for: 5m\n\s+labels:\n\s+severity: warning/)
    expect(rules).toMatch(/histogram_quantile\(0\.95, sum by \(job, le\) \(rate\(analytics_db_latency_seconds_bucket\[5m\]\)\)\) > 2\n[\s\S]*?severity: critical/)
    expect(rules).toMatch(/increase\(analytics_events_total\[1h\]\)\) == 0\n[\s\S]*?severity: critical/)
    expect(rules).toMatch(/absent\(analytics_events_total\)\n\s+for: 1h\n\s+labels:\n\s+severity: critical/)
    // Sustained refusals because the buffer is down (issue 19): the outage admins must hear about.
    expect(rules).toMatch(/rate\(analytics_events_rejected_total\{reason="unavailable"\}\[2m\]\)\) > 0\n\s+for: 5m\n\s+labels:\n\s+severity: critical/)
    // A source failing two runs in a row (issue 17): it will not heal by itself.
    expect(rules).toMatch(/max by \(job, source\) \(analytics_source_failing_runs\) >= 2\n\s+labels:\n\s+severity: warning/)
    expect(rules.match(/^\s+runbook: /gm)).toHaveLength(6)
  })
})
