import { z } from 'zod';
import { clientIdField } from './cognito-fields.schema.js';

/** InitiateAuth: the flow, the app client, and the flow's parameters (strings, as Cognito's map is). */
export const initiateAuthSchema = z.object({
  AuthFlow: z.string().min(1).max(64),
  ClientId: clientIdField,
  AuthParameters: z.record(z.string().max(64), z.string().max(16_384)).default({}),
});
export type InitiateAuthInput = z.infer<typeof initiateAuthSchema>;
