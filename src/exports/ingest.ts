export {
  createIngestListener,
  startIngestServer,
  type IngestListener,
  type IngestListenerOptions,
  type IngestServer,
  type IngestServerOptions,
} from '../ingest/standaloneServer.js'
