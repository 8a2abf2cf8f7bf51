import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CITY_IPV4, DEFAULT_CITY_IPV6 } from '../pipelines/enrich/geoip.js';
import { MmdbReader } from '../pipelines/enrich/mmdb.js';
import { packageRoot } from '../shared/paths.js';

/**
 * The paged MMDB reader against the `maxmind` package's reader (its own decoder, the whole file in memory),
 * on MaxMind's test databases (IPv6 trees with IPv4 aliased in, 28-bit records) and DB-IP's (IPv4-only and
 * IPv6 trees), over random addresses: every answer the same record, deeply.
 */

const FIXTURES = join(packageRoot, 'test', 'fixtures', 'geoip');
const DATABASES = [join(FIXTURES, 'GeoIP2-City-Test.mmdb'), join(FIXTURES, 'GeoLite2-ASN-Test.mmdb'), DEFAULT_CITY_IPV4(), DEFAULT_CITY_IPV6()];

function addresses(count: number): string[] {
  let seed = 2024;
  // glibc's generator in exact 32-bit arithmetic (a float product past 2^53 would lose the low bits).
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 2147483648;
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    out.push([0, 0, 0, 0].map(() => Math.floor(random() * 256)).join('.'));
    // IPv6 in prefixes where the databases have data (RIRs' allocations), then random.
    const prefix = ['2001', '2a00', '2600', '2c0f', '2400', '2a02', '2001:480'][Math.floor(random() * 7)] as string;
    out.push(`${prefix}:${Array.from({ length: prefix.includes(':') ? 6 : 7 }, () => Math.floor(random() * 65536).toString(16)).join(':')}`);
  }
  // The MaxMind test databases' documented addresses, and IPv4 written inside IPv6.
  out.push('81.2.69.142', '89.160.20.128', '216.160.83.56', '2001:480:10::1', '::81.2.69.142', '::ffff:81.2.69.142', '::ffff:5102:458e', '1.128.0.1');
  return out;
}

describe('MMDB reader, read in pages', () => {
  it.each(DATABASES.map((path) => [path.split('/').pop() as string, path]))('answers as the maxmind package does: %s', (_name, path) => {
    const reference = new Reader(readFileSync(path));
    // The default pages, and pages so few and small that records cross pages and slots are reused all the time.
    const readers = [new MmdbReader(path), new MmdbReader(path, { pageBytes: 64, pages: 8, records: 10 })];
    let found = 0;
    for (const ip of addresses(3_000)) {
      const ipv6InIpv4File = ip.includes(':') && reference.metadata.ipVersion === 4;
      // maxmind walks an IPv6 address's first 32 bits through an IPv4-only tree: another address's record.
      const expected = ipv6InIpv4File ? null : reference.get(ip);
      if (expected !== null) found += 1;
      for (const reader of readers) expect(reader.get(ip), ip).toEqual(expected);
    }
    expect(found).toBeGreaterThan(0);
    expect(readers[0]?.metadata).toMatchObject({ nodeCount: reference.metadata.nodeCount, recordSize: reference.metadata.recordSize, ipVersion: reference.metadata.ipVersion, databaseType: reference.metadata.databaseType });
    for (const reader of readers) reader.close();
  });

  it('reads IPv4 written inside IPv6 through the IPv4 subtree, and answers null for what is not an address', () => {
    const reader = new MmdbReader(join(FIXTURES, 'GeoIP2-City-Test.mmdb'));
    const london = reader.get('81.2.69.142');
    expect(london).toMatchObject({ city: { names: { en: 'London' } } });
    expect(reader.get('::81.2.69.142')).toEqual(london);
    expect(reader.get('::ffff:81.2.69.142')).toEqual(london);
    expect(reader.get('not an address')).toBeNull();
    expect(reader.get('10.0.0.1')).toBeNull();
    reader.close();
  });

  it('refuses a file that is not a MaxMind database, by name', () => {
    expect(() => new MmdbReader(join(packageRoot, 'package.json'))).toThrow(/no metadata marker/);
  });

  it('holds at most its pages: a lookup reads only the pages it walks', () => {
    const reader = new MmdbReader(DEFAULT_CITY_IPV4(), { pageBytes: 512, pages: 16_384 });
    const before = process.memoryUsage().arrayBuffers;
    for (const ip of addresses(20_000)) reader.get(ip);
    // The slab (8 MB) is the only memory that grows with lookups; the file is 63 MB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThanOrEqual(8 * 1024 * 1024 + 1024 * 1024);
    reader.close();
  });
});
