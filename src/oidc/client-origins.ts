/**
 * Whether a browser `Origin` may call token endpoints for a client: only the http(s) origins of its
 * registered redirect URIs. A private-use scheme's origin is the string "null", which sandboxed iframes
 * and data: pages also send, so it never matches.
 */
export function originAllowedForRedirectUris(redirectUris: readonly string[] | undefined, origin: string): boolean {
  if (!origin || origin === 'null') return false;
  return (redirectUris ?? []).some((uri) => {
    try {
      const url = new URL(uri);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin;
    } catch {
      return false;
    }
  });
}
