import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { CacheUse } from '../../shared/cache-use.js';
import { writeWords } from '../../shared/ip.js';
import { replaceFile } from '../../shared/replace-file.js';

export interface AsnRecord {
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

/** 32-bit words per address: one for IPv4, four for IPv6. */
type Words = 1 | 4;

/** What a CSV of ranges becomes: what lookups search, and what the cache file holds. */
interface AsnTable {
  words: Words;
  /** Each range's first and last address, `words` 32-bit words each, the most significant first. */
  starts: Uint32Array;
  ends: Uint32Array;
  numbers: Uint32Array;
  count: number;
  /** The AS numbers that have a name, ascending, and where each name starts and ends in `names`. */
  named: Uint32Array;
  nameOffsets: Uint32Array;
  names: Buffer;
}

/**
 * Reads a CSV of `start,end,asn,organization` (numeric addresses). Starts, ends and AS numbers go into typed
 * arrays as the bytes are read; addresses as 32-bit words, one for IPv4, four for IPv6 (a plain array would
 * box each IPv4 value above 2^31 as an object, tens of megabytes for 400 000 ranges; IPv6 ranges as BigInts
 * cost 0.2 CPU-seconds and about 10 MB of heap on a worker's first IPv6 address). An
 * organization's name is kept once per AS number (the file repeats it on each of the AS's ranges: 412 000
 * lines, 84 000 names), as bytes copied out of the file, and decoded only when a lookup answers with it.
 * Decoding every line at start cost about a second of each process start; keeping the whole file for its
 * names cost 21 MB of every worker's memory.
 */
function parseAsnCsv(path: string, words: Words): AsnTable {
  let lines = 0;
  forEachLine(path, () => (lines += 1));
  const starts = new Uint32Array(words * lines);
  const ends = new Uint32Array(words * lines);
  const key = words === 1 ? (into: Uint32Array, bytes: Buffer, from: number, to: number, index: number): void => void (into[index] = digits(bytes, from, to)) : wordsOf;
  const numbers = new Uint32Array(lines);
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
    key(starts, bytes, line, first, count);
    key(ends, bytes, first + 1, second, count);
    const asn = digits(bytes, second + 1, third);
    numbers[count] = asn;
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
  // The slots in the order of their AS numbers: each number times 2^20 plus its slot, sorted as doubles
  // (exact below 2^53), sorts both in one native sort where a comparator would call back for each pair.
  const keyed = new Float64Array(slotOf.size);
  for (const [asn, slot] of slotOf) keyed[slot] = asn * SLOT_SPAN + slot;
  keyed.sort();
  const named = new Uint32Array(keyed.length);
  const nameOffsets = new Uint32Array(keyed.length * 2);
  keyed.forEach((value, i) => {
    const slot = value % SLOT_SPAN;
    named[i] = (value - slot) / SLOT_SPAN;
    nameOffsets[2 * i] = slots.from[slot] as number;
    nameOffsets[2 * i + 1] = slots.to[slot] as number;
  });
  return { words, starts, ends, numbers, count, named, nameOffsets, names: Buffer.from(names.subarray(0, used)) };
}

/** A decimal IPv6 address (up to 2^128) as four 32-bit words at `into[4 × index]`, the most significant first. */
function wordsOf(into: Uint32Array, bytes: Buffer, from: number, to: number, index: number): void {
  writeWords(BigInt(bytes.toString('latin1', from, to)), into, 4 * index);
}

/** The address being looked up, as four words (an IPv6 lookup; an IPv4 one compares its number). */
const ADDRESS = new Uint32Array(4);

/** -1, 0 or 1 as the four words of `keys` at range `index` compare with ADDRESS. */
function compareWords(keys: Uint32Array, index: number): number {
  for (let word = 0; word < 4; word += 1) {
    const key = keys[4 * index + word] as number;
    const address = ADDRESS[word] as number;
    if (key !== address) return key < address ? -1 : 1;
  }
  return 0;
}

/** ASN ranges searched by binary search: the range holding an address, then its AS number's name. */
export class AsnRanges {
  constructor(private readonly table: AsnTable) {}

  /** The AS of an IPv4 address (its number) in IPv4 ranges, or of an IPv6 address (its BigInt) in IPv6 ranges. */
  get(address: number | bigint): AsnRecord | undefined {
    const { starts, ends, words } = this.table;
    let low = 0;
    let high = this.table.count - 1;
    if (words === 1) {
      while (low <= high) {
        const mid = (low + high) >> 1;
        if ((starts[mid] as number) <= address) low = mid + 1;
        else high = mid - 1;
      }
      return high < 0 || address > (ends[high] as number) ? undefined : this.record(high);
    }
    writeWords(BigInt(address), ADDRESS);
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (compareWords(starts, mid) <= 0) low = mid + 1;
      else high = mid - 1;
    }
    return high < 0 || compareWords(ends, high) < 0 ? undefined : this.record(high);
  }

  private record(range: number): AsnRecord {
    const asn = this.table.numbers[range] as number;
    const organization = this.nameOf(asn);
    return { autonomous_system_number: asn, autonomous_system_organization: organization.startsWith('"') ? organization.slice(1, -1).replaceAll('""', '"') : organization };
  }

  private nameOf(asn: number): string {
    const { named, nameOffsets, names } = this.table;
    let low = 0;
    let high = named.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = named[mid] as number;
      if (at === asn) return names.toString('utf8', nameOffsets[2 * mid], nameOffsets[2 * mid + 1]);
      if (at < asn) low = mid + 1;
      else high = mid - 1;
    }
    return '';
  }
}

/** The ranges, and what became of their cache (undefined without a cache directory). */
export interface AsnLoad {
  ranges: AsnRanges;
  cache: CacheUse | undefined;
}

const CACHE_FORMAT = 'sluice-asn-ranges/2';

const cacheHeader = z.object({
  format: z.literal(CACHE_FORMAT),
  endianness: z.enum(['LE', 'BE']),
  source: z.object({ path: z.string(), size: z.number(), mtimeMs: z.number() }),
  words: z.union([z.literal(1), z.literal(4)]),
  count: z.number().int().nonnegative(),
  named: z.number().int().nonnegative(),
  namesBytes: z.number().int().nonnegative(),
});
type CacheHeader = z.infer<typeof cacheHeader>;

/** The cache's layout: a 4-byte header length, the header (JSON), padding to 4 bytes, then the arrays. */
function sections(header: CacheHeader, headerBytes: number): { offsets: Record<'starts' | 'ends' | 'numbers' | 'named' | 'nameOffsets' | 'names', number>; total: number } {
  let at = Math.ceil((4 + headerBytes) / 4) * 4;
  const take = (bytes: number): number => {
    const from = at;
    at += bytes;
    return from;
  };
  const offsets = {
    starts: take(4 * header.words * header.count),
    ends: take(4 * header.words * header.count),
    numbers: take(4 * header.count),
    named: take(4 * header.named),
    nameOffsets: take(8 * header.named),
    names: take(header.namesBytes),
  };
  return { offsets, total: at };
}

/**
 * The cached table, or why it cannot be used (undefined: no cache file yet). The arrays carry no digest (one
 * over 8 MB would cost half of what the cache saves): a file cut short or of another source is refused, and a
 * wrong AS number is all a corrupted disk could give.
 */
function readCache(file: string, source: CacheHeader['source'], words: Words): AsnTable | string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `cannot read ${file}: ${(error as Error).message}`;
  }
  // Typed-array views need 4-byte alignment: a fresh copy when the buffer is not (readFileSync's large files are).
  if (bytes.byteOffset % 4 !== 0) bytes = Buffer.from(new Uint8Array(bytes));
  const headerBytes = bytes.length >= 4 ? bytes.readUInt32LE(0) : -1;
  if (headerBytes < 0 || 4 + headerBytes > bytes.length) return `${file} is not a cache of ASN ranges`;
  let parsed: ReturnType<typeof cacheHeader.safeParse>;
  try {
    parsed = cacheHeader.safeParse(JSON.parse(bytes.toString('utf8', 4, 4 + headerBytes)));
  } catch {
    return `${file} is not a cache of ASN ranges`;
  }
  if (!parsed.success) return `${file} is not a cache of ASN ranges of this version`;
  const header = parsed.data;
  if (header.words !== words) return `${file} holds ranges of the other IP version`;
  if (header.endianness !== endianness()) return `${file} was written on a machine of other byte order`;
  if (header.source.path !== source.path || header.source.size !== source.size || header.source.mtimeMs !== source.mtimeMs) return `${file} was made from another version of ${source.path}`;
  const { offsets, total } = sections(header, headerBytes);
  if (bytes.length !== total) return `${file} is ${bytes.length} bytes, not ${total}: cut short or written over`;
  const view = (offset: number, length: number) => new Uint32Array(bytes.buffer, bytes.byteOffset + offset, length);
  return {
    words,
    starts: view(offsets.starts, words * header.count),
    ends: view(offsets.ends, words * header.count),
    numbers: view(offsets.numbers, header.count),
    count: header.count,
    named: view(offsets.named, header.named),
    nameOffsets: view(offsets.nameOffsets, 2 * header.named),
    names: bytes.subarray(offsets.names, offsets.names + header.namesBytes),
  };
}

/** The cache file: its header, then the arrays as they are in memory. */
function writeCache(file: string, table: AsnTable, source: CacheHeader['source']): void {
  const header: CacheHeader = { format: CACHE_FORMAT, endianness: endianness(), source, words: table.words, count: table.count, named: table.named.length, namesBytes: table.names.length };
  const headerText = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(Math.ceil((4 + headerText.length) / 4) * 4);
  prefix.writeUInt32LE(headerText.length, 0);
  headerText.copy(prefix, 4);
  const bytesOf = (array: Uint32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  const pieces = [prefix, bytesOf(table.starts), bytesOf(table.ends), bytesOf(table.numbers), bytesOf(table.named), bytesOf(table.nameOffsets), table.names];
  if (pieces.reduce((sum, piece) => sum + piece.length, 0) !== sections(header, headerText.length).total) throw new Error('the ASN cache layout does not add up');
  replaceFile(file, pieces);
}

/**
 * The IPv4 ranges of a CSV, from a cache of its typed arrays in `cacheDir` when one was made from this very
 * file (same path, size and modification time), else from the CSV, writing the cache for the next start.
 * Reading the 21 MB CSV cost about 0.3 CPU-seconds of every process start; the cache file (about 8 MB) is
 * read in a few milliseconds and used as it is, its arrays views of the bytes read.
 */
export function ipv4AsnRanges(csv: string, cacheDir: string | undefined): AsnLoad {
  return asnRanges(csv, cacheDir, 1);
}

/**
 * The IPv6 ranges, the same way (a worker loads them on its first IPv6 address): from the CSV about
 * 0.2 CPU-seconds and 8.5 MB of heap as BigInts, from the cache (5.7 MB) about 15 ms.
 */
export function ipv6AsnRanges(csv: string, cacheDir: string | undefined): AsnLoad {
  return asnRanges(csv, cacheDir, 4);
}

function asnRanges(csv: string, cacheDir: string | undefined, words: Words): AsnLoad {
  const parse = () => parseAsnCsv(csv, words);
  if (cacheDir === undefined) return { ranges: new AsnRanges(parse()), cache: undefined };
  const stat = statSync(csv);
  const source = { path: csv, size: stat.size, mtimeMs: stat.mtimeMs };
  const file = join(cacheDir, `${basename(csv, '.csv')}.ranges`);
  const cached = readCache(file, source, words);
  if (typeof cached === 'object') return { ranges: new AsnRanges(cached), cache: { file, made: false, written: false, note: undefined } };
  const table = parse();
  try {
    writeCache(file, table, source);
    return { ranges: new AsnRanges(table), cache: { file, made: true, written: true, note: cached } };
  } catch (error) {
    return { ranges: new AsnRanges(table), cache: { file, made: true, written: false, note: `${cached === undefined ? '' : `${cached}; `}cannot write it: ${(error as Error).message}` } };
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

/** A decimal number written in ASCII digits between two offsets (exact up to 2^53). */
function digits(bytes: Buffer, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i += 1) value = value * 10 + ((bytes[i] as number) - 0x30);
  return value;
}
