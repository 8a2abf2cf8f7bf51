import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { topicNameProblem } from '../../shared/kafka-topic.js';
import { ErrorCode } from './protocol/errors.js';
import { PartitionLog } from './partition-log.js';
import type { FsyncPolicy } from '../common/record-file.js';
import { replaceFile } from '../../shared/replace-file.js';

export interface TopicStoreOptions {
  dataDir: string | undefined;
  fsync: FsyncPolicy;
  defaultPartitions: number;
  /** Per partition, unless a topic sets retention.bytes. */
  retentionBytes: number;
  onRecovery: (path: string, truncatedBytes: number) => void;
  /** Partitions of all topics together; a topic that would pass it is refused with POLICY_VIOLATION. */
  maxPartitions: number;
}

/** Kafka's controller refuses more partitions than this in one request (KRaft's MAX_RECORDS_PER_USER_OP). */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

export interface Topic {
  name: string;
  /** Kafka's topic id (KIP-516): made at creation, never reused; Metadata v10+, CreateTopics v7 and DeleteTopics v6 give it. */
  id: Buffer;
  partitions: PartitionLog[];
  /** As created, or as AlterConfigs last set them. */
  configs: Record<string, string>;
  /** The broker's own (`__consumer_offsets`): clients read it but may not write it. */
  internal: boolean;
}

/** An internal topic's segments: small, so that its compaction (offsets-topic.ts) frees memory soon. */
const INTERNAL_SEGMENT_BYTES = 1024 * 1024;

/** A few segments per retention window, so dropping one frees a fair share and no more. */
export function segmentBytesFor(retentionBytes: number): number {
  return Math.max(1024, Math.min(16 * 1024 * 1024, Math.floor(retentionBytes / 4)));
}

/** Numeric topic configs the emulator applies, with the least value Kafka accepts (-1: unlimited). */
const NUMERIC_CONFIGS: Record<string, { least: number; type: 'LONG' | 'INT' }> = {
  'retention.bytes': { least: -1, type: 'LONG' },
  'retention.ms': { least: -1, type: 'LONG' },
  'max.message.bytes': { least: 0, type: 'INT' },
};

/**
 * Topic configs accepted with the one value that says what the emulator does anyway (deployment scripts often
 * set them at creation); another value is refused, since the emulator could not do it.
 */
const FIXED_CONFIGS: Record<string, { value: string; otherwise: string }> = {
  'cleanup.policy': { value: 'delete', otherwise: 'log compaction is not emulated' },
  'compression.type': { value: 'producer', otherwise: 'batches are kept as the producer compressed them' },
  'message.timestamp.type': { value: 'CreateTime', otherwise: 'LogAppendTime is not emulated' },
  'min.insync.replicas': { value: '1', otherwise: 'the emulator is one broker, every partition has one replica' },
};

/** Topic configs the emulator applies; any other is refused rather than silently ignored. */
export const SUPPORTED_CONFIGS = new Set([...Object.keys(NUMERIC_CONFIGS), ...Object.keys(FIXED_CONFIGS)]);

/** Why Kafka would refuse these topic configs, or why the emulator cannot apply them. */
function configProblem(configs: Record<string, string>): string | undefined {
  const unknown = Object.keys(configs).find((key) => !SUPPORTED_CONFIGS.has(key));
  if (unknown !== undefined) return `Topic config ${unknown} is not supported by the emulator (supported: ${[...SUPPORTED_CONFIGS].join(', ')})`;
  for (const [key, value] of Object.entries(configs)) {
    const fixed = FIXED_CONFIGS[key];
    if (fixed !== undefined) {
      if (value.trim() !== fixed.value) return `Topic config ${key}=${value} is not supported by the emulator, only ${fixed.value}: ${fixed.otherwise}`;
      continue;
    }
    const { least, type } = NUMERIC_CONFIGS[key] as { least: number; type: string };
    if (!/^-?\d+$/.test(value.trim())) return `Invalid value ${value} for configuration ${key}: Not a number of type ${type}`;
    if (Number(value) < least) return `Invalid value ${value} for configuration ${key}: Value must be at least ${least}`;
  }
  return undefined;
}

/** A topic's retention.ms, or -1: the broker keeps by size only (its log.retention.ms is -1). */
export function retentionMsOf(configs: Record<string, string>): number {
  return configs['retention.ms'] !== undefined ? Number(configs['retention.ms']) : -1;
}

/** A random version 4 UUID, as Kafka's Uuid.randomUuid (never the zero or the metadata topic's id). */
function newTopicId(): Buffer {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
}

/** All topics and their partition logs, on disk under `<dataDir>/topics/<topic>/` when persistence is on. */
export class TopicStore {
  private readonly topics = new Map<string, Topic>();
  private readonly appendListeners = new Set<() => void>();

  constructor(private readonly options: TopicStoreOptions) {
    if (options.dataDir !== undefined) this.load(join(options.dataDir, 'topics'));
  }

  private load(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      const manifest = join(dir, name, 'topic.json');
      if (!existsSync(manifest)) continue;
      const { partitions, configs, internal, id } = JSON.parse(readFileSync(manifest, 'utf8')) as { partitions: number; configs: Record<string, string>; internal?: true; id?: string };
      const topic = this.open(name, partitions, configs, internal === true, id === undefined ? undefined : Buffer.from(id, 'hex'));
      this.topics.set(name, topic);
      // A data directory from before topic ids gets one now, kept from here on.
      if (id === undefined) this.writeManifest(topic);
    }
  }

  private open(name: string, partitionCount: number, configs: Record<string, string>, internal = false, id = newTopicId()): Topic {
    return { name, id, partitions: Array.from({ length: partitionCount }, (_, index) => this.openPartition(name, index, configs, internal)), configs, internal };
  }

  /** An internal topic keeps everything (its writer compacts it) in small segments. */
  private openPartition(name: string, index: number, configs: Record<string, string>, internal = false): PartitionLog {
    const retention = internal ? Number.POSITIVE_INFINITY : this.retentionOf(configs);
    return new PartitionLog({
      dir: this.options.dataDir === undefined ? undefined : join(this.options.dataDir, 'topics', name, String(index)),
      fsync: this.options.fsync,
      retentionBytes: retention,
      retentionMs: internal ? -1 : retentionMsOf(configs),
      segmentBytes: internal ? INTERNAL_SEGMENT_BYTES : segmentBytesFor(retention),
      onRecovery: this.options.onRecovery,
    });
  }

  /** A topic's retention.bytes, or the broker's per-partition default. */
  retentionOf(configs: Record<string, string>): number {
    return configs['retention.bytes'] !== undefined && Number(configs['retention.bytes']) > 0 ? Number(configs['retention.bytes']) : this.options.retentionBytes;
  }

  /** Where the partitions' segments are (DescribeLogDirs), or that they are in memory. */
  get logDir(): string {
    return this.options.dataDir === undefined ? '(in memory)' : resolve(this.options.dataDir, 'topics');
  }

  /** Partitions of the clients' topics: the broker's own do not count against the cap. */
  partitionCount(): number {
    let count = 0;
    for (const topic of this.topics.values()) if (!topic.internal) count += topic.partitions.length;
    return count;
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  /** The topic with this id (a client that names topics by id, KIP-516). */
  byId(id: Buffer): Topic | undefined {
    for (const topic of this.topics.values()) if (topic.id.equals(id)) return topic;
    return undefined;
  }

  names(): string[] {
    return [...this.topics.keys()].sort();
  }

  /** Every partition log. */
  *logs(): Iterable<PartitionLog> {
    for (const topic of this.topics.values()) yield* topic.partitions;
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  create(name: string, partitions: number, configs: Record<string, string> = {}): { errorCode: ErrorCode; errorMessage: string | null } {
    const nameProblem = topicNameProblem(name);
    if (nameProblem !== undefined) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
    if (this.topics.has(name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${name}' already exists.` };
    const count = partitions === -1 ? this.options.defaultPartitions : partitions;
    if (!Number.isInteger(count) || count < 1) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions must be larger than 0.' };
    const capacity = this.capacityProblem(count);
    if (capacity !== undefined) return capacity;
    const problem = configProblem(configs);
    if (problem !== undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
    const topic = this.open(name, count, configs);
    this.writeManifest(topic);
    this.topics.set(name, topic);
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  /** The broker's own topic, created by the broker: no cap, no configs, kept until its writer compacts it. */
  createInternal(name: string, partitions: number): Topic {
    const topic = this.open(name, partitions, {}, true);
    this.writeManifest(topic);
    this.topics.set(name, topic);
    return topic;
  }

  /** CreatePartitions: a topic grows to `count` partitions; it never shrinks, as in Kafka. */
  addPartitions(name: string, count: number, validateOnly: boolean): { errorCode: ErrorCode; errorMessage: string | null } {
    const topic = this.topics.get(name);
    if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
    const current = topic.partitions.length;
    if (count === current) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partitions.` };
    if (count < current) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${current} partitions, which is higher than the requested ${count}.` };
    const added = count - current;
    const capacity = this.capacityProblem(added);
    if (capacity !== undefined) return capacity;
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
    // The partitions that exist keep their open logs; only the new ones are opened.
    for (let index = current; index < count; index++) topic.partitions.push(this.openPartition(name, index, topic.configs, topic.internal));
    this.writeManifest(topic);
    this.notifyAppend();
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  /** A request for `added` more partitions beyond what one request or the emulator may hold (POLICY_VIOLATION). */
  private capacityProblem(added: number): { errorCode: ErrorCode; errorMessage: string } | undefined {
    if (added > MAX_PARTITIONS_PER_REQUEST) return { errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: `Excessively large number of partitions per request: ${added}, at most ${MAX_PARTITIONS_PER_REQUEST}.` };
    if (this.partitionCount() + added > this.options.maxPartitions) {
      return { errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: `The emulator holds at most ${this.options.maxPartitions} partitions; ${this.partitionCount()} exist, ${added} more were asked for.` };
    }
    return undefined;
  }

  private writeManifest(topic: Topic): void {
    if (this.options.dataDir === undefined) return;
    const { name, configs, internal } = topic;
    const manifest = { partitions: topic.partitions.length, configs, ...(internal ? { internal } : {}), id: topic.id.toString('hex') };
    // Written whole, then renamed into place: a crash leaves the old manifest or the new one.
    replaceFile(join(this.options.dataDir, 'topics', name, 'topic.json'), JSON.stringify(manifest));
  }

  /**
   * AlterConfigs on a topic: its configs become these (the ones the emulator applies: others are refused with
   * INVALID_CONFIG, as at creation); a smaller retention.bytes drops the oldest segments at once.
   */
  alterConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): { errorCode: ErrorCode; errorMessage: string | null } {
    const topic = this.topics.get(name);
    if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
    if (topic.internal) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `The emulator keeps ${name} itself (compacted, no retention); its configs cannot be changed.` };
    const problem = configProblem(configs);
    if (problem !== undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
    topic.configs = configs;
    this.writeManifest(topic);
    for (const log of topic.partitions) log.setRetention(this.retentionOf(configs), retentionMsOf(configs));
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  delete(name: string): ErrorCode {
    const topic = this.topics.get(name);
    if (topic === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    for (const log of topic.partitions) log.close();
    this.topics.delete(name);
    if (this.options.dataDir !== undefined) rmSync(join(this.options.dataDir, 'topics', name), { recursive: true, force: true });
    this.notifyAppend();
    return ErrorCode.NONE;
  }

  /** Long-polling fetches listen here and re-check their partitions when anything is appended. */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  notifyAppend(): void {
    for (const listener of [...this.appendListeners]) listener();
  }

  /** Time-based retention of the topics that set retention.ms (Kafka checks every log.retention.check.interval.ms). */
  expire(now = Date.now()): void {
    for (const log of this.logs()) log.expire(now);
  }

  sync(): void {
    for (const log of this.logs()) log.sync();
  }

  close(): void {
    for (const log of this.logs()) log.close();
  }
}
