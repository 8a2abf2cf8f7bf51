import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { LRUCache } from 'lru-cache';
import { ipToBigInt, writeWords } from '../../shared/ip.js';

/**
 * A reader of MaxMind DB files (the MMDB format: a binary search tree over address bits, then a data
 * section) that reads the file in pages as lookups need them, into a fixed budget of memory (PagedFile). The
 * `maxmind` package's reader needs the whole file as one Buffer: DB-IP's IPv4 city file alone is 63 MB of
 * every worker's memory, 44 MB of it the search tree, most of which a fleet's addresses never walk. Here a
 * lookup costs a `pread` per page not in memory (the operating system's page cache keeps the file), and the
 * decoded records are cached by their offset, as `maxmind` does.
 *
 * Format: https://maxmind.github.io/MaxMind-DB/ (version 2.0).
 */

const METADATA_MARKER = Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1');
const METADATA_MAX_BYTES = 128 * 1024;
const DATA_SEPARATOR_BYTES = 16;

export interface MmdbMetadata {
  nodeCount: number;
  recordSize: number;
  ipVersion: number;
  databaseType: string;
}

export interface MmdbOptions {
  /** Bytes per page read from the file. */
  pageBytes?: number;
  /**
   * Pages kept in memory (page i in slot i mod pages). A new random IPv4 address in DB-IP's city file, by hand
   * (2026-12-03, 100 000-240 000 addresses): 16 384 pages of 512 bytes (8 MB) 13-15 µs, 11 with the tree's top
   * cached (NodeCache), 9-12 with 32 MB of pages and no such cache; the whole file in memory (`maxmind`) 4-7. Most of it is
   * `pread`s, whose cost varies with the machine: the stop before measured 6-8 against 4-5. In the same 8 MB (no cache),
   * pages of 256 bytes to 1 KB made no difference beyond that spread; 4 KB took 15-17.
   */
  pages?: number;
  /** Decoded records kept, by their offset. */
  records?: number;
}

/**
 * Pages of a file read on demand into a fixed number of slots (a direct-mapped cache: page i goes to slot
 * i mod slots), one slab of memory, allocated on the first read: no Map and no Buffer per page, and memory
 * that never exceeds the budget. Pages not yet read cost nothing: the slab's untouched memory is not resident.
 */
class PagedFile {
  private slab: Buffer | undefined;
  /** The page each slot holds, -1 for none. */
  private readonly held: Int32Array;
  readonly size: number;

  constructor(
    private readonly fd: number,
    readonly pageBytes: number,
    private readonly slots: number,
  ) {
    this.size = fstatSync(fd).size;
    this.held = new Int32Array(slots).fill(-1);
  }

  /**
   * The bytes at [offset, offset + length): a view into the slab when they lie within one page (valid until
   * the next read), else a copy.
   */
  bytes(offset: number, length: number): Buffer {
    const index = Math.floor(offset / this.pageBytes);
    const within = offset - index * this.pageBytes;
    if (within + length <= this.pageBytes) {
      const at = this.page(index) + within;
      return (this.slab as Buffer).subarray(at, at + length);
    }
    const joined = Buffer.allocUnsafe(length);
    for (let copied = 0; copied < length; ) {
      const position = offset + copied;
      const inPage = position % this.pageBytes;
      const take = Math.min(this.pageBytes - inPage, length - copied);
      const at = this.page(Math.floor(position / this.pageBytes)) + inPage;
      copied += (this.slab as Buffer).copy(joined, copied, at, at + take);
    }
    return joined;
  }

  /** Where page `index` starts in `slab`, read from the file if its slot holds another page. */
  page(index: number): number {
    const slot = index % this.slots;
    const at = slot * this.pageBytes;
    if (this.held[slot] === index) return at;
    this.slab ??= Buffer.allocUnsafeSlow(this.slots * this.pageBytes);
    readSync(this.fd, this.slab, at, Math.min(this.pageBytes, this.size - index * this.pageBytes), index * this.pageBytes);
    this.held[slot] = index;
    return at;
  }

  /** The slab, for reading in place right after `page()`. */
  get memory(): Buffer {
    return this.slab as Buffer;
  }
}

/** Decodes the data section's values (maps, arrays, strings, numbers …) from a paged file. */
class Decoder {
  constructor(
    private readonly file: PagedFile,
    /** Where the offsets of pointers count from: the data section's start (the metadata's start for metadata). */
    private readonly pointerBase: number,
  ) {}

  /** The value at `offset` and the offset just after it. */
  decode(offset: number): [value: unknown, next: number] {
    const control = this.file.bytes(offset, 1)[0] as number;
    offset += 1;
    let type = control >> 5;
    if (type === 1) return this.pointer(control, offset);
    if (type === 0) {
      type = 7 + (this.file.bytes(offset, 1)[0] as number);
      offset += 1;
    }
    let size = control & 0x1f;
    if (type === 14) return [size !== 0, offset]; // boolean: the size is the value
    if (size >= 29) {
      const extra = size - 28;
      const bytes = this.file.bytes(offset, extra);
      offset += extra;
      size = extra === 1 ? 29 + (bytes[0] as number) : extra === 2 ? 285 + bytes.readUInt16BE(0) : 65821 + bytes.readUIntBE(0, 3);
    }
    return this.value(type, size, offset);
  }

  private pointer(control: number, offset: number): [unknown, number] {
    const extra = ((control >> 3) & 3) + 1;
    const bytes = this.file.bytes(offset, extra);
    const low = control & 7;
    const target =
      extra === 1 ? (low << 8) | (bytes[0] as number)
      : extra === 2 ? ((low << 16) | bytes.readUInt16BE(0)) + 2048
      : extra === 3 ? (low << 24) + bytes.readUIntBE(0, 3) + 526336
      : bytes.readUInt32BE(0);
    return [this.decode(this.pointerBase + target)[0], offset + extra];
  }

  private value(type: number, size: number, offset: number): [unknown, number] {
    const end = offset + size;
    switch (type) {
      case 2:
        return [this.file.bytes(offset, size).toString('utf8'), end];
      case 3:
        return [this.file.bytes(offset, 8).readDoubleBE(0), offset + 8];
      case 4:
        return [Buffer.from(this.file.bytes(offset, size)), end];
      case 5:
      case 6:
      case 9:
      case 10:
        return [this.unsigned(offset, size), end];
      case 7:
        return this.map(size, offset);
      case 8:
        return [size === 0 ? 0 : this.file.bytes(offset, size).readIntBE(0, size), end];
      case 11:
        return this.array(size, offset);
      case 15:
        return [this.file.bytes(offset, 4).readFloatBE(0), offset + 4];
      default:
        throw new Error(`MMDB: unknown data type ${type} at offset ${offset}`);
    }
  }

  /** Up to 48 bits as a number, beyond as a BigInt (uint64 and uint128), as the `maxmind` package gives them. */
  private unsigned(offset: number, size: number): number | bigint {
    if (size === 0) return 0;
    const bytes = this.file.bytes(offset, size);
    if (size <= 6) return bytes.readUIntBE(0, size);
    let value = 0n;
    for (const byte of bytes) value = (value << 8n) | BigInt(byte);
    return value;
  }

  private map(size: number, offset: number): [Record<string, unknown>, number] {
    const map: Record<string, unknown> = {};
    for (let i = 0; i < size; i += 1) {
      const [key, afterKey] = this.decode(offset);
      const [value, afterValue] = this.decode(afterKey);
      map[key as string] = value;
      offset = afterValue;
    }
    return [map, offset];
  }

  private array(size: number, offset: number): [unknown[], number] {
    const array: unknown[] = [];
    for (let i = 0; i < size; i += 1) {
      const [value, next] = this.decode(offset);
      array.push(value);
      offset = next;
    }
    return [array, offset];
  }
}

/**
 * The search tree's first TOP_LEVELS levels, node by node. Every lookup walks them, but their nodes lie far
 * apart in the file (DB-IP's tree is laid out depth first: a node's left child is the next node, its right
 * child after the whole left subtree), one or two to a page: their pages filled the page budget, and each
 * new address still read 4-5 pages. Below them a lookup's nodes lie close together (random IPv4 addresses in
 * DB-IP's city file: 62 % of the steps within 512 bytes, 1.2 pages per lookup below depth 16).
 */
const TOP_LEVELS = 16;

/** An address's 32-bit words, filled by each lookup in turn (lookups are synchronous: one array serves all). */
const WORDS = new Uint32Array(4);

/**
 * Both records of the nodes cached, by node number: open addressing in typed arrays, at most half full. The
 * first TOP_LEVELS levels hold at most 2^16 - 1 nodes and the table has 2^17 slots, so `set`'s bound is a
 * guard that a tree cannot reach; it keeps `get`'s probing finite whatever calls it.
 */
class NodeCache {
  private readonly bits = TOP_LEVELS + 1;
  private readonly nodes = new Int32Array(1 << this.bits).fill(-1);
  private readonly lefts = new Uint32Array(1 << this.bits);
  private readonly rights = new Uint32Array(1 << this.bits);
  private size = 0;

  /** The record of `node` on `side`, or -1 when the node is not cached. */
  get(node: number, side: number): number {
    const mask = this.nodes.length - 1;
    for (let slot = Math.imul(node, 0x9e3779b1) >>> (32 - this.bits); ; slot = (slot + 1) & mask) {
      const held = this.nodes[slot] as number;
      if (held === node) return side === 0 ? (this.lefts[slot] as number) : (this.rights[slot] as number);
      if (held === -1) return -1;
    }
  }

  set(node: number, left: number, right: number): void {
    if (this.size >= this.nodes.length >> 1) return;
    const mask = this.nodes.length - 1;
    let slot = Math.imul(node, 0x9e3779b1) >>> (32 - this.bits);
    while (this.nodes[slot] !== -1) slot = (slot + 1) & mask;
    this.nodes[slot] = node;
    this.lefts[slot] = left;
    this.rights[slot] = right;
    this.size += 1;
  }
}

export class MmdbReader<T = unknown> {
  readonly metadata: MmdbMetadata;
  private readonly fd: number;
  private readonly file: PagedFile;
  private readonly data: Decoder;
  private readonly nodeBytes: number;
  private readonly treeBytes: number;
  /** The node where IPv4 addresses start in an IPv6 tree (after 96 zero bits). */
  private readonly ipv4Start: number;
  /** Decoded records by offset, the most recently used kept. */
  private readonly records: LRUCache<number, NonNullable<T>>;
  /** Made on the first lookup (1.5 MB), so that an idle worker holds none. */
  private top: NodeCache | undefined;

  constructor(path: string, options: MmdbOptions = {}) {
    this.fd = openSync(path, 'r');
    try {
      this.file = new PagedFile(this.fd, options.pageBytes ?? 512, options.pages ?? 16_384);
      this.records = new LRUCache({ max: options.records ?? 10_000 });
      this.metadata = readMetadata(this.file);
      const { nodeCount, recordSize } = this.metadata;
      if (![24, 28, 32].includes(recordSize)) throw new Error(`MMDB: unsupported record size ${recordSize}`);
      this.nodeBytes = recordSize / 4;
      this.treeBytes = nodeCount * this.nodeBytes;
      this.data = new Decoder(this.file, this.treeBytes + DATA_SEPARATOR_BYTES);
      let node = 0;
      if (this.metadata.ipVersion === 6) for (let i = 0; i < 96 && node < nodeCount; i += 1) node = this.record(node, 0);
      this.ipv4Start = node;
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  /** The record for an address, or null when the database has none (or the text is not an address). */
  get(ip: string): T | null {
    const v4 = isIPv4(ip);
    if (!v4 && !isIPv6(ip)) return null;
    return this.lookup(ipToBigInt(ip), v4);
  }

  /** The record for an address given as its integer (32 bits for IPv4, 128 for IPv6), for a caller that has it already. */
  lookup(value: bigint, v4: boolean): T | null {
    if (!v4 && this.metadata.ipVersion === 4) return null;
    const { nodeCount } = this.metadata;
    let node = v4 && this.metadata.ipVersion === 6 ? this.ipv4Start : 0;
    // The address as 32-bit words (one for IPv4, four for IPv6): each bit is then a number operation, not a
    // BigInt made and shifted per bit.
    if (v4) WORDS[0] = Number(value);
    else writeWords(value, WORDS);
    const bits = v4 ? 32 : 128;
    for (let depth = 0; depth < bits && node < nodeCount; depth += 1) node = this.step(node, ((WORDS[depth >> 5] as number) >>> (31 - (depth & 31))) & 1, depth);
    if (node <= nodeCount) return null; // nodeCount itself means "no data"
    return this.recordAt(this.treeBytes + (node - nodeCount));
  }

  close(): void {
    closeSync(this.fd);
  }

  private recordAt(offset: number): T {
    const held = this.records.get(offset);
    if (held !== undefined) return held;
    const record = this.data.decode(offset)[0] as T;
    if (record !== null && record !== undefined) this.records.set(offset, record);
    return record;
  }

  /** The record `side` of `node`, a node `depth` bits into the address: from the node cache in the tree's first levels. */
  private step(node: number, side: number, depth: number): number {
    return depth < TOP_LEVELS ? this.topRecord(node, side) : this.record(node, side);
  }

  /** A record of a node in the tree's first levels (of the IPv4 subtree too, in an IPv6 tree): from the node cache. */
  private topRecord(node: number, side: number): number {
    const top = (this.top ??= new NodeCache());
    const cached = top.get(node, side);
    if (cached !== -1) return cached;
    const left = this.record(node, 0);
    const right = this.record(node, 1);
    top.set(node, left, right);
    return side === 0 ? left : right;
  }

  /** Node `node`'s left (0) or right (1) record, read from its page in place (a copy only across two pages). */
  private record(node: number, side: number): number {
    const offset = node * this.nodeBytes;
    const { pageBytes } = this.file;
    const index = Math.floor(offset / pageBytes);
    let at = offset - index * pageBytes;
    let bytes: Buffer;
    if (at + this.nodeBytes <= pageBytes) {
      at += this.file.page(index);
      bytes = this.file.memory;
    } else {
      bytes = this.file.bytes(offset, this.nodeBytes);
      at = 0;
    }
    // Records of 24 and 32 bits are whole bytes; of 28 bits, the middle byte's nibbles are the high bits.
    switch (this.nodeBytes) {
      case 6:
        return bytes.readUIntBE(at + side * 3, 3);
      case 7:
        return side === 0 ? (((bytes[at + 3] as number) & 0xf0) << 20) + bytes.readUIntBE(at, 3) : (((bytes[at + 3] as number) & 0x0f) << 24) + bytes.readUIntBE(at + 4, 3);
      default:
        return bytes.readUInt32BE(at + side * 4);
    }
  }
}

function readMetadata(file: PagedFile): MmdbMetadata {
  const from = Math.max(0, file.size - METADATA_MAX_BYTES);
  const tail = file.bytes(from, file.size - from);
  const marker = tail.lastIndexOf(METADATA_MARKER);
  if (marker < 0) throw new Error('MMDB: no metadata marker (not a MaxMind DB file?)');
  const start = from + marker + METADATA_MARKER.length;
  const [metadata] = new Decoder(file, start).decode(start);
  const { node_count: nodeCount, record_size: recordSize, ip_version: ipVersion, database_type: databaseType } = metadata as Record<string, unknown>;
  if (typeof nodeCount !== 'number' || typeof recordSize !== 'number' || typeof ipVersion !== 'number') throw new Error('MMDB: metadata without node_count, record_size or ip_version');
  return { nodeCount, recordSize, ipVersion, databaseType: String(databaseType) };
}
