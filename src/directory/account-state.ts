/**
 * What decides whether a user may act: the enabled flag and the account status (`users.status`; a plain
 * string, since a row written by a newer build may hold a status this one does not know).
 */
export interface AccountState {
  enabled: boolean;
  status: string;
}

/** Why a user may not act; shown at sign-in only to someone who proved the password. */
export type AccountRefusal = 'disabled' | 'unconfirmed' | 'reset_required';

/**
 * The one rule for "this user may act" (sign in, use tokens, get storage credentials), with Cognito's
 * account states: only an enabled, confirmed user may. An unconfirmed account has not been confirmed yet
 * (self-service sign-up before verification); a reset-required account must choose a new password first,
 * so its old password and the tokens it earned no longer count. Any status this build does not know
 * (written by a newer replica) is refused, not allowed. Returns null when the user may act.
 */
export function accountRefusal(user: AccountState): AccountRefusal | null {
  if (!user.enabled) return 'disabled';
  if (user.status === 'confirmed') return null;
  return user.status === 'reset_required' ? 'reset_required' : 'unconfirmed';
}

/** True when the user exists (a deleted user is `undefined`) and {@link accountRefusal} has nothing against them. */
export function userMayAct(user: AccountState | null | undefined): boolean {
  return user != null && accountRefusal(user) === null;
}
