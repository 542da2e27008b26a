import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError, type FieldProblem } from '../errors/app-error.js';
import { PROFILE_CLAIMS, validateCustomAttributes, validateProfile } from './attributes.js';
import { isEmailShaped, normalizeIdentifier, usernameProblem } from './normalize.js';
import { listAttributeDefinitions, lockAttributeDefinitions, type AttributeDefinitionRow } from './repositories/attribute.repository.js';
import { findUserById, updateUserById, type UserPatch, type UserRow } from './repositories/user.repository.js';

/** What an update may change. Absent fields stay as they are. */
export interface UserChanges {
  email?: string | undefined;
  username?: string | undefined;
  /** Standard profile claims; an empty string removes one. */
  profile?: Record<string, unknown>;
  /** Declared custom attributes (`custom:NAME` or `NAME`). */
  customAttributes?: Record<string, unknown>;
  emailVerified?: boolean | undefined;
}

/** Who asks: an administrator (CLI, admin API) or the user themselves (account page). */
export interface UpdateOptions {
  actor: 'admin' | 'user';
}

/**
 * Validates a change to `user` and applies it atomically. Immutable custom attributes follow Cognito: they
 * are set when the user is created and never changed afterwards, by anyone; one that has no value yet may
 * be set once. Usernames and e-mail addresses are re-normalised, so uniqueness holds across case and
 * Unicode forms (a clash is a 409).
 */
export async function updateUser(db: Database, user: UserRow, changes: UserChanges, options: UpdateOptions): Promise<UserRow> {
  const problems: FieldProblem[] = [];
  const email = changes.email?.trim();
  const username = changes.username?.trim();
  if (email !== undefined && !isEmailShaped(email)) problems.push({ path: 'email', message: 'is not an e-mail address' });
  const usernameRefusal = username !== undefined ? usernameProblem(username) : null;
  if (usernameRefusal) problems.push({ path: 'username', message: usernameRefusal });
  // Ownership of an address is proven by verification; a user cannot simply declare it.
  if (changes.emailVerified !== undefined && options.actor !== 'admin') problems.push({ path: 'email_verified', message: 'only an administrator may set this' });
  if (problems.length) throw new InvalidRequestError('invalid user', problems);

  const profileInput = changes.profile ?? {};
  const profileRemove = Object.entries(profileInput)
    .filter(([key, value]) => (PROFILE_CLAIMS as readonly string[]).includes(key) && typeof value === 'string' && value.trim() === '')
    .map(([key]) => key);
  const profileSet = validateProfile(Object.fromEntries(Object.entries(profileInput).filter(([key]) => !profileRemove.includes(key))));

  const customInput = changes.customAttributes ?? {};
  const { customAttributes, setOnce } = customAttributeChanges(await listAttributeDefinitions(db), user, customInput);

  let patch: UserPatch = {
    username: username !== undefined ? { value: username, normalized: normalizeIdentifier(username) } : null,
    email: email !== undefined ? { value: email, normalized: normalizeIdentifier(email) } : null,
    emailVerified: changes.emailVerified ?? null,
    profileSet,
    profileRemove,
    customAttributes,
    setOnce,
  };
  if (!patch.username && !patch.email && patch.emailVerified === null && !profileRemove.length
    && !Object.keys(profileSet).length && !Object.keys(customAttributes).length) {
    throw new InvalidRequestError('nothing to change: name at least one attribute');
  }

  let updated: UserRow | undefined;
  try {
    updated = await db.transaction(async (tx) => {
      // Checked again with the declarations locked until the commit: a schema change (a rename, a new type)
      // waits for this write or this write for it, so a value is never stored against a stale declaration.
      if (Object.keys(customInput).length) patch = { ...patch, ...customAttributeChanges(await lockAttributeDefinitions(tx), user, customInput) };
      const row = await updateUserById(tx, user.id, patch);
      if (row) await recordAudit(tx, { type: 'user.updated', subjectId: user.id, details: { fields: changedFields(patch) } });
      return row;
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new ConflictError('a user with this username or e-mail already exists');
    throw error;
  }
  if (updated) return updated;
  // The guard refused or the user is gone: say which.
  const current = await findUserById(db, user.id);
  if (!current) throw new NotFoundError('the user no longer exists');
  throw immutableError(patch.setOnce.filter((name) => name in current.custom_attributes).map(immutable));
}

/**
 * The custom attributes to write, typed and checked against `definitions`, and the immutable ones set for the
 * first time (guarded in SQL); an immutable one that already has another value is a 400.
 */
function customAttributeChanges(definitions: readonly AttributeDefinitionRow[], user: UserRow, input: Record<string, unknown>): Pick<UserPatch, 'customAttributes' | 'setOnce'> {
  const customAttributes = validateCustomAttributes(definitions, input, { creating: false });
  const setOnce: string[] = [];
  const problems: FieldProblem[] = [];
  for (const definition of definitions) {
    if (definition.mutable || !(definition.name in customAttributes)) continue;
    if (!(definition.name in user.custom_attributes)) setOnce.push(definition.name);
    else if (user.custom_attributes[definition.name] === customAttributes[definition.name]) delete customAttributes[definition.name];
    else problems.push(immutable(definition.name));
  }
  if (problems.length) throw immutableError(problems);
  return { customAttributes, setOnce };
}

/** The names of the attributes a change touches (never their values: the event says what, not to what). */
function changedFields(patch: UserPatch): string[] {
  return [
    ...(patch.username ? ['username'] : []),
    ...(patch.email ? ['email'] : []),
    ...(patch.emailVerified !== null ? ['email_verified'] : []),
    ...Object.keys(patch.profileSet),
    ...patch.profileRemove,
    ...Object.keys(patch.customAttributes).map((name) => `custom:${name}`),
  ];
}

const immutable = (name: string): FieldProblem => ({ path: `custom:${name}`, message: 'is immutable and already has a value' });

function immutableError(problems: FieldProblem[]): InvalidRequestError {
  return new InvalidRequestError(`cannot change ${problems.map((p) => p.path).join(', ')}: immutable attributes are set once`, problems);
}
