import type { Database } from '../db/database.js';
import type { Services } from '../services.js';

/** The services declarative configuration reads and changes Latchkey through (their checks and audit events included). */
export type DeclarativeServices = Pick<Services, 'clients' | 'groups' | 'roles' | 'providers' | 'groupMapping' | 'attributes' | 'userPool' | 'mfa' | 'users' | 'userSearch' | 'branding'>;

/** Builds those services over a database (the apply's transaction, see transactionDatabase). */
export type ServicesFactory = (db: Database) => DeclarativeServices;
