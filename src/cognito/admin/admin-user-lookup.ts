import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { UserService } from '../../directory/user-service.js';
import { NotFoundError } from '../../errors/app-error.js';
import { AwsRefusalError } from '../../errors/aws-refusal-error.js';

export const userNotFound = () => new AwsRefusalError(400, 'user_not_found', 'UserNotFoundException', 'User does not exist.');

/** The user a Cognito `Username` names: by username, e-mail address or sub; UserNotFoundException otherwise. */
export async function findCognitoUser(users: UserService, username: string): Promise<UserRow> {
  try {
    return await users.resolve(username.trim());
  } catch (error) {
    if (error instanceof NotFoundError) throw userNotFound();
    throw error;
  }
}
