export { createEventApiRoute, createTrackApiRoute } from '../ingest/trackApiRoute.js'
