import type { FieldProblem } from '../errors/app-error.js';

/** How an application takes part in sign-out, as `client create` receives it. */
export interface LogoutSettingsInput {
  /** Where the app receives logout tokens (OpenID Connect Back-Channel Logout 1.0): https, or loopback http. */
  backchannelLogoutUri?: string;
  /** Whether its logout tokens must name the session (`sid`); only with a back-channel URI. */
  backchannelLogoutSessionRequired?: boolean;
  /** RP-initiated logout with a valid `id_token_hint` for the current session asks the user no question. */
  skipLogoutConfirmation?: boolean;
}

/** The same settings as `client list` and `client create --json` show them. */
export interface LogoutSettingsView {
  /** null: the app is not told of sign-outs. */
  backchannel_logout_uri: string | null;
  backchannel_logout_session_required: boolean;
  skip_logout_confirmation: boolean;
}

/** https, or plain http to loopback only (as redirect URIs), and no fragment (§2.2 of the spec forbids one). */
function validBackchannelUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    if (url.hash) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

/**
 * Problems with the logout settings, by field. A back-channel URI follows the redirect-URI rules of a
 * confidential client (no private-use scheme): Latchkey's server posts to it, not a browser.
 */
export function logoutSettingsProblems(input: LogoutSettingsInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.backchannelLogoutUri !== undefined && !validBackchannelUri(input.backchannelLogoutUri)) {
    problems.push({ path: 'backchannel_logout_uri', message: 'must be https or loopback http, without fragment' });
  }
  if (input.backchannelLogoutSessionRequired && input.backchannelLogoutUri === undefined) {
    problems.push({ path: 'backchannel_logout_session_required', message: 'needs a back-channel logout URI' });
  }
  return problems;
}

/**
 * The stored metadata: the back-channel fields under their registration names (oidc-provider reads them
 * with `features.backchannelLogout`), the confirmation flag as Latchkey's own (`extraClientMetadata`).
 */
export function logoutSettingsMetadata(input: LogoutSettingsInput): Record<string, unknown> {
  return {
    ...(input.backchannelLogoutUri !== undefined
      ? { backchannel_logout_uri: input.backchannelLogoutUri, backchannel_logout_session_required: input.backchannelLogoutSessionRequired === true }
      : {}),
    ...(input.skipLogoutConfirmation ? { latchkey_skip_logout_confirmation: true } : {}),
  };
}

export function presentLogoutSettings(metadata: Record<string, unknown>): LogoutSettingsView {
  return {
    backchannel_logout_uri: typeof metadata.backchannel_logout_uri === 'string' ? metadata.backchannel_logout_uri : null,
    backchannel_logout_session_required: metadata.backchannel_logout_session_required === true,
    skip_logout_confirmation: metadata.latchkey_skip_logout_confirmation === true,
  };
}
