/**
 * Latchkey's demo app: a small streaming site that signs in through Latchkey (authorization code flow with
 * PKCE, as a public client), shows the ID token's claims and groups, trades the access token for storage
 * credentials at `/sts/credentials`, and lists what those credentials may read in the `media` bucket.
 *
 * Two URLs name Latchkey: the browser uses the public issuer (`LATCHKEY_ISSUER`, e.g. http://localhost:3000),
 * while this server reaches the same Latchkey on the compose network (`LATCHKEY_INTERNAL_URL`). Back-channel
 * requests to the issuer's origin are sent to the internal URL instead; the issuer itself, and so every check
 * openid-client makes on discovery and tokens, stays the public one.
 *
 * Sessions live in this process's memory: it is a demo with one replica, and restarting it signs you out.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as oidc from 'openid-client';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};
const settings = Object.freeze({
  port: Number(env('PORT', '8080')),
  publicUrl: env('DEMO_URL', 'http://localhost:8080'),
  issuer: new URL(env('LATCHKEY_ISSUER', 'http://localhost:3000')),
  internalUrl: new URL(env('LATCHKEY_INTERNAL_URL', env('LATCHKEY_ISSUER', 'http://localhost:3000'))),
  clientId: env('DEMO_CLIENT_ID', 'demo'),
  s3Endpoint: new URL(env('S3_ENDPOINT', 'http://localhost:9000')),
  s3Region: env('S3_REGION', 'us-east-1'),
  bucket: env('DEMO_BUCKET', 'media'),
  prefixes: env('DEMO_PREFIXES', 'free/,premium/').split(','),
});
const redirectUri = `${settings.publicUrl}/callback`;

/** Back-channel calls go to Latchkey on the internal network; everything else is fetched as asked. */
function toInternal(url: string): URL {
  const target = new URL(url);
  if (target.origin === settings.issuer.origin) {
    target.protocol = settings.internalUrl.protocol;
    target.host = settings.internalUrl.host;
  }
  return target;
}
const internalFetch: oidc.CustomFetch = (url, options) => fetch(toInternal(url), options);

interface Session {
  pending?: { state: string; nonce: string; verifier: string };
  signedIn?: { claims: Record<string, unknown>; idToken: string; accessToken: string };
}
const sessions = new Map<string, Session>();
const COOKIE = 'demo_session';

let configuration: oidc.Configuration | undefined;
async function latchkey(): Promise<oidc.Configuration> {
  // Discovery is retried on the next request until Latchkey answers (it may start after the demo).
  configuration ??= await oidc.discovery(settings.issuer, settings.clientId, { token_endpoint_auth_method: 'none' }, oidc.None(), {
    [oidc.customFetch]: internalFetch,
    execute: settings.issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
  });
  configuration[oidc.customFetch] = internalFetch;
  return configuration;
}

const escape = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Latchkey demo</title><style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top;word-break:break-all}
.button{display:inline-block;background:#2f5bea;color:#fff;border:0;border-radius:.4rem;padding:.6rem 1rem;font:inherit;text-decoration:none;cursor:pointer}
.denied{color:#a32020}section{margin:1.5rem 0}code{background:#f3f4f6;padding:0 .2rem}
</style></head><body><h1>Latchkey demo: streaming</h1>${body}</body></html>`;
}

function session(req: IncomingMessage, res: ServerResponse): Session {
  const id = /(?:^|;\s*)demo_session=([A-Za-z0-9_-]{43})/.exec(req.headers.cookie ?? '')?.[1];
  const found = id === undefined ? undefined : sessions.get(id);
  if (found) return found;
  const fresh: Session = {};
  const newId = randomBytes(32).toString('base64url');
  sessions.set(newId, fresh);
  res.setHeader('set-cookie', `${COOKIE}=${newId}; Path=/; HttpOnly; SameSite=Lax`);
  return fresh;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

function home(current: Session): string {
  if (!current.signedIn) {
    return page('Welcome', `<p>Sign in with Latchkey to watch. A <b>free</b> member sees the free catalogue; a
<b>premium</b> member sees everything.</p><p><a class="button" id="sign-in" href="/login">Sign in with Latchkey</a></p>`);
  }
  const { claims } = current.signedIn;
  const groups = Array.isArray(claims['groups']) ? claims['groups'] as unknown[] : [];
  const rows = Object.entries(claims).map(([name, value]) => `<tr data-claim="${escape(name)}"><th>${escape(name)}</th><td>${escape(JSON.stringify(value))}</td></tr>`).join('');
  return page('Signed in', `<p>Signed in as <b id="user">${escape(claims['email'] ?? claims['sub'])}</b>. <a href="/logout">Sign out</a></p>
<section><h2>Groups</h2><ul id="groups">${groups.map((g) => `<li>${escape(g)}</li>`).join('') || '<li>(none)</li>'}</ul></section>
<section><h2>Storage</h2><form method="post" action="/storage"><button class="button" id="get-credentials" type="submit">Get storage credentials and list the catalogue</button></form></section>
<section><h2>ID token claims</h2><table id="claims">${rows}</table></section>`);
}

async function login(res: ServerResponse, current: Session): Promise<void> {
  const config = await latchkey();
  const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
  current.pending = pending;
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid email profile sts', state: pending.state, nonce: pending.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier), code_challenge_method: 'S256',
  });
  redirect(res, url.href);
}

async function callback(req: IncomingMessage, res: ServerResponse, current: Session): Promise<void> {
  const pending = current.pending;
  if (!pending) return send(res, 400, page('Sign-in expired', '<p>This sign-in was not started here, or has expired. <a href="/">Start again</a>.</p>'));
  delete current.pending; // one use: a replayed callback finds nothing
  const tokens = await oidc.authorizationCodeGrant(await latchkey(), new URL(req.url ?? '/', settings.publicUrl), {
    pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true,
  });
  current.signedIn = { claims: { ...tokens.claims() }, idToken: tokens.id_token ?? '', accessToken: tokens.access_token };
  redirect(res, '/');
}

interface StorageCredentials { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string; Role?: string }

/** Lists one prefix of the bucket with the user's own credentials: MinIO decides what they may see. */
async function listPrefix(credentials: StorageCredentials, prefix: string): Promise<{ keys: string[] } | { denied: string }> {
  const endpoint = settings.s3Endpoint;
  const signer = new SignatureV4({
    service: 's3', region: settings.s3Region, sha256: Sha256,
    credentials: { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken },
  });
  const query = { 'list-type': '2', prefix };
  const signed = await signer.sign({
    method: 'GET', protocol: endpoint.protocol, hostname: endpoint.hostname, port: Number(endpoint.port) || undefined, path: `/${settings.bucket}`, query,
    headers: { host: endpoint.host, 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  });
  const response = await fetch(`${endpoint.origin}/${settings.bucket}?${new URLSearchParams(query).toString()}`, { headers: signed.headers });
  const xml = await response.text();
  if (!response.ok) return { denied: /<Code>([^<]+)<\/Code>/.exec(xml)?.[1] ?? `HTTP ${response.status}` };
  return { keys: [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!) };
}

async function storage(res: ServerResponse, current: Session): Promise<void> {
  if (!current.signedIn) return redirect(res, '/');
  const answer = await fetch(new URL('/sts/credentials', settings.internalUrl), {
    method: 'POST', headers: { authorization: `Bearer ${current.signedIn.accessToken}`, 'content-type': 'application/json', accept: 'application/json' }, body: '{}',
  });
  if (!answer.ok) return send(res, 502, page('No credentials', `<p class="denied" id="sts-error">Latchkey refused credentials: ${escape(await answer.text())}</p><p><a href="/">Back</a></p>`));
  const credentials = await answer.json() as StorageCredentials;
  const sections = await Promise.all(settings.prefixes.map(async (prefix) => {
    const listing = await listPrefix(credentials, prefix);
    const id = `media-${prefix.replace(/[^a-z0-9]/gi, '')}`;
    const content = 'keys' in listing
      ? `<ul>${listing.keys.map((key) => `<li>${escape(key)}</li>`).join('') || '<li>(empty)</li>'}</ul>`
      : `<p class="denied">Access denied (${escape(listing.denied)})</p>`;
    return `<section id="${escape(id)}" data-allowed="${'keys' in listing}"><h2><code>${escape(settings.bucket)}/${escape(prefix)}</code></h2>${content}</section>`;
  }));
  send(res, 200, page('Catalogue', `<section id="credentials"><h2>Storage credentials</h2><table>
<tr><th>Role</th><td id="role">${escape(credentials.Role ?? '')}</td></tr>
<tr><th>AccessKeyId</th><td id="access-key-id">${escape(credentials.AccessKeyId)}</td></tr>
<tr><th>Expiration</th><td id="expiration">${escape(credentials.Expiration)}</td></tr></table></section>
${sections.join('\n')}<p><a href="/">Back</a> · <a href="/logout">Sign out</a></p>`));
}

async function logout(res: ServerResponse, current: Session): Promise<void> {
  const idToken = current.signedIn?.idToken;
  delete current.signedIn;
  if (!idToken) return redirect(res, '/');
  const url = oidc.buildEndSessionUrl(await latchkey(), { id_token_hint: idToken, post_logout_redirect_uri: `${settings.publicUrl}/` });
  redirect(res, url.href);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', settings.publicUrl).pathname;
  if (path === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); return; }
  const current = session(req, res);
  if (req.method === 'GET' && path === '/') return send(res, 200, home(current));
  if (req.method === 'GET' && path === '/login') return login(res, current);
  if (req.method === 'GET' && path === '/callback') return callback(req, res, current);
  if (req.method === 'POST' && path === '/storage') return storage(res, current);
  if (req.method === 'GET' && path === '/logout') return logout(res, current);
  send(res, 404, page('Not found', '<p>Nothing here. <a href="/">Home</a></p>'));
}

createServer((req, res) => {
  route(req, res).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`demo: ${req.method} ${req.url?.split('?')[0]}: ${message}\n`);
    if (!res.headersSent) send(res, 502, page('Something went wrong', `<p class="denied">${escape(message)}</p><p><a href="/">Home</a></p>`));
  });
}).listen(settings.port, '0.0.0.0', () => process.stdout.write(`demo listening on ${settings.publicUrl} (Latchkey at ${settings.issuer.href})\n`));
