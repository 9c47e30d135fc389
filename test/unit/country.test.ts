import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { GeoIpLookup } from '../../src/core/country.js'

import { countryFromHeaders, normalizeCountryCode, openCountryLookup, openGeoIpReader } from '../../src/core/country.js'
import { headersFromRecord } from '../../src/core/headers.js'

/*
 * A minimal MaxMind DB writer, enough for a test database (format:
 * https://maxmind.github.io/MaxMind-DB/): an IPv6 search tree with 24-bit records, a data
 * section of maps and strings, and the metadata block. IPv4 networks live under ::/96,
 * where readers look them up.
 */
type MmdbValue = { [key: string]: MmdbValue } | number | string | string[]

const head = (type: number, size: number): number[] =>
  type <= 7 ? [(type << 5) | size] : [size, type - 7]

const uintBytes = (value: number): number[] => {
  const bytes: number[] = []
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return bytes
}

function encode(value: MmdbValue, uintType = 6): number[] {
  if (typeof value === 'string') {
    const bytes = [...Buffer.from(value, 'utf8')]
    return [...head(2, bytes.length), ...bytes]
  }
  if (typeof value === 'number') {
    const bytes = uintBytes(value)
    return [...head(uintType, bytes.length), ...bytes]
  }
  if (Array.isArray(value)) return [...head(11, value.length), ...value.flatMap((item) => encode(item))]
  const entries = Object.entries(value)
  return [...head(7, entries.length), ...entries.flatMap(([key, item]) => [...encode(key), ...encode(item)])]
}

/** Encodes the metadata map with the integer widths the spec prescribes. */
function encodeMetadata(nodeCount: number): number[] {
  const fields: Array<[string, number[]]> = [
    ['binary_format_major_version', encode(2, 5)],
    ['binary_format_minor_version', encode(0, 5)],
    ['build_epoch', encode(1_700_000_000, 9)],
    ['database_type', encode('Test-Country')],
    ['description', encode({ en: 'unit test database' })],
    ['ip_version', encode(6, 5)],
    ['languages', encode(['en'])],
    ['node_count', encode(nodeCount, 6)],
    ['record_size', encode(24, 5)],
  ]
  return [...head(7, fields.length), ...fields.flatMap(([key, bytes]) => [...encode(key), ...bytes])]
}

interface Network {
  /** 128 bits, most significant first. */
  bits: number[]
  data: MmdbValue
  prefix: number
}

const bitsOf = (words: number[], width: number): number[] =>
  words.flatMap((word) => Array.from({ length: width }, (_, i) => (word >> (width - 1 - i)) & 1))

const v4 = (cidr: string, data: MmdbValue): Network => {
  const [address = '', length = '32'] = cidr.split('/')
  return { bits: [...Array<number>(96).fill(0), ...bitsOf(address.split('.').map(Number), 8)], data, prefix: 96 + Number(length) }
}

const v6 = (groups: number[], prefix: number, data: MmdbValue): Network => ({ bits: bitsOf(groups, 16), data, prefix })

function buildMmdb(networks: Network[]): Buffer {
  type Record = null | number | { data: number }
  const nodes: Array<[Record, Record]> = [[null, null]]
  const data: number[] = []
  for (const network of networks) {
    const offset = data.length
    data.push(...encode(network.data))
    let node = 0
    for (let depth = 0; depth < network.prefix; depth++) {
      const bit = network.bits[depth] === 1 ? 1 : 0
      const slots = nodes[node]
      if (!slots) throw new Error('broken tree')
      if (depth === network.prefix - 1) {
        slots[bit] = { data: offset }
        break
      }
      const child = slots[bit]
      if (typeof child === 'number') node = child
      else {
        nodes.push([null, null])
        slots[bit] = nodes.length - 1
        node = nodes.length - 1
      }
    }
  }
  const nodeCount = nodes.length
  const recordValue = (record: Record): number =>
    record === null ? nodeCount : typeof record === 'number' ? record : nodeCount + 16 + record.data
  const tree = nodes.flatMap(([left, right]) =>
    [recordValue(left), recordValue(right)].flatMap((value) => [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]),
  )
  return Buffer.from([
    ...tree,
    ...Array<number>(16).fill(0),
    ...data,
    ...Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'),
    ...encodeMetadata(nodeCount),
  ])
}

let dir: string
let lookup: GeoIpLookup

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'analytics-geoip-'))
  const database = buildMmdb([
    v4('81.2.69.0/24', { country: { iso_code: 'GB' } }),
    v4('203.0.113.0/24', { registered_country: { iso_code: 'JP' } }),
    v4('198.51.100.0/24', { country: { iso_code: 'EU' } }),
    v6([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0], 32, { country: { iso_code: 'de' } }),
  ])
  await writeFile(path.join(dir, 'test.mmdb'), database)
  await writeFile(path.join(dir, 'not-a-db.mmdb'), 'hello')
  await writeFile(path.join(dir, 'gzipped.mmdb'), gzipSync(database))
  lookup = await openGeoIpReader(path.join(dir, 'test.mmdb'))
})

afterAll(async () => {
  await rm(dir, { force: true, recursive: true })
})

describe('openGeoIpReader', () => {
  it('looks up IPv4 and IPv6 addresses in a local database', () => {
    expect(lookup('81.2.69.142')).toBe('GB')
    expect(lookup('81.2.69.1')).toBe('GB')
    expect(lookup('2001:db8:1234::1')).toBe('DE')
  })

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    expect(lookup('::ffff:81.2.69.142')).toBe('GB')
  })

  it('falls back to the registered country', () => {
    expect(lookup('203.0.113.10')).toBe('JP')
  })

  it('gives null for unknown addresses, pseudo-countries and non-addresses', () => {
    expect(lookup('8.8.8.8')).toBeNull()
    expect(lookup('2001:db9::1')).toBeNull()
    expect(lookup('198.51.100.1')).toBeNull()
    expect(lookup('not-an-ip')).toBeNull()
    expect(lookup('')).toBeNull()
  })

  it('fails clearly for a missing file, a non-database and a gzipped database', async () => {
    await expect(openGeoIpReader(path.join(dir, 'missing.mmdb'))).rejects.toThrow(
      /^Cannot open the GeoIP database at .*missing\.mmdb: .*ENOENT/,
    )
    await expect(openGeoIpReader(path.join(dir, 'not-a-db.mmdb'))).rejects.toThrow(/^Cannot open the GeoIP database/)
    await expect(openGeoIpReader(path.join(dir, 'gzipped.mmdb'))).rejects.toThrow(/gzip/)
  })
})

describe('openCountryLookup', () => {
  it('uses the bundled IP-to-country database when neither a database nor country headers are configured', async () => {
    const bundled = await openCountryLookup(null, [])
    expect(bundled).not.toBeNull()
    // Addresses whose registration is stable: Google DNS, RIPE NCC, the University of Tokyo, NIC.br.
    expect(bundled!('8.8.8.8')).toBe('US')
    expect(bundled!('193.0.0.1')).toBe('NL')
    expect(bundled!('::ffff:193.0.0.1')).toBe('NL')
    expect(bundled!('2001:4860:4860::8888')).toBe('US')
    expect(bundled!('133.11.0.1')).toBe('JP')
    expect(bundled!('200.160.2.3')).toBe('BR')
    expect(bundled!('127.0.0.1')).toBeNull()
    expect(bundled!('10.1.2.3')).toBeNull()
  })

  it('uses a configured database instead of the bundled one', async () => {
    const configured = await openCountryLookup(path.join(dir, 'test.mmdb'), [])
    expect(configured!('81.2.69.1')).toBe('GB')
    expect(configured!('8.8.8.8')).toBeNull()
  })

  it('leaves the country to the configured headers alone when no database is configured', async () => {
    expect(await openCountryLookup(undefined, ['cf-ipcountry'])).toBeNull()
  })
})

describe('countryFromHeaders', () => {
  const names = ['cf-ipcountry', 'x-vercel-ip-country', 'cloudfront-viewer-country']

  it('reads the first configured header with a real country, upper-cased', () => {
    expect(countryFromHeaders(headersFromRecord({ 'cf-ipcountry': 'de' }), names)).toBe('DE')
    expect(countryFromHeaders(headersFromRecord({ 'x-vercel-ip-country': ' FR ' }), names)).toBe('FR')
    expect(countryFromHeaders(new Headers({ 'CloudFront-Viewer-Country': 'US' }), names)).toBe('US')
    expect(
      countryFromHeaders(headersFromRecord({ 'cf-ipcountry': 'XX', 'x-vercel-ip-country': 'NL' }), names),
    ).toBe('NL')
  })

  it('ignores unknown, Tor and pseudo-country codes and garbage', () => {
    for (const value of ['XX', 'T1', 'ZZ', 'EU', 'A1', 'D', 'DEU', '12', '', 'd€']) {
      expect(countryFromHeaders(headersFromRecord({ 'cf-ipcountry': value }), names)).toBeNull()
    }
  })

  it('reads only the headers it is told to trust', () => {
    expect(countryFromHeaders(headersFromRecord({ 'cf-ipcountry': 'DE' }), [])).toBeNull()
    expect(countryFromHeaders(headersFromRecord({ 'x-country': 'DE' }), names)).toBeNull()
  })
})

describe('normalizeCountryCode', () => {
  it('accepts ISO alpha-2 codes only', () => {
    expect(normalizeCountryCode('gb')).toBe('GB')
    expect(normalizeCountryCode(null)).toBeNull()
    expect(normalizeCountryCode(undefined)).toBeNull()
  })
})
