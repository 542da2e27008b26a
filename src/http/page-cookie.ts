/**
 * Options of the hosted pages' own short-lived cookies (a pending step, a sign-in in progress): HttpOnly,
 * SameSite=Lax, scoped to the pages that read them, Secure when the issuer is https, and signed with the
 * app keys unless the value is sealed already. `maxAge` 0 clears the cookie.
 */
export function pageCookie(options: { path: string; secure: boolean; maxAge: number; signed?: boolean }) {
  return { path: options.path, httpOnly: true, sameSite: 'lax' as const, signed: options.signed ?? true, secure: options.secure, maxAge: options.maxAge, overwrite: true };
}
