import type { Payload } from 'payload'

import type { SaltStore } from '../buffer/saltStore.js'
import type { SanitizedAnalyticsConfig } from '../types.js'

import { LoaderSaltStore, utcDay } from '../buffer/saltStore.js'
import { DAY_MS } from '../core/time.js'


/**
 * Salts in the hidden `analytics-salts` collection, for a single instance without Redis:
 * the first request of a day creates that day's salt (a concurrent creator loses on the
 * unique day and reads the winner's) and deletes salts older than yesterday.
 */
export function createPostgresSaltStore(payload: Payload, cfg: SanitizedAnalyticsConfig): SaltStore {
  const collection = cfg.slugs.salts
  const read = async (day: string): Promise<null | string> => {
    const { docs } = await payload.find({ collection, depth: 0, limit: 1, pagination: false, where: { day: { equals: day } } })
    return (docs[0] as undefined | { salt?: string })?.salt ?? null
  }
  return new LoaderSaltStore(async (day, fresh) => {
    const existing = await read(day)
    if (existing) return existing
    try {
      await payload.create({ collection, data: { day, salt: fresh() } })
    } catch {
      // Another instance or request created it first.
    }
    const yesterday = utcDay(new Date(Date.now() - DAY_MS))
    await payload.db.deleteMany({ collection, where: { day: { less_than: yesterday } } })
    const salt = await read(day)
    if (!salt) throw new Error(`analytics: could not create the salt of ${day}`)
    return salt
  })
}
