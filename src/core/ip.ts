/**
 * Client IP resolution and anonymisation. The full address is only ever held for the
 * duration of a request: it is truncated here before it is hashed, rate-limited or looked
 * up, except by the GeoIP reader, which keeps nothing.
 */
import { isIP, isIPv4 } from 'node:net'

import type { HeaderLookup } from './headers.js'
import type { IpAnonymization } from './siteSettings.js'

/** `::ffff:` followed by a dotted or hex IPv4 address, after URL canonicalisation. */
const MAPPED_IPV4_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/
/** `[v6]:port`, as some proxies (Azure) write forwarded addresses. */
const BRACKETED_V6 = /^\[([^\]]+)\](?::\d+)?$/
/** `v4:port`. */
const V4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/

/**
 * Canonical compressed form of a valid IPv6 address (lower case, `::` for the longest zero
 * run, embedded IPv4 in hex), by way of the WHATWG URL parser, so that node, not this
 * file, does the parsing.
 */
function canonicalIpv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1)
}

/** The eight 16-bit groups of a canonical IPv6 address. */
function ipv6Groups(canonical: string): number[] {
  const [head = '', tail] = canonical.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return groups.map((group) => Number.parseInt(group, 16))
}

/** Drops an IPv6 zone (`fe80::1%eth0`); the URL parser refuses it and it says nothing about the client. */
const withoutZone = (ip: string): string => {
  const percent = ip.indexOf('%')
  return percent === -1 ? ip : ip.slice(0, percent)
}

/**
 * The IPv4 address behind an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as dual-stack
 * sockets report IPv4 clients), or the address itself.
 */
export function unmapIpv4(ip: string): string {
  if (isIP(ip) !== 6) return ip
  const canonical = canonicalIpv6(withoutZone(ip))
  const mapped = MAPPED_IPV4_HEX.exec(canonical)
  if (!mapped) return ip
  const high = Number.parseInt(mapped[1] ?? '0', 16)
  const low = Number.parseInt(mapped[2] ?? '0', 16)
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
}

/**
 * Truncates an IP address before any use: `standard` keeps IPv4 /24 and IPv6 /48 (as
 * Plausible), `strict` IPv4 /16 and IPv6 /32. IPv4-mapped IPv6 counts as IPv4. Invalid
 * input gives null.
 */
export function anonymizeIp(ip: string, mode: IpAnonymization): null | string {
  const trimmed = ip.trim()
  const version = isIP(trimmed)
  if (version === 0) return null
  if (version === 4) {
    // isIP has validated four decimal octets: cut the text at its last (strict: last two) dots.
    const last = trimmed.lastIndexOf('.')
    return mode === 'strict' ? `${trimmed.slice(0, trimmed.lastIndexOf('.', last - 1))}.0.0` : `${trimmed.slice(0, last)}.0`
  }
  const address = version === 6 ? unmapIpv4(trimmed) : trimmed
  if (isIPv4(address)) {
    // isIP has validated four decimal octets without leading zeros.
    const [a, b, c] = address.split('.')
    return mode === 'strict' ? `${a}.${b}.0.0` : `${a}.${b}.${c}.0`
  }
  const groups = ipv6Groups(canonicalIpv6(withoutZone(address))).map((group) => group.toString(16))
  const prefix = mode === 'strict' ? `${groups[0]}:${groups[1]}::` : `${groups[0]}:${groups[1]}:${groups[2]}::`
  // Canonical again, so one network always yields one string (`2001:db8::`, not `2001:db8:0::`).
  return canonicalIpv6(prefix)
}

/** A forwarded address with any port or brackets removed, or null when it is not an IP. */
function parseForwardedAddress(entry: string): null | string {
  const value = entry.trim()
  if (isIP(value) !== 0) return value
  const bracketed = BRACKETED_V6.exec(value)?.[1]
  if (bracketed !== undefined && isIP(bracketed) === 6) return bracketed
  const v4 = V4_WITH_PORT.exec(value)?.[1]
  if (v4 !== undefined && isIP(v4) === 4) return v4
  return null
}

/**
 * How far to believe X-Forwarded-For: `false` uses the socket address only; `true` trusts
 * it fully (the left-most entry is the client); a number trusts that many proxy hops in
 * front of the app, as Express's `trust proxy` hop count.
 */
export type TrustProxy = boolean | number

/**
 * The client's IP address. A single-IP header (e.g. `cf-connecting-ip`) is read only when
 * it is listed in `ipHeaders` — the operator's statement that their proxy sets it on every
 * request, overwriting what the client sent — whatever `trustProxy` says: a hop count says
 * how many X-Forwarded-For entries were appended by proxies, nothing about other headers,
 * which any client can send. Then X-Forwarded-For as `trustProxy` says, then the socket.
 * Null when nothing valid.
 */
export function clientIp(
  socketAddress: null | string | undefined,
  headers: HeaderLookup,
  trustProxy: TrustProxy,
  ipHeaders: readonly string[] = [],
): null | string {
  for (const name of ipHeaders) {
    const value = headers.get(name)
    const ip = value ? parseForwardedAddress(value) : null
    if (ip) return ip
  }

  const socket = socketAddress ? parseForwardedAddress(socketAddress) : null
  if (trustProxy === false || trustProxy === 0) return socket

  const forwarded = headers.get('x-forwarded-for')
  if (!forwarded) return socket
  const chain = forwarded.split(',')
  if (trustProxy === true) {
    for (const entry of chain) {
      const ip = parseForwardedAddress(entry)
      if (ip) return ip
    }
    return socket
  }
  // Hops counted from the socket: hop 1 is the proxy we are connected to, which appended
  // the right-most entry. The client is the first address we do not trust.
  const hops = Math.max(0, Math.floor(trustProxy))
  const index = Math.max(0, chain.length - hops)
  const entry = chain[index]
  return (entry === undefined ? null : parseForwardedAddress(entry)) ?? socket
}
