import { setAuditActor } from '../../audit/audit-context.js';
import { recordAudit } from '../../audit/record-audit.js';
import type { Database } from '../../db/database.js';
import { normalizeIdentifier } from '../../directory/normalize.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { SrpVerifiers } from '../../directory/srp-verifiers.js';
import { InvalidRequestError } from '../../errors/app-error.js';
import type { Clock } from '../../lib/clock.js';
import { createSecretBox } from '../../lib/secret-box.js';
import { parseHex } from '../../lib/srp/pad-hex.js';
import { acceptableClientPublic, claimSignature, randomServerSecret, serverPublic, serverSessionKey, signatureMatches } from '../../lib/srp/srp-server.js';
import { createSrpChallenges, type SrpChallenges } from './srp-challenges.js';
import { createSrpStandIn } from './srp-stand-in.js';
import { timestampAcceptable } from './srp-timestamp.js';

/** The longest SRP_A taken: A < N is 768 hex digits; a few leading zeros are tolerated. */
const MAX_A_HEX = 800;
/** Looked up for a name with no account, so that both cost one read of the verifiers. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

export interface StartSrpInput {
  /** USERNAME as sent: keys the stand-in answer when it names nobody. */
  username: string;
  /** The user it names (UserService.findSignInAccount), or undefined. */
  user: UserRow | undefined;
  clientId: string;
  /** SRP_A, hex. */
  A: string;
}

export interface PasswordVerifierChallenge {
  ChallengeName: 'PASSWORD_VERIFIER';
  ChallengeParameters: { USER_ID_FOR_SRP: string; SRP_B: string; SALT: string; SECRET_BLOCK: string };
}

export interface PasswordClaim {
  /** PASSWORD_CLAIM_SECRET_BLOCK. */
  secretBlock: string;
  /** USERNAME of the answer: the USER_ID_FOR_SRP the client signed as. */
  userIdForSrp: string;
  timestamp: string;
  /** PASSWORD_CLAIM_SIGNATURE. */
  signature: string;
  clientId: string;
}

export type PasswordClaimResult = { ok: true; userId: string } | { ok: false; reason: 'invalid_credentials' };

/**
 * USER_SRP_AUTH's two steps, for the InitiateAuth and RespondToAuthChallenge operations. Every answer is
 * audited as a password sign-in (`sign_in.password` with `method: srp`); what the password proved is only
 * that: the caller applies the throttle, the account's state ("may act") and the second factor, as after a
 * password sign-in.
 */
export interface SrpSignIn {
  /**
   * InitiateAuth with SRP_A: a PASSWORD_VERIFIER challenge. A name with no account, or an account without a
   * verifier for this pool (it gets one at its first password sign-in), gets a stand-in that fails later
   * exactly as a wrong password. InvalidRequestError when SRP_A is not hex or is ≡ 0 mod N.
   */
  startSrp(input: StartSrpInput): Promise<PasswordVerifierChallenge>;
  /** RespondToAuthChallenge PASSWORD_VERIFIER: the user whose password the signature proves, once per challenge. */
  verifyPasswordClaim(claim: PasswordClaim): Promise<PasswordClaimResult>;
}

export function createSrpSignIn(deps: { db: Database; verifiers: SrpVerifiers; secrets: readonly string[]; clock: Clock; challenges?: SrpChallenges }): SrpSignIn {
  const { verifiers, clock } = deps;
  const challenges = deps.challenges ?? createSrpChallenges({ db: deps.db, box: createSecretBox(deps.secrets), secrets: deps.secrets, clock });
  const standIn = createSrpStandIn(deps.secrets);
  const refused: PasswordClaimResult = { ok: false, reason: 'invalid_credentials' };
  return {
    async startSrp({ username, user, clientId, A }) {
      const a = A.length <= MAX_A_HEX ? parseHex(A) : undefined;
      if (a === undefined || !acceptableClientPublic(a)) throw new InvalidRequestError('SRP_A is not a valid SRP value', [{ path: 'AuthParameters.SRP_A', message: 'must be hex, not 0 mod N' }]);
      const poolName = await verifiers.poolName();
      const stored = await verifiers.find(user?.id ?? NO_USER);
      const real = user && stored && stored.poolName === poolName ? { user, stored } : undefined;
      const name = user?.id ?? normalizeIdentifier(username);
      const userIdForSrp = user?.id ?? standIn.userIdForSrp(name);
      const v = real ? BigInt(`0x${real.stored.verifier}`) : standIn.verifier();
      const b = randomServerSecret();
      const B = serverPublic(v, b);
      const secretBlock = await challenges.issue(clientId, {
        userId: real?.user.id ?? null, verifierId: real?.stored.id ?? null, userIdForSrp, poolName,
        A: a.toString(16), B: B.toString(16), b: b.toString(16), verifier: v.toString(16),
      });
      return {
        ChallengeName: 'PASSWORD_VERIFIER',
        ChallengeParameters: { USER_ID_FOR_SRP: userIdForSrp, SRP_B: B.toString(16), SALT: real?.stored.salt ?? standIn.salt(name), SECRET_BLOCK: secretBlock },
      };
    },

    async verifyPasswordClaim(claim) {
      // Spent first: a challenge is answered once, rightly or not.
      const state = await challenges.consume(claim.clientId, claim.secretBlock);
      if (!state) {
        await recordAudit(deps.db, { type: 'sign_in.password', outcome: 'failure', details: { method: 'srp', reason: 'no_challenge' } });
        return refused;
      }
      // The key is computed for a stand-in too, so that refusing it takes as long as refusing a wrong password.
      const key = serverSessionKey({ A: BigInt(`0x${state.A}`), B: BigInt(`0x${state.B}`), b: BigInt(`0x${state.b}`), verifier: BigInt(`0x${state.verifier}`) });
      const expected = key && claimSignature(key, { poolName: state.poolName, userIdForSrp: state.userIdForSrp, secretBlock: Buffer.from(claim.secretBlock, 'base64'), timestamp: claim.timestamp });
      const signed = expected !== undefined && signatureMatches(expected, claim.signature);
      const proven = signed && state.userId !== null && state.verifierId !== null && state.userIdForSrp === claim.userIdForSrp && timestampAcceptable(claim.timestamp, clock.now());
      if (!proven || !state.userId) {
        const reason = signed ? 'stale_claim' : state.userId ? 'wrong_password' : 'unknown_account';
        await recordAudit(deps.db, { type: 'sign_in.password', outcome: 'failure', subjectId: state.userId, details: { method: 'srp', reason } });
        return refused;
      }
      // The password proved who is acting: for this event and for whatever the request records next.
      setAuditActor({ kind: 'user', id: state.userId });
      await recordAudit(deps.db, { type: 'sign_in.password', subjectId: state.userId, details: { method: 'srp' } });
      return { ok: true, userId: state.userId };
    },
  };
}
