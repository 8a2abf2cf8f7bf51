/**
 * The terms aggregation's `include` and `exclude` (IncludeExclude): lists of values read as the field reads them (a
 * date in the field's format, an address, a boolean), regular expressions on string fields only, and partitions
 * (`{ partition, num_partitions }`) by the hash Elasticsearch partitions terms with, so that a client paging
 * through a field's terms partition by partition gets each term once, in the partition Elasticsearch would put it.
 */
import { parseDate } from './dates.js';
import { badRequest, ShardLevelError } from './errors.js';
import { luceneRegex } from './lucene-regex.js';
import { isNumericType, type FieldDef } from './mapping.js';

/** A terms bucket's key: a string, or a number (dates in milliseconds, booleans as 1 and 0). */
export type TermKey = string | number;

/** IncludeExclude.HASH_PARTITIONING_SEED. */
const PARTITION_SEED = 31;

/** Lucene's StringHelper.murmurhash3_x86_32 over the term's UTF-8 bytes: a signed 32-bit integer. */
function murmur3(bytes: Uint8Array, seed: number): number {
  const mix = (k: number): number => {
    const scrambled = Math.imul(k, 0xcc9e2d51);
    return Math.imul((scrambled << 15) | (scrambled >>> 17), 0x1b873593);
  };
  let hash = seed | 0;
  const end = bytes.length & ~3;
  for (let i = 0; i < end; i += 4) {
    hash ^= mix((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  const tail = bytes.length & 3;
  if (tail > 0) {
    let k = bytes[end] as number;
    if (tail >= 2) k |= (bytes[end + 1] as number) << 8;
    if (tail === 3) k |= (bytes[end + 2] as number) << 16;
    hash ^= mix(k);
  }
  hash ^= bytes.length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) | 0;
}

/** HPPC's BitMixer.mix64, which partitions whole numbers, in 64-bit two's complement as Java computes it. */
function mix64(value: number): bigint {
  let z = BigInt.asIntN(64, BigInt(value));
  z = BigInt.asIntN(64, (z ^ (BigInt.asUintN(64, z) >> 32n)) * 0x4cd6944c5cc20b6dn);
  z = BigInt.asIntN(64, (z ^ (BigInt.asUintN(64, z) >> 29n)) * 0xfc12c5b19d3259e9n);
  return BigInt.asIntN(64, z ^ (BigInt.asUintN(64, z) >> 32n));
}

/** The partition of a term, as Math.floorMod of its hash. */
export function partitionOf(key: TermKey, partitions: number): number {
  if (typeof key === 'number') return Number(((mix64(key) % BigInt(partitions)) + BigInt(partitions)) % BigInt(partitions));
  return (((murmur3(Buffer.from(key), PARTITION_SEED) % partitions) + partitions) % partitions);
}

/**
 * A value of an include or exclude list, or a `missing`, as the field's terms are keyed: parsed as its type parses a
 * value (a date by the field's format), so that `"2016-05-03"` names the bucket keyed 1462233600000.
 */
export function termKeyOf(value: unknown, type: string | undefined, def: FieldDef | undefined): TermKey {
  if (type === 'date' || type === 'date_nanos') {
    const ms = typeof value === 'number' ? value : parseDate(value, def?.mapping.format);
    if (ms === undefined) throw badRequest(`failed to parse date field [${String(value)}] with format [${def?.mapping.format ?? 'strict_date_optional_time||epoch_millis'}]`);
    return ms;
  }
  if (type === 'boolean') return value === true || value === 'true' ? 1 : 0;
  if (type !== undefined && isNumericType(type)) return Number(value);
  if (type === 'ip') return String(value).replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').toLowerCase();
  return String(value);
}

interface Partition {
  partition: number;
  numPartitions: number;
}

function partitionSpec(spec: Record<string, unknown>): Partition {
  const { partition, num_partitions: numPartitions } = spec;
  if (typeof numPartitions !== 'number' || !Number.isInteger(numPartitions) || numPartitions < 1) throw badRequest('[num_partitions] must be a positive integer');
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition >= numPartitions) throw badRequest(`Invalid partition [${String(partition)}]: must be less than [num_partitions] ${numPartitions}`);
  return { partition, numPartitions };
}

/** A regular expression of Lucene's syntax (lucene-regex.ts), on the whole term. */
function regexOf(pattern: string): (key: TermKey) => boolean {
  const regex = luceneRegex(pattern);
  return (key) => regex.test(String(key));
}

/**
 * The test a bucket's key must pass, or undefined for none. A regular expression on a field that is not a string
 * field is refused as the aggregator factories refuse it; partitions of a floating point field are not emulated.
 */
export function includeExclude(name: string, include: unknown, exclude: unknown, type: string | undefined, def: FieldDef | undefined): ((key: TermKey) => boolean) | undefined {
  if (include === undefined && exclude === undefined) return undefined;
  const regexBased = typeof include === 'string' || typeof exclude === 'string';
  const stringField = type === undefined || type === 'keyword' || type === 'constant_keyword' || type === 'wildcard';
  if (regexBased && !stringField) {
    const numeric = type === 'date' || type === 'date_nanos' || isNumericType(type);
    throw new ShardLevelError(400, 'illegal_argument_exception', `Aggregation [${name}] cannot support regular expression style include/exclude settings as they can only be applied to string fields. Use an array of ${numeric ? 'numeric values for include/exclude clauses used to filter numeric fields' : 'values for include/exclude clauses'}`);
  }
  const tests: Array<(key: TermKey) => boolean> = [];
  if (typeof include === 'string') tests.push(regexOf(include));
  else if (Array.isArray(include)) {
    const allowed = new Set(include.map((value) => termKeyOf(value, type, def)));
    tests.push((key) => allowed.has(key));
  } else if (include !== null && typeof include === 'object') {
    if (type === 'double' || type === 'float' || type === 'half_float' || type === 'scaled_float') throw badRequest(`partitions of the floating point field [${def?.path ?? ''}] are valid in Elasticsearch but not supported by the emulator`);
    const { partition, numPartitions } = partitionSpec(include as Record<string, unknown>);
    tests.push((key) => partitionOf(key, numPartitions) === partition);
  }
  if (typeof exclude === 'string') {
    const excluded = regexOf(exclude);
    tests.push((key) => !excluded(key));
  } else if (Array.isArray(exclude)) {
    const excluded = new Set(exclude.map((value) => termKeyOf(value, type, def)));
    tests.push((key) => !excluded.has(key));
  }
  return (key) => tests.every((test) => test(key));
}
