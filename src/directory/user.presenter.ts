import type { UserRow } from './repositories/user.repository.js';

/** What leaves the server about a user: an explicit whitelist (never the password hash). */
export interface PresentedUser {
  id: string;
  username: string | null;
  email: string | null;
  email_verified: boolean;
  phone_number: string | null;
  status: UserRow['status'];
  enabled: boolean;
  profile: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  groups?: string[];
}

export function presentUser(user: UserRow, groups?: string[]): PresentedUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.email_verified,
    phone_number: user.phone_number,
    status: user.status,
    enabled: user.enabled,
    profile: { ...user.profile },
    custom_attributes: { ...user.custom_attributes },
    created_at: user.created_at.toISOString(),
    updated_at: user.updated_at.toISOString(),
    last_login_at: user.last_login_at ? user.last_login_at.toISOString() : null,
    ...(groups ? { groups } : {}),
  };
}
