import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from './protocol/errors.js';
import type { BatchHeader } from './protocol/record-batch.js';
import { replaceFile } from '../../shared/replace-file.js';

/** Kafka keeps the metadata of a producer's last five batches per partition to recognise retries (NUM_BATCHES_TO_RETAIN). */
export const DEDUP_WINDOW = 5;
/** Producers tracked per partition; the least recently seen is forgotten first, so state cannot grow without bound. */
export const MAX_PRODUCERS_PER_PARTITION = 10_000;
/** Ids handed out between two writes of the allocator file, as Kafka's controller hands out blocks. */
const ID_BLOCK = 1000;
const MAX_SEQUENCE = 0x7fffffff;

interface BatchMeta {
  firstSequence: number;
  lastSequence: number;
  baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  lastSequence: number;
  /** Oldest first, at most DEDUP_WINDOW. */
  batches: BatchMeta[];
  /** The newest timestamp of its last batch or marker here. */
  lastTimestamp: bigint;
  /** -1 until a transaction marker of the producer is written here (the coordinator's epoch is 0). */
  coordinatorEpoch: number;
}

/** A producer as DescribeProducers reports it. */
export interface ProducerSummary {
  producerId: bigint;
  epoch: number;
  lastSequence: number;
  lastTimestamp: bigint;
  coordinatorEpoch: number;
}

export type SequenceVerdict =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'error'; errorCode: ErrorCode; message: string };

type IdempotentBatch = Pick<BatchHeader, 'producerId' | 'producerEpoch' | 'baseSequence' | 'lastOffsetDelta' | 'maxTimestamp'>;

/** The sequence of a batch's last record (sequences wrap from 2^31-1 to 0). */
export function lastSequenceOf(batch: IdempotentBatch): number {
  return (batch.baseSequence + batch.lastOffsetDelta) % (MAX_SEQUENCE + 1);
}

function nextSequence(sequence: number): number {
  return sequence === MAX_SEQUENCE ? 0 : sequence + 1;
}

/** A producer's state at a new epoch: no sequence yet; what is known of its transactions stays. */
function fresh(epoch: number, previous: ProducerEntry | undefined): ProducerEntry {
  return { epoch, lastSequence: -1, batches: [], lastTimestamp: previous?.lastTimestamp ?? -1n, coordinatorEpoch: previous?.coordinatorEpoch ?? -1 };
}

/**
 * One partition's idempotent-producer state, as Kafka's ProducerStateManager keeps it: per producer id the
 * epoch, the last sequence and the last five batches. It is rebuilt from the log's batch headers at start,
 * so it survives a restart as the batches do.
 */
export class ProducerStates {
  private readonly producers = new Map<bigint, ProducerEntry>();

  /** Judges a batch against the state, with `pending` holding batches of the same request already judged. */
  check(batch: IdempotentBatch, pending: Map<bigint, { epoch: number; lastSequence: number }> = new Map()): SequenceVerdict {
    if (batch.producerId < 0n) return { kind: 'append' };
    const known = this.producers.get(batch.producerId);
    const current = pending.get(batch.producerId) ?? known;
    if (current === undefined) return { kind: 'append' };
    if (batch.producerEpoch < current.epoch) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `Epoch of producer ${batch.producerId} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${current.epoch}` };
    }
    if (batch.producerEpoch > current.epoch) {
      if (batch.baseSequence === 0) return { kind: 'append' };
      return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `Invalid sequence number for new epoch of producer ${batch.producerId}: ${batch.producerEpoch} (request epoch), ${batch.baseSequence} (seq. number), ${current.epoch} (current producer epoch)` };
    }
    const duplicate = known?.epoch === batch.producerEpoch ? known.batches.find((meta) => meta.firstSequence === batch.baseSequence && meta.lastSequence === lastSequenceOf(batch)) : undefined;
    if (duplicate !== undefined) return { kind: 'duplicate', baseOffset: duplicate.baseOffset };
    if (batch.baseSequence !== nextSequence(current.lastSequence)) {
      return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `Out of order sequence number for producer ${batch.producerId} at offset: ${batch.baseSequence} (incoming seq. number), ${current.lastSequence} (current end sequence number)` };
    }
    return { kind: 'append' };
  }

  /** Records an appended batch; called for every batch appended or read back at start. */
  record(batch: IdempotentBatch, baseOffset: number): void {
    if (batch.producerId < 0n) return;
    const previous = this.producers.get(batch.producerId);
    const entry = previous !== undefined && previous.epoch === batch.producerEpoch ? previous : fresh(batch.producerEpoch, previous);
    entry.lastSequence = lastSequenceOf(batch);
    entry.lastTimestamp = batch.maxTimestamp;
    entry.batches.push({ firstSequence: batch.baseSequence, lastSequence: entry.lastSequence, baseOffset });
    if (entry.batches.length > DEDUP_WINDOW) entry.batches.shift();
    this.touch(batch.producerId, entry);
  }

  /** (Re-)inserted so that the map's order is least recently seen first; the least recent goes past the bound. */
  private touch(producerId: bigint, entry: ProducerEntry): void {
    this.producers.delete(producerId);
    this.producers.set(producerId, entry);
    if (this.producers.size > MAX_PRODUCERS_PER_PARTITION) this.producers.delete(this.producers.keys().next().value as bigint);
  }

  /**
   * Records a transaction marker: it carries no sequence, so the producer's sequences go on; a marker of a
   * newer epoch (written when the coordinator fenced the producer) starts that epoch, whose first batch must
   * then have sequence 0, as in Kafka's ProducerAppendInfo.
   */
  recordMarker(producerId: bigint, epoch: number, timestamp: bigint): void {
    const previous = this.producers.get(producerId);
    const entry = previous !== undefined && previous.epoch >= epoch ? previous : fresh(epoch, previous);
    entry.lastTimestamp = timestamp;
    entry.coordinatorEpoch = 0;
    this.touch(producerId, entry);
  }

  /** The last epoch seen of a producer, if the partition knows it. */
  epochOf(producerId: bigint): number | undefined {
    return this.producers.get(producerId)?.epoch;
  }

  /** Every producer the partition keeps state for (DescribeProducers' active producers). */
  summaries(): ProducerSummary[] {
    return [...this.producers].map(([producerId, { epoch, lastSequence, lastTimestamp, coordinatorEpoch }]) => ({ producerId, epoch, lastSequence, lastTimestamp, coordinatorEpoch }));
  }

  get size(): number {
    return this.producers.size;
  }
}

/**
 * Hands out producer ids for InitProducerId. With a data folder, the start of the current block of ids is
 * written (whole, then renamed) before any id of it is used, so no id is handed out twice across restarts.
 */
export class ProducerIdAllocator {
  private next = 0n;
  private blockEnd = 0n;
  private readonly path: string | undefined;

  constructor(dataDir: string | undefined) {
    this.path = dataDir === undefined ? undefined : join(dataDir, 'producer-ids.json');
    if (this.path !== undefined && existsSync(this.path)) {
      const { nextBlock } = JSON.parse(readFileSync(this.path, 'utf8')) as { nextBlock: string };
      this.next = BigInt(nextBlock);
      this.blockEnd = this.next;
    }
  }

  allocate(): bigint {
    if (this.next >= this.blockEnd) {
      this.blockEnd = this.next + BigInt(ID_BLOCK);
      if (this.path !== undefined) {
        replaceFile(this.path, JSON.stringify({ nextBlock: String(this.blockEnd) }));
      }
    }
    const id = this.next;
    this.next += 1n;
    return id;
  }
}
