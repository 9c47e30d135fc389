/**
 * Addresses a webhook must not reach unless the host allows it: loopback, private networks,
 * link-local (cloud metadata services live at 169.254.169.254), carrier-grade NAT, unspecified,
 * multicast and reserved ranges — otherwise whoever may save a report could make the server
 * POST into its own network.
 */
import { BlockList, isIP } from 'node:net'

import { unmapIpv4 } from './ip.js'

const INTERNAL: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]

const internal = new BlockList()
for (const [network, prefix, type] of INTERNAL) internal.addSubnet(network, prefix, type)

/** Whether `ip` is loopback, private, link-local or otherwise not a public unicast address (IPv4-mapped IPv6 as its IPv4). */
export function isInternalAddress(ip: string): boolean {
  const address = unmapIpv4(ip)
  const version = isIP(address)
  if (version === 0) throw new TypeError(`isInternalAddress: not an IP address: ${ip}`)
  return internal.check(address, version === 4 ? 'ipv4' : 'ipv6')
}
