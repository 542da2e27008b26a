import { createMinioStsClient } from '../../src/identity-pool/minio-sts-client.js';
import type { Operation } from '../load.js';
import type { BenchClient } from '../targets/latchkey.js';
import { authorizationCodeFlow, basicAuth, type Endpoints } from '../flows/authorization-code.js';

/**
 * The requests each scenario repeats, one factory per operation, the same for every server. A factory
 * returns an Operation for the load generator (bench/load.ts): a request, or a whole flow.
 */
const form = (client: BenchClient | null, body: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { ...(client ? { authorization: basicAuth(client) } : {}), 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body).toString(),
});

/** Scenario 1: a client_credentials grant for a JWT access token. */
export function clientCredentials(endpoints: Endpoints, client: BenchClient, scope: string): Operation {
  return () => fetch(endpoints.token, form(client, { grant_type: 'client_credentials', scope }));
}

/**
 * Scenario 3: refresh-token grants with rotation. Each worker keeps a chain of its own: the token an answer
 * returns replaces the one spent (a rotated-away token would be refused, and counted as an error).
 */
export function refreshRotation(endpoints: Endpoints, client: BenchClient, chains: string[]): Operation {
  return async (worker) => {
    const index = worker % chains.length;
    const response = await fetch(endpoints.token, form(client, { grant_type: 'refresh_token', refresh_token: chains[index]! }));
    if (!response.ok) throw new Error(`refresh answered ${response.status}`);
    const body = await response.json() as { refresh_token?: string };
    if (body.refresh_token) chains[index] = body.refresh_token;
  };
}

/** Scenario 4: the read endpoints. */
export const get = (url: string, headers: Record<string, string> = {}): Operation => () => fetch(url, { headers });
export function userinfo(endpoints: Endpoints, accessToken: string): Operation {
  return get(endpoints.userinfo, { authorization: `Bearer ${accessToken}` });
}
/** Introspection at `url` (Hydra's is on its admin port, without client authentication). */
export function introspection(url: string, client: BenchClient | null, token: string): Operation {
  return () => fetch(url, form(client, { token }));
}

/** Scenario 2: complete password sign-ins, rotating over `logins` so no one account is throttled. */
export function passwordSignIn(endpoints: Endpoints, client: BenchClient, logins: readonly string[], password: string, signIn: 'latchkey' | 'library'): Operation {
  let next = 0;
  return async () => {
    const login = logins[next++ % logins.length]!;
    await authorizationCodeFlow({ endpoints, client, login, password, signIn });
  };
}

/** Scenario 5: Latchkey's credential exchange with a user's access token (rotating over several users). */
export function credentialExchange(issuer: string, accessTokens: readonly string[]): Operation {
  let next = 0;
  return () => fetch(`${issuer}/sts/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessTokens[next++ % accessTokens.length]!}`, 'content-type': 'application/json' },
    body: '{}',
  });
}

/** Scenario 5's floor: the same AssumeRole Latchkey sends, straight to MinIO as the broker user. */
export function directAssumeRole(s3: { endpoint: string; accessKey: string; secretKey: string }, policy: string): Operation {
  const sts = createMinioStsClient({ endpoint: s3.endpoint, region: 'us-east-1', accessKey: s3.accessKey, secretKey: s3.secretKey });
  return async () => {
    await sts.assumeRole({ policy, durationSeconds: 900, revokeType: 'bench' });
  };
}
