import { z } from 'zod';
import { clientIdField } from './cognito-fields.schema.js';

/** RespondToAuthChallenge: the challenge answered, its Session, and the answers (strings, as Cognito's map). */
export const respondToAuthChallengeSchema = z.object({
  ClientId: clientIdField,
  ChallengeName: z.string().min(1).max(64),
  Session: z.string().min(1).max(2048),
  ChallengeResponses: z.record(z.string().max(64), z.string().max(2048)).default({}),
});
