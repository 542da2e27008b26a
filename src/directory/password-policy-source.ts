import { createPasswordPolicy, type PasswordPolicy } from './password-policy.js';

/** The pool's password policy as it stands now (an operator may change it while Latchkey runs). */
export interface PasswordPolicySource {
  current(): Promise<PasswordPolicy>;
}

/** How long a replica keeps the policy it read: a change reaches every replica within this time. */
const DEFAULT_TTL_MS = 5_000;

/**
 * The policy built from the options stored for the pool (`latchkey pool set-password-policy`), read at most
 * once per `ttlMs`. Options are validated when they are stored; should a stored set not build (an older
 * or newer Latchkey wrote it), the documented defaults apply rather than refusing every password.
 */
export function createPasswordPolicySource(deps: { load: () => Promise<Record<string, unknown>>; ttlMs?: number; now?: () => number }): PasswordPolicySource {
  const ttl = deps.ttlMs ?? DEFAULT_TTL_MS;
  const now = deps.now ?? Date.now;
  let cached: { policy: PasswordPolicy; key: string; until: number } | undefined;
  return {
    async current() {
      if (cached && cached.until > now()) return cached.policy;
      const options = await deps.load();
      const key = JSON.stringify(options);
      let policy = cached?.key === key ? cached.policy : undefined;
      if (!policy) {
        try {
          policy = createPasswordPolicy(options);
        } catch {
          policy = createPasswordPolicy();
        }
      }
      cached = { policy, key, until: now() + ttl };
      return policy;
    },
  };
}

/** A fixed policy as a source (tests, and callers built before the pool's settings exist). */
export function fixedPasswordPolicy(policy: PasswordPolicy): PasswordPolicySource {
  return { current: () => Promise.resolve(policy) };
}
