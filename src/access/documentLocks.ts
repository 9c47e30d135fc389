import type { Payload, PayloadRequest, Validate, Where } from 'payload'

import { Forbidden } from 'payload'

/** Payload's own collection of edit locks; any logged-in user may write it over REST. */
const LOCKS = 'payload-locked-documents'
const GUARDED = Symbol('analytics:guardedLocks')

/** Whether the user may update one document, by that collection's own update access. */
async function mayUpdate(req: PayloadRequest, slug: string, id: unknown): Promise<boolean> {
  const collection = req.payload.collections[slug as keyof typeof req.payload.collections]
  if (!collection || (typeof id !== 'number' && typeof id !== 'string')) return false
  const access = collection.config.access.update
  const result: boolean | Where = access ? await access({ id: id as never, req }) : Boolean(req.user)
  if (typeof result === 'boolean') return result
  const { totalDocs } = await req.payload.count({ collection: collection.config.slug, overrideAccess: true, req, where: { and: [{ id: { equals: id } }, result] } })
  return totalDocs > 0
}

/**
 * A lock over REST or GraphQL only on a document the user may update, for the collections
 * given (the sites, reports and alerts: the plugin's other ones take no locks at all).
 * Otherwise a user of one tenant could lock — and so block or probe — another tenant's document. Payload adds
 * this collection after the plugins have run, so its field is wrapped once Payload is up;
 * the admin's own locking writes through the database adapter and is not affected.
 */
export function guardDocumentLocks(payload: Payload, slugs: readonly string[]): void {
  const locks = payload.collections[LOCKS as keyof typeof payload.collections]
  const field = locks?.config.fields.find((candidate) => 'name' in candidate && candidate.name === 'document')
  if (!field || field.type !== 'relationship') return
  // Once per config: a reloaded app (development) runs onInit again on the same one.
  const marked = field as { [GUARDED]?: true }
  if (marked[GUARDED]) return
  marked[GUARDED] = true
  const validate = field.validate as undefined | Validate
  const guarded: Validate = async (value, options) => {
    const target = value as null | undefined | { relationTo?: string; value?: unknown }
    if (!options.overrideAccess && target?.relationTo && slugs.includes(target.relationTo)) {
      const id = target.value !== null && typeof target.value === 'object' ? (target.value as { id?: unknown }).id : target.value
      if (!(await mayUpdate(options.req, target.relationTo, id))) throw new Forbidden(options.req.t)
    }
    return validate ? validate(value, options) : true
  }
  ;(field as { validate?: Validate }).validate = guarded
}
