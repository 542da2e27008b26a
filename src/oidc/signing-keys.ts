import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { recordAudit } from '../audit/record-audit.js';
import type { SigningAlgorithm } from '../config/signing-config.js';
import type { Database, Queryable } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../lib/secret-box.js';
import * as keys from './repositories/signing-key.repository.js';
import type { SigningKeyRow, SigningKeyState } from './repositories/signing-key.repository.js';

const SEAL_PURPOSE = 'signing-key';

/** A published key and its schedule, as the CLI and the admin API list them. */
export interface PublishedKey {
  kid: string;
  alg: string;
  state: SigningKeyState;
  /** When it signs (or signed) from. */
  activatesAt: Date;
  /** When it stops (or stopped) signing; null while no successor is scheduled. */
  retiresAt: Date | null;
  /** When it leaves the JWKS; null while it has no retirement. */
  unpublishAt: Date | null;
}

export interface KeySet {
  /** Private JWKs for the provider: signing keys first (the default algorithm's first), then pending, then retired. */
  privateJwks: JWK[];
  /** Public JWKs, as published, in the same order. */
  publicJwks: JWK[];
  /** Each key's algorithm, state and schedule, in the same order. */
  keys: PublishedKey[];
  version: string;
}

/** What a rotation did for one algorithm. */
export interface RotatedKey {
  alg: string;
  /** The new key. */
  kid: string;
  /** When it signs from: now for an immediate rotation, after the publish-ahead window for a staged one. */
  activatesAt: Date;
  /** The key it replaces, which stops signing at `activatesAt` (null when the algorithm had none). */
  replaces: string | null;
}

export interface SigningKeyService {
  /**
   * Makes sure each configured algorithm has a signing key, creating one that signs at once where there is
   * none (first start, an algorithm added to LATCHKEY_SIGNING_ALGS). Idempotent, safe under concurrent starts.
   */
  ensure(): Promise<void>;
  load(): Promise<KeySet>;
  version(): Promise<string>;
  /**
   * Immediate rotation (suspected exposure): for every algorithm that has a signing key, a new key signs from
   * now and the old one retires now, staying in the JWKS for `publishRetiredForSeconds`, long enough for every
   * token it signed to expire. A staged key not yet signing is withdrawn. `kid` is the default algorithm's key.
   */
  rotate(): Promise<{ kid: string; retired: number; keys: RotatedKey[] }>;
  /**
   * Staged rotation: for every algorithm that has a signing key and no successor yet, a new key is published
   * now and signs after `publishAheadSeconds`, when the old one retires (and stays published as above).
   */
  stage(): Promise<RotatedKey[]>;
  /**
   * The rotation job: stages a successor for each signing key older than the rotation period, less the
   * publish-ahead window, and retires the signing key of an algorithm taken off LATCHKEY_SIGNING_ALGS (it
   * signs nothing any more; it stays published until its tokens expire). Returns how many keys it changed.
   */
  rotateIfDue(): Promise<number>;
}

interface NewKey { kid: string; alg: SigningAlgorithm; publicJwk: JWK; privateJwkSealed: string }

async function newKey(box: SecretBox, alg: SigningAlgorithm): Promise<NewKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048, extractable: true } : { extractable: true });
  const kid = randomBytes(12).toString('base64url');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, publicJwk, privateJwkSealed: box.seal(JSON.stringify(privateJwk), `${SEAL_PURPOSE}:${kid}`) };
}

const later = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);

export function createSigningKeyService(deps: {
  db: Database;
  box: SecretBox;
  clock: Clock;
  /** LATCHKEY_SIGNING_ALGS: one signing key each; the first is the default (access tokens, ID tokens). */
  algorithms: readonly SigningAlgorithm[];
  publishRetiredForSeconds: number;
  /** How long a staged key is published before it signs. */
  publishAheadSeconds: number;
  /** How long a key signs before the job replaces it; 0: never. */
  rotationDays: number;
}): SigningKeyService {
  const { db, box, clock, algorithms } = deps;
  const [defaultAlg] = algorithms;
  if (!defaultAlg) throw new Error('at least one signing algorithm is required');
  const rank = (alg: string) => { const i = (algorithms as readonly string[]).indexOf(alg); return i === -1 ? algorithms.length : i; };
  const signersOf = (rows: SigningKeyRow[]) => rows.filter((row) => row.state === 'signing');

  /** Retires `signer` at `at` (it stays published for the retired window) and withdraws any staged successor. */
  async function replace(tx: Queryable, rows: SigningKeyRow[], alg: string, at: Date): Promise<string | null> {
    for (const pending of rows.filter((row) => row.alg === alg && row.state === 'pending')) {
      await keys.scheduleSigningKeyRetirement(tx, pending.kid, at, at);
    }
    const signer = rows.find((row) => row.alg === alg && row.state === 'signing');
    if (signer) await keys.scheduleSigningKeyRetirement(tx, signer.kid, at, later(at, deps.publishRetiredForSeconds));
    return signer?.kid ?? null;
  }

  /** Stages a successor for each signing key `due` picks, under the key lock; keys are generated before it. */
  async function stageWhere(due: (signer: SigningKeyRow, now: Date) => boolean): Promise<RotatedKey[]> {
    const candidates = (rows: SigningKeyRow[], now: Date) => signersOf(rows).filter((signer) => !rows.some((row) => row.alg === signer.alg && row.state === 'pending') && due(signer, now));
    const checkedAt = clock.now();
    const first = candidates(await keys.findPublishedSigningKeys(db, checkedAt), checkedAt);
    if (!first.length) return [];
    const generated = new Map<string, NewKey>();
    for (const signer of first) generated.set(signer.alg, await newKey(box, signer.alg as SigningAlgorithm));
    return db.transaction(async (tx) => {
      await keys.lockSigningKeys(tx);
      const now = clock.now();
      const activatesAt = later(now, deps.publishAheadSeconds);
      const staged: RotatedKey[] = [];
      // Checked again under the lock: another replica or the CLI may have staged one meanwhile.
      for (const signer of candidates(await keys.findPublishedSigningKeys(tx, now), now)) {
        const key = generated.get(signer.alg);
        if (!key) continue;
        await keys.insertSigningKey(tx, { ...key, activatesAt });
        await keys.scheduleSigningKeyRetirement(tx, signer.kid, activatesAt, later(activatesAt, deps.publishRetiredForSeconds));
        staged.push({ alg: key.alg, kid: key.kid, activatesAt, replaces: signer.kid });
      }
      // Key ids are public (they are in the JWKS); the keys themselves never leave their sealed column.
      for (const key of staged) await recordAudit(tx, { type: 'key.rotated', details: { kid: key.kid, alg: key.alg, replaces: key.replaces, staged: true, activates_at: key.activatesAt.toISOString() } });
      return staged;
    });
  }

  return {
    async ensure() {
      const present = new Set(signersOf(await keys.findPublishedSigningKeys(db, clock.now())).map((row) => row.alg));
      const missing = algorithms.filter((alg) => !present.has(alg));
      if (!missing.length) return;
      const generated = await Promise.all(missing.map((alg) => newKey(box, alg)));
      await db.transaction(async (tx) => {
        await keys.lockSigningKeys(tx);
        const now = clock.now();
        const rows = await keys.findPublishedSigningKeys(tx, now);
        for (const key of generated) {
          if (rows.some((row) => row.alg === key.alg && row.state === 'signing')) continue;
          // A staged successor whose signer went away takes over now rather than a third key being made.
          const pending = rows.filter((row) => row.alg === key.alg && row.state === 'pending').at(-1);
          if (pending) await keys.activateSigningKey(tx, pending.kid, now);
          else await keys.insertSigningKey(tx, { ...key, activatesAt: now });
        }
      });
    },

    async load() {
      const rows = await keys.findPublishedSigningKeys(db, clock.now());
      const signers = signersOf(rows);
      // Without one the provider could not sign at all. Another listed algorithm without a key (a replica
      // whose list is longer than the one the rotation job ran with) is simply not offered to apps.
      if (!signers.some((row) => row.alg === defaultAlg)) throw new Error(`no signing key for ${defaultAlg}; run \`latchkey keys rotate\``);
      // The default algorithm's signer first: what the provider and back-channel logout take by default.
      const ordered = [...signers.sort((a, b) => rank(a.alg) - rank(b.alg)), ...rows.filter((row) => row.state !== 'signing')];
      return {
        privateJwks: ordered.map((r) => JSON.parse(box.open(r.private_jwk_sealed, `${SEAL_PURPOSE}:${r.kid}`)) as JWK),
        publicJwks: ordered.map((r) => r.public_jwk as JWK),
        keys: ordered.map((r) => ({ kid: r.kid, alg: r.alg, state: r.state, activatesAt: r.activates_at, retiresAt: r.retired_at, unpublishAt: r.unpublish_at })),
        version: await keys.findSigningKeySetVersion(db, clock.now()),
      };
    },

    version: () => keys.findSigningKeySetVersion(db, clock.now()),

    async rotate() {
      const current = signersOf(await keys.findPublishedSigningKeys(db, clock.now())).map((row) => row.alg as SigningAlgorithm);
      const algs = [...new Set([...algorithms, ...current])];
      const generated = await Promise.all(algs.map((alg) => newKey(box, alg)));
      return db.transaction(async (tx) => {
        await keys.lockSigningKeys(tx);
        const now = clock.now();
        const rows = await keys.findPublishedSigningKeys(tx, now);
        const rotated: RotatedKey[] = [];
        for (const key of generated) {
          const replaces = await replace(tx, rows, key.alg, now);
          await keys.insertSigningKey(tx, { ...key, activatesAt: now });
          rotated.push({ alg: key.alg, kid: key.kid, activatesAt: now, replaces });
        }
        for (const key of rotated) await recordAudit(tx, { type: 'key.rotated', details: { kid: key.kid, alg: key.alg, replaces: key.replaces, retired: key.replaces ? 1 : 0 } });
        return { kid: rotated.find((key) => key.alg === defaultAlg)!.kid, retired: rotated.filter((key) => key.replaces).length, keys: rotated };
      });
    },

    stage: () => stageWhere(() => true),

    async rotateIfDue() {
      if (deps.rotationDays <= 0) return 0;
      const listed = (alg: string) => (algorithms as readonly string[]).includes(alg);
      // Only servers run the job, so their configuration decides; a CLI's environment never retires a key.
      const unlisted = await db.transaction(async (tx) => {
        await keys.lockSigningKeys(tx);
        const now = clock.now();
        const rows = await keys.findPublishedSigningKeys(tx, now);
        const algs = [...new Set(rows.filter((row) => row.state !== 'retired' && !listed(row.alg)).map((row) => row.alg))];
        for (const alg of algs) await replace(tx, rows, alg, now);
        return algs.length;
      });
      const dueAfterSeconds = deps.rotationDays * 86_400 - deps.publishAheadSeconds;
      const staged = await stageWhere((signer, now) => listed(signer.alg) && now.getTime() >= later(signer.activates_at, dueAfterSeconds).getTime());
      return unlisted + staged.length;
    },
  };
}
