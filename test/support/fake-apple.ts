import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { startFakeUpstream } from './fake-upstream.js';

/** The audience Apple requires in a client secret, whatever host the fake runs on. */
export const APPLE_SECRET_AUDIENCE = 'https://appleid.apple.com';
/** Apple refuses a client secret whose `exp` is more than this many seconds after its `iat`. */
const APPLE_MAX_SECRET_LIFETIME = 15_777_000;

/** Who signs in at the fake next, with Apple's claim shapes (string booleans). */
export interface AppleAccount {
  /** Apple's `sub`, e.g. `001234.abcd….0123`. */
  account: string;
  email: string;
  emailVerified: 'true' | 'false';
  /** Whether `email` is a private relay address (`…@privaterelay.appleid.com`). */
  privateEmail: 'true' | 'false';
  /** The name Apple posts in the `user` field of the account's first authorization only. */
  name: { firstName: string; lastName: string };
}

/** What the fake made of one client secret at its token endpoint. */
export interface SecretCheck {
  accepted: boolean;
  /** Why it was refused (jose's error code or the failed rule). */
  reason?: string;
  /** `exp - iat` of an accepted secret, in seconds. */
  lifetime?: number;
}

export interface FakeApple {
  issuer: string;
  /** The Services ID Latchkey is registered as (`APPLE_CLIENT_ID`). */
  clientId: string;
  /** Sets who the next sign-ins are, or a person pressing "Cancel". */
  next(account: AppleAccount | { deny: true }): void;
  /**
   * The person stops using Sign in with Apple with the app (Apple ID settings): the next authorization of
   * the account is a first one again, and Apple posts the `user` field again, with the name as then given.
   */
  forget(account: string): void;
  /** Every client secret presented at the token endpoint, in order. */
  readonly secretChecks: readonly SecretCheck[];
  /** The token endpoint's answers, in order: the status and the OAuth error code of a refusal. */
  readonly tokenAnswers: readonly { status: number; error?: string }[];
  /** The `user` fields posted, in order, with the account they were posted for. */
  readonly postedUsers: readonly { account: string; user: string }[];
  stop(): Promise<void>;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Sign in with Apple for tests: the fake upstream (oidc-provider on 127.0.0.1) shaped as Apple behaves.
 * - Its token endpoint takes only Apple's client secret: an ES256 JWT with `kid` the Key ID, `iss` the Team
 *   ID, `sub` the Services ID, `aud` https://appleid.apple.com and an `exp` at most about six months after
 *   `iat`, verified with the public half of the test's key; anything else is `invalid_client`.
 * - It accepts the `name` scope and answers with whatever `response_mode` is asked (Latchkey asks for
 *   `form_post`), adding the `user` JSON field (`{"name":{"firstName","lastName"},"email"}`) to the
 *   form of an account's first authorization only; a cancellation is `error=user_cancelled_authorize`.
 * - Its ID tokens carry `email_verified` and `is_private_email` as the strings "true"/"false".
 */
export async function startFakeApple(options: { redirectUris: string[]; teamId: string; keyId: string; publicKey: KeyObject }): Promise<FakeApple> {
  const accounts = new Map<string, AppleAccount>();
  const authorized = new Set<string>();
  const secretChecks: SecretCheck[] = [];
  const postedUsers: { account: string; user: string }[] = [];
  const tokenAnswers: { status: number; error?: string }[] = [];

  async function checkSecret(secret: string, clientId: string): Promise<SecretCheck> {
    try {
      if (decodeProtectedHeader(secret).kid !== options.keyId) return { accepted: false, reason: 'kid is not the key ID' };
      const { payload } = await jwtVerify(secret, options.publicKey, {
        algorithms: ['ES256'], issuer: options.teamId, subject: clientId, audience: APPLE_SECRET_AUDIENCE, requiredClaims: ['iat', 'exp'],
      });
      const lifetime = payload.exp! - payload.iat!;
      if (lifetime > APPLE_MAX_SECRET_LIFETIME) return { accepted: false, reason: 'exp too far after iat' };
      return { accepted: true, lifetime };
    } catch (error) {
      return { accepted: false, reason: (error as { code?: string }).code ?? 'not a JWT' };
    }
  }

  function extend(provider: Provider): void {
    // oidc-provider has no hook for Apple's scheme (a JWT sent as `client_secret_post`), so its secret
    // comparison is replaced for this provider's clients alone; oidc-provider still answers invalid_client.
    const clients = provider.Client.prototype as unknown as { compareClientSecret(secret: string): Promise<boolean>; clientId: string };
    clients.compareClientSecret = async function compareAppleSecret(this: { clientId: string }, secret: string) {
      const check = await checkSecret(secret, this.clientId);
      secretChecks.push(check);
      return check.accepted;
    };
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.method !== 'POST' || ctx.path !== '/token') return;
      const error = (ctx.body as { error?: unknown } | undefined)?.error;
      tokenAnswers.push({ status: ctx.status, ...(typeof error === 'string' ? { error } : {}) });
    });
    // Shapes the form_post page as Apple's: a person cancelling is `user_cancelled_authorize`, and the form
    // carrying an account's first authorization code gets the `user` field.
    provider.use(async (ctx: KoaContextWithOIDC, next) => {
      await next();
      const body = ctx.body;
      if (ctx.method !== 'GET' || typeof body !== 'string' || !body.includes('<form method="post"')) return;
      if (body.includes('name="error" value="access_denied"')) {
        ctx.body = body.replace('name="error" value="access_denied"', 'name="error" value="user_cancelled_authorize"');
        return;
      }
      if (!body.includes('name="code"')) return;
      const accountId = ctx.oidc?.account?.accountId;
      const person = accountId === undefined ? undefined : accounts.get(accountId);
      if (!person || authorized.has(person.account)) return;
      authorized.add(person.account);
      const user = JSON.stringify({ name: person.name, email: person.email });
      postedUsers.push({ account: person.account, user });
      ctx.body = body.replace('<noscript>', `<input type="hidden" name="user" value="${escapeAttribute(user)}"/>\n    <noscript>`);
    });
  }

  const fake = await startFakeUpstream({ name: 'apple', redirectUris: options.redirectUris, scopeClaims: { email: ['is_private_email'], name: [] }, extend });
  return {
    issuer: fake.issuer,
    clientId: fake.clientId,
    next(person) {
      if ('deny' in person) {
        fake.next(person);
        return;
      }
      accounts.set(person.account, person);
      fake.next({ account: person.account, claims: { email: person.email, email_verified: person.emailVerified, is_private_email: person.privateEmail } });
    },
    forget(account) {
      authorized.delete(account);
    },
    secretChecks,
    tokenAnswers,
    postedUsers,
    stop: () => fake.stop(),
  };
}
