import * as client from 'openid-client';
import { OutboundAddressRefusedError, OutboundTimeoutError, OutboundUnreachableError } from '../errors/outbound-http-error.js';

/** The OAuth error the app receives when a federated sign-in fails (RFC 6749 §4.1.2.1). */
export interface UpstreamFailure {
  error: 'access_denied' | 'temporarily_unavailable';
  error_description: string;
  /** For the log only: which check failed (never tokens or codes). */
  detail: string;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/**
 * Maps whatever the upstream exchange threw to the OAuth error the app gets (style rule 4): an upstream that
 * is down, unreachable or too slow is `temporarily_unavailable`; a refusal or cancellation at the upstream
 * (its `error=` answer), an answer that fails validation (state, nonce, issuer, audience, signature, expiry)
 * or garbage is `access_denied`. Nothing here is a 500: every upstream failure is the user's sign-in
 * failing, not Latchkey.
 */
export function classifyUpstreamFailure(displayName: string, error: unknown): UpstreamFailure {
  const chain = causes(error);
  const refusal = chain.find((e): e is client.AuthorizationResponseError => e instanceof client.AuthorizationResponseError);
  if (refusal) {
    // Apple reports a person pressing "Cancel" as `user_cancelled_authorize`, not RFC 6749's access_denied.
    const cancelled = refusal.error === 'access_denied' || refusal.error === 'user_cancelled_authorize';
    return {
      error: 'access_denied',
      error_description: cancelled ? `The sign-in with ${displayName} was cancelled.` : `${displayName} refused the sign-in.`,
      detail: `upstream error ${refusal.error.slice(0, 64)}`,
    };
  }
  // openid-client's own per-request timeout aborts with a TimeoutError (its code: OAUTH_TIMEOUT).
  const timedOut = (e: unknown) => e instanceof OutboundTimeoutError || (e as { code?: unknown }).code === 'OAUTH_TIMEOUT' || (e instanceof DOMException && e.name === 'TimeoutError');
  if (chain.some(timedOut)) {
    return { error: 'temporarily_unavailable', error_description: `${displayName} did not answer in time. Try again later.`, detail: 'upstream timeout' };
  }
  if (chain.some((e) => e instanceof OutboundUnreachableError || e instanceof OutboundAddressRefusedError)) {
    return { error: 'temporarily_unavailable', error_description: `${displayName} cannot be reached. Try again later.`, detail: 'upstream unreachable' };
  }
  const code = chain.map((e) => (e as { code?: unknown }).code).find((c) => typeof c === 'string');
  return {
    error: 'access_denied',
    error_description: `The answer from ${displayName} could not be verified.`,
    detail: `${(error as { name?: string } | null)?.name ?? 'error'}${typeof code === 'string' ? ` ${code}` : ''}: ${(error instanceof Error ? error.message : '').slice(0, 200)}`,
  };
}
