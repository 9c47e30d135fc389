/**
 * A connection's credential (Matomo token, Plausible key, Google refresh token): sealed
 * into the hidden `credentialSealed` field when written, opened only here, server-side, for
 * the connector that needs it. REST, GraphQL and the admin never see either form.
 */
import type { Payload } from 'payload'

import type { SecretBox } from '../core/secretBox.js'
import type { SanitizedAnalyticsConfig } from '../types.js'

import { createSecretBox } from '../core/secretBox.js'

const boxes = new WeakMap<SanitizedAnalyticsConfig, SecretBox>()

/** The config's box (the key is derived once per config). */
export function secretBoxOf(cfg: SanitizedAnalyticsConfig): SecretBox {
  let box = boxes.get(cfg)
  if (!box) boxes.set(cfg, (box = createSecretBox(cfg.sources.encryptionKey)))
  return box
}

/** The plain credential of a connection, or null when none is stored. */
export async function openCredential(payload: Payload, cfg: SanitizedAnalyticsConfig, sourceId: number | string): Promise<null | string> {
  const doc = (await payload.findByID({ collection: cfg.slugs.sources, depth: 0, id: sourceId, overrideAccess: true, showHiddenFields: true })) as { credentialSealed?: null | string }
  return doc.credentialSealed ? secretBoxOf(cfg).open(doc.credentialSealed) : null
}
