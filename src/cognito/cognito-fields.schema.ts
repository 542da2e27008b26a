import { z } from 'zod';

/**
 * Members several operations share, bounded as Cognito bounds them (API reference, each request's
 * "Length Constraints"), so an oversized value is refused before any work. Members an operation does not
 * use (ClientMetadata, AnalyticsMetadata, UserContextData) are accepted and dropped.
 */
export const clientIdField = z.string().min(1).max(128);
/** Never checked: see app-client.ts. Bounded so it costs nothing. */
export const secretHashField = z.string().max(128).optional();
/** A username or an e-mail address (an e-mail can be longer than Cognito's 128). */
export const usernameField = z.string().min(1).max(254);
export const passwordField = z.string().min(1).max(4096);
export const confirmationCodeField = z.string().min(1).max(64);
