import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses an outbound request to a URL that someone else chose (an upstream identity provider's
 * discovery document, its JWKS) may reach. Anything that is not ordinary public unicast is refused: the
 * server's own loopback, private networks, link-local (cloud metadata at 169.254.169.254), carrier-grade
 * NAT, multicast, documentation and reserved ranges. IPv6 forms that embed an IPv4 address (IPv4-mapped
 * `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address, so
 * `::ffff:127.0.0.1` is loopback however it is spelled.
 */

const IPV4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];

const IPV6_BLOCKED: readonly [string, number][] = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: the IPv4 address inside is obfuscated, so refuse the whole prefix
  ['2001:db8::', 32], // documentation
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

function blockList(family: 'ipv4' | 'ipv6', ranges: readonly [string, number][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

const blockedV4 = blockList('ipv4', IPV4_BLOCKED);
const blockedV6 = blockList('ipv6', IPV6_BLOCKED);

/** The 16 bytes of a valid IPv6 address (zone index dropped, embedded dotted quad allowed). */
function ipv6Bytes(address: string): Uint8Array {
  const plain = address.split('%')[0]!;
  let text = plain;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail.push(...text.slice(lastColon + 1).split('.').map(Number));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

const dotted = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

/** The IPv4 address an IPv6 address stands for (mapped, NAT64 well-known prefix, 6to4), if any. */
function embeddedIpv4(bytes: Uint8Array): string | null {
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return dotted(bytes, 12); // ::ffff:0:0/96
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return dotted(bytes, 12); // 64:ff9b::/96
  if (startsWith(bytes, [0x20, 0x02])) return dotted(bytes, 2); // 2002::/16
  return null;
}

/**
 * True when `address` (an IP literal, IPv4 or IPv6) is ordinary public unicast that an outbound request
 * to a third-party URL may reach. Anything unparseable is not public.
 */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !blockedV4.check(address, 'ipv4');
  const plain = address.split('%')[0] ?? '';
  if (!isIPv6(plain)) return false;
  const bytes = ipv6Bytes(plain);
  const v4 = embeddedIpv4(bytes);
  if (v4 !== null) return !blockedV4.check(v4, 'ipv4');
  return !blockedV6.check(plain, 'ipv6');
}
