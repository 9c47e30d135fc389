export { createTrackApiRoute } from '../ingest/trackApiRoute.js'
