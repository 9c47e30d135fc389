import type { SiteSyncContext } from './sync.js'

import { SourceError } from './http.js'

export async function syncMatomoSite(_context: SiteSyncContext): Promise<{ days: number; rows: number }> {
  throw new SourceError('Matomo is not available yet', 'http')
}
