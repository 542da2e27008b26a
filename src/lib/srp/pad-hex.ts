/**
 * Cognito's hex encoding of a non-negative integer (amazon-cognito-identity-js `padHex`): lower-case hex,
 * a `0` in front to make the length even, and `00` in front when the first nibble is 8 or more, so the
 * bytes read as a positive two's-complement number (Java's BigInteger.toByteArray). Every value hashed in
 * SRP goes through it; hashing the plain hex instead gives a different key for about half of all values.
 */
export function padHex(value: bigint): string {
  if (value < 0n) throw new RangeError('padHex takes a non-negative integer');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}

/** A hex string (either case, any length) as an integer; undefined when it is not hex. */
export function parseHex(hex: string): bigint | undefined {
  return /^[0-9a-fA-F]+$/.test(hex) ? BigInt(`0x${hex}`) : undefined;
}
