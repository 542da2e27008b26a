import type { z } from 'zod';
import type { Services } from '../../../services.js';
import type { PasswordPolicy } from '../../../directory/password-policy.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { mfaModeSchema, passwordPolicyBody, passwordPolicySchema, selfDeleteSchema, settingsSchema, signupBody, signupSchema } from './settings.schema.js';

type Deps = Pick<Services, 'userPool' | 'mfa'>;

function presentPolicy(policy: PasswordPolicy): z.input<typeof passwordPolicySchema> {
  const o = policy.options;
  return {
    min_length: o.minLength, max_length: o.maxLength, require_lowercase: o.requireLowercase, require_uppercase: o.requireUppercase,
    require_digit: o.requireDigit, require_symbol: o.requireSymbol, reject_common: o.rejectCommon, reject_personal: o.rejectPersonal,
    temporary_password_validity_days: o.temporaryPasswordValidityDays,
    rules: policy.rules().map((r) => ({ id: r.id, text: r.text })),
  };
}

/** The user pool's settings: password policy, MFA mode, sign-up and self-service deletion. */
export function settingsRoutes(s: Deps): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/settings', operationId: 'getPoolSettings', tag: 'settings', access: 'read', summary: 'The pool\'s password policy, MFA mode, sign-up and self-deletion settings',
      status: 200, response: settingsSchema,
      async handle() {
        const [policy, mode, signup, selfDelete] = await Promise.all([s.userPool.passwordPolicy(), s.mfa.mode(), s.userPool.signup(), s.userPool.selfDeleteAllowed()]);
        return { password_policy: presentPolicy(policy), mfa_mode: mode, signup: { enabled: signup.enabled, required: [...signup.required] }, self_delete: selfDelete };
      },
    }),
    adminRoute({
      method: 'put', path: '/settings/password-policy', operationId: 'setPasswordPolicy', tag: 'settings', access: 'write', summary: 'Replace the password policy (options left out take their defaults); existing passwords keep working',
      body: passwordPolicyBody, status: 200, response: passwordPolicySchema,
      async handle({ body }) {
        return presentPolicy(await s.userPool.setPasswordPolicy({
          ...(body.min_length !== undefined ? { minLength: body.min_length } : {}),
          ...(body.max_length !== undefined ? { maxLength: body.max_length } : {}),
          ...(body.require_lowercase !== undefined ? { requireLowercase: body.require_lowercase } : {}),
          ...(body.require_uppercase !== undefined ? { requireUppercase: body.require_uppercase } : {}),
          ...(body.require_digit !== undefined ? { requireDigit: body.require_digit } : {}),
          ...(body.require_symbol !== undefined ? { requireSymbol: body.require_symbol } : {}),
          ...(body.reject_common !== undefined ? { rejectCommon: body.reject_common } : {}),
          ...(body.reject_personal !== undefined ? { rejectPersonal: body.reject_personal } : {}),
          ...(body.temporary_password_validity_days !== undefined ? { temporaryPasswordValidityDays: body.temporary_password_validity_days } : {}),
        }));
      },
    }),
    adminRoute({
      method: 'put', path: '/settings/mfa-mode', operationId: 'setMfaMode', tag: 'settings', access: 'write', summary: 'Set the MFA mode: off, optional (required for groups that say so) or required',
      body: mfaModeSchema.strict(), status: 200, response: mfaModeSchema,
      async handle({ body }) {
        return { mode: await s.mfa.setMode(body.mode) };
      },
    }),
    adminRoute({
      method: 'patch', path: '/settings/sign-up', operationId: 'setSignupSettings', tag: 'settings', access: 'write', summary: 'Open or close sign-up, and set the attributes it requires',
      body: signupBody, status: 200, response: signupSchema,
      async handle({ body }) {
        const signup = await s.userPool.setSignup({ enabled: body.enabled, required: body.required });
        return { enabled: signup.enabled, required: [...signup.required] };
      },
    }),
    adminRoute({
      method: 'put', path: '/settings/self-delete', operationId: 'setSelfDelete', tag: 'settings', access: 'write', summary: 'Allow or forbid users to delete their own account',
      body: selfDeleteSchema.strict(), status: 200, response: selfDeleteSchema,
      async handle({ body }) {
        return { enabled: await s.userPool.setSelfDelete(body.enabled) };
      },
    }),
  ];
}
