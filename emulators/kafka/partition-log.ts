import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { lastSequenceOf, ProducerStates, type ProducerSummary } from './producers.js';
import { ErrorCode } from './protocol/errors.js';
import { ControlType, encodeMarker, markerType, readBatchHeader, recordTimestamps, withBaseOffset, type BatchHeader, type BatchInfo } from './protocol/record-batch.js';
import { RecordFile, type FsyncPolicy } from '../common/record-file.js';
import { replaceFile } from '../../shared/replace-file.js';

interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: bigint;
  bytes: Buffer;
}

interface Segment {
  baseOffset: number;
  batches: StoredBatch[];
  size: number;
  /** The largest record timestamp in it (-1: none), which time-based retention compares. */
  maxTimestamp: bigint;
  path: string | undefined;
  /** Open only while the segment is the active one; a rolled segment is never written again. */
  file: RecordFile | undefined;
}

export interface LogOptions {
  /** Folder for this partition's segment files; undefined keeps the log in memory. */
  dir: string | undefined;
  fsync: FsyncPolicy;
  /** Oldest segments are dropped while the partition holds more than this. */
  retentionBytes: number;
  /** Segments whose newest record is older than this are dropped (retention.ms); -1 keeps by size only. */
  retentionMs: number;
  segmentBytes: number;
  /** Told about torn or corrupt tails cut off at load. */
  onRecovery: (path: string, truncatedBytes: number) => void;
}

/** The log start offset moved by DeleteRecords, kept beside the segments (Kafka's log-start-offset-checkpoint). */
const LOG_START_CHECKPOINT = 'log-start-offset';

function segmentName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

export interface AppendResult {
  errorCode: ErrorCode;
  /** The first batch's offset; for a retried idempotent batch, the offset it got the first time. */
  baseOffset: number;
  errorMessage: string | null;
}

/** A transaction that ended in an abort: a read_committed consumer drops its records (Kafka's AbortedTxn). */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: number;
  /** The offset of its abort marker. */
  lastOffset: number;
}

function toStored(bytes: Buffer): StoredBatch {
  const header = readBatchHeader(bytes);
  return { baseOffset: header.baseOffset, lastOffset: header.baseOffset + header.lastOffsetDelta, maxTimestamp: header.maxTimestamp, bytes };
}

/**
 * One partition: record batches as the producer sent them, with broker-assigned offsets, kept in
 * segments so that retention drops whole segments, as Kafka's log does.
 */
export class PartitionLog {
  private segments: Segment[] = [];
  /** The offset the next record gets (Kafka's log end offset; with one replica also the high watermark). */
  highWatermark = 0;
  logStartOffset = 0;
  size = 0;
  /** Idempotent producers' sequences, rebuilt from the batch headers at start. */
  readonly producers = new ProducerStates();
  /** Transactions not yet ended by a marker: producer id to the offset of its first batch here. */
  private readonly openTransactions = new Map<bigint, number>();
  /** Aborted transactions in marker order (Kafka's transaction index), rebuilt from the markers at start. */
  private abortedTransactions: AbortedTransaction[] = [];
  /** The most offsets an aborted transaction spans, which bounds how far past a fetch its aborted ones can end. */
  private longestAborted = 0;

  constructor(private readonly options: LogOptions) {
    if (options.dir !== undefined) this.load(options.dir);
  }

  private load(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir)
      .filter((name) => /^\d{20}\.log$/.test(name))
      .sort();
    for (const name of names) {
      const { file, records, truncatedBytes } = RecordFile.open(join(dir, name), this.options.fsync);
      if (truncatedBytes > 0) this.options.onRecovery(file.path, truncatedBytes);
      const batches = records.map((record) => toStored(Buffer.from(record)));
      for (const batch of batches) this.track(readBatchHeader(batch.bytes), batch);
      const segment: Segment = { baseOffset: Number(name.slice(0, 20)), batches, size: 0, maxTimestamp: -1n, path: file.path, file };
      segment.size = batches.reduce((sum, batch) => sum + batch.bytes.length, 0);
      segment.maxTimestamp = batches.reduce((max, batch) => (batch.maxTimestamp > max ? batch.maxTimestamp : max), -1n);
      const previous = this.segments.at(-1);
      previous?.file?.close();
      if (previous !== undefined) previous.file = undefined;
      this.segments.push(segment);
      this.size += segment.size;
    }
    const first = this.segments[0];
    if (first !== undefined) this.logStartOffset = first.batches[0]?.baseOffset ?? first.baseOffset;
    // Records deleted inside the first segment (DeleteRecords) stay deleted: their offset is checkpointed.
    const checkpoint = join(dir, LOG_START_CHECKPOINT);
    if (existsSync(checkpoint)) this.logStartOffset = Math.max(this.logStartOffset, Number(readFileSync(checkpoint, 'utf8')));
    const lastBatch = this.segments.at(-1)?.batches.at(-1);
    this.highWatermark = lastBatch !== undefined ? lastBatch.lastOffset + 1 : (this.segments.at(-1)?.baseOffset ?? 0);
    this.forgetAbortedBeforeStart();
  }

  /** Producer state and transactions of a batch read back at start. */
  private track(header: BatchHeader, batch: StoredBatch): void {
    if (header.control) {
      this.producers.recordMarker(header.producerId, header.producerEpoch, header.maxTimestamp);
      this.endTransaction(header.producerId, markerType(batch.bytes), batch.baseOffset);
      return;
    }
    this.producers.record(header, batch.baseOffset);
    if (header.transactional && !this.openTransactions.has(header.producerId)) this.openTransactions.set(header.producerId, batch.baseOffset);
  }

  private endTransaction(producerId: bigint, type: ControlType, markerOffset: number): void {
    const firstOffset = this.openTransactions.get(producerId);
    if (firstOffset === undefined) return;
    this.openTransactions.delete(producerId);
    if (type !== ControlType.ABORT) return;
    this.abortedTransactions.push({ producerId, firstOffset, lastOffset: markerOffset });
    this.longestAborted = Math.max(this.longestAborted, markerOffset - firstOffset);
  }

  /**
   * The last stable offset: below it every transaction has ended, so a read_committed consumer reads up to it
   * and no further. With no open transaction it is the high watermark.
   */
  get lastStableOffset(): number {
    let stable = this.highWatermark;
    for (const first of this.openTransactions.values()) stable = Math.min(stable, first);
    return stable;
  }

  /** The producers the partition keeps state for, with the first offset of the transaction each has open here (-1: none). */
  activeProducers(): Array<ProducerSummary & { currentTxnStartOffset: number }> {
    return this.producers.summaries().map((producer) => ({ ...producer, currentTxnStartOffset: this.openTransactions.get(producer.producerId) ?? -1 }));
  }

  /** Producers with a transaction open here, and the epoch the partition last saw of each. */
  openTransactionProducers(): Array<{ producerId: bigint; epoch: number }> {
    return [...this.openTransactions.keys()].map((producerId) => ({ producerId, epoch: this.producers.epochOf(producerId) ?? 0 }));
  }

  /**
   * The aborted transactions a fetch of offsets [from, to) must be told of (Log.collectAbortedTransactions): those
   * ending at or after `from` and starting before `to`. Found from the first ending at `from` (they are in marker
   * order) up to the last that could start before `to`, so a fetch does not scan a long history.
   */
  abortedBetween(from: number, to: number): AbortedTransaction[] {
    const all = this.abortedTransactions;
    let low = 0;
    let high = all.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((all[mid] as AbortedTransaction).lastOffset < from) low = mid + 1;
      else high = mid;
    }
    const found: AbortedTransaction[] = [];
    for (let i = low; i < all.length; i += 1) {
      const aborted = all[i] as AbortedTransaction;
      if (aborted.lastOffset - this.longestAborted >= to) break;
      if (aborted.firstOffset < to) found.push(aborted);
    }
    return found;
  }

  private forgetAbortedBeforeStart(): void {
    if (this.abortedTransactions[0] !== undefined && this.abortedTransactions[0].lastOffset < this.logStartOffset) {
      this.abortedTransactions = this.abortedTransactions.filter((aborted) => aborted.lastOffset >= this.logStartOffset);
    }
  }

  /**
   * Appends validated batches, assigning consecutive offsets, after checking idempotent producers'
   * epochs and sequences: a retried batch (same producer, epoch and sequences as one of its last five)
   * is not appended again and answers with its first offset; nothing is appended when any batch fails.
   */
  append(batches: BatchInfo[]): AppendResult {
    const pending = new Map<bigint, { epoch: number; lastSequence: number }>();
    const fresh: BatchInfo[] = [];
    let duplicateOffset: number | undefined;
    for (const batch of batches) {
      const verdict = this.producers.check(batch, pending);
      if (verdict.kind === 'error') return { errorCode: verdict.errorCode, baseOffset: -1, errorMessage: verdict.message };
      if (verdict.kind === 'duplicate') {
        duplicateOffset ??= verdict.baseOffset;
        continue;
      }
      if (batch.producerId >= 0n) pending.set(batch.producerId, { epoch: batch.producerEpoch, lastSequence: lastSequenceOf(batch) });
      fresh.push(batch);
    }
    const first = fresh.length > 0 ? this.highWatermark : (duplicateOffset ?? this.highWatermark);
    for (const batch of fresh) {
      const baseOffset = this.highWatermark;
      this.producers.record(batch, baseOffset);
      if (batch.transactional && !this.openTransactions.has(batch.producerId)) this.openTransactions.set(batch.producerId, baseOffset);
      this.store(toStored(withBaseOffset(batch.bytes, baseOffset)));
    }
    this.enforceRetention();
    return { errorCode: ErrorCode.NONE, baseOffset: first, errorMessage: null };
  }

  /**
   * Writes the marker that ends a producer's transaction here (the coordinator's WriteTxnMarkers): a commit
   * makes its records visible to read_committed consumers, an abort has them skipped.
   */
  appendMarker(type: ControlType, producerId: bigint, epoch: number): void {
    const markerOffset = this.highWatermark;
    const now = BigInt(Date.now());
    this.store(toStored(withBaseOffset(encodeMarker(type, producerId, epoch, now), markerOffset)));
    this.producers.recordMarker(producerId, epoch, now);
    this.endTransaction(producerId, type, markerOffset);
    this.enforceRetention();
  }

  private store(stored: StoredBatch): void {
    const segment = this.activeSegment();
    segment.file?.append(stored.bytes);
    segment.batches.push(stored);
    segment.size += stored.bytes.length;
    if (stored.maxTimestamp > segment.maxTimestamp) segment.maxTimestamp = stored.maxTimestamp;
    this.size += stored.bytes.length;
    this.highWatermark = stored.lastOffset + 1;
  }

  private activeSegment(): Segment {
    const last = this.segments.at(-1);
    if (last !== undefined && last.size < this.options.segmentBytes) return last;
    return this.roll();
  }

  /** Closes the active segment for writing and starts an empty one at the high watermark. */
  private roll(): Segment {
    const last = this.segments.at(-1);
    if (last?.file !== undefined) {
      last.file.close();
      last.file = undefined;
    }
    const baseOffset = this.highWatermark;
    const { dir, fsync } = this.options;
    const path = dir === undefined ? undefined : join(dir, segmentName(baseOffset));
    const segment: Segment = { baseOffset, batches: [], size: 0, maxTimestamp: -1n, path, file: path === undefined ? undefined : RecordFile.open(path, fsync).file };
    this.segments.push(segment);
    return segment;
  }

  /**
   * Time-based retention (retention.ms): the oldest segments whose newest record is older than `now` minus
   * the retention go, the active one too once all of it is (rolled first, as Kafka rolls an expired active
   * segment), so the log start offset moves up to the high watermark. A segment without timestamps stays.
   */
  expire(now: number): void {
    const { retentionMs } = this.options;
    if (retentionMs < 0) return;
    const cutoff = BigInt(now - retentionMs);
    const expired = (segment: Segment): boolean => segment.batches.length > 0 && segment.maxTimestamp >= 0n && segment.maxTimestamp < cutoff;
    const active = this.segments.at(-1);
    if (active !== undefined && expired(active) && this.segments.every(expired)) this.roll();
    this.dropOldestWhile(() => expired(this.segments[0] as Segment));
  }

  /**
   * DeleteRecords: records before `offset` (-1: the high watermark) are gone. Whole segments below it are dropped;
   * inside the segment that holds it, the log start offset moves, as in Kafka, and a fetch from before it is out
   * of range. Gives the new log start offset, or undefined for an offset past the high watermark.
   */
  deleteRecordsBefore(offset: number): number | undefined {
    const target = offset === -1 ? this.highWatermark : offset;
    if (target < 0 || target > this.highWatermark) return undefined;
    if (target <= this.logStartOffset) return this.logStartOffset;
    while (this.segments.length > 1 && (this.segments[1] as Segment).baseOffset <= target) this.dropOldestSegment();
    this.logStartOffset = target;
    this.forgetAbortedBeforeStart();
    if (this.options.dir !== undefined) replaceFile(join(this.options.dir, LOG_START_CHECKPOINT), String(target));
    return target;
  }

  /** A topic's retention changed (AlterConfigs): the oldest segments go now if the partition holds more, or older. */
  setRetention(bytes: number, ms: number): void {
    this.options.retentionBytes = bytes;
    this.options.retentionMs = ms;
    this.enforceRetention();
    this.expire(Date.now());
  }

  private dropOldestSegment(): void {
    const dropped = this.segments.shift() as Segment;
    this.size -= dropped.size;
    dropped.file?.close();
    if (dropped.path !== undefined) rmSync(dropped.path, { force: true });
  }

  private enforceRetention(): void {
    this.dropOldestWhile(() => this.size > this.options.retentionBytes);
  }

  /** Retention, by size or time: the oldest segment goes while `condition` holds, never the last; the log start follows. */
  private dropOldestWhile(condition: () => boolean): void {
    while (this.segments.length > 1 && condition()) {
      this.dropOldestSegment();
      const next = this.segments[0] as Segment;
      this.logStartOffset = Math.max(this.logStartOffset, next.batches[0]?.baseOffset ?? next.baseOffset);
    }
    this.forgetAbortedBeforeStart();
  }

  /**
   * Whole batches from the one holding `offset`, up to `maxBytes`, none starting at or after `endOffset` (the
   * last stable offset for read_committed), and the offset after the last of them (`next`). With `oversizedFirst`,
   * the first batch is returned even when larger (KIP-74), so a consumer can always make progress.
   */
  read(offset: number, maxBytes: number, oversizedFirst = true, endOffset = Number.POSITIVE_INFINITY): { batches: Buffer[]; size: number; next: number } {
    const batches: Buffer[] = [];
    let size = 0;
    let next = offset;
    let segmentIndex = this.findSegment(offset);
    if (segmentIndex < 0) return { batches, size, next };
    let batchIndex = this.findBatch(this.segments[segmentIndex] as Segment, offset);
    while (segmentIndex < this.segments.length) {
      const segment = this.segments[segmentIndex] as Segment;
      for (; batchIndex < segment.batches.length; batchIndex += 1) {
        const batch = segment.batches[batchIndex] as StoredBatch;
        if (batch.baseOffset >= endOffset) return { batches, size, next };
        if (size + batch.bytes.length > maxBytes && (batches.length > 0 || !oversizedFirst)) return { batches, size, next };
        batches.push(batch.bytes);
        size += batch.bytes.length;
        next = batch.lastOffset + 1;
      }
      segmentIndex += 1;
      batchIndex = 0;
    }
    return { batches, size, next };
  }

  private findSegment(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((this.segments[mid] as Segment).baseOffset <= offset) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }

  /** Index of the first batch whose last offset is at or after `offset`. */
  private findBatch(segment: Segment, offset: number): number {
    let low = 0;
    let high = segment.batches.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((segment.batches[mid] as StoredBatch).lastOffset < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** ListOffsets by time: the first offset whose record timestamp is at or after `timestamp`. */
  offsetForTimestamp(timestamp: bigint): { offset: number; timestamp: bigint } | undefined {
    for (const segment of this.segments) {
      for (const batch of segment.batches) {
        if (batch.maxTimestamp < timestamp || batch.lastOffset < this.logStartOffset) continue;
        // Inside a batch, the exact record, whatever the codec; none before the log start (DeleteRecords).
        const hit = recordTimestamps(batch.bytes).find((record) => record.timestamp >= timestamp && batch.baseOffset + record.offsetDelta >= this.logStartOffset);
        return hit !== undefined
          ? { offset: batch.baseOffset + hit.offsetDelta, timestamp: hit.timestamp }
          : { offset: batch.baseOffset, timestamp: batch.maxTimestamp };
      }
    }
    return undefined;
  }

  /** ListOffsets' MAX_TIMESTAMP (-3): the offset of the record with the largest timestamp. */
  maxTimestampOffset(): { offset: number; timestamp: bigint } | undefined {
    let best: { offset: number; timestamp: bigint } | undefined;
    for (const segment of this.segments) {
      for (const batch of segment.batches) {
        if (batch.lastOffset < this.logStartOffset) continue;
        if (best === undefined || batch.maxTimestamp > best.timestamp) {
          const record = recordTimestamps(batch.bytes).find((candidate) => candidate.timestamp === batch.maxTimestamp);
          best = { offset: record !== undefined ? batch.baseOffset + record.offsetDelta : batch.lastOffset, timestamp: batch.maxTimestamp };
        }
      }
    }
    return best;
  }

  sync(): void {
    this.segments.at(-1)?.file?.sync();
  }

  close(): void {
    this.segments.at(-1)?.file?.close();
  }
}
