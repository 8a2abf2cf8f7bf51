import { isIP } from 'node:net';

/**
 * An address as an integer: IPv4 in 32 bits, IPv6 in 128 (`::` expanded). With `mapped`, IPv4 lands in
 * the IPv4-mapped IPv6 range, so one comparison serves both families.
 */
export function ipToBigInt(ip: string, options: { mapped?: boolean } = {}): bigint {
  const number = ipv4Number(ip);
  if (number >= 0) return options.mapped === true ? BigInt(number) + MAPPED_FROM : BigInt(number);
  // An IPv6 address may end in dotted IPv4 (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`): its last 32 bits.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted !== null) {
    const low = ipToBigInt(dotted[2] as string);
    ip = `${dotted[1] as string}${(low >> 16n).toString(16)}:${(low & 0xffffn).toString(16)}`;
  }
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group || '0', 16)), 0n);
}

/** The networks counted as internal by default: RFC 1918, carrier-grade NAT, loopback, link-local, IPv6 unique-local. */
export const DEFAULT_INTERNAL_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '::1/128', 'fc00::/7', 'fe80::/10'];

/** `::ffff:a.b.c.d` as IPv4: an IPv6 lookup in an IPv4-only file answers for another address. */
export function plainAddress(ip: string): string {
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}

const WORD_SHIFTS = [96n, 64n, 32n, 0n] as const;

/** A 128-bit address as four 32-bit words at `into[at]`…`into[at + 3]`, the most significant first. */
export function writeWords(value: bigint, into: Uint32Array, at = 0): void {
  for (let word = 0; word < 4; word += 1) into[at + word] = Number((value >> WORD_SHIFTS[word]) & 0xffffffffn);
}

/** A dotted-quad IPv4 address as an unsigned 32-bit number, or -1 when the text is not one (as `isIP` reads it). */
export function ipv4Number(ip: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= ip.length; i += 1) {
    const code = i < ip.length ? ip.charCodeAt(i) : 0x2e;
    if (code === 0x2e) {
      parts += 1;
      // No empty part, no leading zero, nothing above 255, no fifth part.
      if (digits === 0 || part > 255 || (digits > 1 && ip.charCodeAt(i - digits) === 0x30) || parts > 4) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (code >= 0x30 && code <= 0x39 && digits < 3) {
      part = part * 10 + code - 0x30;
      digits += 1;
    } else return -1;
  }
  return parts === 4 ? value : -1;
}

const MAPPED_FROM = 0xffffn << 32n;
const MAPPED_TO = MAPPED_FROM + 0xffffffffn;

/**
 * Whether an address (IPv4, IPv6 or IPv4-mapped) is one of these addresses or CIDR blocks. IPv4 is compared
 * as a number, IPv6 as a BigInt; an IPv6 block that covers IPv4-mapped addresses covers those IPv4 addresses
 * too, as node's BlockList has it. Node's BlockList made a SocketAddress per check: about 5 µs per address,
 * more than the rest of the network direction stage for a client not seen before.
 */
export function addressMatcher(entries: readonly string[]): (ip: string) => boolean {
  const v4: Array<[number, number]> = [];
  const v6: Array<[bigint, bigint]> = [];
  for (const entry of entries) {
    const [network = '', prefix] = entry.split('/');
    const version = isIP(network);
    if (version === 0) throw new Error(`not an address or CIDR block: ${entry}`);
    const bits = version === 4 ? 32 : 128;
    const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
    if (!(length >= 0 && length <= bits)) throw new Error(`not an address or CIDR block: ${entry}`);
    const host = (1n << BigInt(bits - length)) - 1n;
    const from = ipToBigInt(network) & ~host;
    if (version === 4) v4.push([Number(from), Number(from + host)]);
    else {
      v6.push([from, from + host]);
      if (from <= MAPPED_TO && from + host >= MAPPED_FROM) v4.push([Number((from > MAPPED_FROM ? from : MAPPED_FROM) - MAPPED_FROM), Number((from + host < MAPPED_TO ? from + host : MAPPED_TO) - MAPPED_FROM)]);
    }
  }
  const inV4 = (number: number): boolean => {
    for (const [from, to] of v4) if (number >= from && number <= to) return true;
    return false;
  };
  return (ip) => {
    const plain = plainAddress(ip);
    const number = ipv4Number(plain);
    if (number >= 0) return inV4(number);
    if (isIP(plain) !== 6) return false;
    const value = ipToBigInt(plain);
    // An IPv4-mapped address in hexadecimal (::ffff:c000:201) is the IPv4 address too.
    if (value >= MAPPED_FROM && value <= MAPPED_TO && inV4(Number(value - MAPPED_FROM))) return true;
    for (const [from, to] of v6) if (value >= from && value <= to) return true;
    return false;
  };
}
