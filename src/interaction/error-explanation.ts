/** What a hosted error page tells the person in front of it. */
export interface ErrorExplanation {
  /** The page's heading (and title): the problem, in a person's words. */
  title: string;
  /** What happened and what to do about it. */
  sentence: string;
  /** Whether the page offers "Start again": the sign-in in progress is gone and cannot be resumed. */
  startAgain: boolean;
}

/** The error as the page knows it: its stable code and description, and where it came from. */
export interface ErrorToExplain {
  code: string;
  description: string;
  status: number;
  /** oidc-provider's SessionNotFound: the interaction (or its cookie) expired, was used, or never existed. */
  sessionNotFound: boolean;
  /**
   * Raised by oidc-provider: its descriptions are written for the app's developer ("redirect_uri did not
   * match …"), so the person gets a sentence from the table and the description goes to the details.
   * Latchkey's own errors already carry a sentence for the person and keep it.
   */
  fromProvider: boolean;
}

const TELL_OWNER = "Tell the app's owner.";
const START_AGAIN = 'Go back to the app and sign in again.';

const BROKEN_LINK: ErrorExplanation = { title: "This app's sign-in link is broken", sentence: `This app's sign-in link is broken. ${TELL_OWNER}`, startAgain: false };
const EXPIRED: ErrorExplanation = {
  title: 'This sign-in has expired',
  sentence: `This sign-in page has expired or was already used (for example after pressing Back). ${START_AGAIN}`,
  startAgain: true,
};

/**
 * oidc-provider's error codes that reach a page (the app could not be told: an unknown client or
 * redirect URI, or a prompt=none request rendered here), each as a plain sentence for the person.
 */
const PROVIDER_ERRORS: Record<string, ErrorExplanation> = {
  invalid_client: BROKEN_LINK,
  invalid_redirect_uri: BROKEN_LINK,
  unauthorized_client: BROKEN_LINK,
  invalid_request: { title: "This app's sign-in request has a mistake", sentence: `This app sent a sign-in request that cannot be accepted. ${TELL_OWNER}`, startAgain: false },
  invalid_request_object: { title: "This app's sign-in request has a mistake", sentence: `This app sent a sign-in request that cannot be accepted. ${TELL_OWNER}`, startAgain: false },
  invalid_request_uri: { title: "This app's sign-in request has a mistake", sentence: `This app sent a sign-in request that cannot be accepted. ${TELL_OWNER}`, startAgain: false },
  unsupported_response_type: { title: 'This app asks to sign in in an unsupported way', sentence: `This app asks to sign in in a way that is not supported. ${TELL_OWNER}`, startAgain: false },
  unsupported_response_mode: { title: 'This app asks to sign in in an unsupported way', sentence: `This app asks to sign in in a way that is not supported. ${TELL_OWNER}`, startAgain: false },
  invalid_scope: { title: 'This app asked for access it may not have', sentence: `This app asked for access it is not allowed to have. ${TELL_OWNER}`, startAgain: false },
  invalid_target: { title: 'This app asked for access it may not have', sentence: `This app asked for access it is not allowed to have. ${TELL_OWNER}`, startAgain: false },
  login_required: { title: 'You need to sign in', sentence: `You are not signed in, and the app asked not to show a sign-in page. ${START_AGAIN}`, startAgain: true },
  consent_required: { title: 'This app needs your permission', sentence: `The app needs your permission, and it asked not to show a page to ask for it. ${START_AGAIN}`, startAgain: true },
  interaction_required: { title: 'You need to sign in', sentence: `Signing in needs a page the app asked not to show. ${START_AGAIN}`, startAgain: true },
  access_denied: { title: 'Access was refused', sentence: `The sign-in was cancelled or refused. ${START_AGAIN}`, startAgain: true },
};

/** Latchkey's own codes for a sign-in that cannot go on: the description stays, "Start again" is offered. */
const GONE = new Set(['interaction_mismatch', 'wrong_step', 'grant_not_found', 'login_required']);

const SERVER_ERROR: ErrorExplanation = {
  title: 'Something went wrong on our side',
  sentence: 'This request could not be completed because of a problem on our side. Try again in a moment; if it keeps happening, tell your administrator.',
  startAgain: false,
};

/**
 * The person's reading of an error page: expired or unknown interactions first (whatever oidc-provider's
 * description says: "interaction session not found", "authorization request has expired", …), then
 * server errors, then oidc-provider's codes from the table; Latchkey's own errors keep their description.
 */
export function explainError(error: ErrorToExplain): ErrorExplanation {
  if (error.sessionNotFound) return EXPIRED;
  if (error.status >= 500 && error.code === 'server_error') return SERVER_ERROR;
  if (error.fromProvider) return PROVIDER_ERRORS[error.code] ?? { title: 'This sign-in could not continue', sentence: `The sign-in could not continue. ${START_AGAIN}`, startAgain: true };
  if (error.status === 503) return { title: 'Temporarily unavailable', sentence: error.description, startAgain: false };
  if (error.status === 429) return { title: 'Too many attempts', sentence: error.description, startAgain: false };
  return { title: 'Something went wrong', sentence: error.description, startAgain: GONE.has(error.code) };
}
