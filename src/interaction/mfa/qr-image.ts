import type * as QRCode from 'qrcode';

// Loaded with the first enrolment, not at start: the encoder and its PNG writer are a few dozen modules that
// only the enrolment pages use.
let library: Promise<typeof QRCode> | undefined;
const qrcode = () => library ??= import('qrcode');

/**
 * A QR code of `text` as an SVG data URI for an <img>: drawn on the server, so the hosted pages need no
 * script (their CSP allows `img-src data:`). Error correction M, the usual for otpauth URIs.
 */
export async function qrImageDataUri(text: string): Promise<string> {
  const svg = await (await qrcode()).toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/** The secret in groups of four, for typing into an app by hand. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
