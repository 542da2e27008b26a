import { isEmailShaped } from '../directory/normalize.js';

/** Cognito's CodeDeliveryDetailsType: where a code went, masked. */
export interface CodeDeliveryDetails {
  Destination: string;
  DeliveryMedium: 'EMAIL';
  AttributeName: 'email';
}

/**
 * Where a code went when the request named no address: a fixed stand-in, the same for every account and
 * for none (showing the account's real, masked address would tell a stranger that the account exists).
 */
export const UNDISCLOSED_DESTINATION = '***@***';

/**
 * `ada@example.com` → `a***@e***.com`, as Cognito masks: the first character of the local part and of the
 * domain, and the top-level domain. Built only from what the caller sent, never from a stored address.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${[...local][0] ?? ''}***@${[...domain][0] ?? ''}***${tld}`;
}

/** The details for a code mailed (or, for an unknown account, not) to what `identifier` names. */
export function emailDelivery(identifier: string): CodeDeliveryDetails {
  const trimmed = identifier.trim();
  return { Destination: isEmailShaped(trimmed) ? maskEmail(trimmed) : UNDISCLOSED_DESTINATION, DeliveryMedium: 'EMAIL', AttributeName: 'email' };
}
