import { BlockList, isIP } from 'node:net';

/**
 * An address as an integer: IPv4 in 32 bits, IPv6 in 128 (`::` expanded). With `mapped`, IPv4 lands in
 * the IPv4-mapped IPv6 range, so one comparison serves both families.
 */
export function ipToBigInt(ip: string, options: { mapped?: boolean } = {}): bigint {
  if (isIP(ip) === 4) {
    const value = ip.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n);
    return options.mapped === true ? value + (0xffffn << 32n) : value;
  }
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

/** Whether an address (IPv4, IPv6 or IPv4-mapped) is one of these addresses or CIDR blocks. */
export function addressMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [network = '', prefix] = entry.split('/');
    const version = isIP(network) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(network, version);
    else list.addSubnet(network, Number(prefix), version);
  }
  return (ip) => {
    const plain = plainAddress(ip);
    const version = isIP(plain);
    return version !== 0 && list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  };
}
