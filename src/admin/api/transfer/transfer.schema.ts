import { z } from 'zod';

export const importQuery = z.object({
  format: z.enum(['csv', 'json']).optional().describe('csv (Cognito user-import CSV with Latchkey\'s columns) or json (JSON Lines); default: from the Content-Type'),
  dry_run: z.enum(['true', 'false']).default('false').describe('do everything in transactions that are rolled back: the report says what the import would do'),
});

export const importReportSchema = z.object({
  dry_run: z.boolean(),
  total: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected_count: z.number().int(),
  rejected: z.array(z.object({ line: z.number().int(), identifier: z.string().nullable(), reason: z.string() })).describe('the first rejected rows, in file order; a rejected row wrote nothing'),
  groups_created: z.array(z.string()),
});

export const exportQuery = z.object({
  format: z.enum(['csv', 'json']).default('csv'),
  include_hashes: z.enum(['true', 'false']).default('false').describe('include password hashes: needs full admin access, and is recorded in the audit log'),
});
