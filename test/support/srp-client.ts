import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';

/** amazon-cognito-identity-js's own SRP client half (the class CognitoUser uses for USER_SRP_AUTH). */
interface BigIntegerLike {
  toString(radix: number): string;
}
interface AuthenticationHelperLike {
  getLargeAValue(callback: (error: unknown, A: BigIntegerLike) => void): void;
  getPasswordAuthenticationKey(username: string, password: string, B: BigIntegerLike, salt: BigIntegerLike, callback: (error: unknown, key: Buffer) => void): void;
}

const require = createRequire(import.meta.url);
const { default: AuthenticationHelper } = require('amazon-cognito-identity-js/lib/AuthenticationHelper.js') as { default: new (poolName: string) => AuthenticationHelperLike };
const { default: BigInteger } = require('amazon-cognito-identity-js/lib/BigInteger.js') as { default: new (value: string, radix: number) => BigIntegerLike };
const { default: DateHelper } = require('amazon-cognito-identity-js/lib/DateHelper.js') as { default: new () => { getNowString(): string } };

export interface ChallengeParameters {
  USER_ID_FOR_SRP: string;
  SRP_B: string;
  SALT: string;
  SECRET_BLOCK: string;
}

/** A client's side of one USER_SRP_AUTH: SRP_A to send, then the PASSWORD_VERIFIER answer for a password. */
export function srpClient(poolName: string): { A: string; answer(parameters: ChallengeParameters, password: string, timestamp?: string): { USERNAME: string; TIMESTAMP: string; PASSWORD_CLAIM_SECRET_BLOCK: string; PASSWORD_CLAIM_SIGNATURE: string } } {
  const helper = new AuthenticationHelper(poolName);
  let A = '';
  helper.getLargeAValue((error, value) => {
    if (error) throw new Error('the SRP client could not make A', { cause: error });
    A = value.toString(16);
  });
  return {
    A,
    answer(parameters, password, timestamp = new DateHelper().getNowString()) {
      let key: Buffer | undefined;
      helper.getPasswordAuthenticationKey(parameters.USER_ID_FOR_SRP, password, new BigInteger(parameters.SRP_B, 16), new BigInteger(parameters.SALT, 16), (error, hkdf) => {
        if (error) throw new Error('the SRP client could not derive its key', { cause: error });
        key = hkdf;
      });
      // As CognitoUser.authenticateUserDefaultAuth signs the claim.
      const signature = createHmac('sha256', key!)
        .update(Buffer.concat([Buffer.from(poolName, 'utf8'), Buffer.from(parameters.USER_ID_FOR_SRP, 'utf8'), Buffer.from(parameters.SECRET_BLOCK, 'base64'), Buffer.from(timestamp, 'utf8')]))
        .digest('base64');
      return { USERNAME: parameters.USER_ID_FOR_SRP, TIMESTAMP: timestamp, PASSWORD_CLAIM_SECRET_BLOCK: parameters.SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE: signature };
    },
  };
}
