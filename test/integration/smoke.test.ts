import type { Payload } from 'payload'

import { afterAll, beforeAll, expect, test } from 'vitest'

import { bootPayload } from '../helpers/payload.js'

let payload: Payload
beforeAll(async () => {
  payload = await bootPayload()
})
afterAll(async () => {
  await payload?.destroy()
})

test('boots', async () => {
  expect(Object.keys(payload.collections)).toContain('analytics-events')
  const sites = await payload.find({ collection: 'sites' })
  expect(sites.totalDocs).toBe(3)
})
