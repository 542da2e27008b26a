import type { DesiredState } from '../desired-state.js';
import { changedFields } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import { planSingleton, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

const POLICY_FIELDS = ['minLength', 'maxLength', 'requireLowercase', 'requireUppercase', 'requireDigit', 'requireSymbol', 'rejectCommon', 'rejectPersonal', 'temporaryPasswordValidityDays'] as const;

/**
 * The pool's settings sections (password policy, MFA mode, sign-up, self-deletion), each one object changed
 * through the settings the admin API changes. The password policy is given whole: an option left out takes its
 * default, as `pool set-password-policy` stores it.
 */
export async function planSettings(ctx: PlanContext, desired: DesiredState): Promise<PlannedStep[]> {
  const { userPool, mfa } = ctx.services;
  const steps: PlannedStep[] = [];
  if (desired.passwordPolicy) {
    const wanted = desired.passwordPolicy;
    const current = (await userPool.passwordPolicy()).options;
    steps.push(planSingleton('passwordPolicy', changedFields(wanted, current, POLICY_FIELDS), async () => { await userPool.setPasswordPolicy(wanted); }));
  }
  if (desired.mfa) {
    const wanted = desired.mfa;
    const current = { mode: await mfa.mode() };
    steps.push(planSingleton('mfa', changedFields(wanted, current, ['mode']), async () => { await mfa.setMode(wanted.mode); }));
  }
  if (desired.selfDelete) {
    const wanted = desired.selfDelete;
    const current = { enabled: await userPool.selfDeleteAllowed() };
    steps.push(planSingleton('selfDelete', changedFields(wanted, current, ['enabled']), async () => { await userPool.setSelfDelete(wanted.enabled); }));
  }
  if (desired.signUp) {
    const wanted = { enabled: desired.signUp.enabled, required: [...new Set(desired.signUp.required)] };
    const stored = await userPool.signup();
    const current = { enabled: stored.enabled, required: [...stored.required] };
    steps.push(planSingleton('signUp', changedFields(wanted, current, ['enabled', 'required']), async () => { await userPool.setSignup(wanted); }));
  }
  return steps;
}

/** The settings sections as a file declares them. */
export async function exportSettings(services: DeclarativeServices): Promise<Pick<DesiredState, 'passwordPolicy' | 'mfa' | 'signUp' | 'selfDelete'>> {
  const signUp = await services.userPool.signup();
  return {
    passwordPolicy: { ...(await services.userPool.passwordPolicy()).options },
    mfa: { mode: await services.mfa.mode() },
    signUp: { enabled: signUp.enabled, required: [...signUp.required] },
    selfDelete: { enabled: await services.userPool.selfDeleteAllowed() },
  };
}
