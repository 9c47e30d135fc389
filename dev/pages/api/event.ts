// Tracking at full speed: the same handler as Payload's /api/event endpoint, as a
// Pages API route, which Next serves without the App Router's per-request cost (README:
// "High-traffic sites on the Payload app itself").
import payloadConfig from '@payload-config'
import { createEventApiRoute } from 'payload-plugin-analytics/next'

export const config = { api: { bodyParser: false } }

export default createEventApiRoute(payloadConfig)
