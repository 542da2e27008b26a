import { z } from 'zod';

/** Operations that act for the user an access token names: GetUser, GlobalSignOut. */
export const accessTokenSchema = z.object({ AccessToken: z.string().min(1).max(16_384) });
