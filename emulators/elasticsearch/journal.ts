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
    let meta: Meta | undefined;
    const docs = new Map<string, Map<string, { source: Json; version: number } | null>>();
    for (const record of records) {
      const entry = JSON.parse(record.toString('utf8')) as Entry;
      if (entry.t === 'meta') meta = entry.meta;
      else {
        let perIndex = docs.get(entry.uuid);
        if (!perIndex) docs.set(entry.uuid, (perIndex = new Map()));
        perIndex.set(entry.id, entry.source === null ? null : { source: entry.patch === undefined ? entry.source : applyPatch(entry.source, entry.patch), version: entry.version });
      }
    }
    let live = 0;
    if (meta !== undefined) {
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
      for (const saved of meta.indices) {
        const index = new Index(saved.name, saved.uuid, saved.createdAt, saved.settings, saved.mappings, new Map(saved.aliases), saved.dataStream, cluster.autoIds);
        index.readFromDisk = true;
        index.ilm = saved.ilm;
        index.rolledOverAt = saved.rolledOverAt;
        for (const [id, doc] of docs.get(saved.uuid) ?? []) {
          if (doc === null) continue;
          cluster.restoreDoc(index, id, doc.source, doc.version);
          live += 1;
        }
        cluster.indices.set(index.name, index);
      }
    }
    const journal = new FileJournal(cluster, path, fsync, file);
    // Rewrite the file with only what is live once it holds far more than that.
    if (records.length > live * 2 + 1000) journal.compact();
    return journal;
  }

  private compact(): void {
    this.file.close();
    const compacted = RecordFile.open(`${this.path}.compact`, this.fsync).file;
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
