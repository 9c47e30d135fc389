/**
 * One call per audited action: `audit(payload, { action, req | actor, … })` writes one row of
 * the audit log. Only who (user id, collection and email — never an IP or user agent), what,
 * where from and which site; `details` must hold no secrets (share tokens, webhook keys).
 */
import type { Payload, PayloadRequest } from 'payload'

import { getAnalyticsConfig } from './analyticsConfig.js'
import { relationId } from './core/relationId.js'

/** The actions the plugin records (hosts may record their own names too). */
export type AuditAction =
  | 'alert.send'
  | 'erase'
  | 'export'
  | 'import'
  | 'import.delete'
  | 'report.create'
  | 'report.delete'
  | 'report.send'
  | 'report.update'
  | 'settings.create'
  | 'settings.delete'
  | 'settings.update'
  | 'share.disable'
  | 'share.enable'
  | 'share.rotate'
  | 'source.create'
  | 'source.delete'
  | 'source.update'

export type AuditVia = 'admin' | 'cli' | 'job' | 'local' | 'rest'

/** Who acted when there is no request user: a CLI run (maybe `--as` a user) or the plugin. */
export interface AuditActor {
  collection?: string
  email?: string
  id?: number | string
  type: 'cli' | 'system' | 'user'
}

export interface AuditEntry {
  action: AuditAction
  /** Defaults to `req.user` (type `user`), else `system`. */
  actor?: AuditActor
  details?: Record<string, unknown>
  /** The request: its user is the actor, and the row is written in its transaction. */
  req?: PayloadRequest
  siteId?: null | number | string
  via: AuditVia
}

/** The names of the fields whose values differ (timestamps left out). */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const skip = new Set(['createdAt', 'id', 'updatedAt'])
  const names = new Set([...Object.keys(before), ...Object.keys(after)])
  // A relationship is an id on one side and the populated document on the other.
  const idOrValue = (value: unknown) => (value !== null && typeof value === 'object' && 'id' in value ? relationId(value) : (value ?? null))
  const comparable = (value: unknown) => JSON.stringify(Array.isArray(value) ? value.map(idOrValue) : idOrValue(value))
  return [...names].filter((name) => !skip.has(name) && comparable(before[name]) !== comparable(after[name])).sort()
}

/**
 * Where a request came from: code (the Local API), the admin UI (a REST call made from an
 * admin page, told by the path of its Referer — read, never stored) or another REST client.
 */
export function viaOf(req: PayloadRequest): AuditVia {
  if (req.payloadAPI === 'local') return 'local'
  const referer = req.headers?.get('referer')
  const adminRoute = req.payload.config.routes?.admin ?? '/admin'
  if (referer) {
    try {
      const { pathname } = new URL(referer)
      if (pathname === adminRoute || pathname.startsWith(`${adminRoute}/`)) return 'admin'
    } catch {
      // Not a URL: an ordinary REST client.
    }
  }
  return 'rest'
}

const actorOf = (req: PayloadRequest | undefined): AuditActor => {
  const user = req?.user as ({ collection?: string; email?: string; id: number | string } & object) | null | undefined
  if (!user) return { type: 'system' }
  return { collection: user.collection, email: user.email, id: user.id, type: 'user' }
}

export async function audit(payload: Payload, entry: AuditEntry): Promise<void> {
  const cfg = getAnalyticsConfig(payload.config)
  const actor = entry.actor ?? actorOf(entry.req)
  await payload.create({
    collection: cfg.slugs.auditLog,
    data: {
      action: entry.action,
      actorCollection: actor.collection ?? null,
      actorEmail: actor.email ?? null,
      actorId: actor.id === undefined ? null : String(actor.id),
      actorType: actor.type,
      details: entry.details ?? null,
      site: entry.siteId === undefined || entry.siteId === null ? null : String(entry.siteId),
      via: entry.via,
    },
    depth: 0,
    overrideAccess: true,
    req: entry.req,
  } as Parameters<Payload['create']>[0])
}
