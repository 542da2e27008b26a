import type { UserPoolSettings } from '../../directory/user-pool-settings.js';
import type { LoadedInteraction } from '../load-interaction.js';

/** Whether the sign-in in progress offers sign-up: the pool allows it, and so does the app. */
export interface SelfServiceOffer {
  signupOffered(interaction: LoadedInteraction): Promise<boolean>;
}

export function createSelfServiceOffer(deps: { settings: UserPoolSettings; signupAllowedFor: (clientId: string) => Promise<boolean> }): SelfServiceOffer {
  return {
    async signupOffered(interaction) {
      if (!(await deps.settings.signup()).enabled) return false;
      return deps.signupAllowedFor(String(interaction.details.params.client_id));
    },
  };
}
