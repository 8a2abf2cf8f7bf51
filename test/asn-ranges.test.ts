import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ipv4AsnRanges, ipv6AsnRanges, type AsnRanges } from '../pipelines/enrich/asn-ranges.js';
import { logCacheUse, type CacheUse } from '../shared/cache-use.js';
import { createEnrichers } from '../pipelines/enrichers.js';
import { loadConfig } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';

// The IPv4 ASN ranges shipped by @ip-location-db/asn (`start,end,asn,organization`, addresses as numbers).
const SHIPPED = join(packageRoot, 'node_modules', '@ip-location-db', 'asn', 'asn-ipv4-num.csv');
// Lines of the shipped file as it writes them: a name quoted for its comma, plain names, one AS on two ranges.
const LINES = ['16777216,16777471,13335,"Cloudflare, Inc."', '16778240,16779263,38803,Gtelecom Pty Ltd', '16793600,16809983,18144,"Enecom,Inc."', '16843008,16843263,13335,"Cloudflare, Inc."'];

const execFileAsync = promisify(execFile);
const freshDir = () => mkdtempSync(join(tmpdir(), 'sluice-asn-'));

/** Addresses at and around each range's edges, and between ranges. */
function probes(lines: string[]): number[] {
  return lines.flatMap((line) => {
    const [start, end] = line.split(',').map(Number) as [number, number];
    return [start - 1, start, start + 1, end - 1, end, end + 1];
  });
}

const answers = (ranges: AsnRanges, addresses: number[]) => addresses.map((address) => ranges.get(address));

describe('IPv6 ASN ranges in typed arrays', () => {
  const SHIPPED_V6 = join(packageRoot, 'node_modules', '@ip-location-db', 'asn', 'asn-ipv6-num.csv');

  it('answers as a search of the CSV read as BigInts does, from the CSV and from its cache', () => {
    // The reference: the shipped file's ranges as BigInts, searched the plain way.
    const ranges = readFileSync(SHIPPED_V6, 'utf8').split('\n').filter((line) => line !== '').map((line) => {
      const [start = '', end = '', asn = ''] = line.split(',');
      return { start: BigInt(start), end: BigInt(end), asn: Number(asn) };
    });
    const reference = (address: bigint): number | undefined => {
      let low = 0;
      let high = ranges.length - 1;
      while (low <= high) {
        const mid = (low + high) >> 1;
        if ((ranges[mid] as { start: bigint }).start <= address) low = mid + 1;
        else high = mid - 1;
      }
      const range = ranges[high];
      return range !== undefined && address <= range.end ? range.asn : undefined;
    };
    // Every 37th range at its edges (which differ from their neighbours in any of the four words), and
    // addresses spread over the whole space.
    const addresses = ranges.filter((_, i) => i % 37 === 0).flatMap(({ start, end }) => [start - 1n, start, start + 1n, end - 1n, end, end + 1n]);
    for (let i = 0n; i < 5_000n; i += 1n) addresses.push((i * (1n << 128n)) / 5_000n + i * 0x1_0000_0001n);
    const dir = freshDir();
    const loads = [ipv6AsnRanges(SHIPPED_V6, undefined), ipv6AsnRanges(SHIPPED_V6, dir), ipv6AsnRanges(SHIPPED_V6, dir)];
    expect(loads.map((load) => load.cache?.made)).toEqual([undefined, true, false]);
    const expected = addresses.map(reference);
    expect(expected.filter((asn) => asn !== undefined).length).toBeGreaterThan(10_000);
    for (const load of loads) expect(addresses.map((address) => load.ranges.get(address)?.autonomous_system_number)).toEqual(expected);
    // Hurricane Electric's 2001:470::/32 (the file's own first line is theirs too).
    expect(loads[2]?.ranges.get(0x2001_0470_0000_0000_0000_0000_0000_0001n)).toEqual({ autonomous_system_number: 6939, autonomous_system_organization: 'Hurricane Electric LLC' });
  });

  it('refuses a cache of one-word ranges made from the same file', () => {
    const dir = freshDir();
    // The IPv6 file read as IPv4 (garbage, but a cache of the right name and source, of the wrong version).
    expect(ipv4AsnRanges(SHIPPED_V6, dir).cache?.made).toBe(true);
    expect(ipv6AsnRanges(SHIPPED_V6, dir).cache).toMatchObject({ made: true, written: true, note: expect.stringContaining('other IP version') as string });
    expect(ipv6AsnRanges(SHIPPED_V6, dir).cache).toMatchObject({ made: false, note: undefined });
  });
});

describe('IPv4 ASN ranges cached between starts', () => {
  it('answers from its cache exactly as from the shipped CSV, which it reads only once', () => {
    const dir = freshDir();
    const first = ipv4AsnRanges(SHIPPED, dir);
    expect(first.cache).toEqual({ file: join(dir, 'asn-ipv4-num.ranges'), made: true, written: true, note: undefined });
    const second = ipv4AsnRanges(SHIPPED, dir);
    expect(second.cache).toEqual({ file: join(dir, 'asn-ipv4-num.ranges'), made: false, written: false, note: undefined });
    const uncached = ipv4AsnRanges(SHIPPED, undefined);
    expect(uncached.cache).toBeUndefined();
    // Every 97th range of the file at its edges, and addresses spread over the whole space.
    const lines = readFileSync(SHIPPED, 'utf8').split('\n').filter((line) => line !== '');
    const addresses = [...probes(lines.filter((_, i) => i % 97 === 0)), ...Array.from({ length: 20_000 }, (_, i) => Math.floor((i * 2 ** 32) / 20_000) + i)];
    const expected = answers(uncached.ranges, addresses);
    expect(expected.filter((answer) => answer !== undefined).length).toBeGreaterThan(20_000);
    expect(answers(first.ranges, addresses)).toEqual(expected);
    expect(answers(second.ranges, addresses)).toEqual(expected);
    expect(second.ranges.get(16777217)).toEqual({ autonomous_system_number: 13335, autonomous_system_organization: 'Cloudflare, Inc.' });
  });

  it('reads the CSV again when it changed, by size or by modification time alone, and rewrites the cache', () => {
    const dir = freshDir();
    const csv = join(dir, 'asn.csv');
    writeFileSync(csv, `${LINES.join('\n')}\n`);
    expect(ipv4AsnRanges(csv, dir).cache?.made).toBe(true);
    expect(ipv4AsnRanges(csv, dir).cache?.made).toBe(false);
    // A range added (made up for the test: only its being new matters).
    appendFileSync(csv, '16909056,16909311,3215,Orange S.A.\n');
    const grown = ipv4AsnRanges(csv, dir);
    expect(grown.cache).toMatchObject({ made: true, written: true, note: expect.stringContaining('another version') as string });
    expect(grown.ranges.get(16909060)).toEqual({ autonomous_system_number: 3215, autonomous_system_organization: 'Orange S.A.' });
    expect(ipv4AsnRanges(csv, dir).ranges.get(16909060)?.autonomous_system_number).toBe(3215);
    // Same size, other contents: only the modification time tells.
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('3215,Orange S.A.', '3216,Orange S.B.'));
    const { mtime } = statSync(csv);
    utimesSync(csv, mtime, new Date(mtime.getTime() + 5_000));
    const edited = ipv4AsnRanges(csv, dir);
    expect(edited.cache?.made).toBe(true);
    expect(edited.ranges.get(16909060)).toEqual({ autonomous_system_number: 3216, autonomous_system_organization: 'Orange S.B.' });
  });

  it('reads the CSV when the cache is cut short or is not a cache, and writes a good one', () => {
    const dir = freshDir();
    const csv = join(dir, 'asn.csv');
    writeFileSync(csv, `${LINES.join('\n')}\n`);
    const cacheFile = ipv4AsnRanges(csv, dir).cache?.file;
    const expected = answers(ipv4AsnRanges(csv, undefined).ranges, probes(LINES));
    truncateSync(cacheFile as string, statSync(cacheFile as string).size - 4);
    const cut = ipv4AsnRanges(csv, dir);
    expect(cut.cache).toMatchObject({ made: true, written: true, note: expect.stringContaining('cut short') as string });
    expect(answers(cut.ranges, probes(LINES))).toEqual(expected);
    writeFileSync(cacheFile as string, 'not a cache at all');
    expect(ipv4AsnRanges(csv, dir).cache).toMatchObject({ made: true, note: expect.stringContaining('is not a cache') as string });
    writeFileSync(cacheFile as string, Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('{}')]));
    expect(ipv4AsnRanges(csv, dir).cache).toMatchObject({ made: true, note: expect.stringContaining('of this version') as string });
    const again = ipv4AsnRanges(csv, dir);
    expect(again.cache?.made).toBe(false);
    expect(answers(again.ranges, probes(LINES))).toEqual(expected);
  });

  it('is written whole when several processes start on an empty cache together (the members of one worker)', async () => {
    const dir = freshDir();
    const module = join(packageRoot, 'dist', 'pipelines', 'enrich', 'asn-ranges.js');
    const script = `import { ipv4AsnRanges } from ${JSON.stringify(module)}; const load = ipv4AsnRanges(${JSON.stringify(SHIPPED)}, ${JSON.stringify(dir)}); process.stdout.write(JSON.stringify([load.cache.made, load.cache.note ?? null, load.ranges.get(16777217)]));`;
    const outputs = await Promise.all([1, 2, 3].map(async () => (await execFileAsync(process.execPath, ['--input-type=module', '-e', script])).stdout));
    const results = outputs.map((output) => JSON.parse(output) as [boolean, string | null, unknown]);
    for (const [, note, range] of results) expect([note, range]).toEqual([null, { autonomous_system_number: 13335, autonomous_system_organization: 'Cloudflare, Inc.' }]);
    // Each builds the file unless another had written it by the time it looked (a process started late on a loaded machine).
    expect(results.some(([made]) => made)).toBe(true);
    expect(readdirSync(dir)).toEqual(['asn-ipv4-num.ranges']);
    expect(ipv4AsnRanges(SHIPPED, dir).cache).toMatchObject({ made: false, note: undefined });
  });

  it('answers from the CSV when no cache can be written there, and says why', () => {
    const dir = freshDir();
    const csv = join(dir, 'asn.csv');
    writeFileSync(csv, `${LINES.join('\n')}\n`);
    // A directory below a regular file cannot be made, whoever runs the test (root included).
    const blocked = join(csv, 'cache');
    const load = ipv4AsnRanges(csv, blocked);
    expect(load.cache).toMatchObject({ made: true, written: false, note: expect.stringContaining('cannot write it') as string });
    expect(load.ranges.get(16843009)).toEqual({ autonomous_system_number: 13335, autonomous_system_organization: 'Cloudflare, Inc.' });
    expect(ipv4AsnRanges(csv, blocked).cache?.made).toBe(true);
    // The worker warns about it (and only about it: a cache read or written is a debug line).
    const logged = (use: CacheUse | undefined): Array<{ level: number; msg: string }> => {
      const lines: string[] = [];
      logCacheUse(pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }), 'IPv4 ASN ranges', use);
      return lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    };
    expect(logged(load.cache)).toEqual([expect.objectContaining({ level: 40, msg: expect.stringContaining('no cache could be written') as string })]);
    expect(logged(ipv4AsnRanges(csv, dir).cache).map((line) => line.level)).toEqual([20]);
    expect(logged(ipv4AsnRanges(csv, dir).cache)).toEqual([expect.objectContaining({ level: 20, msg: 'IPv4 ASN ranges: read from the cache' })]);
    expect(logged(undefined)).toEqual([]);
  });

  it('is kept where SLUICE_CACHE_DIR says by the worker\'s enrichers', async () => {
    const dir = freshDir();
    const config = loadConfig({ SLUICE_CACHE_DIR: dir, SLUICE_ENRICHERS: 'geoip' });
    const first = await createEnrichers(config);
    first.close();
    const second = await createEnrichers(config);
    second.close();
    expect([first.asnCache?.made, second.asnCache?.made]).toEqual([true, false]);
    expect(second.asnCache?.file).toBe(join(dir, 'asn-ipv4-num.ranges'));
  });
});
