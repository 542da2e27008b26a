import { InvalidRequestError } from '../../errors/app-error.js';
import { isUuid } from '../../lib/uuid.js';
import { validateCustomAttributes, validateProfile } from '../attributes.js';
import { isEmailShaped, normalizeIdentifier, usernameProblem } from '../normalize.js';
import { parsePasswordHash } from '../password-formats/registry.js';
import type { AttributeDefinitionRow } from '../repositories/attribute.repository.js';
import { RowRejection, type TransferIdentity, type TransferUser } from './transfer-user.js';

/** E.164, as Cognito requires phone numbers: `+`, a country code, at most 15 digits. */
const PHONE = /^\+[1-9][0-9]{1,14}$/;
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MAX_GROUPS = 100;

/** A row's record, checked on its own (before the database is asked about it). */
export interface ValidRecord {
  record: TransferUser;
  id: string | null;
  username: { value: string; normalized: string } | null;
  email: { value: string; normalized: string } | null;
  /** Profile claims to set (validated) and to remove. */
  profileSet: Record<string, string>;
  profileRemove: string[];
  /** Custom attributes to set (coerced to their declared types) and to remove. */
  customSet: Record<string, string | number | boolean>;
  customRemove: string[];
  groups: string[] | undefined;
  /** Identities with the issuer resolved (the provider's own unless the row names another). */
  identities: Required<TransferIdentity>[] | undefined;
}

/** The first problem of a service-level validation error, as a row reason. */
function reasonOf(error: unknown): never {
  if (error instanceof InvalidRequestError) {
    const first = error.details?.[0];
    throw new RowRejection(first ? `${first.path}: ${first.message}` : error.message);
  }
  throw error;
}

function identifier(value: string | null | undefined): { value: string; normalized: string } | null {
  const trimmed = value?.trim();
  return trimmed ? { value: trimmed, normalized: normalizeIdentifier(trimmed) } : null;
}

function isIssuerUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && value.length <= 2048;
  } catch {
    return false;
  }
}

/**
 * Checks everything about a row that needs no user row: identifiers, hash format and work factor, phone
 * number, profile and declared custom attributes, group names, and that each identity's provider is known.
 */
export async function validateRecord(
  record: TransferUser,
  context: { definitions: readonly AttributeDefinitionRow[]; issuerOf: (provider: string) => Promise<string | null> },
): Promise<ValidRecord> {
  const id = record.id?.toLowerCase() ?? null;
  if (id !== null && !isUuid(id)) throw new RowRejection('latchkey:id is not a UUID');
  const username = identifier(record.username);
  const email = identifier(record.email);
  if (!username && !email && !id) throw new RowRejection('a username or an e-mail address is required');
  const usernameRefusal = username ? usernameProblem(username.value) : null;
  if (usernameRefusal) throw new RowRejection(`username ${usernameRefusal}`);
  if (email && !isEmailShaped(email.value)) throw new RowRejection('email is not an e-mail address');
  if (record.phoneNumber && !PHONE.test(record.phoneNumber)) throw new RowRejection('phone_number must be in E.164 form (+ and up to 15 digits)');
  if (record.passwordHash) {
    const parsed = parsePasswordHash(record.passwordHash);
    if (!parsed.ok) throw new RowRejection(parsed.reason);
  }

  const profileEntries = Object.entries(record.profile);
  const profileSet = (() => {
    try {
      return validateProfile(Object.fromEntries(profileEntries.filter(([, value]) => value !== null && value !== undefined)));
    } catch (error) {
      return reasonOf(error);
    }
  })();
  // Keys are profile claims (validateProfile refused others); an empty or null value removes the claim.
  const profileRemove = profileEntries.map(([key]) => key).filter((key) => !(key in profileSet));

  const customEntries = Object.entries(record.customAttributes);
  const customSet = (() => {
    try {
      return validateCustomAttributes(context.definitions, Object.fromEntries(customEntries.filter(([, value]) => value !== null)), { creating: false });
    } catch (error) {
      return reasonOf(error);
    }
  })();
  const customRemove = customEntries.filter(([, value]) => value === null).map(([key]) => key);
  const declared = new Set(context.definitions.map((definition) => definition.name));
  const undeclared = customRemove.find((name) => !declared.has(name));
  if (undeclared) throw new RowRejection(`custom:${undeclared}: is not a declared attribute`);

  let groups: string[] | undefined;
  if (record.groups) {
    groups = [...new Set(record.groups)];
    const bad = groups.find((name) => !GROUP_NAME.test(name));
    if (bad !== undefined) throw new RowRejection(`group name "${bad.slice(0, 64)}" is not valid (letters, digits and . _ -, 1-128)`);
    if (groups.length > MAX_GROUPS) throw new RowRejection(`more than ${MAX_GROUPS} groups`);
  }

  let identities: Required<TransferIdentity>[] | undefined;
  if (record.identities) {
    identities = [];
    for (const identity of record.identities) {
      const providerIssuer = await context.issuerOf(identity.provider);
      if (!providerIssuer) throw new RowRejection(`unknown upstream provider "${identity.provider.slice(0, 64)}"`);
      const issuer = identity.issuer ?? providerIssuer;
      if (!isIssuerUrl(issuer)) throw new RowRejection(`the issuer of the ${identity.provider} identity is not an http(s) URL`);
      if (identity.subject.length < 1 || identity.subject.length > 255) throw new RowRejection(`the ${identity.provider} subject must be 1-255 characters`);
      if (identities.some((other) => other.provider === identity.provider)) throw new RowRejection(`more than one identity at ${identity.provider}`);
      identities.push({ provider: identity.provider, issuer, subject: identity.subject });
    }
  }

  return { record, id, username, email, profileSet, profileRemove, customSet, customRemove, groups, identities };
}
