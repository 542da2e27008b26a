import { describe, expect, it } from 'vitest';
import { emailDelivery, maskEmail } from '../../src/cognito/code-delivery.js';
import { readSignUpAccount } from '../../src/cognito/sign-up-attributes.js';
import type { SignUpRequest } from '../../src/cognito/sign-up.schema.js';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError, PayloadTooLargeError, RateLimitedError, TooManyAttemptsError } from '../../src/errors/app-error.js';
import { CodeRefusedError } from '../../src/errors/code-refused-error.js';
import { MalformedInputError } from '../../src/errors/malformed-input-error.js';
import { UnknownOperationError } from '../../src/errors/unknown-operation-error.js';
import { CODE_COOL_DOWN, cognitoErrorFor } from '../../src/http/error-surfaces/cognito-json.js';

describe('Cognito API wire details', () => {
  it('masks an address as Cognito does, from the first characters and the top-level domain', () => {
    expect(maskEmail('ada@example.com')).toBe('a***@e***.com');
    expect(maskEmail('ünal@bücher.de')).toBe('ü***@b***.de');
    expect(maskEmail('x@localhost')).toBe('x***@l***');
    expect(emailDelivery(' ada@example.com ')).toEqual({ Destination: 'a***@e***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    expect(emailDelivery('ada').Destination).toBe('***@***');
  });

  it('names the exception an SDK expects for each catalogued error', () => {
    const name = (error: Parameters<typeof cognitoErrorFor>[0]) => cognitoErrorFor(error).type;
    expect(name(new InvalidRequestError('weak', [{ path: 'password', message: 'At least 15 characters.' }]))).toBe('InvalidPasswordException');
    expect(name(new InvalidRequestError('bad', [{ path: 'ClientId', message: 'Required' }, { path: 'password', message: 'x' }]))).toBe('InvalidParameterException');
    expect(name(new MalformedInputError('body', 'malformed JSON', 'the body'))).toBe('SerializationException');
    expect(name(new MalformedInputError('Password', 'control character'))).toBe('InvalidParameterException');
    expect(name(new UnknownOperationError('X.Y'))).toBe('UnknownOperationException');
    expect(name(new PayloadTooLargeError(10))).toBe('InvalidParameterException');
    expect(name(new CodeRefusedError('mismatch'))).toBe('CodeMismatchException');
    expect(name(new CodeRefusedError('expired'))).toBe('ExpiredCodeException');
    expect(name(new CodeRefusedError('exhausted'))).toBe('ExpiredCodeException');
    expect(name(new TooManyAttemptsError(60))).toBe('LimitExceededException');
    expect(name(new RateLimitedError(CODE_COOL_DOWN, 'wait', 60))).toBe('LimitExceededException');
    expect(name(new RateLimitedError('signup_rate', 'wait', 60))).toBe('TooManyRequestsException');
    expect(name(new ForbiddenError('signup_disabled', 'SignUp is not permitted for this user pool'))).toBe('NotAuthorizedException');
    expect(name(new NotFoundError())).toBe('ResourceNotFoundException');
    expect(name(new ConflictError('taken'))).toBe('UsernameExistsException');
    expect(cognitoErrorFor(new TooManyAttemptsError(60)).status).toBe(400);
  });

  it('reads SignUp attributes: the Username is the address or a username with an email attribute; required ones are checked', () => {
    const base = { ClientId: 'c', Password: 'p' };
    expect(readSignUpAccount({ ...base, Username: 'ada@example.com', UserAttributes: [{ Name: 'given_name', Value: ' Ada ' }, { Name: 'custom:team', Value: 'blue' }] }, [])).toEqual({ email: 'ada@example.com', username: undefined, profile: { given_name: 'Ada' }, customAttributes: { team: 'blue' } });
    expect(readSignUpAccount({ ...base, Username: 'ada', UserAttributes: [{ Name: 'email', Value: 'ada@example.com' }] }, ['username'])).toMatchObject({ email: 'ada@example.com', username: 'ada' });
    const refused: [SignUpRequest, string[]][] = [
      [{ ...base, Username: 'ada' }, []],
      [{ ...base, Username: 'ada@example.com', UserAttributes: [{ Name: 'email', Value: 'eve@example.com' }] }, []],
      [{ ...base, Username: 'ada@example.com', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }, []],
      [{ ...base, Username: 'ada@example.com', UserAttributes: [{ Name: 'name', Value: 'A' }, { Name: 'name', Value: 'B' }] }, []],
      [{ ...base, Username: 'ada@example.com' }, ['given_name']],
      [{ ...base, Username: 'ada@example.com' }, ['username']],
    ];
    for (const [input, required] of refused) {
      expect(() => readSignUpAccount(input, required), JSON.stringify(input)).toThrow(InvalidRequestError);
    }
  });
});
