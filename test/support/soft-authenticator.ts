import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator for HTTP-level tests: an ES256 key per credential, CBOR-encoded
 * attestation (`none`) and signed assertions, exactly the bytes a browser would send. It signs whatever origin
 * and RP ID it is told to, so tests can play a phishing site or a cloned authenticator.
 */

/** Minimal CBOR (RFC 8949) for what WebAuthn needs: integers, byte and text strings, arrays, maps. */
function cbor(value: unknown): Buffer {
  const head = (major: number, length: number): Buffer => {
    if (length < 24) return Buffer.from([(major << 5) | length]);
    if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
    if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(length, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  if (value && typeof value === 'object') return cbor(new Map(Object.entries(value)));
  throw new Error(`cannot CBOR-encode ${typeof value}`);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

interface Credential {
  id: Buffer;
  key: KeyObject;
  cose: Buffer;
  userHandle: string;
  counter: number;
}

export interface Ceremony {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
}

export interface SoftAuthenticatorOptions {
  origin: string;
  rpId: string;
  /** Whether the authenticator verifies the user (PIN or biometric), setting the UV flag. Default true. */
  userVerified?: boolean;
  /** A synced (multi-device) passkey: the BE and BS flags. Default false. */
  synced?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];
  private readonly options: SoftAuthenticatorOptions;
  constructor(options: SoftAuthenticatorOptions) {
    this.options = options;
  }

  private authData(rpId: string, flags: number, counter: number, attested?: Credential): Buffer {
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    const parts: Buffer[] = [createHash('sha256').update(rpId).digest(), Buffer.from([flags]), counterBytes];
    if (attested) {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(attested.id.length);
      parts.push(Buffer.alloc(16), length, attested.id, attested.cose);
    }
    return Buffer.concat(parts);
  }

  private flags(ceremony: Ceremony): number {
    const uv = ceremony.userVerified ?? this.options.userVerified ?? true;
    return FLAG_UP | (uv ? FLAG_UV : 0) | (this.options.synced ? FLAG_BE | FLAG_BS : 0);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** Answers creation options (RegistrationResponseJSON): a new key pair, attestation `none`. */
  register(options: { challenge: string; user: { id: string } }, ceremony: Ceremony = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const credential: Credential = { id: randomBytes(32), key: privateKey, cose, userHandle: options.user.id, counter: 0 };
    this.credentials.push(credential);
    const authData = this.authData(ceremony.rpId ?? this.options.rpId, this.flags(ceremony) | FLAG_AT, 0, credential);
    const id = credential.id.toString('base64url');
    return {
      id, rawId: id, type: 'public-key' as const, clientExtensionResults: {}, authenticatorAttachment: 'platform' as const,
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, ceremony.origin ?? this.options.origin).toString('base64url'),
        attestationObject: cbor({ fmt: 'none', attStmt: {}, authData }).toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  /** Answers request options (AuthenticationResponseJSON) with `credential` (default: the newest), counter + 1. */
  assert(options: { challenge: string }, ceremony: Ceremony & { credential?: Credential; counter?: number } = {}) {
    const credential = ceremony.credential ?? this.credentials.at(-1);
    if (!credential) throw new Error('no credential registered');
    credential.counter = ceremony.counter ?? credential.counter + 1;
    const authData = this.authData(ceremony.rpId ?? this.options.rpId, this.flags(ceremony), credential.counter);
    const clientData = this.clientData('webauthn.get', options.challenge, ceremony.origin ?? this.options.origin);
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), credential.key);
    const id = credential.id.toString('base64url');
    return {
      id, rawId: id, type: 'public-key' as const, clientExtensionResults: {}, authenticatorAttachment: 'platform' as const,
      response: {
        clientDataJSON: clientData.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: credential.userHandle,
      },
    };
  }
}
