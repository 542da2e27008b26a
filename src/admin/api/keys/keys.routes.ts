import { z } from 'zod';
import type { Services } from '../../../services.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';

const keyListSchema = z.object({
  keys: z.array(z.object({ kid: z.string(), alg: z.string(), current: z.boolean().describe('signs new tokens; the others stay published until tokens they signed expire') })),
});
const rotatedSchema = z.object({ kid: z.string().describe('the new signing key'), retired: z.number().int().describe('keys retired by this rotation') });

/** Signing keys: list what the JWKS publishes, rotate (the new key signs at once; the old stays published). */
export function keyRoutes(s: Pick<Services, 'keys'>): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/keys', operationId: 'listSigningKeys', tag: 'keys', access: 'read', summary: 'The published signing keys',
      status: 200, response: keyListSchema,
      async handle() {
        const set = await s.keys.load();
        return { keys: set.publicJwks.map((jwk, index) => ({ kid: String(jwk.kid), alg: String(jwk.alg ?? 'RS256'), current: index === 0 })) };
      },
    }),
    adminRoute({
      method: 'post', path: '/keys/rotate', operationId: 'rotateSigningKey', tag: 'keys', access: 'write', summary: 'Rotate the signing key',
      status: 200, response: rotatedSchema,
      handle: () => s.keys.rotate(),
    }),
  ];
}
