import { describe, expect, it } from 'vitest'

import { isHostnameAllowed } from '../../src/core/hostnameAllowed.js'

describe('isHostnameAllowed', () => {
  it("accepts the site's domain and its subdomains", () => {
    expect(isHostnameAllowed('example.com', 'example.com', [])).toBe(true)
    expect(isHostnameAllowed('www.example.com', 'example.com', [])).toBe(true)
    expect(isHostnameAllowed('blog.example.com', 'www.example.com', [])).toBe(true)
    expect(isHostnameAllowed('EXAMPLE.COM', 'example.com', [])).toBe(true)
  })

  it('refuses look-alikes and other hosts', () => {
    expect(isHostnameAllowed('example.com.evil.net', 'example.com', [])).toBe(false)
    expect(isHostnameAllowed('notexample.com', 'example.com', [])).toBe(false)
    expect(isHostnameAllowed('localhost', 'example.com', [])).toBe(false)
    expect(isHostnameAllowed('', 'example.com', [])).toBe(false)
    expect(isHostnameAllowed('example.com', null, [])).toBe(false)
    expect(isHostnameAllowed('example.com', '', [])).toBe(false)
  })

  it('accepts allowed hostnames exactly, ignoring case, scheme and port', () => {
    const allowed = ['localhost', 'Preview.Example.NET', 'http://staging.acme.dev:8080/']
    expect(isHostnameAllowed('localhost', 'example.com', allowed)).toBe(true)
    expect(isHostnameAllowed('preview.example.net', 'example.com', allowed)).toBe(true)
    expect(isHostnameAllowed('staging.acme.dev', 'example.com', allowed)).toBe(true)
    expect(isHostnameAllowed('x.preview.example.net', 'example.com', allowed)).toBe(false)
    expect(isHostnameAllowed('example.net', 'example.com', allowed)).toBe(false)
  })

  it('accepts subdomains of *.-entries, but not the bare parent', () => {
    const allowed = ['*.vercel.app']
    expect(isHostnameAllowed('my-site-git-main.vercel.app', null, allowed)).toBe(true)
    expect(isHostnameAllowed('a.b.vercel.app', null, allowed)).toBe(true)
    expect(isHostnameAllowed('vercel.app', null, allowed)).toBe(false)
    expect(isHostnameAllowed('evilvercel.app', null, allowed)).toBe(false)
  })
})
