import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { RecordFile, type FsyncPolicy, type Payload } from '../common/record-file.js';
import { applyPatch, compilePipeline, type Patch } from './ingest.js';
import type { Mappings } from './mapping.js';
import type { LegacyTemplate } from './legacy-templates.js';
import type { StoredScript } from './search-templates.js';
import { Cluster, Index, type AliasDef, type ComponentTemplate, type DataStream, type Doc, type IlmState, type IndexTemplate, type Journal, type Json, type Policy } from './store.js';

const CLOSE_BRACE = Buffer.from('}');
const NULL = Buffer.from('null');

interface IndexMeta {
  name: string;
  uuid: string;
  createdAt: number;
  settings: Record<string, string>;
  mappings: Mappings;
  aliases: Array<[string, AliasDef]>;
  dataStream: string | undefined;
  ilm: IlmState | undefined;
  rolledOverAt: number | undefined;
}

interface Meta {
  indices: IndexMeta[];
  indexTemplates: Array<[string, IndexTemplate]>;
  componentTemplates: Array<[string, ComponentTemplate]>;
  /** Legacy `_template` templates (absent in journals written before the emulator had them). */
  legacyTemplates?: Array<[string, LegacyTemplate]>;
  /** Stored search templates (absent in journals written before the emulator had them). */
  scripts?: Array<[string, StoredScript]>;
  dataStreams: DataStream[];
  policies: Array<[string, Policy]>;
  /** Ingest pipelines' bodies (absent in journals written before the emulator had them). */
  pipelines?: Array<[string, Json]>;
  clusterSettings: Record<string, string>;
  ilmRunning: boolean;
  clockOffset: number;
}

type Entry = { t: 'meta'; meta: Meta } | { t: 'doc'; uuid: string; id: string; source: Json | null; version: number; patch?: Patch };

/** A patch's tail of a document record, serialised once per patch (documents stamped in one millisecond share one). */
const patchTails = new WeakMap<Patch, Buffer>();
function patchTail(patch: Patch): Buffer {
  let tail = patchTails.get(patch);
  if (tail === undefined) patchTails.set(patch, (tail = Buffer.from(`,"patch":${JSON.stringify(patch)}}`)));
  return tail;
}

function snapshot(cluster: Cluster): Meta {
  return {
    indices: [...cluster.indices.values()].map((index) => ({
      name: index.name,
      uuid: index.uuid,
      createdAt: index.createdAt,
      settings: index.settings,
      mappings: index.mappings,
      aliases: [...index.aliases],
      dataStream: index.dataStream,
      ilm: index.ilm,
      rolledOverAt: index.rolledOverAt,
    })),
    indexTemplates: [...cluster.indexTemplates],
    componentTemplates: [...cluster.componentTemplates],
    legacyTemplates: [...cluster.legacyTemplates.templates],
    scripts: [...cluster.scripts],
    dataStreams: [...cluster.dataStreams.values()],
    policies: [...cluster.policies],
    pipelines: [...cluster.pipelines].map(([id, pipeline]) => [id, pipeline.body]),
    clusterSettings: cluster.clusterSettings,
    ilmRunning: cluster.ilmRunning,
    clockOffset: cluster.clockOffset,
  };
}

const DOC_PREFIX = Buffer.from('{"t":"doc",');
const SOURCE_KEY = Buffer.from(',"source":');
const VERSION_KEY = Buffer.from(',"version":');

/**
 * Where a document record's source starts, and whether it ends the record but for what pipelines set, as docRecord
 * writes it (the first journals wrote the version after it). A quote inside a JSON string is escaped, so the first
 * `,"source":` is the key's, after the head's uuid and id.
 */
function sourcePlace(record: Buffer): { at: number; start: number; sourceLast: boolean } {
  const at = record.indexOf(SOURCE_KEY);
  if (at < 0) throw new Error(`a document record of the journal without its source: ${record.toString('utf8', 0, 200)}`);
  return { at, start: at + SOURCE_KEY.length, sourceLast: record.subarray(0, at).includes(VERSION_KEY) };
}

/** A document record's head, read without parsing its source; undefined for a metadata record. */
function docHead(record: Buffer): { uuid: string; id: string; deleted: boolean } | undefined {
  if (!record.subarray(0, DOC_PREFIX.length).equals(DOC_PREFIX)) return undefined;
  const { at, start } = sourcePlace(record);
  const head = JSON.parse(`${record.toString('utf8', 0, at)}}`) as { uuid?: unknown; id?: unknown };
  if (typeof head.uuid !== 'string' || typeof head.id !== 'string') throw new Error(`a document record of the journal without its index and id: ${record.toString('utf8', 0, 200)}`);
  return { uuid: head.uuid, id: head.id, deleted: record.toString('latin1', start, start + 4) === 'null' };
}

/**
 * The last metadata and, per index and id, the last record of each document (null once deleted), in the order the
 * documents were first written. Sources are not parsed here: holding every document of the file parsed at once made
 * the collector most of a start (44 % of 51 s for the demo's 750 000 documents).
 */
function readJournal(records: readonly Buffer[]): { meta: Meta | undefined; latest: Map<string, Map<string, Buffer | null>> } {
  let meta: Meta | undefined;
  const latest = new Map<string, Map<string, Buffer | null>>();
  for (const record of records) {
    const head = docHead(record);
    if (head === undefined) {
      meta = (JSON.parse(record.toString('utf8')) as Extract<Entry, { t: 'meta' }>).meta;
      continue;
    }
    let perIndex = latest.get(head.uuid);
    if (!perIndex) latest.set(head.uuid, (perIndex = new Map()));
    perIndex.set(head.id, head.deleted ? null : record);
  }
  return { meta, latest };
}

/** Bytes of one chunk that restored sources are copied into. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Restored sources, copied into chunks of a few megabytes per index: copied one by one, each into a buffer of its own
 * (Node's pool of 8 KB), the copies were an eighth of a start. Per index, so that an index deleted frees its chunks.
 */
class SourceChunks {
  private chunk = Buffer.alloc(0);
  private used = 0;

  keep(bytes: Buffer): Buffer {
    if (this.used + bytes.length > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes.length));
      this.used = 0;
    }
    const kept = this.chunk.subarray(this.used, this.used + bytes.copy(this.chunk, this.used));
    this.used += kept.length;
    return kept;
  }
}

/**
 * A live document from its record: its source as written (the bytes received, copied out of the file's buffer so
 * that the documents do not hold it whole) and what pipelines set, as a write keeps them. Documents whose patches
 * are alike share one, as the documents stamped in one millisecond share one when written.
 */
function storedDoc(record: Buffer, patches: Map<string, Patch>, chunks: SourceChunks): { source: Json; raw: Buffer; version: number; patch?: Patch } {
  const { start, sourceLast } = sourcePlace(record);
  const entry = JSON.parse(record.toString('utf8')) as Extract<Entry, { t: 'doc' }> & { source: Json };
  // The source's bytes end where the record's tail (a brace, or what pipelines set) starts; a record written otherwise gives them serialised again.
  const sourceBytes = (tail: Buffer): Buffer => {
    const end = record.length - tail.length;
    return chunks.keep(sourceLast && record.subarray(end).equals(tail) ? record.subarray(start, end) : Buffer.from(JSON.stringify(entry.source)));
  };
  if (entry.patch === undefined) return { source: entry.source, raw: sourceBytes(CLOSE_BRACE), version: entry.version };
  const patchText = `,"patch":${JSON.stringify(entry.patch)}}`;
  let patch = patches.get(patchText);
  if (patch === undefined) patches.set(patchText, (patch = entry.patch));
  return { source: applyPatch(entry.source, patch), raw: sourceBytes(Buffer.from(patchText)), version: entry.version, patch };
}

/** The metadata and the live documents into the cluster, one document parsed at a time; gives how many are live. */
function restore(cluster: Cluster, meta: Meta, latest: Map<string, Map<string, Buffer | null>>): number {
  for (const [name, template] of meta.indexTemplates) cluster.indexTemplates.set(name, template);
  for (const [name, template] of meta.componentTemplates) cluster.componentTemplates.set(name, template);
  for (const [name, template] of meta.legacyTemplates ?? []) cluster.legacyTemplates.templates.set(name, template);
  for (const [id, script] of meta.scripts ?? []) cluster.scripts.set(id, script);
  for (const stream of meta.dataStreams) cluster.dataStreams.set(stream.name, stream);
  for (const [name, policy] of meta.policies) cluster.policies.set(name, policy);
  for (const [id, body] of meta.pipelines ?? []) cluster.pipelines.set(id, compilePipeline(id, body));
  Object.assign(cluster.clusterSettings, meta.clusterSettings);
  cluster.ilmRunning = meta.ilmRunning;
  cluster.clockOffset = meta.clockOffset;
  let live = 0;
  const patches = new Map<string, Patch>();
  for (const saved of meta.indices) {
    const index = new Index(saved.name, saved.uuid, saved.createdAt, saved.settings, saved.mappings, new Map(saved.aliases), saved.dataStream, cluster.autoIds);
    index.readFromDisk = true;
    index.ilm = saved.ilm;
    index.rolledOverAt = saved.rolledOverAt;
    const chunks = new SourceChunks();
    for (const [id, record] of latest.get(saved.uuid) ?? []) {
      if (record === null) continue;
      cluster.restoreDoc(index, id, storedDoc(record, patches, chunks));
      live += 1;
    }
    cluster.indices.set(index.name, index);
  }
  return live;
}

/**
 * `--data-dir` persistence: one append-only file of CRC-framed records, a snapshot of all metadata
 * whenever it changes and one record per document write. Document records are buffered per request and
 * written before the response goes out. At start the file is replayed; a torn or corrupt tail is cut.
 */
export class FileJournal implements Journal {
  private file: RecordFile;
  private pending: Payload[] = [];

  private constructor(
    private readonly cluster: Cluster,
    private readonly path: string,
    private readonly fsync: FsyncPolicy,
    file: RecordFile,
  ) {
    this.file = file;
  }

  /** Restores the cluster from the folder and starts journaling into it. */
  static open(cluster: Cluster, dataDir: string, fsync: FsyncPolicy, onRecovery: (path: string, truncatedBytes: number) => void): FileJournal {
    const path = join(dataDir, 'journal.log');
    const { file, records, truncatedBytes } = RecordFile.open(path, fsync);
    if (truncatedBytes > 0) onRecovery(path, truncatedBytes);
    const { meta, latest } = readJournal(records);
    const live = meta === undefined ? 0 : restore(cluster, meta, latest);
    const journal = new FileJournal(cluster, path, fsync, file);
    // Rewrite the file with only what is live once it holds far more than that.
    if (records.length > live * 2 + 1000) journal.compact();
    return journal;
  }

  private compact(): void {
    this.file.close();
    const compacted = RecordFile.create(`${this.path}.compact`, this.fsync);
    compacted.append(Buffer.from(JSON.stringify({ t: 'meta', meta: snapshot(this.cluster) })));
    for (const index of this.cluster.indices.values()) {
      for (const doc of index.docs.values()) compacted.append(this.docRecord(index, doc.id, doc));
    }
    compacted.close();
    renameSync(`${this.path}.compact`, this.path);
    this.file = RecordFile.open(this.path, this.fsync).file;
  }

  private docRecord(index: Index, id: string, doc: Doc | undefined): Payload {
    // The stored bytes go in as they are, as a part of the record, and what pipelines set after them: parsing them to
    // serialise them again, or copying them into one buffer with the head, would cost a write about as much as indexing it.
    const head = `{"t":"doc","uuid":${JSON.stringify(index.uuid)},"id":${JSON.stringify(id)},"version":${doc?.version ?? 0},"source":`;
    return [Buffer.from(head), doc?.raw ?? NULL, doc?.patch === undefined ? CLOSE_BRACE : patchTail(doc.patch)];
  }

  meta(): void {
    this.flush();
    this.file.append(Buffer.from(JSON.stringify({ t: 'meta', meta: snapshot(this.cluster) })));
  }

  doc(index: Index, id: string, doc: Doc | undefined): void {
    this.pending.push(this.docRecord(index, id, doc));
  }

  /** Writes buffered document records; called before each response is sent. */
  flush(): void {
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.file.appendMany(records);
  }

  sync(): void {
    this.flush();
    this.file.sync();
  }

  close(): void {
    this.flush();
    this.file.close();
  }
}
