import { randomBytes } from 'node:crypto';
import { setAuditActor } from '../audit/audit-context.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Database, Queryable } from '../db/database.js';
import { isEmailShaped, normalizeIdentifier } from '../directory/normalize.js';
import type { UserRow } from '../directory/repositories/user.repository.js';
import type { UserService } from '../directory/user-service.js';
import { ConflictError, NotFoundError } from '../errors/app-error.js';
import type { Logger } from '../lib/logger.js';
import { insertFederatedIdentity, touchFederatedIdentity, type NewFederatedIdentity } from './repositories/federated-identity.repository.js';
import { stringClaim, type ProfileExtras, type UpstreamClaims, type UpstreamPolicy } from './upstream-policy.js';

/** The upstream a validated token came from. */
export interface TokenSource {
  /** The provider's name in Latchkey. */
  name: string;
  /** The upstream's issuer identifier: identities are keyed on (issuer, subject). */
  issuer: string;
  policy: UpstreamPolicy;
}

/** Who a federated sign-in signs in as, or why it may not (a description safe for the user and the app). */
export type LinkOutcome =
  | { ok: true; userId: string; how: 'known' | 'linked' | 'created' }
  | { ok: false; reason: string };

/** The result of linking an identity to a signed-in user from the account page. */
export type ExplicitLinkOutcome =
  | { ok: true; already: boolean }
  | { ok: false; reason: string };

export interface AccountLinking {
  /** Finds, links or creates the local account for validated upstream claims. */
  signIn(source: TokenSource, claims: UpstreamClaims, extras?: ProfileExtras): Promise<LinkOutcome>;
  /**
   * Links validated upstream claims to `userId`, who proved ownership of the account by being signed in to
   * it (recently: the account page checks). Never moves an identity that belongs to another user, and a user
   * has at most one identity per provider.
   */
  linkToUser(userId: string, source: TokenSource, claims: UpstreamClaims): Promise<ExplicitLinkOutcome>;
}

/** The claims kept on the identity row: what the profile and linking used, nothing else (no tokens). */
const KEPT_CLAIMS = ['iss', 'sub', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username'] as const;
const MAX_PROFILE_VALUE = 2048;

function keptClaims(claims: UpstreamClaims): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of KEPT_CLAIMS) {
    const value = claims[name];
    if ((typeof value === 'string' && value.length <= MAX_PROFILE_VALUE) || typeof value === 'boolean') kept[name] = value;
  }
  return kept;
}

const DISABLED = 'The account this sign-in belongs to cannot sign in (disabled or not confirmed). Contact your administrator.';

/**
 * The linking policy, in order:
 * 1. A known (issuer, subject) signs in as its user.
 * 2. Otherwise, when the provider's policy vouches for the e-mail (the administrator marked the provider as
 *    verifying e-mail and the token says `email_verified`), and exactly one local account has that address
 *    and has verified it too, the identity is linked to that account. The database's unique constraints
 *    decide races: of two upstream accounts linking the same local account at once, exactly one links.
 * 3. Otherwise a new, federated-only user is created (confirmed, no password), its profile mapped from the
 *    claims; its e-mail counts as verified only when the policy vouched for it. When the address belongs to
 *    another account already, the new user gets no e-mail (the identity row keeps what the upstream said).
 */
/** A concurrent first sign-in of the same upstream identity recorded it first. */
class IdentityRaceLost extends Error {
  override readonly name = 'IdentityRaceLost';
}

export function createAccountLinking(deps: { db: Database; users: UserService; logger: Logger }): AccountLinking {
  const { db, users, logger } = deps;

  /** The sign-in's outcome for `userId`, audited: a success names the user as the actor from here on. */
  async function actingOutcome(provider: string, userId: string, how: 'known' | 'linked' | 'created'): Promise<LinkOutcome> {
    if (!(await users.findActingUser(userId))) return refused(provider, 'account_refused', userId, DISABLED);
    setAuditActor({ kind: 'user', id: userId });
    await recordAudit(db, { type: 'sign_in.federated', subjectId: userId, details: { provider, how } });
    return { ok: true, userId, how };
  }

  async function refused(provider: string, reason: string, userId: string | null, description: string): Promise<LinkOutcome> {
    await recordAudit(db, { type: 'sign_in.federated', outcome: 'failure', subjectId: userId, details: { provider, reason } });
    return { ok: false, reason: description };
  }

  /** Links an identity to an existing user with its audit event; false when a unique constraint refused it. */
  function linkIdentity(identity: NewFederatedIdentity, how: 'account_page' | 'verified_email'): Promise<boolean> {
    return db.transaction(async (tx) => {
      if (!(await insertFederatedIdentity(tx, identity))) return false;
      await recordAudit(tx, { type: 'federation.linked', subjectId: identity.userId, details: { provider: identity.provider, how } });
      return true;
    });
  }

  /** The one local account owning a verified `email`, if any. */
  async function ownerOf(email: string) {
    try {
      const user = await users.resolve(email);
      return user.email_verified && user.email !== null && normalizeIdentifier(user.email) === normalizeIdentifier(email) ? user : undefined;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async function createUser(source: TokenSource, claims: UpstreamClaims, extras: ProfileExtras, verifiedEmail: string | null, within: (tx: Queryable, user: UserRow) => Promise<void>) {
    const mapped = source.policy.profile(claims, extras);
    const profile: Record<string, string> = {};
    for (const key of ['name', 'given_name', 'family_name'] as const) {
      const value = mapped[key];
      if (value !== undefined && value.length <= MAX_PROFILE_VALUE) profile[key] = value;
    }
    // Only an address the provider is trusted to have verified goes on the user. Addresses are unique, so an
    // unverified one would let anyone at an upstream (any Entra tenant allowed in) hold someone else's
    // address here and block its owner's sign-up; the identity row keeps what the upstream said.
    const email = mapped.email !== undefined && isEmailShaped(mapped.email) && verifiedEmail !== null
      && normalizeIdentifier(verifiedEmail) === normalizeIdentifier(mapped.email) ? mapped.email : undefined;
    const username = `${source.name}-${randomBytes(6).toString('hex')}`;
    const base = { status: 'confirmed' as const, profile };
    if (email) {
      try {
        return await users.create({ ...base, email, emailVerified: true }, { within });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    return users.create({ ...base, username }, { within });
  }

  return {
    async linkToUser(userId, source, claims) {
      const subject = stringClaim(claims, 'sub');
      if (!subject || subject.length > 255) return { ok: false, reason: 'The upstream token has no usable subject.' };
      const known = await touchFederatedIdentity(db, source.issuer, subject);
      if (known) {
        return known.user_id === userId
          ? { ok: true, already: true }
          : { ok: false, reason: `This ${source.name} account is already linked to another user.` };
      }
      const identity = { provider: source.name, issuer: source.issuer, subject, email: stringClaim(claims, 'email') ?? null, claims: keptClaims(claims), userId };
      if (await linkIdentity(identity, 'account_page')) {
        logger.info({ event: 'federation.linked', provider: source.name, userId, how: 'signed_in' }, 'federated identity linked by its signed-in owner');
        return { ok: true, already: false };
      }
      // The unique constraints refused it: a concurrent link of the same identity, or another identity of
      // this provider on the account.
      const raced = await touchFederatedIdentity(db, source.issuer, subject);
      if (raced?.user_id === userId) return { ok: true, already: true };
      return { ok: false, reason: raced ? `This ${source.name} account is already linked to another user.` : `Your account is already linked to another ${source.name} identity. Unlink it first.` };
    },

    async signIn(source, claims, extras = {}) {
      const subject = stringClaim(claims, 'sub');
      if (!subject || subject.length > 255) return refused(source.name, 'no_subject', null, 'The upstream token has no usable subject.');
      const known = await touchFederatedIdentity(db, source.issuer, subject);
      if (known) return actingOutcome(source.name, known.user_id, 'known');

      const identity = { provider: source.name, issuer: source.issuer, subject, email: stringClaim(claims, 'email') ?? null, claims: keptClaims(claims) };
      const verifiedEmail = source.policy.verifiedEmail(claims);
      const owner = verifiedEmail && isEmailShaped(verifiedEmail) ? await ownerOf(verifiedEmail) : undefined;
      if (owner) {
        // Checked before linking: a refused sign-in must leave no link behind.
        if (!(await users.findActingUser(owner.id))) return refused(source.name, 'account_refused', owner.id, DISABLED);
        if (await linkIdentity({ ...identity, userId: owner.id }, 'verified_email')) {
          logger.info({ event: 'federation.linked', provider: source.name, userId: owner.id }, 'federated identity linked by verified e-mail');
          return actingOutcome(source.name, owner.id, 'linked');
        }
        // Lost a race: the same identity was linked meanwhile (use it), or another identity of this
        // provider took the account (refuse: one identity per provider and account).
        const raced = await touchFederatedIdentity(db, source.issuer, subject);
        if (raced) return actingOutcome(source.name, raced.user_id, 'known');
        return refused(source.name, 'identity_conflict', owner.id, `The account with this e-mail is already linked to another ${source.name} identity.`);
      }

      // The user and their identity are created in one transaction: no user without the identity it was
      // made for. Losing the race to a concurrent first sign-in of the same identity rolls both back.
      try {
        const user = await createUser(source, claims, extras, verifiedEmail, async (tx, created) => {
          if (!(await insertFederatedIdentity(tx, { ...identity, userId: created.id }))) throw new IdentityRaceLost();
          await recordAudit(tx, { type: 'federation.linked', subjectId: created.id, details: { provider: source.name, how: 'new_user' } });
        });
        logger.info({ event: 'federation.user_created', provider: source.name, userId: user.id }, 'user created from a federated identity');
        return await actingOutcome(source.name, user.id, 'created');
      } catch (error) {
        if (!(error instanceof IdentityRaceLost)) throw error;
      }
      // Sign in as the winner's user.
      const raced = await touchFederatedIdentity(db, source.issuer, subject);
      return raced ? actingOutcome(source.name, raced.user_id, 'known') : refused(source.name, 'identity_race', null, 'The sign-in could not be completed. Try again.');
    },
  };
}
