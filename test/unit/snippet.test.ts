import type { CollectionConfig, Config, FieldHook, TextareaField } from 'payload'

import { describe, expect, test } from 'vitest'

import { analyticsPlugin } from '../../src/index.js'
import { requestOrigin, SNIPPET_ORIGIN_WARNING } from '../../src/snippet.js'

const sites: CollectionConfig = { slug: 'sites', fields: [{ name: 'domain', type: 'text' }] }

/** The sites collection's snippet field, and what it shows for a document read by a request with these headers. */
function snippetField(config: Partial<Config>, options: { scriptOrigin?: string } = {}) {
  const built = analyticsPlugin(options)({ collections: [sites], secret: 'x', ...config } as Config)
  const field = built.collections!.find((collection) => collection.slug === 'sites')!.fields.find(
    (candidate) => 'name' in candidate && candidate.name === 'trackingSnippet',
  ) as TextareaField
  const hook = field.hooks!.afterRead![0] as FieldHook
  const shown = (headers: Record<string, string>) => hook({ data: { id: 7 }, req: { headers: new Headers(headers) } } as never) as string
  return { description: String(field.admin?.description), shown }
}

describe('the snippet’s address', () => {
  test('is the address the admin was opened at, as its browser saw it (a proxy’s forwarded host and scheme first)', () => {
    expect(requestOrigin(new Headers({ host: 'cms.example.test' }))).toBe('http://cms.example.test')
    expect(requestOrigin(new Headers({ host: '10.0.0.5:3000', 'x-forwarded-host': 'cms.example.test', 'x-forwarded-proto': 'https' }))).toBe(
      'https://cms.example.test',
    )
    expect(requestOrigin(new Headers({ host: 'a.test', 'x-forwarded-host': 'cms.example.test:8443, internal:3000', 'x-forwarded-proto': 'https,http' }))).toBe(
      'https://cms.example.test:8443',
    )
    expect(requestOrigin(new Headers({ host: '[::1]:3000' }))).toBe('http://[::1]:3000')
    // Only http or https; anything else is read as http.
    expect(requestOrigin(new Headers({ host: 'cms.example.test', 'x-forwarded-proto': 'javascript' }))).toBe('http://cms.example.test')
  })

  test('is none for a missing host or one that is no address (a path, credentials, markup)', () => {
    for (const host of ['', 'evil.test/x', 'user@evil.test', 'a.test"><script>', 'a.test?x=1']) {
      expect(requestOrigin(new Headers(host ? { host } : {})), host).toBeNull()
    }
    expect(requestOrigin(undefined)).toBeNull()
  })

  test('without serverURL or scriptOrigin the site document shows an absolute snippet from the request, and warns', () => {
    const { description, shown } = snippetField({})
    expect(shown({ host: 'localhost:3000', 'x-forwarded-proto': 'http' })).toBe(
      '<script defer data-site="7" src="http://localhost:3000/api/analytics/script.js"></script>',
    )
    expect(description).toContain(SNIPPET_ORIGIN_WARNING)
  })

  test('a configured origin wins over the request’s, and then there is no warning', () => {
    const fromServerURL = snippetField({ serverURL: 'https://cms.example.com' })
    expect(fromServerURL.shown({ host: 'localhost:3000' })).toBe('<script defer data-site="7" src="https://cms.example.com/api/analytics/script.js"></script>')
    expect(fromServerURL.description).not.toContain(SNIPPET_ORIGIN_WARNING)
    const fromOption = snippetField({ serverURL: 'https://cms.example.com' }, { scriptOrigin: 'https://stats.example.com/' })
    expect(fromOption.shown({ host: 'localhost:3000' })).toBe('<script defer data-site="7" src="https://stats.example.com/api/analytics/script.js"></script>')
    expect(fromOption.description).not.toContain(SNIPPET_ORIGIN_WARNING)
  })
})
