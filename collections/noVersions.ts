import type { CollectionConfig, Endpoint } from 'payload'

const noVersions: Endpoint['handler'] = () =>
  Response.json({ errors: [{ message: 'This collection keeps no versions.' }] }, { headers: { 'Cache-Control': 'no-store' }, status: 404 })

/**
 * A collection without versions still has Payload's `/versions` routes, which answer a
 * logged-in user with a 500 (core). Its own endpoints come first, so these answer 404 instead.
 */
export function withoutVersionRoutes(collection: CollectionConfig): CollectionConfig {
  if (collection.versions || collection.endpoints === false) return collection
  return {
    ...collection,
    endpoints: [
      ...(collection.endpoints ?? []),
      { handler: noVersions, method: 'get', path: '/versions' },
      { handler: noVersions, method: 'get', path: '/versions/:id' },
      { handler: noVersions, method: 'post', path: '/versions/:id' },
    ],
  }
}
