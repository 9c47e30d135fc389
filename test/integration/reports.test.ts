/**
 * Scheduled reports end to end: a real SMTP server (smtp-server, started here on a free
 * port) behind the dev app's email adapter, the scheduler driven by an injected clock across
 * the October DST change in Europe/Berlin, the parsed email's figures against the stats API,
 * the attachments parsed, the tenant's branding, unsubscribe, a missed occurrence; and the
 * webhook against a local receiver: signature, retries, the idempotency key after a crash.
 */
import type { ParsedMail } from 'mailparser'
import type { Payload } from 'payload'

import { parse } from 'csv-parse/sync'
import { simpleParser } from 'mailparser'
import { createHmac, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, inject, onTestFinished, test } from 'vitest'

import type { AnalyticsEvent } from '../../src/core/event.js'
import type { StatsResult } from '../../src/stats/types.js'
import type { DemoSite } from '../helpers/fixtures.js'

import { DEMO_USERS } from '../../dev/seed.js'
import { siteBranding } from '../../src/branding.js'
import { DEFAULT_BRANDING } from '../../src/core/branding.js'
import { renderReportHtml } from '../../src/reports/render.js'
import { createReportsService } from '../../src/reports/service.js'
import { freePort } from '../../scripts/services.js'
import { runCli } from '../helpers/cli.js'
import { generateEvents } from '../helpers/events.js'
import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { login, rawRequest, rest } from '../helpers/rest.js'

let payload: Payload
let sites: Record<string, DemoSite>
let adminToken: string
let smtp: SMTPServer
let smtpUrl: string
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const mails: ParsedMail[] = []
let events: AnalyticsEvent[] = []

const DAYS = ['2026-10-19', '2026-10-20', '2026-10-21', '2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25']

const take = () => mails.splice(0, mails.length)
const recipientsOf = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((to) => to?.value.map((v) => v.address) ?? [])
/** The figure of one metric in the email's summary table. */
const figure = (html: string, metric: string): string => {
  const row = new RegExp(`<tr data-metric="${metric}">(.*?)</tr>`).exec(html)?.[1] ?? ''
  return [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)][1]?.[1] ?? ''
}

beforeAll(async () => {
  const port = await freePort()
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail)
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve))
  payload = await bootPayload({
    // The webhook receivers below listen on 127.0.0.1, which production refuses by default.
    analytics: { redisKeyPrefix: `reports${Date.now()}:`, redisUrl: inject('redisUrl'), reports: { allowPrivateWebhooks: true }, retention: { eventsDays: 365 }, scriptOrigin: 'https://analytics.acme.test' },
    smtpUrl: (smtpUrl = `smtp://127.0.0.1:${port}`),
  })
  sites = await demoSites(payload)
  adminToken = await login(payload, DEMO_USERS.superAdmin.email, DEMO_USERS.superAdmin.password)
  events = generateEvents({ days: DAYS, seed: 81, sessionsPerDay: [8, 16], sites: [sites['shop.acme.test']!, sites['blog.acme.test']!, sites['globex.test']!] })
  await payload.analytics!.buffer.append(events)
  await payload.analytics!.aggregateNow()
})

afterAll(async () => {
  await payload?.destroy()
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()))
})

describe('email reports', () => {
  test('weekly on Monday 09:00 in Berlin: sent once per occurrence across the DST change, with the stats API’s figures, in the tenant’s branding, unsubscribable, late when missed', async () => {
    const shop = sites['shop.acme.test']!
    // The tenant's white label, set once in its settings: its reports wear it.
    await payload.create({
      collection: 'analytics-settings',
      data: { branding: { accentColor: '#ff6600', logoUrl: 'https://acme.test/logo.png', name: 'Acme Agency' }, scope: 'tenant', tenant: shop.tenant } as never,
    })
    const report = await payload.create({
      collection: 'analytics-reports',
      data: {
        attachments: ['csv', 'json'],
        frequency: 'weekly',
        hour: 9,
        name: 'Weekly traffic',
        range: 'lastWeek',
        recipients: [{ email: 'ann@example.com' }, { email: 'bob@example.com' }],
        startsAt: '2026-10-18T00:00:00.000Z',
        tenant: shop.tenant,
        timeZone: 'Europe/Berlin',
        weekday: 'monday',
      } as never,
    })
    const reports = payload.analytics!.reports

    // Every 30 minutes from Sunday 18 October to Tuesday 27 October (CEST → CET on the 25th).
    const sentAt: string[] = []
    for (let t = Date.parse('2026-10-18T00:00:00Z'); t <= Date.parse('2026-10-27T00:00:00Z'); t += 30 * 60_000) {
      const runs = await reports.runDue({ now: new Date(t) })
      for (const run of runs) if (run.deliveries.some((d) => d.outcome.status === 'sent')) sentAt.push(`${new Date(t).toISOString()} ${run.occurrence}`)
    }
    // 09:00 local: 07:00 UTC in summer time, 08:00 UTC after the change; once each.
    expect(sentAt).toEqual(['2026-10-19T07:00:00.000Z 2026-10-19T07:00:00.000Z', '2026-10-26T08:00:00.000Z 2026-10-26T08:00:00.000Z'])
    const received = take()
    expect(received).toHaveLength(4)
    const latest = received.filter((mail) => mail.subject?.includes('2026-10-19 to 2026-10-25'))
    expect(latest.map((mail) => recipientsOf(mail)[0]).sort()).toEqual(['ann@example.com', 'bob@example.com'])

    // The figures equal the stats API's for the same days and the tenant's sites.
    const acme = [sites['shop.acme.test']!.id, sites['blog.acme.test']!.id]
    const api = await rest<StatsResult>(payload, 'GET', `/analytics/stats?siteId=${acme.join(',')}&from=2026-10-19&to=2026-10-25`, { token: adminToken })
    expect(api.status).toBe(200)
    expect(api.body.totals.visitors).toBeGreaterThan(0)
    const mail = latest.find((m) => recipientsOf(m)[0] === 'ann@example.com')!
    const html = String(mail.html)
    const number = (text: string) => Number(text.replace(/,/g, ''))
    expect(number(figure(html, 'visitors'))).toBe(api.body.totals.visitors)
    expect(number(figure(html, 'visits'))).toBe(api.body.totals.visits)
    expect(number(figure(html, 'pageviews'))).toBe(api.body.totals.pageviews)
    expect(number(figure(html, 'conversions'))).toBe(api.body.totals.conversions)
    expect(figure(html, 'bounceRate')).toBe(`${(api.body.totals.bounceRate * 100).toFixed(1)}%`)
    // No scripts; the tenant's branding (from its settings, not the report).
    expect(html).not.toMatch(/<script/i)
    expect(html).toContain('Acme Agency')
    expect(html).toContain('background:#ff6600')
    expect(html).toContain('src="https://acme.test/logo.png"')
    // mailparser gathers the List-* headers under `list`.
    expect((mail.headers.get('list') as { unsubscribe?: { url?: string } } | undefined)?.unsubscribe?.url).toMatch(/^https:\/\/analytics\.acme\.test\/api\/analytics\/reports\/unsubscribe\?token=/)

    // Attachments: the daily series as CSV, the whole report as JSON.
    const csv = mail.attachments.find((a) => a.filename?.endsWith('.csv'))!
    const rows = parse(csv.content.toString(), { columns: true }) as Array<Record<string, string>>
    expect(rows.map((row) => row.date)).toEqual(DAYS)
    expect(rows.map((row) => Number(row.visitors))).toEqual(api.body.series.map((point) => point.visitors))
    const json = JSON.parse(mail.attachments.find((a) => a.filename?.endsWith('.json'))!.content.toString()) as { range: unknown; totals: StatsResult['totals'] }
    expect(json.totals).toEqual(api.body.totals)
    expect(json.range).toEqual({ from: '2026-10-19', timeZone: 'Europe/Berlin', to: '2026-10-25' })

    // Unsubscribe: Ann's own link stops Ann only.
    const link = /href="([^"]*reports\/unsubscribe\?token=[^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&')
    const path = new URL(link, 'http://localhost').pathname.replace(payload.config.routes.api, '') + new URL(link, 'http://localhost').search
    const answer = await rawRequest(payload, 'GET', path)
    expect(answer.status).toBe(200)
    expect(answer.text).toContain('ann@example.com will no longer receive this report')
    expect((await rawRequest(payload, 'GET', path.replace(/token=[^&]+/, 'token=forged.abc.def'))).status).toBe(400)
    await reports.runDue({ now: new Date('2026-11-02T08:00:30Z') })
    expect(take().map((m) => recipientsOf(m)[0])).toEqual(['bob@example.com'])

    // The app was down on Monday 9 November: sent once when it is back, saying so.
    const late = await reports.runDue({ now: new Date('2026-11-12T10:00:00Z') })
    expect(late.map((run) => [run.occurrence, run.missed])).toEqual([['2026-11-09T08:00:00.000Z', true]])
    expect(await reports.runDue({ now: new Date('2026-11-12T10:01:00Z') })).toEqual([])
    const [lateMail, ...more] = take()
    expect(more).toEqual([])
    expect(lateMail!.subject).toMatch(/^\[Late\] /)
    expect(String(lateMail!.html)).toContain('data-missed="true"')

    // A dry run builds what is due and sends nothing.
    const dry = await reports.runDue({ dryRun: true, now: new Date('2026-11-16T08:00:00Z') })
    expect(dry).toHaveLength(1)
    expect(take()).toEqual([])

    const audited = await payload.find({ collection: 'analytics-audit-log', pagination: false, where: { action: { equals: 'report.send' } } })
    expect(audited.docs).toHaveLength(4)
    await payload.update({ collection: 'analytics-reports', data: { enabled: false } as never, id: report.id })
  })

  test('white label: a report wears its own branding over its tenant’s, field by field; the share page of a tenant’s site shows the tenant’s; other tenants keep the default', async () => {
    // Set by the Berlin test above: Acme's branding in its tenant settings.
    const shop = sites['shop.acme.test']!
    const globex = sites['globex.test']!
    const cfg = payload.analytics!.config
    expect(await siteBranding(payload, cfg, shop.id)).toEqual({ accentColor: '#ff6600', logoUrl: 'https://acme.test/logo.png', name: 'Acme Agency' })
    expect(await siteBranding(payload, cfg, globex.id)).toEqual(DEFAULT_BRANDING)
    const reports = payload.analytics!.reports
    // A report on Acme's sites (no tenant field): the one tenant of its sites; its own name wins.
    const own = await payload.create({ collection: 'analytics-reports', data: { branding: { name: 'Shop team' }, enabled: false, name: 'Own', range: 'lastWeek', sites: [shop.id], timeZone: 'UTC' } as never })
    const ownData = await reports.buildReport(own as never, new Date('2026-10-26T08:00:00Z'), false)
    expect(ownData!.branding).toEqual({ accentColor: '#ff6600', logoUrl: 'https://acme.test/logo.png', name: 'Shop team' })
    const html = renderReportHtml(ownData!)
    expect(html).toContain('Shop team')
    expect(html).toContain('background:#ff6600')
    // Globex's report: nobody's brand but the plugin's.
    const theirs = await payload.create({ collection: 'analytics-reports', data: { enabled: false, name: 'Globex', range: 'lastWeek', sites: [globex.id], timeZone: 'UTC' } as never })
    expect((await reports.buildReport(theirs as never, new Date('2026-10-26T08:00:00Z'), false))!.branding).toEqual(DEFAULT_BRANDING)
    // A bad colour or logo is refused on save.
    await expect(payload.create({ collection: 'analytics-settings', data: { branding: { accentColor: 'red', logoUrl: 'javascript:alert(1)' }, scope: 'tenant', tenant: globex.tenant } as never })).rejects.toMatchObject({
      data: { errors: expect.arrayContaining([expect.objectContaining({ message: 'An http:// or https:// image URL' }), expect.objectContaining({ message: 'A colour like #1a73e8' })]) },
    })
  })

  test('bad schedules and foreign sites are refused with a message; nothing stored', async () => {
    const editor = await login(payload, DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)
    const base = { frequency: 'weekly', name: 'x', range: 'lastWeek', sites: [sites['shop.acme.test']!.id], timeZone: 'Europe/Berlin' }
    const bad = async (data: Record<string, unknown>, message: RegExp) => {
      const response = await rest<{ errors?: Array<{ data?: { errors?: Array<{ message: string }> } }> }>(payload, 'POST', '/analytics-reports', { body: { ...base, ...data }, token: editor })
      expect(response.status, JSON.stringify(response.body)).toBe(400)
      expect(JSON.stringify(response.body)).toMatch(message)
    }
    await bad({ timeZone: 'Mars/Olympus' }, /not an IANA time zone/)
    await bad({ cron: '0 9 * *', frequency: 'cron' }, /five fields/)
    await bad({ sites: [sites['globex.test']!.id] }, /You may not report on site/)
    await bad({ webhook: { url: 'file:///etc/passwd' } }, /An http:\/\/ or https:\/\/ URL/)
    expect((await payload.count({ collection: 'analytics-reports', where: { name: { equals: 'x' } } })).totalDocs).toBe(0)
    const ok = await rest(payload, 'POST', '/analytics-reports', { body: { ...base, name: 'mine' }, token: editor })
    expect(ok.status).toBe(201)
  })
})

describe('webhook reports', () => {
  let receiver: Server
  let url: string
  const received: Array<{ body: string; headers: IncomingMessage['headers'] }> = []
  let answers: number[] = []

  beforeAll(async () => {
    await payload.update({ collection: 'analytics-reports', data: { enabled: false } as never, where: {} })
    const port = await freePort()
    receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => {
        received.push({ body, headers: req.headers })
        res.statusCode = answers.shift() ?? 200
        res.end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${port}/hook`
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()))
  })

  const hookReport = async (name: string, target = url) =>
    payload.create({
      collection: 'analytics-reports',
      data: {
        frequency: 'monthly',
        dayOfMonth: 1,
        hour: 6,
        name,
        range: 'lastMonth',
        sections: ['kpis', 'pages'],
        sites: [sites['globex.test']!.id],
        startsAt: '2026-10-15T00:00:00.000Z',
        timeZone: 'UTC',
        webhook: { secret: 'whsec_test', url: target },
      } as never,
    })
  const deliveriesOf = async (reportId: number | string) =>
    (await payload.find({ collection: 'analytics-report-deliveries', pagination: false, where: { source: { equals: String(reportId) } } })).docs as unknown as Array<{
      attempts: number
      idempotencyKey: string
      status: string
    }>
  const service = (extra: Partial<Parameters<typeof createReportsService>[0]> = {}) =>
    createReportsService({ cfg: payload.analytics!.config, payload, retryBaseMs: 5, staleMs: 0, stats: payload.analytics!.stats, ...extra })

  test('signed as documented; a 500 then a 200 is two attempts and one logged success, with one idempotency key', async () => {
    const report = await hookReport('hook retries')
    received.length = 0
    answers = [500, 200]
    await service().runDue({ now: new Date('2026-11-01T06:00:10Z') })
    expect(received).toHaveLength(2)
    for (const { body, headers } of received) {
      const expected = `sha256=${createHmac('sha256', 'whsec_test').update(`${String(headers['x-analytics-timestamp'])}.${body}`).digest('hex')}`
      expect(headers['x-analytics-signature']).toBe(expected)
      expect(Math.abs(Number(headers['x-analytics-timestamp']) - Date.now() / 1000)).toBeLessThan(60)
    }
    expect(received[0]!.headers['idempotency-key']).toBe(received[1]!.headers['idempotency-key'])
    const body = JSON.parse(received[1]!.body) as { report: { range: { from: string; to: string }; totals: { visitors: number } }; type: string }
    expect(body.type).toBe('analytics.report')
    expect(body.report.range).toMatchObject({ from: '2026-10-01', to: '2026-10-31' })
    const api = await payload.analytics!.stats.getStats({ from: '2026-10-01', siteIds: [sites['globex.test']!.id], to: '2026-10-31' }, { overrideAccess: true })
    expect(body.report.totals.visitors).toBe(api.totals.visitors)
    const rows = await deliveriesOf(report.id)
    expect(rows).toMatchObject([{ attempts: 2, status: 'sent' }])
    expect(rows[0]!.idempotencyKey).toBe(received[0]!.headers['idempotency-key'])
    await payload.update({ collection: 'analytics-reports', data: { enabled: false } as never, id: report.id })
  })

  test('a crash between sending and logging: the retry carries the same idempotency key, and is logged once', async () => {
    const report = await hookReport('hook crash')
    received.length = 0
    answers = [200, 200]
    const crashing = service({
      afterSend: () => {
        throw new Error('process died')
      },
    })
    await crashing.runDue({ now: new Date('2026-11-01T06:00:10Z') })
    expect(received).toHaveLength(1)
    expect(await deliveriesOf(report.id)).toMatchObject([{ attempts: 1, status: 'pending' }])
    // The app is back (staleMs 0: the dead sender's lease is over): the pending delivery is taken over and sent again, recognisably.
    await service().runDue({ now: new Date('2026-11-01T06:05:00Z') })
    expect(received).toHaveLength(2)
    expect(received[1]!.headers['idempotency-key']).toBe(received[0]!.headers['idempotency-key'])
    expect(await deliveriesOf(report.id)).toMatchObject([{ attempts: 2, status: 'sent' }])
    // Nothing further for that occurrence.
    await service().runDue({ now: new Date('2026-11-01T06:10:00Z') })
    expect(received).toHaveLength(2)
  })

  test('internal targets: refused on save and, resolved again, before each send — unless reports.allowPrivateWebhooks', async () => {
    const cfg = payload.analytics!.config
    const viaLocalhost = url.replace('127.0.0.1', 'localhost')
    // As a host without the option (the default): the running config's flag, off for this part.
    cfg.reports.allowPrivateWebhooks = false
    try {
      await expect(hookReport('refused literal', 'http://169.254.169.254/latest')).rejects.toMatchObject({
        data: { errors: [{ message: expect.stringMatching(/169\.254\.169\.254, a loopback, private or link-local address; set reports\.allowPrivateWebhooks/), path: 'webhook.url' }] },
      })
      // A name is resolved: localhost is 127.0.0.1.
      const response = await rest(payload, 'POST', '/analytics-reports', { body: { name: 'refused name', sites: [sites['globex.test']!.id], webhook: { url: viaLocalhost } }, token: adminToken })
      expect(response.status).toBe(400)
      expect(JSON.stringify(response.body)).toMatch(/The webhook URL reaches localhost \((127\.0\.0\.1|::1)\)/)
      expect((await payload.count({ collection: 'analytics-reports', where: { name: { like: 'refused' } } })).totalDocs).toBe(0)
    } finally {
      cfg.reports.allowPrivateWebhooks = true
    }
    // Saved while allowed; an instance that refuses internal targets sends nothing there, and logs why.
    const report = await hookReport('hook refused at send', viaLocalhost)
    received.length = 0
    await service({ cfg: { ...cfg, reports: { allowPrivateWebhooks: false } } }).runDue({ now: new Date('2026-11-01T06:00:10Z') })
    expect(received).toHaveLength(0)
    const rows = (await payload.find({ collection: 'analytics-report-deliveries', where: { source: { equals: String(report.id) } } })).docs
    expect(rows).toMatchObject([{ attempts: 1, status: 'failed' }])
    expect(String((rows[0] as { error?: string }).error)).toMatch(/^The webhook URL reaches localhost/)
    await payload.update({ collection: 'analytics-reports', data: { enabled: false } as never, id: report.id })
  })

  test('two instances ticking at once send an occurrence once', async () => {
    const report = await hookReport('hook twice')
    received.length = 0
    answers = []
    const now = new Date('2026-11-01T06:00:10Z')
    // The default staleness: a pending delivery is another instance's until 10 minutes pass.
    const instance = () => service({ staleMs: 10 * 60_000 })
    await Promise.all([instance().runDue({ now }), instance().runDue({ now }), instance().runDue({ now })])
    expect(received).toHaveLength(1)
    expect(await deliveriesOf(report.id)).toMatchObject([{ attempts: 1, status: 'sent' }])
  })
})

describe('traffic alerts', () => {
  test('a spike (last 30 min ≥ threshold) and a drop (last 12 h < threshold) fire at most once per 12 hours', async () => {
    const globex = sites['globex.test']!
    const blog = sites['blog.acme.test']!
    const template = events.find((event) => String(event.siteId) === String(globex.id) && event.type === 'pageview')!
    const fresh = ['a', 'b', 'c'].map((visitor) => ({
      ...template,
      eventId: randomUUID(),
      sessionId: `alert-${visitor}`,
      timestamp: new Date(Date.now() - 5 * 60_000).toISOString(),
      visitorHash: `alert-${visitor}`,
    }))
    await payload.analytics!.buffer.append(fresh)
    const alert = (name: string, site: DemoSite, kind: 'drop' | 'spike', threshold: number) =>
      payload.create({ collection: 'analytics-alerts', data: { kind, name, recipients: [{ email: 'ops@example.com' }], site: site.id, threshold } as never })
    const spike = await alert('Spike', globex, 'spike', 3)
    await alert('Quiet spike', globex, 'spike', 4)
    const drop = await alert('Drop', blog, 'drop', 1000)
    take()

    const reports = payload.analytics!.reports
    const other = createReportsService({ cfg: payload.analytics!.config, payload, stats: payload.analytics!.stats })
    const t0 = new Date()
    // Two instances check at the same moment: each alert fires once.
    const [first, second] = await Promise.all([reports.checkAlerts({ now: t0 }), other.checkAlerts({ now: t0 })])
    const fired = [...first, ...second].map((f) => [f.alertId, f.kind, f.visitors])
    expect(fired.sort()).toEqual([[spike.id, 'spike', 3], [drop.id, 'drop', 0]].sort())
    const mailsNow = take()
    expect(mailsNow.map((m) => m.subject).sort()).toEqual([
      'Drop: Traffic drop on blog.acme.test: 0 visitors in the last 12 hours (threshold 1000).',
      'Spike: Traffic spike on globex.test: 3 visitors in the last 30 minutes (threshold 3).',
    ])
    // Still above / below the thresholds, but within 12 hours: silent.
    expect(await reports.checkAlerts({ now: new Date(t0.getTime() + 60 * 60_000) })).toEqual([])
    expect(await reports.checkAlerts({ now: new Date(t0.getTime() + 12 * 60 * 60_000 - 60_000) })).toEqual([])
    expect(take()).toEqual([])
    // 12 hours later: once more each.
    const later = await reports.checkAlerts({ now: new Date(t0.getTime() + 12 * 60 * 60_000) })
    expect(later.map((f) => f.alertId).sort()).toEqual([spike.id, drop.id].sort())
    expect(take()).toHaveLength(2)
    const audited = await payload.find({ collection: 'analytics-audit-log', pagination: false, where: { action: { equals: 'alert.send' } } })
    expect(audited.docs).toHaveLength(4)
  })
})

describe('CLI', () => {
  test('reports run --dry-run lists what is due and sends nothing; reports run sends it once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'analytics-reports-cli-'))
    try {
      writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n')
      const databaseUri = (payload.db as unknown as { poolOptions: { connectionString: string } }).poolOptions.connectionString
      writeFileSync(
        path.join(dir, 'payload.config.ts'),
        `import { buildDevConfig } from ${JSON.stringify(path.join(root, 'dev/buildConfig.ts'))}\n` +
          `export default buildDevConfig({ databaseUri: ${JSON.stringify(databaseUri)}, push: false, seed: false, smtpUrl: ${JSON.stringify(smtpUrl)}, analytics: { redisUrl: undefined } })\n`,
      )
      // This process's own every-minute tick would otherwise race the CLI for the report (and
      // win now and then, leaving the CLI nothing due): it sits this test out.
      const reportsService = payload.analytics!.reports
      const runDue = reportsService.runDue
      reportsService.runDue = async () => []
      onTestFinished(() => {
        reportsService.runDue = runDue
      })
      // Due now: monthly, its first occurrence after startsAt has passed.
      const report = await payload.create({
        collection: 'analytics-reports',
        data: { dayOfMonth: 1, frequency: 'monthly', hour: 0, name: 'CLI', range: 'lastMonth', recipients: [{ email: 'cli@example.com' }], sites: [sites['globex.test']!.id], startsAt: new Date(Date.now() - 40 * 86_400_000).toISOString(), timeZone: 'UTC' } as never,
      })
      take()
      const config = path.join(dir, 'payload.config.ts')
      const dry = await runCli(['reports', 'run', '--dry-run', '--config', config], 90_000)
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.stdout).toContain(`reports: report ${String(report.id)} (`)
      expect(dry.stdout).toContain(': would be sent')
      expect(take()).toEqual([])
      const run = await runCli(['reports', 'run', '--config', config], 90_000)
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toContain('email cli@example.com: sent')
      expect(take().map((mail) => recipientsOf(mail)[0])).toEqual(['cli@example.com'])
      expect((await runCli(['reports', 'send'], 30_000)).code).toBe(2)
    } finally {
      rmSync(dir, { force: true, recursive: true })
    }
  }, 240_000)
})

describe('send now and preview', () => {
  test('the report’s managers preview it and send it at once; others get 401/404', async () => {
    const editor = await login(payload, DEMO_USERS.tenantUser.email, DEMO_USERS.tenantUser.password)
    const mine = await payload.create({
      collection: 'analytics-reports',
      data: { enabled: false, frequency: 'weekly', name: 'Shop now', range: 'monthToDate', recipients: [{ email: 'now@example.com' }], sites: [sites['shop.acme.test']!.id], timeZone: 'UTC' } as never,
    })
    const theirs = await payload.create({
      collection: 'analytics-reports',
      data: { enabled: false, frequency: 'weekly', name: 'Globex', range: 'monthToDate', sites: [sites['globex.test']!.id], timeZone: 'UTC' } as never,
    })
    take()
    const headers = { Authorization: `JWT ${editor}` }
    const preview = await rawRequest(payload, 'GET', `/analytics/reports/${mine.id}/preview`, { headers })
    expect(preview.status).toBe(200)
    expect(preview.headers.get('content-type')).toContain('text/html')
    expect(preview.text).toContain('Shop now')
    expect(preview.text).toContain('data-metric="visitors"')
    expect(take()).toEqual([])

    const sent = await rawRequest(payload, 'POST', `/analytics/reports/${mine.id}/send`, { headers })
    expect(sent.status).toBe(200)
    expect(take().map((mail) => recipientsOf(mail)[0])).toEqual(['now@example.com'])
    const audited = await payload.find({ collection: 'analytics-audit-log', sort: '-createdAt', where: { action: { equals: 'report.send' } } })
    expect(audited.docs[0]).toMatchObject({ actorEmail: DEMO_USERS.tenantUser.email, details: { manual: true, report: mine.id } })

    expect((await rawRequest(payload, 'POST', `/analytics/reports/${theirs.id}/send`, { headers })).status).toBe(404)
    expect((await rawRequest(payload, 'GET', `/analytics/reports/${theirs.id}/preview`, { headers })).status).toBe(404)
    expect((await rawRequest(payload, 'POST', `/analytics/reports/${mine.id}/send`)).status).toBe(401)
    expect(take()).toEqual([])
  })
})
