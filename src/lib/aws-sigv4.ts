import { createHmac } from 'node:crypto';

/**
 * The primitives of AWS Signature Version 4 that signing (identity-pool/sigv4.ts, requests to the object
 * store) and verification (cognito/sigv4-authorization.ts, requests from admin clients) share: the
 * algorithm's name, the credential scope, the string to sign and the signing key (AWS General Reference,
 * "Create a signed AWS API request", steps 2 to 4).
 */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** AWS's URI encoding: RFC 3986 unreserved characters stay, everything else is %XX (upper case). */
export function awsEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20260102/us-east-1/sts/aws4_request`: the day (yyyyMMdd), region and service a signature is valid for. */
export function credentialScope(day: string, region: string, service: string): string {
  return `${day}/${region}/${service}/aws4_request`;
}

/** Step 2: what the signature covers, given the canonical request's SHA-256 (hex). */
export function stringToSign(amzDate: string, scope: string, canonicalRequestHash: string): string {
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${canonicalRequestHash}`;
}

/** Step 3: the key derived from the secret for one day, region and service (HMAC-SHA256 chain). */
export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  return [day, region, service, 'aws4_request'].reduce<Buffer>((key, part) => createHmac('sha256', key).update(part, 'utf8').digest(), Buffer.from(`AWS4${secretAccessKey}`, 'utf8'));
}

/** Step 4: the signature, HMAC-SHA256 of the string to sign under the signing key. */
export function signatureOf(key: Buffer, toSign: string): Buffer {
  return createHmac('sha256', key).update(toSign, 'utf8').digest();
}
