import type { Config } from '../config/load-config.js';
import { databaseLabel, describeDatabase } from './describe-database.js';
import { NEXT_COMMANDS } from './landing-routes.js';
import { PLAYGROUND_PATH } from '../playground/playground-client.js';

export interface StartUpHint {
  /** Structured fields of the log line (no credential: the database is described, never its URL). */
  fields: { landing: string; playground: string | null; database: string; createUser: string };
  /** The same for people, printed on stdout by `npm start` / `latchkey serve`. */
  lines: string[];
}

/** What to do once Latchkey listens: where to look, which database it uses, how to create a first user. */
export function startUpHint(config: Pick<Config, 'issuer' | 'playground' | 'databaseUrl' | 'dataDir'>): StartUpHint {
  const base = config.issuer.replace(/\/+$/, '');
  const playground = config.playground ? `${base}${PLAYGROUND_PATH}` : null;
  const database = databaseLabel(describeDatabase(config));
  const createUser = NEXT_COMMANDS[0];
  return {
    fields: { landing: `${base}/`, playground, database, createUser },
    lines: [
      `  Database:    ${database}`,
      `  Start here:  ${base}/`,
      ...(playground ? [`  Playground:  ${playground}`] : []),
      `  First user:  ${createUser}`,
    ],
  };
}
