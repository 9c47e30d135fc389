import { describe, expect, test } from 'vitest'

import { startupFailure } from '../../src/ingest/trackApiRoute.js'

describe('startupFailure (the 503 body of a failed boot)', () => {
  test('names the kind of configuration error, never the credentials', () => {
    const message = startupFailure(new Error('Error: cannot connect to Postgres: password authentication failed for user "shop_admin"'))
    expect(message).toMatch(/database refused the login: check the user and password of the database URL/)
    expect(message).not.toContain('shop_admin')
    expect(startupFailure(new Error('connect ECONNREFUSED 10.0.0.5:5432'))).toMatch(/database is not reachable/)
    expect(startupFailure(new Error('getaddrinfo ENOTFOUND db.internal'))).toMatch(/host of the database URL is not found/)
  })

  test('an unknown error: its first line, without URLs or quoted names', () => {
    const message = startupFailure(new Error('Bad thing at postgres://u:secret@db:5432/app for "someone"\nstack…'))
    expect(message).toContain('Bad thing at <url> for "…"')
    expect(message).not.toMatch(/secret|someone|stack/)
  })
})
