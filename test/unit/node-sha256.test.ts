import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { NodeSha256 } from '../../src/identity-pool/node-sha256.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('NodeSha256 (the SigV4 signer\'s hash)', () => {
  it('hashes as SHA-256 (FIPS 180-2 "abc") across several updates', async () => {
    const hash = new NodeSha256();
    hash.update('a');
    hash.update(new TextEncoder().encode('bc'));
    expect(hex(await hash.digest())).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('computes HMAC-SHA256 with a key (RFC 4231 test case 2), and starts over after reset', async () => {
    const hmac = new NodeSha256('Jefe');
    hmac.update('something else');
    hmac.reset();
    hmac.update('what do ya want for nothing?');
    expect(hex(await hmac.digest())).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('gives the same SigV4 signature as the pure-JavaScript implementation', async () => {
    const request = {
      method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 9000, path: '/', query: {},
      headers: { host: '127.0.0.1:9000', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=AssumeRole&Version=2011-06-15&DurationSeconds=900',
    };
    const sign = (sha256: typeof Sha256 | typeof NodeSha256) => new SignatureV4({
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      region: 'us-east-1', service: 'sts', sha256, applyChecksum: true,
    }).sign(request, { signingDate: new Date('2026-01-02T03:04:05Z') });
    const [native, javascript] = await Promise.all([sign(NodeSha256), sign(Sha256)]);
    expect(native.headers.authorization).toMatch(/Signature=[0-9a-f]{64}$/);
    expect(native.headers).toEqual(javascript.headers);
  });
});
