import type { SiteSyncContext } from './sync.js'

import { SourceError } from './http.js'

export async function syncPlausibleSite(_context: SiteSyncContext): Promise<{ days: number; rows: number }> {
  throw new SourceError('The Plausible Stats API importer is not available yet', 'http')
}
