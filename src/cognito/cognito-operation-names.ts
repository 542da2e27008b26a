import { UnknownOperationError } from '../errors/unknown-operation-error.js';
import { UnsupportedOperationError } from '../errors/unsupported-operation-error.js';

/**
 * Every operation of Cognito's two JSON APIs, by name (from the AWS SDK v3's command list). A target naming
 * one of them that Latchkey does not serve answers `UnsupportedOperationException` naming it, so an app
 * learns at once which call it must change; a name Cognito does not have either answers
 * `UnknownOperationException`, as AWS does. Never a silent success.
 */

/** AWSCognitoIdentityProviderService (user pools). */
export const USER_POOL_OPERATIONS: ReadonlySet<string> = new Set([
  'AddCustomAttributes', 'AddUserPoolClientSecret', 'AdminAddUserToGroup', 'AdminConfirmSignUp', 'AdminCreateUser',
  'AdminDeleteSoftwareToken', 'AdminDeleteUserAttributes', 'AdminDeleteUser', 'AdminDisableProviderForUser',
  'AdminDisableUser', 'AdminEnableUser', 'AdminForgetDevice', 'AdminGetDevice', 'AdminGetUserAuthFactors',
  'AdminGetUser', 'AdminInitiateAuth', 'AdminLinkProviderForUser', 'AdminListDevices', 'AdminListGroupsForUser',
  'AdminListUserAuthEvents', 'AdminListUserSessions', 'AdminRemoveUserFromGroup', 'AdminResetUserPassword',
  'AdminRespondToAuthChallenge', 'AdminRevokeUserSession', 'AdminSetUserMFAPreference', 'AdminSetUserPassword',
  'AdminSetUserSettings', 'AdminUpdateAuthEventFeedback', 'AdminUpdateDeviceStatus', 'AdminUpdateUserAttributes',
  'AdminUserGlobalSignOut', 'AssociateSoftwareToken', 'ChangePassword', 'CompleteWebAuthnRegistration',
  'ConfirmDevice', 'ConfirmForgotPassword', 'ConfirmSignUp', 'CreateGroup', 'CreateIdentityProvider',
  'CreateManagedLoginBranding', 'CreateResourceServer', 'CreateTerms', 'CreateUserImportJob',
  'CreateUserPoolClient', 'CreateUserPool', 'CreateUserPoolDomain', 'CreateUserPoolReplica', 'DeleteGroup',
  'DeleteIdentityProvider', 'DeleteManagedLoginBranding', 'DeleteResourceServer', 'DeleteTerms',
  'DeleteUserAttributes', 'DeleteUser', 'DeleteUserPoolClient', 'DeleteUserPoolClientSecret', 'DeleteUserPool',
  'DeleteUserPoolDomain', 'DeleteUserPoolReplica', 'DeleteWebAuthnCredential', 'DescribeIdentityProvider',
  'DescribeManagedLoginBrandingByClient', 'DescribeManagedLoginBranding', 'DescribeResourceServer',
  'DescribeRiskConfiguration', 'DescribeTermsByClient', 'DescribeTerms', 'DescribeUserImportJob',
  'DescribeUserPoolClient', 'DescribeUserPool', 'DescribeUserPoolDomain', 'ForgetDevice', 'ForgotPassword',
  'GetCSVHeader', 'GetClientToken', 'GetDevice', 'GetGroup', 'GetIdentityProviderByIdentifier',
  'GetLogDeliveryConfiguration', 'GetProvisionedLimit', 'GetSigningCertificate', 'GetTokensFromRefreshToken',
  'GetUICustomization', 'GetUserAttributeVerificationCode', 'GetUserAuthFactors', 'GetUser',
  'GetUserPoolClientSessionConfiguration', 'GetUserPoolMfaConfig', 'GetUserPoolSessionConfiguration',
  'GlobalSignOut', 'InitiateAuth', 'ListDevices', 'ListGroups', 'ListIdentityProviders', 'ListResourceServers',
  'ListTagsForResource', 'ListTerms', 'ListUserImportJobs', 'ListUserPoolClientSecrets', 'ListUserPoolClients',
  'ListUserPoolReplicas', 'ListUserPools', 'ListUserSessions', 'ListUsers', 'ListUsersInGroup',
  'ListWebAuthnCredentials', 'ResendConfirmationCode', 'RespondToAuthChallenge', 'RevokeToken', 'RevokeUserSession',
  'SetLogDeliveryConfiguration', 'SetRiskConfiguration', 'SetUICustomization', 'SetUserMFAPreference',
  'SetUserPoolClientSessionConfiguration', 'SetUserPoolMfaConfig', 'SetUserPoolSessionConfiguration',
  'SetUserSettings', 'SignUp', 'StartUserImportJob', 'StartWebAuthnRegistration', 'StopUserImportJob',
  'TagResource', 'UntagResource', 'UpdateAuthEventFeedback', 'UpdateDeviceStatus', 'UpdateGroup',
  'UpdateIdentityProvider', 'UpdateManagedLoginBranding', 'UpdateProvisionedLimit', 'UpdateResourceServer',
  'UpdateTerms', 'UpdateUserAttributes', 'UpdateUserPoolClient', 'UpdateUserPool', 'UpdateUserPoolDomain',
  'UpdateUserPoolReplica', 'VerifySoftwareToken', 'VerifyUserAttribute',
]);

/** AWSCognitoIdentityService (identity pools). */
export const IDENTITY_POOL_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateIdentityPool', 'DeleteIdentities', 'DeleteIdentityPool', 'DescribeIdentity', 'DescribeIdentityPool',
  'GetCredentialsForIdentity', 'GetId', 'GetIdentityPoolRoles', 'GetOpenIdToken',
  'GetOpenIdTokenForDeveloperIdentity', 'GetPrincipalTagAttributeMap', 'ListIdentities', 'ListIdentityPools',
  'ListTagsForResource', 'LookupDeveloperIdentity', 'MergeDeveloperIdentities', 'SetIdentityPoolRoles',
  'SetPrincipalTagAttributeMap', 'TagResource', 'UnlinkDeveloperIdentity', 'UnlinkIdentity', 'UntagResource',
  'UpdateIdentityPool',
]);

const OPERATIONS_BY_SERVICE: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['AWSCognitoIdentityProviderService', USER_POOL_OPERATIONS],
  ['AWSCognitoIdentityService', IDENTITY_POOL_OPERATIONS],
]);

/** The refusal for a target Latchkey does not serve: Cognito has it (unsupported here) or nobody does (unknown). */
export function refusalForTarget(target: string): UnsupportedOperationError | UnknownOperationError {
  const dot = target.indexOf('.');
  const operation = target.slice(dot + 1);
  if (dot > 0 && OPERATIONS_BY_SERVICE.get(target.slice(0, dot))?.has(operation)) return new UnsupportedOperationError(operation);
  return new UnknownOperationError(target || undefined);
}
