import type { CommittedOffset } from './groups.js';
import { encodeBatch, parseBatches, readRecords } from './protocol/record-batch.js';
import type { PartitionLog } from './partition-log.js';
import type { Topic, TopicStore } from './topics.js';
import { Writer } from './protocol/primitives.js';

/**
 * Kafka's `__consumer_offsets`: the group coordinator's records, written as Kafka 3.8 writes them
 * (OffsetCommitKey/Value, GroupMetadataKey/Value in group-coordinator/src/main/resources/common/message), so that
 * tools which read the topic rather than ask the coordinator (Burrow, for consumer lag) see what a broker shows.
 * The coordinator's state stays in groups.ts; this topic is written from it.
 */
export const OFFSETS_TOPIC = '__consumer_offsets';

/** Kafka's offsets.topic.num.partitions default. */
const OFFSETS_TOPIC_PARTITIONS = 50;

/** A record key's version says what it is: an offset commit (1; 0 was ZooKeeper's era) or a group's metadata (2). */
const OFFSET_COMMIT_KEY = 1;
const GROUP_METADATA_KEY = 2;
/** The value versions Kafka 2.3 and later write: v3 of both (leader epoch; current state time, static members). */
const OFFSET_COMMIT_VALUE = 3;
const GROUP_METADATA_VALUE = 3;

/** What the topic's compaction would keep is rewritten once the partition holds this many bytes more than it. */
const COMPACT_AFTER_BYTES = 2 * 1024 * 1024;

export interface GroupMetadataRecord {
  group: string;
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  /** When the group entered its current state, ms since the epoch. */
  currentStateTimestamp: number;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    rebalanceTimeoutMs: number;
    sessionTimeoutMs: number;
    subscription: Buffer;
    assignment: Buffer;
  }>;
}

/** Where the coordinator's records go; the broker gives it an OffsetsTopic. */
export interface CoordinatorJournal {
  offsetsCommitted(group: string, offsets: Array<{ topic: string; partition: number; value: CommittedOffset }>): void;
  groupStored(record: GroupMetadataRecord): void;
  /** A deleted group: tombstones for its metadata and each of its offsets. */
  groupDeleted(group: string, offsets: Array<{ topic: string; partition: number }>): void;
  /** Offsets deleted from a group that stays (OffsetDelete): a tombstone for each. */
  offsetsDeleted(group: string, offsets: Array<{ topic: string; partition: number }>): void;
}

/** Java's String.hashCode, which Kafka's partitionFor(groupId) takes the absolute value of (Utils.abs). */
function javaHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i += 1) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/** The partition of `__consumer_offsets` that holds a group's records (GroupMetadataManager.partitionFor). */
export function partitionForGroup(group: string, partitions: number): number {
  const hash = javaHashCode(group);
  return (hash === -2147483648 ? 0 : Math.abs(hash)) % partitions;
}

function writeString(writer: Writer, value: string | null): Writer {
  if (value === null) return writer.int16(-1);
  const bytes = Buffer.from(value, 'utf8');
  return writer.int16(bytes.length).bytes(bytes);
}

function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return writeString(writeString(new Writer().int16(OFFSET_COMMIT_KEY), group), topic).int32(partition).toBuffer();
}

/** Kafka keeps a commit without metadata as the empty string (OffsetAndMetadata.NO_METADATA). */
function offsetCommitValue(value: CommittedOffset, commitTimestamp: number): Buffer {
  const writer = new Writer().int16(OFFSET_COMMIT_VALUE).int64(value.offset).int32(value.leaderEpoch);
  return writeString(writer, value.metadata ?? '').int64(BigInt(commitTimestamp)).toBuffer();
}

function groupMetadataKey(group: string): Buffer {
  return writeString(new Writer().int16(GROUP_METADATA_KEY), group).toBuffer();
}

function groupMetadataValue(record: GroupMetadataRecord): Buffer {
  const writer = writeString(new Writer().int16(GROUP_METADATA_VALUE), record.protocolType).int32(record.generation);
  writeString(writeString(writer, record.protocol), record.leader).int64(BigInt(record.currentStateTimestamp)).int32(record.members.length);
  for (const member of record.members) {
    writeString(writeString(writeString(writeString(writer, member.memberId), member.groupInstanceId), member.clientId), member.clientHost);
    writer.int32(member.rebalanceTimeoutMs).int32(member.sessionTimeoutMs);
    writer.int32(member.subscription.length).bytes(member.subscription).int32(member.assignment.length).bytes(member.assignment);
  }
  return writer.toBuffer();
}

interface LiveRecord {
  key: Buffer;
  value: Buffer;
}

/**
 * The topic, created as Kafka creates it: on a group's first use, 50 partitions, internal (clients may read it, not
 * write it). Kafka compacts it; here, once a partition has grown by COMPACT_AFTER_BYTES, the latest record of each
 * key is appended again and everything before deleted, so a reader from the start still finds every group's state
 * and the partition stays small. Readers see offsets jump, as in a compacted log.
 */
export class OffsetsTopic implements CoordinatorJournal {
  /** Per partition, the latest record of each key: what compaction keeps. */
  private readonly live = new Map<number, Map<string, LiveRecord>>();
  /** Per partition, its size just after it was last compacted. */
  private readonly compactedSize = new Map<number, number>();

  constructor(private readonly topics: TopicStore) {
    const topic = topics.get(OFFSETS_TOPIC);
    if (topic !== undefined) topic.partitions.forEach((log, partition) => this.readBack(log, partition));
  }

  /** A persisted topic read back at start, so that its first compaction keeps the records written before. */
  private readBack(log: PartitionLog, partition: number): void {
    const { batches } = log.read(log.logStartOffset, Number.POSITIVE_INFINITY);
    for (const batch of batches) {
      for (const { key, value } of readRecords(batch)) if (key !== null) this.remember(partition, key, value);
    }
    this.compactedSize.set(partition, log.size);
  }

  ensure(): Topic {
    const existing = this.topics.get(OFFSETS_TOPIC);
    if (existing !== undefined) return existing;
    this.live.clear();
    this.compactedSize.clear();
    return this.topics.createInternal(OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS);
  }

  offsetsCommitted(group: string, offsets: Array<{ topic: string; partition: number; value: CommittedOffset }>): void {
    const now = Date.now();
    this.write(group, offsets.map(({ topic, partition, value }) => ({ key: offsetCommitKey(group, topic, partition), value: offsetCommitValue(value, now) })));
  }

  groupStored(record: GroupMetadataRecord): void {
    this.write(record.group, [{ key: groupMetadataKey(record.group), value: groupMetadataValue(record) }]);
  }

  groupDeleted(group: string, offsets: Array<{ topic: string; partition: number }>): void {
    const tombstones = offsets.map(({ topic, partition }) => ({ key: offsetCommitKey(group, topic, partition), value: null }));
    this.write(group, [...tombstones, { key: groupMetadataKey(group), value: null }]);
  }

  offsetsDeleted(group: string, offsets: Array<{ topic: string; partition: number }>): void {
    this.write(group, offsets.map(({ topic, partition }) => ({ key: offsetCommitKey(group, topic, partition), value: null })));
  }

  private write(group: string, records: Array<{ key: Buffer; value: Buffer | null }>): void {
    if (records.length === 0) return;
    const topic = this.ensure();
    const partition = partitionForGroup(group, topic.partitions.length);
    const log = topic.partitions[partition] as PartitionLog;
    const timestamp = BigInt(Date.now());
    log.append(parseBatches(encodeBatch(records.map(({ key, value }) => ({ timestamp, key, value })))));
    for (const { key, value } of records) this.remember(partition, key, value);
    if (log.size - (this.compactedSize.get(partition) ?? 0) > COMPACT_AFTER_BYTES) this.compact(log, partition);
    this.topics.notifyAppend();
  }

  private remember(partition: number, key: Buffer, value: Buffer | null): void {
    let records = this.live.get(partition);
    if (records === undefined) this.live.set(partition, (records = new Map()));
    const id = key.toString('latin1');
    if (value === null) records.delete(id);
    else records.set(id, { key, value });
  }

  private compact(log: PartitionLog, partition: number): void {
    const start = log.highWatermark;
    const timestamp = BigInt(Date.now());
    const records = [...(this.live.get(partition)?.values() ?? [])];
    for (let i = 0; i < records.length; i += 1000) {
      log.append(parseBatches(encodeBatch(records.slice(i, i + 1000).map(({ key, value }) => ({ timestamp, key, value })))));
    }
    log.deleteRecordsBefore(start);
    this.compactedSize.set(partition, log.size);
  }
}
