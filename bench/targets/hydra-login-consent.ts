import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The subject every login is accepted for. */
export const BENCH_SUBJECT = 'bench-user';

export interface LoginConsentApp {
  loginUrl: string;
  consentUrl: string;
  /** The redirect URI authorization code clients register; never fetched, the flow stops at its Location. */
  redirectUri: string;
  close(): Promise<void>;
}

interface ConsentRequest {
  requested_scope?: string[];
  requested_access_token_audience?: string[];
}

/**
 * The smallest login and consent app Hydra's authorization code flow needs (Hydra has no user store or pages of
 * its own): every login challenge is accepted for `bench-user`, every consent challenge grants what was asked,
 * neither remembered, so each flow makes the same round trips. Both answer with a redirect to where Hydra says.
 * Listens on 127.0.0.1 only.
 */
export async function startLoginConsentApp(hydraAdminUrl: string): Promise<LoginConsentApp> {
  const accept = async (kind: 'login' | 'consent', challenge: string, body: object): Promise<string> => {
    const response = await fetch(`${hydraAdminUrl}/admin/oauth2/auth/requests/${kind}/accept?${kind}_challenge=${encodeURIComponent(challenge)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`hydra refused to accept the ${kind}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { redirect_to: string }).redirect_to;
  };

  const login = async (challenge: string) => accept('login', challenge, { subject: BENCH_SUBJECT, remember: false });

  const consent = async (challenge: string) => {
    const response = await fetch(`${hydraAdminUrl}/admin/oauth2/auth/requests/consent?consent_challenge=${encodeURIComponent(challenge)}`);
    if (!response.ok) throw new Error(`hydra consent request: ${response.status} ${await response.text()}`);
    const request = (await response.json()) as ConsentRequest;
    return accept('consent', challenge, {
      grant_scope: request.requested_scope ?? [],
      grant_access_token_audience: request.requested_access_token_audience ?? [],
      remember: false,
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const loginChallenge = url.searchParams.get('login_challenge');
    const consentChallenge = url.searchParams.get('consent_challenge');
    let redirectTo: string | undefined;
    if (url.pathname === '/login' && loginChallenge) redirectTo = await login(loginChallenge);
    else if (url.pathname === '/consent' && consentChallenge) redirectTo = await consent(consentChallenge);
    if (!redirectTo) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(302, { location: redirectTo }).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    loginUrl: `${base}/login`,
    consentUrl: `${base}/consent`,
    redirectUri: `${base}/callback`,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
