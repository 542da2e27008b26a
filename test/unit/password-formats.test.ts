import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/directory/password-hasher.js';
import { firebaseScryptHash } from '../../src/directory/password-formats/firebase-scrypt.js';
import { parsePasswordHash } from '../../src/directory/password-formats/registry.js';
import { argon2Parameters } from '../support/fixtures.js';
import { argon2idHash, bcryptHash, djangoPbkdf2Hash, FIREBASE_PROJECT, firebaseHash, passlibPbkdf2Hash, scryptHash } from '../support/foreign-hashes.js';

const hasher = createPasswordHasher();

/** The reason a stored hash is refused (fails the test when it is accepted). */
function refusal(stored: string): string {
  const parsed = parsePasswordHash(stored);
  if (parsed.ok) throw new Error(`accepted ${stored}`);
  return parsed.reason;
}

async function verifies(stored: string, password: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.verify(password);
}

describe('password hash registry', () => {
  it('refuses hashes of formats it does not know, naming the accepted ones', () => {
    for (const stored of ['', 'plaintext', '$1$abc$def', '$6$rounds=5000$salt$hash', '$argon2i$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'sha1$x$y']) {
      expect(refusal(stored)).toMatch(/^unknown password hash format \(accepted: argon2id, bcrypt, scrypt, pbkdf2-sha256, firebase-scrypt\)$/);
    }
    expect(refusal(`$2b$04$${'a'.repeat(5000)}`)).toBe('password hash is too long');
  });

  it('verifies a foreign hash that matches as valid and due for rehash, then the rehash is argon2id at the pool parameters', async () => {
    const foreign = await bcryptHash('old password');
    expect(await hasher.verify(foreign, 'old password')).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.verify(foreign, 'other password')).toEqual({ valid: false, needsRehash: false });
    const upgraded = await hasher.hash('old password');
    expect(argon2Parameters(upgraded)).toEqual({ type: 'argon2id', params: { m: '19456', t: '2', p: '1' } });
    expect(await hasher.verify(upgraded, 'old password')).toEqual({ valid: true, needsRehash: false });
  });

  it('treats a refused stored hash (over the work bounds) as a wrong password, quickly', async () => {
    const started = Date.now();
    expect(await hasher.verify(`$2b$31$${'a'.repeat(53)}`, 'x')).toEqual({ valid: false, needsRehash: false });
    expect(await hasher.verify('$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA', 'x')).toEqual({ valid: false, needsRehash: false });
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('argon2id', () => {
  it('verifies argon2id made by another library, flagging other parameters for rehash', async () => {
    const stored = await argon2idHash('pässword');
    expect(await hasher.verify(stored, 'pässword')).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.verify(stored, 'password')).toEqual({ valid: false, needsRehash: false });
  });

  it('refuses malformed argon2id and parameters over the bounds', () => {
    expect(refusal('$argon2id$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA')).toMatch(/^malformed argon2id hash/);
    expect(refusal('$argon2id$v=19$m=524288,t=2,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA')).toMatch(/too much work/);
    expect(refusal('$argon2id$v=19$m=19456,t=99,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA')).toMatch(/too much work/);
    expect(refusal('$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$aGFzaGhh!2hoYXNoaGFzaA')).toMatch(/the hash must be/);
    expect(refusal('$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA')).toMatch(/the salt must be/);
  });
});

describe('bcrypt', () => {
  it('verifies $2a$, $2b$ and $2y$ hashes made by hash-wasm', async () => {
    for (const prefix of ['$2a$', '$2b$', '$2y$'] as const) {
      const stored = await bcryptHash('correct horse', { prefix, cost: 5 });
      expect(stored.startsWith(`${prefix}05$`)).toBe(true);
      expect(await verifies(stored, 'correct horse')).toBe(true);
      expect(await verifies(stored, 'correct horsE')).toBe(false);
    }
  });

  it('refuses costs above 15 or below 4, and malformed strings', async () => {
    const stored = await bcryptHash('x');
    expect(refusal(`$2b$16$${stored.slice(7)}`)).toBe('bcrypt hash asks for too much work (cost 16; at most 15)');
    expect(refusal(`$2b$03$${stored.slice(7)}`)).toMatch(/at least 04/);
    expect(refusal(stored.slice(0, -1))).toMatch(/^malformed bcrypt hash/);
    expect(refusal(`${stored.slice(0, -1)}!`)).toMatch(/^malformed bcrypt hash/);
  });
});

describe('scrypt', () => {
  it('verifies the $scrypt$ string in standard and adapted base64 made by hash-wasm', async () => {
    for (const alphabet of ['standard', 'adapted'] as const) {
      const stored = await scryptHash('s3cret', { log2N: 10, r: 8, p: 2, alphabet });
      expect(await verifies(stored, 's3cret')).toBe(true);
      expect(await verifies(stored, 's3cre')).toBe(false);
    }
  });

  it("verifies passlib's documented example (ln=16, r=8, p=1)", async () => {
    expect(await verifies('$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E', 'password')).toBe(true);
  });

  it('refuses N over 2^20, memory over 256 MiB, too much work and bad encodings', () => {
    const tail = '$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
    expect(refusal(`$scrypt$ln=21,r=1,p=1${tail}`)).toMatch(/too much work/);
    expect(refusal(`$scrypt$ln=20,r=8,p=1${tail}`)).toMatch(/too much memory/);
    expect(refusal(`$scrypt$ln=18,r=8,p=16${tail}`)).toMatch(/too much work/);
    expect(refusal(`$scrypt$ln=0,r=8,p=1${tail}`)).toMatch(/N must be at least 2/);
    expect(refusal(`$scrypt$ln=14,r=8,p=1$c2FsdA$aGFzaA`)).toMatch(/16-128 bytes/);
    expect(refusal(`$scrypt$ln=14,r=8,p=1$c2F*dA$aGFzaGhhc2hoYXNoaGFzaA`)).toMatch(/the salt must be/);
    expect(refusal(`$scrypt$ln=014,r=8,p=1${tail}`)).toMatch(/must be integers/);
  });
});

describe('PBKDF2-SHA256', () => {
  it('verifies passlib and Django strings made by hash-wasm', async () => {
    for (const stored of [await passlibPbkdf2Hash('pbkdf pass', 2000), await djangoPbkdf2Hash('pbkdf pass', 2000)]) {
      expect(await verifies(stored, 'pbkdf pass')).toBe(true);
      expect(await verifies(stored, 'pbkdf pas')).toBe(false);
    }
  });

  it("verifies passlib's and Django's published test vectors", async () => {
    expect(await verifies('$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ', 'password')).toBe(true);
    expect(await verifies('pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=', 'lètmein')).toBe(true);
    expect(await verifies('pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=', 'letmein')).toBe(false);
  });

  it('refuses over 10,000,000 iterations and malformed strings', () => {
    expect(refusal('$pbkdf2-sha256$10000001$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ')).toMatch(/too much work \(10000001 iterations; at most 10000000\)/);
    expect(refusal('pbkdf2_sha256$99999999$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=')).toMatch(/too much work/);
    expect(refusal('$pbkdf2-sha256$0$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ')).toMatch(/positive integer/);
    expect(refusal('$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg+fJPeq1h/gXXY7acBp9/6c.tmQ')).toMatch(/^malformed pbkdf2-sha256 hash/);
    expect(refusal('pbkdf2_sha256$260000$sea$salt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=')).toMatch(/^malformed Django/);
    expect(refusal('pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjA')).toMatch(/16-64 bytes/);
  });
});

describe('Firebase scrypt', () => {
  const readme = firebaseScryptHash({ ...FIREBASE_PROJECT, memCost: 14, salt: '42xEC+ixf3L2lw==', hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==' });

  it('verifies the known answer published in the firebase/scrypt README', async () => {
    expect(readme).toBe('$firebase-scrypt$r=8,m=14$Bw==$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==');
    expect(await hasher.verify(readme, 'user1password')).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.verify(readme, 'user2password')).toEqual({ valid: false, needsRehash: false });
  });

  it("verifies a hash derived with hash-wasm's scrypt and node's AES-CTR", async () => {
    const stored = await firebaseHash('fire pass', { memCost: 10 });
    expect(await verifies(stored, 'fire pass')).toBe(true);
    expect(await verifies(stored, 'fire pas')).toBe(false);
  });

  it('refuses mem_cost over 20, a hash not as long as the signer key, and bad base64', () => {
    expect(refusal(readme.replace('m=14', 'm=21'))).toMatch(/too much work/);
    expect(refusal(readme.replace('r=8', 'r=33'))).toMatch(/too much work/);
    expect(refusal(readme.replace(/\$[^$]+$/, '$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SA'))).toMatch(/as long as the signer key/);
    expect(refusal(readme.replace('$Bw==$', '$B*==$'))).toMatch(/must be base64/);
    expect(refusal('$firebase-scrypt$r=8,m=14$Bw==$abc')).toMatch(/^malformed firebase-scrypt hash: expected/);
  });
});
