import { AppError } from './app-error.js';

/**
 * A refusal that an AWS JSON API names with one exception of its own, where no catalogued class says it:
 * SigV4's `MissingAuthenticationTokenException`, `UnrecognizedClientException`, `InvalidSignatureException`,
 * `AccessDeniedException`, and Cognito's `UserNotFoundException`. `code` stays Latchkey's snake_case for logs
 * and other surfaces; `awsType` is the name the AWS error surface sends.
 */
export class AwsRefusalError extends AppError {
  readonly awsType: string;
  constructor(status: number, code: string, awsType: string, description: string) {
    super(status, code, description);
    this.awsType = awsType;
  }
}
