import type { Queryable } from '../db/database.js';
import { createOneTimeCodes } from '../directory/one-time-codes.js';

/** Cognito's Session between a password and its challenge lives three minutes. */
export const MFA_SESSION_SECONDS = 180;

/**
 * Which step a Session leads to. Each is its own purpose, so a Session from one step never opens another:
 * `mfa` the SOFTWARE_TOKEN_MFA answer; `setup` AssociateSoftwareToken and VerifySoftwareToken in MFA_SETUP;
 * `setup_verified` the MFA_SETUP answer (issued only by a VerifySoftwareToken that activated the authenticator);
 * `new_password` the NEW_PASSWORD_REQUIRED answer.
 */
export type SessionStep = 'mfa' | 'setup' | 'setup_verified' | 'new_password';
const PURPOSES: Record<SessionStep, string> = {
  mfa: 'cognito_mfa_session', setup: 'cognito_mfa_setup', setup_verified: 'cognito_mfa_setup_verified', new_password: 'cognito_new_password',
};

/**
 * The opaque `Session` between InitiateAuth's password step and the challenges after it.
 *
 * Kept as a one-time code of the directory (random 160 bits, only its HMAC at rest, keyed from
 * LATCHKEY_SECRET), whose subject is the client and the user: unforgeable, bound to both, short-lived and
 * consumed in the SQL statement that checks it, so it is used once whatever the answer (a wrong second factor
 * spends it too, as Cognito's); each step issues a new one. Not a sealed value: a sealed Session would still
 * need a consumed-once row to be single-use, and this table is already that row. A new Session replaces the
 * live one of the same step, user and client. The value carries the client and user ids so that the row can
 * be found (AssociateSoftwareToken and VerifySoftwareToken name no client); they are not secrets.
 */
export interface MfaSessions {
  issue(clientId: string, userId: string, step?: SessionStep): Promise<string>;
  /** The user the Session was issued to, when it is live, for this client and step; it is spent either way. */
  consume(clientId: string, session: string, step?: SessionStep): Promise<string | undefined>;
  /** The client and user of a live Session of this step, for operations that name no client; spent either way. */
  consumeAnyClient(session: string, step: SessionStep): Promise<{ clientId: string; userId: string } | undefined>;
}

const subject = (clientId: string, userId: string) => JSON.stringify([clientId, userId]);

/** The client and user a Session names, or undefined for anything not shaped like one. */
function parseSession(session: string): { clientId: string; userId: string; code: string } | undefined {
  const match = /^([\w-]{1,600})\.([0-9A-Z]{32})$/.exec(session);
  if (!match) return undefined;
  try {
    const named: unknown = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8'));
    if (!Array.isArray(named) || named.length !== 2 || !named.every((part) => typeof part === 'string' && part.length > 0 && part.length <= 200)) return undefined;
    return { clientId: named[0] as string, userId: named[1] as string, code: match[2]! };
  } catch {
    return undefined;
  }
}

export function createMfaSessions(deps: { db: Queryable; secrets: readonly string[] }): MfaSessions {
  const codes = createOneTimeCodes(deps);
  async function spend(session: string, step: SessionStep): Promise<{ clientId: string; userId: string } | undefined> {
    const parsed = parseSession(session);
    if (!parsed) return undefined;
    const result = await codes.verify({ purpose: PURPOSES[step], subject: subject(parsed.clientId, parsed.userId), code: parsed.code });
    return result.status === 'ok' ? { clientId: parsed.clientId, userId: parsed.userId } : undefined;
  }
  return {
    async issue(clientId, userId, step = 'mfa') {
      const { code } = await codes.issue({ purpose: PURPOSES[step], subject: subject(clientId, userId), ttlSeconds: MFA_SESSION_SECONDS, maxAttempts: 3, alphabet: 'alphanumeric', length: 32 });
      return `${Buffer.from(JSON.stringify([clientId, userId])).toString('base64url')}.${code}`;
    },
    async consume(clientId, session, step = 'mfa') {
      // Spent even when it names another client: a Session shown to the wrong app is not tried again.
      const spent = await spend(session, step);
      return spent?.clientId === clientId ? spent.userId : undefined;
    },
    consumeAnyClient: spend,
  };
}
