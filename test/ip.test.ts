import { describe, expect, it } from 'vitest';
import { ipToBigInt } from '../shared/ip.js';

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
});
