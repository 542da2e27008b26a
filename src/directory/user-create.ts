import { recordAudit } from '../audit/record-audit.js';
import type { Database, Queryable } from '../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { validateCustomAttributes, validateProfile } from './attributes.js';
import { isEmailShaped, normalizeIdentifier, usernameProblem } from './normalize.js';
import type { PasswordHasher } from './password-hasher.js';
import { assertPasswordAllowed, type PasswordPolicy } from './password-policy.js';
import type { SrpVerifiers } from './srp-verifiers.js';
import { listAttributeDefinitions, lockAttributeDefinitions } from './repositories/attribute.repository.js';
import { findGroupByName, insertGroupMember } from './repositories/group.repository.js';
import * as users from './repositories/user.repository.js';
import type { UserRow } from './repositories/user.repository.js';

export interface CreateUserInput {
  email?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  emailVerified?: boolean;
  /**
   * The account status. An account an administrator creates (CLI, admin API) is confirmed unless asked
   * otherwise; self-service sign-up creates it unconfirmed until the address is verified. Confirmation and
   * `emailVerified` are separate: a confirmed user may have an unverified address.
   */
  status?: 'confirmed' | 'unconfirmed';
  phoneNumber?: string | undefined;
  profile?: Record<string, unknown>;
  customAttributes?: Record<string, unknown>;
  groups?: readonly string[];
}

export interface CreateUserOptions {
  /** More work in the creating transaction, after the user row (a federated user's linked identity). */
  within?: (tx: Queryable, user: UserRow) => Promise<void>;
  event?: 'user.created' | 'sign_up.created';
}

/**
 * Creates a user: identifiers and the password checked against the pool's policy, custom attributes against
 * their declarations (again under lock, after the slow hash), then the row, its SRP verifier, its groups,
 * `within` and the audit event in one transaction. A taken username or address is a 409.
 */
export async function createUser(
  deps: { db: Database; hasher: PasswordHasher; currentPolicy: () => Promise<PasswordPolicy>; srp?: SrpVerifiers },
  input: CreateUserInput,
  options: CreateUserOptions = {},
): Promise<UserRow> {
  const { db, hasher, currentPolicy } = deps;
  const problems: { path: string; message: string }[] = [];
  const email = input.email?.trim() || null;
  const username = input.username?.trim() || null;
  if (!email && !username) problems.push({ path: 'email', message: 'an e-mail or a username is required' });
  if (email && !isEmailShaped(email)) problems.push({ path: 'email', message: 'is not an e-mail address' });
  const usernameRefusal = username ? usernameProblem(username) : null;
  if (usernameRefusal) problems.push({ path: 'username', message: usernameRefusal });
  if (problems.length) throw new InvalidRequestError('invalid user', problems);
  if (input.password !== undefined) assertPasswordAllowed(await currentPolicy(), input.password, { email, username });

  // Checked now for a prompt answer, and again once the password is hashed, with the declarations locked
  // until the commit: a schema change in between (a new `required`, a new type) must not be slipped past.
  validateCustomAttributes(await listAttributeDefinitions(db), input.customAttributes ?? {}, { creating: true });
  const profile = validateProfile(input.profile ?? {});
  const passwordHash = input.password !== undefined ? await hasher.hash(input.password) : null;

  return db.transaction(async (tx) => {
    const customAttributes = validateCustomAttributes(await lockAttributeDefinitions(tx), input.customAttributes ?? {}, { creating: true });
    let user: UserRow;
    try {
      user = await users.insertUser(tx, {
        username,
        usernameNormalized: username ? normalizeIdentifier(username) : null,
        email,
        emailNormalized: email ? normalizeIdentifier(email) : null,
        emailVerified: input.emailVerified ?? false,
        phoneNumber: input.phoneNumber ?? null,
        status: input.status ?? 'confirmed',
        passwordHash,
        profile,
        customAttributes,
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new ConflictError('a user with this username or e-mail already exists');
      throw error;
    }
    if (input.password !== undefined && passwordHash !== null) await deps.srp?.store(tx, user.id, input.password, passwordHash);
    for (const name of input.groups ?? []) {
      const group = await findGroupByName(tx, name);
      if (!group) throw new NotFoundError(`no group "${name}"`);
      await insertGroupMember(tx, group.id, user.id);
    }
    await options.within?.(tx, user);
    await recordAudit(tx, { type: options.event ?? 'user.created', subjectId: user.id, details: { status: user.status, groups: [...(input.groups ?? [])] } });
    return user;
  });
}
