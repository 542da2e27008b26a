import { z } from 'zod';
import { accessTokenSchema } from './access-token.schema.js';
import { attributeSchema } from './sign-up.schema.js';

/** `UpdateUserAttributesRequest` (ClientMetadata is dropped). */
export const updateUserAttributesSchema = accessTokenSchema.extend({
  UserAttributes: z.array(attributeSchema).min(1).max(64),
});
export type UpdateUserAttributesRequest = z.infer<typeof updateUserAttributesSchema>;
