/**
 * Cognito's own claims, for apps written against Cognito tokens (Amplify reads `cognito:username`; API
 * back-ends check `token_use` and `cognito:groups`). A client registered with `--cognito-claims` (client
 * metadata `latchkey_cognito_claims`) gets them beside the standard ones, which stay: `sub`, `groups`,
 * `client_id`, `scope`, `aud`. Cognito's shapes (Cognito developer guide, "Using the ID token" and "Using the
 * access token"): the ID token carries `token_use: "id"`, `cognito:username`, `cognito:groups` and `origin_jti`; the
 * access token `token_use: "access"`, `cognito:groups`, `username` and `origin_jti`. A user in no group has no
 * `cognito:groups`, as in Cognito.
 */
export const COGNITO_ID_TOKEN_CLAIMS = ['token_use', 'cognito:username', 'cognito:groups', 'origin_jti'] as const;

/** Whether a client's metadata asks for Cognito's claims. */
export function wantsCognitoClaims(client: object | undefined): boolean {
  return (client as { latchkey_cognito_claims?: unknown } | undefined)?.latchkey_cognito_claims === true;
}

/**
 * The name Cognito calls `cognito:username`: the username, or for a user without one the `sub` (as in a
 * Cognito pool where users sign in with their e-mail address and the username is a UUID). The same value
 * GetUser and the admin operations answer as `Username`.
 */
export function cognitoUsername(user: { id: string; username: string | null }): string {
  return user.username ?? user.id;
}

/**
 * The ID token's Cognito claims. Cognito's ID token carries the sign-in's `origin_jti` as its access token
 * does; here it also binds the ID token to its grant, so the identity pool can check that very grant instead
 * of inferring it from `iat` (id-token-verifier.ts).
 */
export function cognitoIdTokenClaims(user: { id: string; username: string | null }, groups: readonly string[], grantId?: string): Record<string, unknown> {
  return { token_use: 'id', 'cognito:username': cognitoUsername(user), ...(groups.length ? { 'cognito:groups': [...groups] } : {}), ...(grantId ? { origin_jti: grantId } : {}) };
}

/**
 * `origin_jti` names the sign-in the tokens come from; Amplify's signOut() revokes the refresh token (RevokeToken)
 * only when the access token has one. The grant is what a sign-in creates and a refresh keeps, so its id is it.
 */
export function cognitoAccessTokenClaims(username: string, groups: readonly string[], grantId?: string): Record<string, unknown> {
  return { token_use: 'access', username, ...(groups.length ? { 'cognito:groups': [...groups] } : {}), ...(grantId ? { origin_jti: grantId } : {}) };
}
