import { describe, expect, it } from 'vitest';
import { explainError, type ErrorToExplain } from '../../src/interaction/error-explanation.js';

const provider = (code: string, status = 400): ErrorToExplain => ({ code, description: `${code} (as the provider words it)`, status, sessionNotFound: false, fromProvider: true });

describe('hosted error pages in plain sentences', () => {
  it.each([
    ['invalid_client', "This app's sign-in link is broken. Tell the app's owner."],
    ['invalid_redirect_uri', "This app's sign-in link is broken. Tell the app's owner."],
    ['invalid_request', "This app sent a sign-in request that cannot be accepted. Tell the app's owner."],
    ['unsupported_response_type', "This app asks to sign in in a way that is not supported. Tell the app's owner."],
    ['invalid_scope', "This app asked for access it is not allowed to have. Tell the app's owner."],
    ['login_required', 'You are not signed in, and the app asked not to show a sign-in page. Go back to the app and sign in again.'],
    ['consent_required', 'The app needs your permission, and it asked not to show a page to ask for it. Go back to the app and sign in again.'],
  ])('tells the person what oidc-provider\'s %s means, never the provider\'s own words', (code, sentence) => {
    const explained = explainError(provider(code));
    expect(explained.sentence).toBe(sentence);
    expect(explained.sentence).not.toContain('as the provider words it');
    expect(explained.title).not.toBe('');
  });

  it('offers Start again for an expired or unknown interaction (SessionNotFound), whatever its description', () => {
    for (const description of ['interaction session not found', 'authorization request has expired']) {
      expect(explainError({ code: 'invalid_request', description, status: 400, sessionNotFound: true, fromProvider: true })).toMatchObject({ title: 'This sign-in has expired', startAgain: true });
    }
  });

  it('explains server_error without its internal description, and offers no Start again for an app\'s broken link', () => {
    expect(explainError({ code: 'server_error', description: 'An unexpected error occurred. Please try again.', status: 500, sessionNotFound: false, fromProvider: false }))
      .toMatchObject({ title: 'Something went wrong on our side', startAgain: false });
    expect(explainError(provider('invalid_client')).startAgain).toBe(false);
  });

  it('keeps the description of Latchkey\'s own errors, which are written for the person, and offers Start again for a sign-in that is gone', () => {
    expect(explainError({ code: 'csrf_failed', description: 'This form expired or was not sent by this site.', status: 403, sessionNotFound: false, fromProvider: false }))
      .toEqual({ title: 'Something went wrong', sentence: 'This form expired or was not sent by this site.', startAgain: false });
    expect(explainError({ code: 'wrong_step', description: 'This step is not expected now.', status: 400, sessionNotFound: false, fromProvider: false }).startAgain).toBe(true);
  });
});
