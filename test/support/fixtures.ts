import type { Services } from '../../src/services.js';

export const PASSWORD = 'correct horse battery staple';
export const REDIRECT_URI = 'http://localhost:8976/callback';
export const POST_LOGOUT_URI = 'http://localhost:8976/bye';

/** A confidential sign-in client and a verified user in an `admins` and a `staff` group. */
export async function seedDirectory(services: Services) {
  await services.groups.create({ name: 'staff', precedence: 20 });
  await services.groups.create({ name: 'admins', precedence: 10 });
  const user = await services.users.create({
    email: 'alice@example.com', username: 'alice', password: PASSWORD, emailVerified: true,
    profile: { name: 'Alice Example', given_name: 'Alice' }, groups: ['staff', 'admins'],
  });
  const client = await services.clients.create({
    name: 'Demo App', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI],
  });
  return { user, client };
}

/** The argon2 parameters of a PHC-format hash, whatever order the library writes them in. */
export function argon2Parameters(hash: string): { type: string; params: Record<string, string> } {
  const [, type, , params] = hash.split('$');
  return { type: type ?? '', params: Object.fromEntries((params ?? '').split(',').map((kv) => kv.split('=') as [string, string])) };
}
