import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, inject, test } from 'vitest'

import type { DemoSite } from '../helpers/fixtures.js'

import { demoSites } from '../helpers/fixtures.js'
import { bootPayload } from '../helpers/payload.js'
import { streamEvents } from '../helpers/stream.js'

const keyPrefix = `f${randomBytes(4).toString('hex')}:`
let payload: Payload
let redis: Redis
let sites: Record<string, DemoSite>

beforeAll(async () => {
  // The collections @payloadcms/plugin-form-builder adds, reduced to what the hook reads.
  payload = await bootPayload({
    analytics: { redisKeyPrefix: keyPrefix, redisUrl: inject('redisUrl') },
    collections: [
      { slug: 'forms', fields: [{ name: 'title', type: 'text' }, { name: 'site', type: 'relationship', relationTo: 'sites' }] },
      {
        slug: 'form-submissions',
        fields: [
          { name: 'form', type: 'relationship', relationTo: 'forms', required: true },
          { name: 'submissionData', type: 'json' },
        ],
      },
    ],
  })
  redis = new Redis(inject('redisUrl'))
  sites = await demoSites(payload)
})

afterAll(async () => {
  redis?.disconnect()
  await payload?.destroy()
})

test('a new form submission records a form.submit event for its form’s site', async () => {
  const site = sites['blog.acme.test']!
  const form = await payload.create({ collection: 'forms', data: { site: site.id, title: 'Contact' } })
  await payload.create({ collection: 'form-submissions', data: { form: form.id, submissionData: { email: 'a@b.c' } } })
  const events = await streamEvents(redis, keyPrefix)
  expect(events).toHaveLength(1)
  expect(events[0]).toMatchObject({ props: { form: String(form.id) }, siteId: site.id, tenantId: site.tenant, type: 'form.submit' })
  // The submitted data itself never reaches analytics.
  expect(JSON.stringify(events)).not.toContain('a@b.c')
})

test('a submission created over REST at depth 0 (form not populated) still finds its site', async () => {
  const site = sites['globex.test']!
  const form = await payload.create({ collection: 'forms', data: { site: site.id, title: 'Quote' } })
  const before = (await streamEvents(redis, keyPrefix)).length
  await payload.create({ collection: 'form-submissions', data: { form: form.id }, depth: 0 })
  const events = await streamEvents(redis, keyPrefix)
  expect(events).toHaveLength(before + 1)
  expect(events.at(-1)).toMatchObject({ siteId: site.id, type: 'form.submit' })
})

test('a submission whose form has no site records nothing, and the submission still succeeds', async () => {
  const form = await payload.create({ collection: 'forms', data: { title: 'No site' } })
  const before = (await streamEvents(redis, keyPrefix)).length
  const submission = await payload.create({ collection: 'form-submissions', data: { form: form.id } })
  expect(submission.id).toBeDefined()
  expect((await streamEvents(redis, keyPrefix)).length).toBe(before)
})
