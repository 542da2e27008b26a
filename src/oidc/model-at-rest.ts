import type { KeyObject } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import { deriveKeys, hmacBase64url } from '../lib/hashing.js';
import { createSecretBox } from '../lib/secret-box.js';

/**
 * What of an oidc-provider model reaches the `oidc_model` table, so that a dump of it hands out nothing
 * usable (style rule 7; kratos stores `CodeHMAC` for the same reason).
 *
 * - Ids are bearer values: an authorization code, a refresh token, the session cookie, an interaction
 *   id, a device code. Rows are keyed by `h1.` + HMAC-SHA256 of the id instead, under a key derived
 *   with HKDF from `LATCHKEY_SECRET`. The `uid` and `user_code` lookup columns are hashed the same way.
 *   The HMAC needs no salt and no slow hash: every such id is at least 126 random bits.
 * - Payloads repeat secrets: `jti` is the raw id in every model, an Interaction carries the session
 *   cookie value (`session.cookie`), its own id inside `returnTo`, the pushed request's id (`parJti`)
 *   and the device code. Rather than chase fields across provider versions, everything is sealed
 *   (AES-256-GCM, purpose-bound to the model) except the few fields SQL reads, which name an account,
 *   a client or a grant and grant nothing by themselves.
 *
 * `LATCHKEY_SECRET` is a list: the first secret writes, every one is tried on lookup (one query with
 * `id = ANY(...)`), so secrets rotate by prepending; a row written under a secret that was later dropped
 * is simply not found, like any expired session. Rows from before hashing hold raw ids (never a `.`,
 * since provider ids are base64url), are found by their raw id meanwhile, and are converted in the
 * background (legacy-model-conversion.ts).
 */
export interface ModelAtRest {
  /** The stored form of an id, uid or user code: the HMAC under the first secret. */
  storageKey(value: string): string;
  /**
   * Every stored form a lookup must match, in order of preference: the HMAC under each secret, then the
   * raw value when it could be a row from before hashing. A value that could not (a control character,
   * a NUL byte, an odd length) never reaches SQL raw.
   */
  lookupKeys(value: string): string[];
  /**
   * The payload to store: clear fields as they are, every other field inside `sealed`, less what the row
   * already says. `kind` is the row's model. `jti` is the row's id for a model found only by its id (no
   * `uid`, no `userCode`), and every `find` by id puts the id it was asked for back; a Session (found by its
   * uid) or a device code (by its user code) keeps it. About 300 bytes of each session's rows.
   */
  seal(model: string, payload: AdapterPayload): Record<string, unknown>;
  /**
   * The provider's payload again, its `kind` included; a `jti` left out at sealing is the caller's to put back
   * (the id it looked the row up by). Undefined when no configured secret opens it. Raw legacy payloads pass.
   */
  open(model: string, stored: Record<string, unknown>): AdapterPayload | undefined;
}

/** The prefix of a hashed id; its version says which derivation made it. */
export const HASHED_PREFIX = 'h1.';

/**
 * Fields kept readable: issue and expiry times for operators (and the account page's "last used"), and the
 * owner fields that SQL matches on (global sign-out and user deletion by `accountId`, client deletion by
 * `clientId`, access-token liveness on the Grant). A `kind` other than the row's model would stay readable
 * too (rows from before it was left out carry theirs).
 */
const CLEAR_FIELDS: ReadonlySet<string> = new Set(['iat', 'exp', 'kind', 'accountId', 'clientId', 'grantId']);

/** Provider ids are nanoids or base64url digests; a stored raw id cannot be anything else. */
const LEGACY_ID = /^[\w-]{1,512}$/;

/** Builds the hashing and sealing for one list of secrets; keys are derived once, here. */
export function createModelAtRest(secrets: readonly string[]): ModelAtRest {
  const keys = deriveKeys(secrets, 'oidc-model id v1');
  const box = createSecretBox(secrets);
  const purpose = (model: string) => `oidc-model:${model}`;
  const hash = (key: KeyObject, value: string) => `${HASHED_PREFIX}${hmacBase64url(key, value)}`;
  return {
    storageKey: (value) => hash(keys[0]!, value),
    lookupKeys(value) {
      const candidates = keys.map((key) => hash(key, value));
      if (LEGACY_ID.test(value)) candidates.push(value);
      return candidates;
    },
    seal(model, payload) {
      const clear: Record<string, unknown> = {};
      const hidden: Record<string, unknown> = {};
      const foundByIdOnly = payload.uid === undefined && payload.userCode === undefined;
      for (const [field, value] of Object.entries(payload)) {
        if (value === undefined) continue;
        if ((field === 'kind' && value === model) || (field === 'jti' && foundByIdOnly)) continue;
        if (CLEAR_FIELDS.has(field)) clear[field] = value;
        else hidden[field] = value;
      }
      return { ...clear, sealed: box.seal(JSON.stringify(hidden), purpose(model)) };
    },
    open(model, stored) {
      const { sealed, ...clear } = stored;
      if (sealed === undefined) return stored;
      if (typeof sealed !== 'string') return undefined;
      try {
        return { kind: model, ...clear, ...(JSON.parse(box.open(sealed, purpose(model))) as Record<string, unknown>) };
      } catch {
        return undefined;
      }
    },
  };
}
