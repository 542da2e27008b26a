import { z } from 'zod';
import { InvalidRequestError } from '../errors/app-error.js';
import { commonPasswordKey, commonPasswords } from './common-passwords.js';
import { MAX_PASSWORD_BYTES } from './password-hasher.js';

/**
 * The user pool's password policy: which passwords sign-up, reset and the CLI accept. A pure function of
 * the password and the user's identifiers; the hash is unaffected (the password is hashed as typed).
 *
 * Defaults follow NIST SP 800-63B-4 §3.1.1.2 (2024): length and a blocklist, no composition rules.
 * - `minLength` 15: the revision's floor for a password used as a single factor, which it is for every user
 *   without a second factor (8 is allowed only when the password is always one factor of MFA). Composition
 *   rules are off: they push people towards `Passw0rd!`-style patterns that attackers try first, and add
 *   less than a few more characters do. Cognito's default (8 characters, all four classes) is reachable
 *   through the options for pools that need it.
 * - `maxLength` 256 characters: NIST asks to allow at least 64 so passphrases fit. 256 is the most that
 *   always fits the hasher's input bound (MAX_PASSWORD_BYTES = 1024 bytes, 4 bytes per UTF-8 code point);
 *   that bound also applies to the password as typed, since it is what argon2 hashes and sign-in accepts.
 * - `rejectCommon` and `rejectPersonal` on: NIST requires checking against commonly used and
 *   context-specific values (the service's own name is not listed: it has one per deployment).
 * - `temporaryPasswordValidityDays` 7: Cognito's TemporaryPasswordValidityDays and its default. A password an
 *   administrator set for a first sign-in is a secret that travelled to the user by some other channel; after
 *   this many days it no longer leads to choosing a new one, and only an administrator can start over. It is
 *   part of the policy because Cognito keeps it there; it plays no part in which passwords are acceptable.
 *
 * Length is counted in Unicode code points after NFKC normalization (NIST §3.1.1.2 counts each code point
 * as one character and recommends NFKC or NFKD): a precomposed "é" and "e" + a combining accent count the
 * same, a full-width letter counts as its ASCII form, and an emoji outside the BMP counts once (not as its
 * two UTF-16 units). Grapheme clusters would match what a person sees better, but their boundaries depend
 * on the ICU data of the running Node version, so two replicas could disagree; NFKC is stable for assigned
 * characters by Unicode's normalization stability policy.
 */
export interface PasswordPolicyOptions {
  minLength: number;
  maxLength: number;
  requireLowercase: boolean;
  requireUppercase: boolean;
  requireDigit: boolean;
  requireSymbol: boolean;
  /** Refuse the 10,000 most common passwords, one repeated character or piece, and simple sequences. */
  rejectCommon: boolean;
  /** Refuse a password that is or contains the user's username, e-mail address or its local part. */
  rejectPersonal: boolean;
  /** Days an administrator's temporary password may be used for the first sign-in (1 to 365). */
  temporaryPasswordValidityDays: number;
}

/** Stable identifiers of the rules, for UIs that tick them off; `text` is what a person reads. */
export type PasswordRuleId = 'min_length' | 'max_length' | 'lowercase' | 'uppercase' | 'digit' | 'symbol' | 'common' | 'pattern' | 'personal';

export interface PasswordRule {
  readonly id: PasswordRuleId;
  readonly text: string;
}

/** Who the password is for: their identifiers must not be in it. */
export interface PasswordContext {
  email?: string | null | undefined;
  username?: string | null | undefined;
}

export interface PasswordPolicy {
  readonly options: Readonly<PasswordPolicyOptions>;
  /** Every active rule, in the order a form should list them (before the person submits). */
  rules(): PasswordRule[];
  /** The rules `password` breaks, in the same order; empty when it is acceptable. */
  check(password: string, context: PasswordContext): PasswordRule[];
}

/** The floor NIST SP 800-63B-4 sets for any password (even as one factor of MFA). */
export const MIN_PASSWORD_LENGTH_FLOOR = 8;
/** NIST SP 800-63B-4: verifiers SHOULD permit at least 64 characters. */
export const MAX_PASSWORD_LENGTH_FLOOR = 64;
/** The longest limit that always fits the hasher's input bound (4 bytes is the longest UTF-8 code point). */
export const MAX_PASSWORD_LENGTH_CEILING = MAX_PASSWORD_BYTES / 4;
/** Cognito allows 0 to 365; 0 (a temporary password that can never be used) is no useful setting. */
export const TEMPORARY_PASSWORD_VALIDITY_DAYS_MIN = 1;
export const TEMPORARY_PASSWORD_VALIDITY_DAYS_MAX = 365;

export const DEFAULT_PASSWORD_POLICY_OPTIONS: Readonly<PasswordPolicyOptions> = Object.freeze({
  minLength: 15,
  maxLength: MAX_PASSWORD_LENGTH_CEILING,
  requireLowercase: false,
  requireUppercase: false,
  requireDigit: false,
  requireSymbol: false,
  rejectCommon: true,
  rejectPersonal: true,
  temporaryPasswordValidityDays: 7,
});

const defaults = DEFAULT_PASSWORD_POLICY_OPTIONS;
const optionsSchema = z.object({
  minLength: z.number().int().min(MIN_PASSWORD_LENGTH_FLOOR).max(MAX_PASSWORD_LENGTH_CEILING).default(defaults.minLength),
  maxLength: z.number().int().min(MAX_PASSWORD_LENGTH_FLOOR).max(MAX_PASSWORD_LENGTH_CEILING).default(defaults.maxLength),
  requireLowercase: z.boolean().default(defaults.requireLowercase),
  requireUppercase: z.boolean().default(defaults.requireUppercase),
  requireDigit: z.boolean().default(defaults.requireDigit),
  requireSymbol: z.boolean().default(defaults.requireSymbol),
  rejectCommon: z.boolean().default(defaults.rejectCommon),
  rejectPersonal: z.boolean().default(defaults.rejectPersonal),
  temporaryPasswordValidityDays: z.number().int().min(TEMPORARY_PASSWORD_VALIDITY_DAYS_MIN).max(TEMPORARY_PASSWORD_VALIDITY_DAYS_MAX).default(defaults.temporaryPasswordValidityDays),
}).strict().refine((o) => o.minLength <= o.maxLength, { path: ['minLength'], message: 'must not be greater than maxLength' });

/**
 * Shorter identifiers are only refused when the password equals them: containment of a 2- or 3-letter
 * username ("al", "bob") would refuse unrelated passphrases while adding almost nothing to a guesser.
 */
const PERSONAL_FRAGMENT_MIN = 4;

/** One rule: its plain-language text and whether a normalized password breaks it. */
interface ActiveRule extends PasswordRule {
  broken(input: { raw: string; normalized: string; length: number; folded: string }, context: PasswordContext): boolean;
}

/**
 * Builds a policy from `options` (absent keys take the defaults). Throws InvalidRequestError listing every
 * problem when an option is unknown, of the wrong type or out of range.
 */
export function createPasswordPolicy(options: Partial<PasswordPolicyOptions> = {}): PasswordPolicy {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidRequestError('invalid password policy', parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || 'options', message: issue.message })));
  }
  const settings: Readonly<PasswordPolicyOptions> = Object.freeze({ ...parsed.data });
  const active = activeRules(settings);
  const present = (rule: ActiveRule): PasswordRule => Object.freeze({ id: rule.id, text: rule.text });
  return {
    options: settings,
    rules: () => active.map(present),
    check(password, context) {
      const normalized = password.normalize('NFKC');
      const input = { raw: password, normalized, length: [...normalized].length, folded: normalized.toLowerCase() };
      return active.filter((rule) => rule.broken(input, context)).map(present);
    },
  };
}

function activeRules(o: Readonly<PasswordPolicyOptions>): ActiveRule[] {
  const rules: ActiveRule[] = [
    { id: 'min_length', text: `At least ${o.minLength} characters.`, broken: (p) => p.length < o.minLength },
    // The byte bound guards argon2 for input whose NFKC form is shorter than typed (composed accents).
    { id: 'max_length', text: `At most ${o.maxLength} characters.`, broken: (p) => p.length > o.maxLength || Buffer.byteLength(p.raw, 'utf8') > MAX_PASSWORD_BYTES },
  ];
  if (o.requireLowercase) rules.push({ id: 'lowercase', text: 'At least one lowercase letter.', broken: (p) => !/\p{Ll}/u.test(p.normalized) });
  if (o.requireUppercase) rules.push({ id: 'uppercase', text: 'At least one uppercase letter.', broken: (p) => !/[\p{Lu}\p{Lt}]/u.test(p.normalized) });
  if (o.requireDigit) rules.push({ id: 'digit', text: 'At least one digit.', broken: (p) => !/\p{Nd}/u.test(p.normalized) });
  if (o.requireSymbol) {
    rules.push({ id: 'symbol', text: 'At least one symbol or space (a character that is not a letter or a digit).', broken: (p) => !/[^\p{L}\p{M}\p{N}]/u.test(p.normalized) });
  }
  if (o.rejectCommon) {
    rules.push(
      { id: 'common', text: 'Not one of the 10,000 most common passwords.', broken: (p) => commonPasswords().has(p.folded) },
      {
        id: 'pattern',
        text: 'Not one character or a short piece repeated, and not a simple sequence such as "abcdef" or "987654".',
        broken: (p) => isSimplePattern(p.folded, o.minLength),
      },
    );
  }
  if (o.rejectPersonal) rules.push({ id: 'personal', text: 'Does not contain your username or e-mail address.', broken: (p, context) => containsPersonalData(p.folded, context) });
  return rules;
}

/**
 * One character repeated ("aaaa…"), a piece shorter than the minimum length repeated to reach it
 * ("abcabc…", "Passw0rd!Passw0rd!"), or a run of consecutive code points up or down ("abcdef…", "98765…",
 * digits wrapping 9 → 0). `folded` is NFKC and lower-cased.
 */
export function isSimplePattern(folded: string, minLength: number): boolean {
  const points = [...folded].map((c) => c.codePointAt(0)!);
  if (points.length < 2) return points.length === 1;
  for (let unit = 1; unit <= points.length / 2 && unit < minLength; unit += 1) {
    if (points.length % unit === 0 && points.every((cp, i) => cp === points[i % unit])) return true;
  }
  const step = (a: number, b: number): number => {
    const isDigit = (cp: number) => cp >= 0x30 && cp <= 0x39;
    return isDigit(a) && isDigit(b) ? ((b - a + 15) % 10) - 5 : b - a;
  };
  const first = step(points[0]!, points[1]!);
  if (first !== 1 && first !== -1) return false;
  for (let i = 2; i < points.length; i += 1) if (step(points[i - 1]!, points[i]!) !== first) return false;
  return true;
}

function containsPersonalData(folded: string, context: PasswordContext): boolean {
  const key = (value: string | null | undefined) => (value ? commonPasswordKey(value.trim()) : '');
  const email = key(context.email);
  const at = email.lastIndexOf('@');
  const fragments = [key(context.username), email, at > 0 ? email.slice(0, at) : ''].filter((f) => f !== '');
  return fragments.some((f) => folded === f || ([...f].length >= PERSONAL_FRAGMENT_MIN && folded.includes(f)));
}

/**
 * Throws InvalidRequestError (400; exit status 1 in the CLI) naming every rule `password` breaks, one
 * detail per rule, so a form or a terminal can show all of them at once.
 */
export function assertPasswordAllowed(policy: PasswordPolicy, password: string, context: PasswordContext): void {
  const broken = policy.check(password, context);
  if (broken.length) throw new InvalidRequestError('the password does not meet the password policy', broken.map((rule) => ({ path: 'password', message: rule.text })));
}
