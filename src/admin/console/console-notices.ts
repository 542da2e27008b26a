/** Outcomes shown after a redirect, by fixed code: nothing from the URL is ever echoed onto a console page. */
export const CONSOLE_NOTICES: Readonly<Record<string, string>> = {
  disabled: 'The user is disabled: their sessions and tokens have ended.',
  enabled: 'The user is enabled again.',
  reset_required: 'The user must choose a new password before signing in again; their sessions have ended.',
  mfa_reset: "The user's second factor was removed; they enrol again at their next sign-in if one is required.",
  signed_out: 'The user is signed out everywhere.',
  deleted: 'The user is deleted.',
  group_added: 'The user was added to the group.',
  group_removed: 'The user was removed from the group.',
  unlinked: 'The sign-in provider is no longer linked to the user.',
  app_signed_out: 'The user is signed out of that app.',
  group_created: 'The group is created.',
  client_deleted: 'The client is deleted; its tokens no longer work.',
  role_created: 'The role is created.',
  role_deleted: 'The role is deleted.',
  provider_removed: 'The provider is removed; the identities linked through it were kept.',
  attribute_added: 'The attribute is declared.',
};
