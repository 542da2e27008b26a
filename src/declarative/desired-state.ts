import type {
  AttributeDocument, ClientDocument, GroupDocument, PasswordPolicyDocument, ProviderDocument, RoleMappingDocument, UserDocument,
} from './config-document.schema.js';

/**
 * What a configuration file declares, ready to compare with Latchkey's state: defaults filled in, policy
 * files read, and secret references replaced by the values of their environment variables (these values live
 * only in memory while the file is applied). A section that is undefined was not in the file.
 */
export interface DesiredState {
  clients?: Record<string, DesiredClient>;
  groups?: Record<string, GroupDocument>;
  roles?: Record<string, DesiredRole>;
  roleMapping?: RoleMappingDocument;
  providers?: Record<string, DesiredProvider>;
  attributes?: Record<string, AttributeDocument>;
  passwordPolicy?: PasswordPolicyDocument;
  mfa?: { mode: 'off' | 'optional' | 'required' };
  signUp?: { enabled: boolean; required: string[] };
  selfDelete?: { enabled: boolean };
  /** The theme stylesheet's text (read from cssFile when given); null: none stored. */
  theme?: { css: string | null };
  /** Mail templates' parts by template name, files read; a part left out is null (the file's applies). */
  emailTemplates?: Record<string, DesiredEmailTemplate>;
  users?: DesiredUser[];
}

export interface DesiredEmailTemplate {
  text: string | null;
  html: string | null;
}

export interface DesiredClient extends Omit<ClientDocument, 'secret'> {
  /** A confidential client's secret; null for a public client. */
  secret: string | null;
}

export interface DesiredRole {
  description: string;
  maxDurationSeconds: number;
  policy: Record<string, unknown>;
}

export interface DesiredProvider extends Omit<ProviderDocument, 'clientSecret' | 'displayName'> {
  clientSecret: string | null;
  displayName: string;
}

export interface DesiredUser extends Omit<UserDocument, 'password'> {
  password: string | null;
}

/** The sections in the order they are applied (each may refer to the ones before it); removals go in reverse. */
export const SECTIONS = [
  'passwordPolicy', 'mfa', 'selfDelete', 'theme', 'emailTemplates', 'attributes', 'signUp', 'roles', 'roleMapping', 'groups', 'providers', 'clients', 'users',
] as const;

export type SectionName = (typeof SECTIONS)[number];
