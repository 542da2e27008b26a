import type { CognitoIdentityService } from '../identity-pool/cognito-identity-service.js';
import { roleFromArn } from '../identity-pool/credentials.schema.js';
import { cognitoOperation, type CognitoOperation } from './cognito-operation.js';
import { getCredentialsForIdentitySchema, getIdSchema, getOpenIdTokenSchema } from './identity-operations.schema.js';

const IDENTITY_SERVICE = 'AWSCognitoIdentityService';

/**
 * The Cognito identity-pool operations (`AWSCognitoIdentityService.*`), served at the same `POST /` as the
 * user pool's (cognito-routes.ts): the ones an app needs to turn a sign-in into storage credentials, which
 * Amplify's and the AWS SDK's `fromCognitoIdentityPool` call, and GetOpenIdToken for the classic flow (its
 * token goes to `POST /sts`, AssumeRoleWithWebIdentity). All are `noAuth` in Cognito too.
 */
export function identityPoolOperations(service: CognitoIdentityService): ReadonlyMap<string, CognitoOperation> {
  return new Map([
    [`${IDENTITY_SERVICE}.GetId`, cognitoOperation(getIdSchema, async (input, request) => ({
      IdentityId: await service.getId({ identityPoolId: input.IdentityPoolId, logins: input.Logins, address: request.address }),
    }))],
    [`${IDENTITY_SERVICE}.GetCredentialsForIdentity`, cognitoOperation(getCredentialsForIdentitySchema, async (input, request) => {
      const issued = await service.getCredentials({
        identityId: input.IdentityId, logins: input.Logins, address: request.address,
        // As `POST /sts`: the role is the ARN's last segment after `role/`, whatever account it names.
        role: input.CustomRoleArn === undefined ? undefined : roleFromArn(input.CustomRoleArn),
      });
      return {
        IdentityId: issued.identityId,
        // Expiration in epoch seconds, a number: the AWS JSON protocol's timestamp.
        Credentials: { AccessKeyId: issued.accessKeyId, SecretKey: issued.secretKey, SessionToken: issued.sessionToken, Expiration: Math.floor(issued.expiration.getTime() / 1000) },
      };
    })],
    [`${IDENTITY_SERVICE}.GetOpenIdToken`, cognitoOperation(getOpenIdTokenSchema, async (input) => {
      const { identityId, token } = await service.getOpenIdToken({ identityId: input.IdentityId, logins: input.Logins });
      return { IdentityId: identityId, Token: token };
    })],
  ]);
}
