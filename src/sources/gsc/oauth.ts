/**
 * Google's OAuth 2.0 for a web server app, with plain `fetch` (Google's SDKs need a newer
 * Node): the consent URL (offline access, so a refresh token comes back), the code
 * exchange, and the refresh of an access token. `invalid_grant` — the user revoked access,
 * the token expired or was rotated out — is a `reconnect`, not a retry.
 */
import type { SanitizedAnalyticsConfig } from '../../types.js'

import { SourceError } from '../http.js'

export const GSC_SCOPE = 'https://www.googleapis.com/auth/webmasters.readonly'

type Google = NonNullable<SanitizedAnalyticsConfig['sources']['google']>

export function consentUrl(google: Google, redirectUri: string, state: string): string {
  const url = new URL(google.authUrl)
  url.search = new URLSearchParams({
    access_type: 'offline',
    client_id: google.clientId,
    include_granted_scopes: 'true',
    // Always the consent screen: Google sends a refresh token only then.
    prompt: 'consent',
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: GSC_SCOPE,
    state,
  }).toString()
  return url.toString()
}

interface TokenAnswer {
  access_token?: string
  error?: string
  expires_in?: number
  refresh_token?: string
}

async function tokenRequest(google: Google, params: Record<string, string>): Promise<TokenAnswer> {
  let response: Response
  try {
    response = await fetch(google.tokenUrl, {
      body: new URLSearchParams({ client_id: google.clientId, client_secret: google.clientSecret, ...params }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      method: 'POST',
    })
  } catch (error) {
    throw new SourceError(`Google's token endpoint did not answer (${(error as Error).message})`, 'network')
  }
  const body = (await response.json().catch(() => ({}))) as TokenAnswer
  if (body.error === 'invalid_grant') throw new SourceError('Google refused the stored grant (revoked or expired): reconnect the Google account', 'reconnect', response.status)
  if (!response.ok || body.error) throw new SourceError(`Google's token endpoint answered ${response.status}${body.error ? ` (${body.error})` : ''}`, 'auth', response.status)
  return body
}

/** The refresh token of an authorization code (null when Google sent none). */
export async function exchangeCode(google: Google, code: string, redirectUri: string): Promise<null | string> {
  const answer = await tokenRequest(google, { code, grant_type: 'authorization_code', redirect_uri: redirectUri })
  return answer.refresh_token ?? null
}

export async function refreshAccessToken(google: Google, refreshToken: string): Promise<{ accessToken: string; expiresAt: number }> {
  const answer = await tokenRequest(google, { grant_type: 'refresh_token', refresh_token: refreshToken })
  if (!answer.access_token) throw new SourceError('Google’s token endpoint sent no access token', 'auth')
  return { accessToken: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 3600) * 1000 - 60_000 }
}
