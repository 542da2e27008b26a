import { decodeJwt, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { InteractionError } from '../errors/app-error.js';
import type { InProcessFetch, InProcessResponse } from './in-process-http.js';
import { PLAYGROUND_CLIENT_ID } from './playground-client.js';

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  id_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().optional(),
});
const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });
const credentialsSchema = z.object({
  AccessKeyId: z.string(),
  SecretAccessKey: z.string(),
  SessionToken: z.string(),
  Expiration: z.string(),
  Role: z.string().optional(),
});

/** What the result page shows of one JWT: its header and payload, pretty-printed. Never the token itself. */
export interface DecodedToken {
  header: string;
  payload: string;
  claims: Record<string, unknown>;
}

export interface RedeemedSignIn {
  accessToken: string;
  expiresIn: number;
  scope: string;
  refreshTokenIssued: boolean;
  idToken: DecodedToken;
  access: DecodedToken;
}

/** Storage credentials with the secrets partly masked: enough to recognise them, not to use them. */
export interface MaskedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  role: string | null;
}

function parseJson(response: InProcessResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}

function refusal(step: string, response: InProcessResponse): InteractionError {
  const parsed = oauthErrorSchema.safeParse(parseJson(response));
  const reason = parsed.success ? `${parsed.data.error}${parsed.data.error_description ? `: ${parsed.data.error_description}` : ''}` : `HTTP ${response.status}`;
  return new InteractionError('playground_request_refused', `The ${step} refused the playground's request (${reason}).`);
}

/** Decodes without verifying: the token came straight from this provider's token endpoint, in-process. */
export function decodeToken(jwt: string): DecodedToken {
  const claims = decodeJwt(jwt) as Record<string, unknown>;
  return { header: JSON.stringify(decodeProtectedHeader(jwt), null, 2), payload: JSON.stringify(claims, null, 2), claims };
}

function mask(value: string, shown: number): string {
  return value.length <= shown ? '…' : `${value.slice(0, shown)}…(${value.length - shown} more characters)`;
}

/**
 * The playground's calls, made as any public client would make them but through the app in-process: the
 * token endpoint (code + PKCE verifier), userinfo and the storage-credentials exchange. Token values stay
 * in memory and the sealed cookie; nothing here logs them.
 */
export function createPlaygroundExchange(deps: { fetch: InProcessFetch }) {
  return {
    async redeem(input: { code: string; verifier: string; redirectUri: string; nonce: string }): Promise<RedeemedSignIn> {
      const body = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, client_id: PLAYGROUND_CLIENT_ID, code_verifier: input.verifier });
      const response = await deps.fetch('/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() });
      if (response.status !== 200) throw refusal('token endpoint', response);
      const tokens = tokenResponseSchema.safeParse(parseJson(response));
      if (!tokens.success) throw new InteractionError('playground_request_refused', 'The token endpoint answered without an ID token and an access token.');
      const idToken = decodeToken(tokens.data.id_token);
      // The nonce ties the ID token to this browser's sign-in (OpenID Connect Core §3.1.3.7, step 11).
      if (idToken.claims.nonce !== input.nonce) throw new InteractionError('playground_nonce_mismatch', 'The ID token does not belong to this sign-in (nonce mismatch). Start again.');
      return {
        accessToken: tokens.data.access_token,
        expiresIn: tokens.data.expires_in ?? 0,
        scope: tokens.data.scope ?? '',
        refreshTokenIssued: tokens.data.refresh_token !== undefined,
        idToken,
        access: decodeToken(tokens.data.access_token),
      };
    },

    async userinfo(accessToken: string): Promise<string> {
      const response = await deps.fetch('/me', { method: 'GET', headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
      if (response.status !== 200) throw refusal('userinfo endpoint', response);
      return JSON.stringify(parseJson(response), null, 2);
    },

    async credentials(accessToken: string): Promise<MaskedCredentials> {
      const response = await deps.fetch('/sts/credentials', { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });
      if (response.status !== 200) throw refusal('credentials endpoint', response);
      const parsed = credentialsSchema.safeParse(parseJson(response));
      if (!parsed.success) throw new InteractionError('playground_request_refused', 'The credentials endpoint answered in an unexpected shape.');
      const c = parsed.data;
      return { accessKeyId: c.AccessKeyId, secretAccessKey: mask(c.SecretAccessKey, 4), sessionToken: mask(c.SessionToken, 12), expiration: c.Expiration, role: c.Role ?? null };
    },
  };
}

export type PlaygroundExchange = ReturnType<typeof createPlaygroundExchange>;
