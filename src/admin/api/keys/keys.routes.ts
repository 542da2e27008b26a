import { z } from 'zod';
import type { Services } from '../../../services.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';

const keyListSchema = z.object({
  keys: z.array(z.object({ kid: z.string(), alg: z.string(), current: z.boolean().describe('signs new tokens (one key per algorithm); the others are published ahead of signing, or stay published until tokens they signed expire') })),
});
const rotatedSchema = z.object({ kid: z.string().describe('the new signing key of the default algorithm (each algorithm gets one)'), retired: z.number().int().describe('keys retired by this rotation') });

/** Signing keys: list what the JWKS publishes, rotate (the new keys sign at once; the old stay published). */
export function keyRoutes(s: Pick<Services, 'keys'>): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/keys', operationId: 'listSigningKeys', tag: 'keys', access: 'read', summary: 'The published signing keys',
      status: 200, response: keyListSchema,
      async handle() {
        const set = await s.keys.load();
        return { keys: set.keys.map((key) => ({ kid: key.kid, alg: key.alg, current: key.state === 'signing' })) };
      },
    }),
    adminRoute({
      method: 'post', path: '/keys/rotate', operationId: 'rotateSigningKey', tag: 'keys', access: 'write', summary: 'Rotate the signing key',
      status: 200, response: rotatedSchema,
      handle: () => s.keys.rotate(),
    }),
  ];
}
