import { BlockList, isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressMatcher, DEFAULT_INTERNAL_NETWORKS, ipToBigInt, ipv4Number } from '../shared/ip.js';

describe('addresses as integers', () => {
  it('reads IPv4, IPv6 with ::, and IPv6 ending in dotted IPv4 (RFC 4291 §2.2, RFC 6052 §2.4)', () => {
    expect(ipToBigInt('1.2.3.4')).toBe(0x01020304n);
    expect(ipToBigInt('1.2.3.4', { mapped: true })).toBe(0xffff01020304n);
    expect(ipToBigInt('2001:db8::1')).toBe((0x2001n << 112n) | (0xdb8n << 96n) | 1n);
    // IPv4-mapped, written both ways.
    expect(ipToBigInt('::ffff:1.2.3.4')).toBe(0xffff01020304n);
    expect(ipToBigInt('::ffff:102:304')).toBe(0xffff01020304n);
    // RFC 6052's example: 192.0.2.33 in the well-known prefix 64:ff9b::/96.
    expect(ipToBigInt('64:ff9b::192.0.2.33')).toBe((0x64n << 112n) | (0xff9bn << 96n) | 0xc0000221n);
    expect(ipToBigInt('64:ff9b::192.0.2.33')).toBe(ipToBigInt('64:ff9b::c000:221'));
  });

  it('takes as IPv4 exactly what node:net isIP takes, with the same value', () => {
    const texts = ['0.0.0.0', '255.255.255.255', '1.2.3.4', '10.0.0.1', '01.2.3.4', '1.2.3.04', '00.1.1.1', '1.2.3', '1.2.3.4.5', '256.0.0.0', '1.2.3.256', '1..2.3', '.1.2.3', '1.2.3.', '', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.-4', '1.2.3.0x4', '1.2.3.1e1', '１.2.3.4', '1111.2.3.4', '::1', '::ffff:1.2.3.4', 'localhost'];
    // And addresses as shippers write them, from a seeded walk over the whole space.
    let seed = 7;
    for (let i = 0; i < 2000; i += 1) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      texts.push(`${seed >>> 24}.${(seed >>> 16) & 255}.${(seed >>> 8) & 255}.${seed & 255}`);
    }
    for (const text of texts) {
      const number = ipv4Number(text);
      expect([text, number >= 0]).toEqual([text, isIP(text) === 4]);
      if (number >= 0) expect(number).toBe(text.split('.').reduce((sum, part) => sum * 256 + Number(part), 0));
    }
  });
});

describe('addresses in lists of networks', () => {
  /** node's BlockList, the reference the matcher replaced. */
  function blockList(entries: readonly string[]): (ip: string) => boolean {
    const list = new BlockList();
    for (const entry of entries) {
      const [network = '', prefix] = entry.split('/');
      const version = isIP(network) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) list.addAddress(network, version);
      else list.addSubnet(network, Number(prefix), version);
    }
    return (ip) => isIP(ip) !== 0 && list.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
  }

  /** Each block's first and last address and the ones just outside, in both families' spellings. */
  function edges(entries: readonly string[]): string[] {
    const out: string[] = [];
    for (const entry of entries) {
      const [network = '', prefix] = entry.split('/');
      const v4 = isIP(network) === 4;
      const bits = v4 ? 32 : 128;
      const host = (1n << BigInt(bits - Number(prefix ?? bits))) - 1n;
      const from = ipToBigInt(network) & ~host;
      for (const value of [from - 1n, from, from + host / 2n, from + host, from + host + 1n]) {
        if (value < 0n || value >= 1n << BigInt(bits)) continue;
        if (v4) {
          const text = [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
          out.push(text, `::ffff:${text}`);
        } else out.push(Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':'));
      }
    }
    return out;
  }

  it.each([
    ['the default internal networks', DEFAULT_INTERNAL_NETWORKS],
    ['single addresses and an IPv6 block over IPv4-mapped addresses', ['192.0.2.7', '2001:db8::1', '::ffff:198.51.100.0/120', '0.0.0.0/0']],
    ['everything IPv6', ['::/0']],
  ])('answers as node:net BlockList does: %s', (_name, entries) => {
    const matcher = addressMatcher(entries);
    const reference = blockList(entries);
    const addresses = [...edges(entries), ...edges(['10.0.0.0/8', '172.16.0.0/12', '2001:db8::/32', 'fe80::/10']), '8.8.8.8', '2a01:4f8::1', 'not an address', ''];
    const differ = addresses.filter((ip) => matcher(ip) !== reference(ip));
    expect(differ).toEqual([]);
    // Both answers occur, so the comparison says something.
    expect(new Set(addresses.map(matcher)).size).toBe(2);
  });

  it('refuses an entry that is not an address or a block', () => {
    expect(() => addressMatcher(['10.0.0.0/33'])).toThrow('10.0.0.0/33');
    expect(() => addressMatcher(['example.com'])).toThrow('example.com');
    expect(() => addressMatcher(['10.0.0.0/'])).toThrow('10.0.0.0/');
    expect(() => addressMatcher(['10.0.0.0/8.5'])).toThrow('10.0.0.0/8.5');
  });
});
