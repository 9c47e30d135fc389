import type { Redis } from 'ioredis'

import type { SiteRef } from '../core/enrich.js'
import type { EffectiveSiteSettings } from '../core/siteSettings.js'

import { normalizeDomain } from '../core/domain.js'

/** What ingestion needs to know about a site: all of it, in memory, on every instance. */
export interface IngestSite extends SiteRef {
  settings: EffectiveSiteSettings
}

/**
 * Every site's ingestion settings, looked up synchronously on the hot path (no database,
 * no Redis). Filled by the Payload app; shared with other instances and with standalone
 * ingest servers through Redis (`RedisSiteSync`).
 */
export class SiteDirectory {
  /** Every site claiming a domain: more than one makes the domain ambiguous, and unresolved. */
  private byDomain = new Map<string, IngestSite[]>()
  private byId = new Map<string, IngestSite>()

  /** Replace everything (start-up, or a change to defaults that touches every site). */
  replaceAll(sites: Iterable<IngestSite>): void {
    this.byId = new Map()
    this.byDomain = new Map()
    for (const site of sites) this.index(site)
  }

  upsert(site: IngestSite): void {
    this.remove(site.id)
    this.index(site)
  }

  remove(id: number | string): void {
    const existing = this.byId.get(String(id))
    if (!existing) return
    this.byId.delete(String(id))
    if (!existing.domain) return
    const domain = normalizeDomain(existing.domain)
    const rest = (this.byDomain.get(domain) ?? []).filter((claim) => claim !== existing)
    if (rest.length) this.byDomain.set(domain, rest)
    else this.byDomain.delete(domain)
  }

  /**
   * A site by its id, or by its domain (a script tag may name either). A domain two sites
   * claim (rows written before domains were canonical) resolves to neither: picking one
   * would let a site take another's traffic by naming itself alike.
   */
  get(idOrDomain: string): IngestSite | undefined {
    const byId = this.byId.get(idOrDomain)
    if (byId) return byId
    const claims = this.byDomain.get(normalizeDomain(idOrDomain))
    return claims?.length === 1 ? claims[0] : undefined
  }

  /**
   * A site by its domain only (Plausible's Events API names sites so; a number there is no
   * site id), a leading `www.` ignored on either side.
   */
  getByDomain(domain: string): IngestSite | undefined {
    const normal = normalizeDomain(domain)
    const bare = normal.startsWith('www.') ? normal.slice(4) : normal
    return this.onlyClaim(bare) ?? this.onlyClaim(`www.${bare}`)
  }

  /** The one site claiming a normalised domain, or undefined (none, or an ambiguous domain). */
  private onlyClaim(domain: string): IngestSite | undefined {
    const claims = this.byDomain.get(domain)
    return claims?.length === 1 ? claims[0] : undefined
  }

  /** Domains more than one site claims, for a warning at load. */
  ambiguousDomains(): string[] {
    return [...this.byDomain].filter(([, claims]) => claims.length > 1).map(([domain]) => domain)
  }

  /** A site's zone now (its settings), or `fallback` for a site this instance does not know. */
  timeZoneOf(id: number | string, fallback: string): string {
    return this.get(String(id))?.settings.timeZone ?? fallback
  }

  get size(): number {
    return this.byId.size
  }

  all(): IterableIterator<IngestSite> {
    return this.byId.values()
  }

  private index(site: IngestSite): void {
    this.byId.set(String(site.id), site)
    if (!site.domain) return
    const domain = normalizeDomain(site.domain)
    this.byDomain.set(domain, [...(this.byDomain.get(domain) ?? []), site])
  }
}

const CHANGE_ALL = '*'
const SEPARATOR = '|'

/**
 * Keeps a `SiteDirectory` equal on every instance: the Payload app writes each site to a
 * Redis hash and announces the change on a channel; every instance (Payload or standalone
 * ingest server) loads the hash at start, applies announcements as they come, and reloads
 * everything every `refreshMs` in case an announcement was missed while disconnected.
 */
export class RedisSiteSync {
  private readonly channel: string
  private readonly hashKey: string
  /** Who announces: an instance ignores its own announcements (its directory is already current). */
  private readonly instanceId = Math.random().toString(36).slice(2)
  private refreshTimer: NodeJS.Timeout | null = null
  /** Bumped by every announcement: a reload that started before the latest one is not applied. */
  private sequence = 0
  private subscriber: null | Redis = null

  constructor(
    private readonly redis: Redis,
    private readonly directory: SiteDirectory,
    options: { keyPrefix?: string; refreshMs?: number } = {},
  ) {
    const prefix = options.keyPrefix ?? 'analytics:'
    this.hashKey = `${prefix}sites`
    this.channel = `${prefix}sites:changed`
    this.refreshMs = options.refreshMs ?? 60_000
  }

  private readonly refreshMs: number

  /** Write the given sites (all of them when `complete`) and tell every instance. */
  async publish(sites: IngestSite[], options: { complete: boolean; removed?: Array<number | string> }): Promise<void> {
    const multi = this.redis.multi()
    if (options.complete) multi.del(this.hashKey)
    if (sites.length) multi.hset(this.hashKey, Object.fromEntries(sites.map((site) => [String(site.id), JSON.stringify(site)])))
    if (options.removed?.length) multi.hdel(this.hashKey, ...options.removed.map(String))
    const changed = options.complete ? [CHANGE_ALL] : [...sites.map((site) => String(site.id)), ...(options.removed ?? []).map(String)]
    for (const id of changed) multi.publish(this.channel, `${this.instanceId}${SEPARATOR}${id}`)
    await multi.exec()
  }

  /**
   * Follow announcements, and load the hash first unless the caller's directory is
   * already current (the Payload app has just loaded it from the database and published it).
   */
  async subscribe(options: { initialLoad?: boolean } = {}): Promise<void> {
    // A subscriber needs the offline queue: it (re)subscribes as soon as it connects.
    this.subscriber = this.redis.duplicate({ enableOfflineQueue: true })
    // Without a listener ioredis prints "[ioredis] Unhandled error event" for every failed
    // reconnect during an outage. It resubscribes by itself, and the periodic reload catches
    // up on announcements missed meanwhile, so there is nothing to do but keep quiet.
    this.subscriber.on('error', () => undefined)
    this.subscriber.on('message', (_channel: string, message: string) => {
      const split = message.indexOf(SEPARATOR)
      if (message.slice(0, split) === this.instanceId) return
      const id = message.slice(split + 1)
      this.sequence++
      void (id === CHANGE_ALL ? this.reload() : this.reloadOne(id)).catch(() => undefined)
    })
    await this.subscriber.subscribe(this.channel)
    if (options.initialLoad ?? true) await this.reload()
    this.refreshTimer = setInterval(() => void this.reload().catch(() => undefined), this.refreshMs)
    this.refreshTimer.unref()
  }

  async reload(): Promise<void> {
    const started = this.sequence
    const entries = await this.redis.hgetall(this.hashKey)
    // A newer announcement arrived meanwhile: its own reload will apply a newer state.
    if (started !== this.sequence) return
    this.directory.replaceAll(Object.values(entries).map((json) => JSON.parse(json) as IngestSite))
  }

  private async reloadOne(id: string): Promise<void> {
    const started = this.sequence
    const json = await this.redis.hget(this.hashKey, id)
    if (started !== this.sequence) return
    if (json) this.directory.upsert(JSON.parse(json) as IngestSite)
    else this.directory.remove(id)
  }

  async close(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    if (this.subscriber) {
      this.subscriber.disconnect()
      this.subscriber = null
    }
  }
}
