/**
 * Where a report or alert webhook may go: an http(s) URL whose host — an address, or every
 * address its name resolves to — is a public one, unless `reports.allowPrivateWebhooks` is on.
 * Checked when a URL is saved and again before each send (a name can be re-pointed after it
 * was saved).
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP } from 'node:net'

import { isInternalAddress } from '../core/privateAddress.js'

/** Every address a host name resolves to. */
export type HostLookup = (hostname: string) => Promise<string[]>

export const systemLookup: HostLookup = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address)

export const WEBHOOK_URL_MESSAGE = 'An http:// or https:// URL'

export interface WebhookTargetOptions {
  allowPrivate: boolean
  /** Resolve host names (false: only check address literals, e.g. while the URL is being typed). @default systemLookup */
  lookup?: false | HostLookup
}

/** Why `url` may not be a webhook target, or null when it may. */
export async function webhookTargetError(url: string, options: WebhookTargetOptions): Promise<null | string> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return WEBHOOK_URL_MESSAGE
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return WEBHOOK_URL_MESSAGE
  if (options.allowPrivate) return null
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  const refused = (address: string) =>
    `The webhook URL reaches ${address === host ? host : `${host} (${address})`}, a loopback, private or link-local address; set reports.allowPrivateWebhooks to allow it`
  if (isIP(host)) return isInternalAddress(host) ? refused(host) : null
  if (options.lookup === false) return null
  let addresses: string[]
  try {
    addresses = await (options.lookup ?? systemLookup)(host)
  } catch {
    return `The webhook host ${host} could not be resolved`
  }
  if (addresses.length === 0) return `The webhook host ${host} could not be resolved`
  const internal = addresses.find(isInternalAddress)
  return internal ? refused(internal) : null
}
