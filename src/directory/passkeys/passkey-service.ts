import type {
  verifyAuthenticationResponse, verifyRegistrationResponse,
  AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type * as SimpleWebAuthn from '@simplewebauthn/server';
import { recordAudit } from '../../audit/record-audit.js';
import type { Database } from '../../db/database.js';
import { accountRefusal } from '../account-state.js';
import type { Clock } from '../../lib/clock.js';
import type { UserRow } from '../repositories/user.repository.js';
import type { UserService } from '../user-service.js';
import { CHALLENGE_TTL_SECONDS, createPasskeyChallenges } from './passkey-challenges.js';
import type { RelyingParty } from './relying-party.js';
import * as repo from './repositories/passkey.repository.js';

/** A passkey as the account page shows it (no key material, no credential ID). */
export interface PresentedPasskey {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Backup eligible: the passkey may be synced to the user's other devices. */
  synced: boolean;
}

/** A verified assertion: whose passkey it was, and what the authenticator proved. */
export interface PasskeyProof {
  userId: string;
  /** The authenticator verified the user (PIN or biometric), not only their presence (WebAuthn UV flag). */
  userVerified: boolean;
  /** singleDevice: a key bound to one authenticator; multiDevice: a key that may be synced. */
  deviceType: 'singleDevice' | 'multiDevice';
}

export type PasskeyFailure = 'no_challenge' | 'unknown_credential' | 'wrong_user' | 'invalid' | 'counter' | 'already_registered';

/** What of a user a passkey is registered for: its handle and the names the authenticator shows. */
export type PasskeyOwner = Pick<UserRow, 'id' | 'username' | 'email' | 'profile'>;

export interface PasskeyService {
  list(userId: string): Promise<PresentedPasskey[]>;
  count(userId: string): Promise<number>;
  /** Options for navigator.credentials.create, with a challenge bound to `binding` (the account session). */
  registrationOptions(user: PasskeyOwner, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON>;
  register(user: PasskeyOwner, binding: string, response: RegistrationResponseJSON, name: string): Promise<{ ok: true; passkey: PresentedPasskey } | { ok: false; reason: PasskeyFailure; detail?: string }>;
  /**
   * Options for navigator.credentials.get bound to a sign-in: with `userId`, a second factor among that user's
   * passkeys (user verification preferred); without, a passwordless sign-in with a discoverable credential
   * (user verification required).
   */
  authenticationOptions(binding: string, userId?: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** The user a credential ID belongs to (for counting the attempt against that account first). */
  ownerOf(credentialId: string): Promise<string | undefined>;
  authenticate(binding: string, response: AuthenticationResponseJSON, userId?: string): Promise<{ ok: true; proof: PasskeyProof } | { ok: false; reason: PasskeyFailure; detail?: string }>;
  rename(userId: string, id: string, name: string): Promise<boolean>;
  /** Deletes one passkey, never the user's last way to sign in. */
  remove(userId: string, id: string): Promise<'deleted' | 'last' | 'absent'>;
  /** An operator removes every passkey of a user (lost or stolen devices). */
  removeAll(userReference: string): Promise<{ user: UserRow; removed: number }>;
}

const TIMEOUT_MS = CHALLENGE_TTL_SECONDS * 1000;
/** The WebAuthn user handle: the user's UUID as 16 bytes, opaque and free of personal data (§14.6.1). */
const userHandle = (userId: string) => Buffer.from(userId.replace(/-/g, ''), 'hex');

/** The challenge's bytes: given a string, the library would encode the string's characters instead. */
const bytes = (base64url: string) => Uint8Array.from(Buffer.from(base64url, 'base64url'));

function present(row: repo.PasskeyRow): PresentedPasskey {
  return { id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at, synced: row.device_type === 'multiDevice' };
}

function failureDetail(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 300) : 'verification failed';
}

/**
 * Passkeys with @simplewebauthn/server: registration of discoverable credentials (attestation `none`: which
 * authenticator model it is matters less than the key) and assertions for the second factor and for
 * passwordless sign-in. The RP ID and origin come from the issuer only (relying-party.ts); every challenge is
 * spent before its answer is checked; the signature counter is checked and advanced in one guarded UPDATE.
 */
export function createPasskeyService(deps: { db: Database; secrets: readonly string[]; clock: Clock; users: UserService; rp: RelyingParty }): PasskeyService {
  const { db, rp, clock } = deps;
  const challenges = createPasskeyChallenges(deps);
  // Loaded with the first ceremony, not at start: every CLI command builds the services, and none of them
  // verifies a passkey.
  let library: Promise<typeof SimpleWebAuthn> | undefined;
  const webauthn = () => library ??= import('@simplewebauthn/server');

  return {
    list: async (userId) => (await repo.listPasskeysByUserId(db, userId)).map(present),
    count: (userId) => repo.countPasskeysByUserId(db, userId),

    async registrationOptions(user, binding) {
      const existing = await repo.listPasskeysByUserId(db, user.id);
      const name = typeof user.profile.name === 'string' ? user.profile.name : '';
      return (await webauthn()).generateRegistrationOptions({
        rpName: rp.name, rpID: rp.id, userID: userHandle(user.id),
        userName: user.username ?? user.email ?? user.id, userDisplayName: name || (user.email ?? user.username ?? ''),
        challenge: bytes(await challenges.issue('register', binding, user.id)), timeout: TIMEOUT_MS, attestationType: 'none',
        // The same authenticator is not registered twice for one user.
        excludeCredentials: existing.map((row) => ({ id: row.credential_id, transports: row.transports })),
        // Discoverable (resident) credentials, so the passkey can also sign in without a username.
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      });
    },

    async register(user, binding, response, name) {
      const challenge = await challenges.consume('register', binding);
      if (!challenge || challenge.userId !== user.id) return { ok: false, reason: 'no_challenge' };
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await (await webauthn()).verifyRegistrationResponse({ response, expectedChallenge: challenge.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false });
      } catch (error) {
        return { ok: false, reason: 'invalid', detail: failureDetail(error) };
      }
      if (!verified.verified) return { ok: false, reason: 'invalid' };
      const info = verified.registrationInfo;
      const row = await db.transaction(async (tx) => {
        const inserted = await repo.insertPasskey(tx, {
          user_id: user.id, credential_id: info.credential.id, public_key: Buffer.from(info.credential.publicKey), counter: info.credential.counter,
          transports: (info.credential.transports ?? []).slice(0, 8), aaguid: info.aaguid, name, device_type: info.credentialDeviceType,
          backed_up: info.credentialBackedUp, createdAt: clock.now(),
        });
        if (inserted) await recordAudit(tx, { type: 'passkey.added', subjectId: user.id, details: { synced: inserted.device_type === 'multiDevice' } });
        return inserted;
      });
      return row ? { ok: true, passkey: present(row) } : { ok: false, reason: 'already_registered' };
    },

    async authenticationOptions(binding, userId) {
      const allow = userId ? (await repo.listPasskeysByUserId(db, userId)).map((row) => ({ id: row.credential_id, transports: row.transports })) : undefined;
      return (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id, timeout: TIMEOUT_MS,
        challenge: bytes(await challenges.issue(userId ? 'second-factor' : 'passwordless', binding, userId ?? null)),
        userVerification: userId ? 'preferred' : 'required',
        ...(allow ? { allowCredentials: allow } : {}),
      });
    },

    ownerOf: async (credentialId) => (await repo.findPasskeyByCredentialId(db, credentialId))?.user_id,

    async authenticate(binding, response, userId) {
      // A second factor after the password, or a passwordless sign-in: each outcome is audited as one.
      const type = userId ? 'sign_in.second_factor' : 'sign_in.passkey';
      const refused = async (reason: PasskeyFailure, subjectId: string | undefined, detail?: string) => {
        await recordAudit(db, { type, outcome: 'failure', subjectId: subjectId ?? null, details: { reason, ...(userId ? { method: 'passkey' } : {}) } });
        return { ok: false as const, reason, ...(detail ? { detail } : {}) };
      };
      // Spent first, whatever follows: a refused answer cannot be retried against the same challenge.
      const challenge = await challenges.consume(userId ? 'second-factor' : 'passwordless', binding);
      if (!challenge || (userId && challenge.userId !== userId)) return refused('no_challenge', userId);
      const row = await repo.findPasskeyByCredentialId(db, response.id);
      if (!row) return refused('unknown_credential', userId);
      if (userId && row.user_id !== userId) return refused('wrong_user', userId);
      // A discoverable credential names its user; it must be the one the credential was registered to (§7.2 step 6).
      const handle = response.response.userHandle;
      if (handle && Buffer.from(handle, 'base64url').toString('hex') !== row.user_id.replace(/-/g, '')) return refused('wrong_user', row.user_id);
      let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verified = await (await webauthn()).verifyAuthenticationResponse({
          response, expectedChallenge: challenge.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id,
          // The stored counter is compared in recordPasskeyUse's guarded UPDATE instead, the one place that
          // decides (atomically, under concurrent uses); the library is given 0 so it does not decide first.
          credential: { id: row.credential_id, publicKey: new Uint8Array(row.public_key), counter: 0, transports: row.transports },
          requireUserVerification: !userId,
        });
      } catch (error) {
        return refused('invalid', row.user_id, failureDetail(error));
      }
      if (!verified.verified) return refused('invalid', row.user_id);
      const info = verified.authenticationInfo;
      // A passwordless sign-in is refused afterwards for an account that may not act (the caller tells why):
      // its event says so rather than a success.
      const owner = userId ? undefined : await deps.users.findById(row.user_id);
      const refusal = userId ? null : owner ? accountRefusal(owner) : 'disabled';
      const used = await db.transaction(async (tx) => {
        if (!(await repo.recordPasskeyUse(tx, row.id, info.newCounter, info.credentialBackedUp, clock.now()))) return false;
        await recordAudit(tx, {
          type, subjectId: row.user_id, ...(refusal ? { outcome: 'failure' as const } : {}),
          details: refusal ? { reason: refusal } : userId ? { method: 'passkey' } : { user_verified: info.userVerified },
        });
        return true;
      });
      if (!used) return refused('counter', row.user_id, `signature counter ${info.newCounter} did not grow past ${row.counter}`);
      return { ok: true, proof: { userId: row.user_id, userVerified: info.userVerified, deviceType: info.credentialDeviceType } };
    },

    rename: (userId, id, name) => repo.renamePasskey(db, userId, id, name),

    remove: (userId, id) => db.transaction(async (tx) => {
      await repo.lockUser(tx, userId);
      const outcome = await repo.deletePasskeyUnlessLast(tx, userId, id);
      if (outcome === 'deleted') await recordAudit(tx, { type: 'passkey.removed', subjectId: userId, details: { count: 1 } });
      return outcome;
    }),

    async removeAll(userReference) {
      const user = await deps.users.resolve(userReference);
      const removed = await db.transaction(async (tx) => {
        const count = await repo.deletePasskeysByUserId(tx, user.id);
        await recordAudit(tx, { type: 'passkey.removed', subjectId: user.id, details: { count, all: true } });
        return count;
      });
      return { user, removed };
    },
  };
}
