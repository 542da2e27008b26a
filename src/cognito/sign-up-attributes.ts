import { PROFILE_CLAIMS } from '../directory/attributes.js';
import { isEmailShaped, normalizeIdentifier } from '../directory/normalize.js';
import { InvalidRequestError, type FieldProblem } from '../errors/app-error.js';
import type { SignUpRequest } from './sign-up.schema.js';

/** What a SignUp request asks the directory to create. */
export interface SignUpAccount {
  email: string;
  username: string | undefined;
  profile: Record<string, string>;
  customAttributes: Record<string, string>;
}

/**
 * Whether a user may give this attribute themselves (SignUp, UpdateUserAttributes): `email`, a standard
 * profile claim, or `custom:NAME` (the directory then checks that NAME is declared). `email_verified`, `sub`
 * and the like are the pool's to set.
 */
export function isUserSettableAttribute(name: string): boolean {
  return name === 'email' || name.startsWith('custom:') || (PROFILE_CLAIMS as readonly string[]).includes(name);
}

/**
 * Reads SignUp's Username and UserAttributes the way a Cognito pool with e-mail sign-in reads them: the
 * Username is either the e-mail address itself, or a username with the address in the `email` attribute.
 * Standard profile claims and declared `custom:NAME` attributes are stored (the directory types and checks
 * the custom ones); `email_verified`, `sub` and the like are the pool's to set, not the caller's. Then the
 * pool's required sign-up attributes are checked, as the hosted form does.
 */
export function readSignUpAccount(input: SignUpRequest, required: readonly string[]): SignUpAccount {
  const problems: FieldProblem[] = [];
  const values = new Map<string, string>();
  for (const { Name, Value } of input.UserAttributes ?? []) {
    if (values.has(Name)) problems.push({ path: `UserAttributes.${Name}`, message: 'is given more than once' });
    else if (!isUserSettableAttribute(Name)) problems.push({ path: `UserAttributes.${Name.slice(0, 64)}`, message: 'is not an attribute a sign-up may set' });
    values.set(Name, Value.trim());
  }
  const name = input.Username.trim();
  const usernameIsEmail = isEmailShaped(name);
  const email = usernameIsEmail ? name : values.get('email') ?? '';
  if (usernameIsEmail && values.has('email') && normalizeIdentifier(values.get('email')!) !== normalizeIdentifier(name)) {
    problems.push({ path: 'UserAttributes.email', message: 'must be the Username when the Username is an e-mail address' });
  }
  if (!email) problems.push({ path: 'UserAttributes.email', message: 'The attribute is required' });
  else if (!isEmailShaped(email)) problems.push({ path: 'UserAttributes.email', message: 'is not an e-mail address' });
  for (const attribute of required) {
    if (attribute === 'username' ? usernameIsEmail : !values.get(attribute)) {
      problems.push({ path: attribute === 'username' ? 'Username' : `UserAttributes.${attribute}`, message: attribute === 'username' ? 'must be a username (the e-mail address goes in the email attribute)' : 'The attribute is required' });
    }
  }
  if (problems.length) throw new InvalidRequestError(`Attributes did not conform to the schema: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`.slice(0, 500), problems);

  const profile: Record<string, string> = {};
  const customAttributes: Record<string, string> = {};
  for (const [key, value] of values) {
    if (!value || key === 'email') continue;
    if (key.startsWith('custom:')) customAttributes[key.slice('custom:'.length)] = value;
    else profile[key] = value;
  }
  return { email, username: usernameIsEmail ? undefined : name, profile, customAttributes };
}
