import { z } from 'zod';

const providerName = z.string().min(1).max(32).describe('the provider\'s name (a lower-case letter, then lower-case letters, digits or -)');

export const providerSchema = z.object({
  name: z.string(),
  display_name: z.string().describe('the sign-in button\'s label'),
  issuer: z.string(),
  client_id: z.string(),
  has_client_secret: z.boolean().describe('whether a client secret is stored (the secret itself is never shown)'),
  scopes: z.string(),
  trusts_email_verification: z.boolean().describe('a verified e-mail from this provider may link to an existing user'),
  created_at: z.string().describe('ISO 8601'),
});

export const providerListSchema = z.object({ providers: z.array(providerSchema) });

export const providerParams = z.object({ provider: providerName });

export const addProviderBody = z.strictObject({
  name: providerName,
  issuer: z.string().min(1).max(2048).describe('the OpenID Provider\'s issuer (https)'),
  client_id: z.string().min(1).max(512),
  client_secret: z.string().min(1).max(4096).optional().describe('stored sealed, never shown again; omit for a public client'),
  scope: z.string().min(1).max(1024).optional().describe('default "openid email profile"'),
  display_name: z.string().min(1).max(100).optional().describe('default: the name'),
  trust_email: z.boolean().optional().describe('link a verified e-mail to an existing user (only for providers that own their domains); default false'),
});

export const groupRuleSchema = z.object({
  id: z.uuid(),
  provider: z.string(),
  claim: z.string(),
  value: z.string(),
  group: z.string(),
  created_at: z.string(),
});

export const groupRuleListSchema = z.object({ rules: z.array(groupRuleSchema) });

export const groupRuleParams = providerParams.extend({ rule: z.string().min(1).max(64).describe('the rule\'s id') });

export const addGroupRuleBody = z.strictObject({
  claim: z.string().min(1).max(128).describe('a claim of the upstream ID token (`groups`, `hd`, `email_domain`)'),
  value: z.string().min(1).max(512).describe('the value that grants the group (an element when the claim is a list)'),
  group: z.string().min(1).max(128).describe('the local group granted'),
});
