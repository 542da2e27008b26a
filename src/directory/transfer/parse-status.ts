import type { UserRow } from '../repositories/user.repository.js';
import { RowRejection } from './transfer-user.js';

const STATUSES: readonly UserRow['status'][] = ['confirmed', 'unconfirmed', 'reset_required'];

/** A status as Latchkey writes it, or as Cognito does (`CONFIRMED`, `RESET_REQUIRED`): case does not matter. */
export function parseStatus(value: string): UserRow['status'] {
  const status = value.toLowerCase() as UserRow['status'];
  if (!STATUSES.includes(status)) throw new RowRejection(`status "${value.slice(0, 32)}" is not confirmed, unconfirmed or reset_required`);
  return status;
}
