import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { partitionKey, type CommittedOffset, type GroupCoordinator } from './groups.js';
import type { ProducerIdAllocator } from './producers.js';
import { ErrorCode } from './protocol/errors.js';
import { ControlType } from './protocol/record-batch.js';
import type { TopicStore } from './topics.js';
import { replaceFile } from '../../shared/replace-file.js';

/** Kafka's transaction.max.timeout.ms default: a producer may not ask for a longer transaction. */
const MAX_TRANSACTION_TIMEOUT_MS = 900_000;
/** Transactional ids kept; the least recently used idle one is forgotten first (Kafka expires them after 7 days). */
const MAX_TRANSACTIONAL_IDS = 10_000;
/** An epoch this high gets a new producer id instead of a bump, as Kafka's coordinator does near Short.MaxValue. */
const LAST_EPOCH = 32_766;

type State = 'Empty' | 'Ongoing' | 'CompleteCommit' | 'CompleteAbort';

interface PendingOffset {
  groupId: string;
  topic: string;
  partition: number;
  value: CommittedOffset;
}

interface Transaction {
  producerId: bigint;
  epoch: number;
  timeoutMs: number;
  state: State;
  /** Topic-partitions added (AddPartitionsToTxn), keyed `topic\0partition`. */
  partitions: Map<string, { topic: string; partition: number }>;
  /** Groups added (AddOffsetsToTxn), and the offsets committed in the transaction, applied on commit. */
  groups: Set<string>;
  pendingOffsets: PendingOffset[];
  timer: NodeJS.Timeout | undefined;
  /** When its last transaction began (-1: none yet), as DescribeTransactions reports it. */
  startedAt: number;
}

/** A transactional id as ListTransactions and DescribeTransactions report it. */
interface TransactionSummary {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  state: State;
  timeoutMs: number;
  startedAt: number;
  partitions: Array<{ topic: string; partition: number }>;
}

/** The states ListTransactions may filter on: Kafka's TransactionState names. */
export const TRANSACTION_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export interface TransactionOptions {
  dataDir: string | undefined;
  topics: TopicStore;
  groups: GroupCoordinator;
  producerIds: ProducerIdAllocator;
  /** Told when a transaction is aborted because it outlived its timeout. */
  onExpired: (transactionalId: string) => void;
}

/** What a transactional request presents: its id, and the producer id and epoch InitProducerId gave it. */
export interface TransactionalProducer {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
}

/** The error for a fenced producer: PRODUCER_FENCED from the versions that know it (KIP-588), else INVALID_PRODUCER_EPOCH. */
function fencedError(version: number, fencedFrom: number): ErrorCode {
  return version >= fencedFrom ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
}

/**
 * Kafka's transaction coordinator for one broker: transactional ids to producer ids and epochs, the partitions
 * and groups of each open transaction, and the markers that end it. Transactions end synchronously (the markers
 * are written before EndTxn is answered), so the Prepare states of Kafka's coordinator never show. The ids,
 * producer ids and epochs are kept in `transactions.json`; a transaction open when the broker stopped is
 * aborted when it starts again, its producer fenced.
 */
export class TransactionCoordinator {
  private readonly transactions = new Map<string, Transaction>();
  private readonly byProducerId = new Map<bigint, string>();
  private readonly path: string | undefined;

  constructor(private readonly options: TransactionOptions) {
    this.path = options.dataDir === undefined ? undefined : join(options.dataDir, 'transactions.json');
    if (this.path !== undefined && existsSync(this.path)) this.load(this.path);
    this.abortLeftOpen();
  }

  private load(path: string): void {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { producerId: string; epoch: number; timeoutMs: number }>;
    for (const [id, { producerId, epoch, timeoutMs }] of Object.entries(saved)) {
      this.transactions.set(id, this.fresh(BigInt(producerId), epoch, timeoutMs));
      this.byProducerId.set(BigInt(producerId), id);
    }
  }

  private save(): void {
    if (this.path === undefined) return;
    const saved = Object.fromEntries([...this.transactions].map(([id, txn]) => [id, { producerId: String(txn.producerId), epoch: txn.epoch, timeoutMs: txn.timeoutMs }]));
    replaceFile(this.path, JSON.stringify(saved));
  }

  private fresh(producerId: bigint, epoch: number, timeoutMs: number): Transaction {
    return { producerId, epoch, timeoutMs, state: 'Empty', partitions: new Map(), groups: new Set(), pendingOffsets: [], timer: undefined, startedAt: -1 };
  }

  /** Transactions the log shows open after a restart are aborted and their producers fenced (a new epoch). */
  private abortLeftOpen(): void {
    const fenced = new Map<bigint, number>();
    for (const log of this.options.topics.logs()) {
      for (const { producerId, epoch } of log.openTransactionProducers()) {
        const id = this.byProducerId.get(producerId);
        const txn = id === undefined ? undefined : this.transactions.get(id);
        const next = fenced.get(producerId) ?? Math.max(epoch, txn?.epoch ?? 0) + 1;
        fenced.set(producerId, next);
        log.appendMarker(ControlType.ABORT, producerId, next);
        if (txn !== undefined) txn.epoch = next;
      }
    }
    if (fenced.size > 0) this.save();
  }

  /**
   * InitProducerId with a transactional id: a new id at epoch 0, or the same id at the next epoch, which fences
   * every older instance of the producer; a transaction the older one left open is aborted first. From v3 a
   * producer may present the id and epoch it had, and is fenced when they are not the current ones (KIP-360).
   */
  initProducerId(transactionalId: string, timeoutMs: number, expected: { producerId: bigint; epoch: number }, version: number): { errorCode: ErrorCode; producerId: bigint; producerEpoch: number } {
    const refused = (errorCode: ErrorCode) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (transactionalId === '') return refused(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > MAX_TRANSACTION_TIMEOUT_MS) return refused(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    let txn = this.transactions.get(transactionalId);
    if (txn !== undefined && expected.producerId >= 0n && (expected.producerId !== txn.producerId || expected.epoch !== txn.epoch)) {
      return refused(fencedError(version, 4));
    }
    if (txn === undefined) {
      this.evictIdle();
      txn = this.fresh(this.options.producerIds.allocate(), 0, timeoutMs);
      this.transactions.set(transactionalId, txn);
    } else {
      if (txn.state === 'Ongoing') this.complete(txn, ControlType.ABORT, txn.epoch + 1);
      this.transactions.delete(transactionalId); // re-inserted: the map's order is least recently used first
      this.transactions.set(transactionalId, txn);
      this.byProducerId.delete(txn.producerId);
      if (txn.epoch >= LAST_EPOCH) Object.assign(txn, { producerId: this.options.producerIds.allocate(), epoch: 0 });
      else txn.epoch += 1;
      txn.timeoutMs = timeoutMs;
      txn.state = 'Empty';
    }
    this.byProducerId.set(txn.producerId, transactionalId);
    this.save();
    return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.epoch };
  }

  private evictIdle(): void {
    if (this.transactions.size < MAX_TRANSACTIONAL_IDS) return;
    for (const [id, txn] of this.transactions) {
      if (txn.state === 'Ongoing') continue;
      this.transactions.delete(id);
      this.byProducerId.delete(txn.producerId);
      return;
    }
  }

  /** The transaction a request names, or the error Kafka's coordinator gives for it. */
  private current(producer: TransactionalProducer, version: number): Transaction | ErrorCode {
    const txn = this.transactions.get(producer.transactionalId);
    if (txn === undefined || txn.producerId !== producer.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.epoch !== producer.producerEpoch) return fencedError(version, 2);
    return txn;
  }

  private begin(txn: Transaction, transactionalId: string): void {
    if (txn.state === 'Ongoing') return;
    txn.state = 'Ongoing';
    txn.startedAt = Date.now();
    txn.timer = setTimeout(() => {
      // Kafka's coordinator aborts a transaction that outlived its timeout and fences its producer.
      if (txn.state !== 'Ongoing') return;
      this.complete(txn, ControlType.ABORT, txn.epoch + 1);
      txn.epoch += 1;
      this.save();
      this.options.onExpired(transactionalId);
    }, txn.timeoutMs);
    txn.timer.unref();
  }

  /** AddPartitionsToTxn: an unknown partition fails the request, the others are OPERATION_NOT_ATTEMPTED. */
  addPartitions(producer: TransactionalProducer, partitions: Array<{ topic: string; partition: number }>, version: number): ErrorCode[] {
    const txn = this.current(producer, version);
    if (typeof txn === 'number') return partitions.map(() => txn);
    const unknown = partitions.map(({ topic, partition }) => this.options.topics.partition(topic, partition) === undefined);
    if (unknown.some(Boolean)) return unknown.map((missing) => (missing ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
    for (const { topic, partition } of partitions) txn.partitions.set(partitionKey(topic, partition), { topic, partition });
    this.begin(txn, producer.transactionalId);
    return partitions.map(() => ErrorCode.NONE);
  }

  /** AddOffsetsToTxn: the group's offsets committed in the transaction (TxnOffsetCommit) take effect with it. */
  addOffsets(producer: TransactionalProducer, groupId: string, version: number): ErrorCode {
    const txn = this.current(producer, version);
    if (typeof txn === 'number') return txn;
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    txn.groups.add(groupId);
    this.begin(txn, producer.transactionalId);
    return ErrorCode.NONE;
  }

  /** TxnOffsetCommit: kept with the transaction until it ends; visible (OffsetFetch) only once committed. */
  commitOffset(producer: TransactionalProducer, groupId: string, topic: string, partition: number, value: CommittedOffset): ErrorCode {
    // TxnOffsetCommit has no version that knows PRODUCER_FENCED: a stale epoch is INVALID_PRODUCER_EPOCH.
    const txn = this.current(producer, 0);
    if (typeof txn === 'number') return txn;
    if (txn.state !== 'Ongoing' || !txn.groups.has(groupId)) return ErrorCode.INVALID_TXN_STATE;
    txn.pendingOffsets.push({ groupId, topic, partition, value });
    return ErrorCode.NONE;
  }

  /** Whether an open transaction has committed an offset of this group's partition (OffsetFetch's require_stable). */
  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    for (const txn of this.transactions.values()) {
      if (txn.pendingOffsets.some((pending) => pending.groupId === groupId && pending.topic === topic && pending.partition === partition)) return true;
    }
    return false;
  }

  /** EndTxn: markers on every partition of the transaction; a commit also applies its offsets. A retried end is NONE. */
  end(producer: TransactionalProducer, commit: boolean, version: number): ErrorCode {
    const txn = this.current(producer, version);
    if (typeof txn === 'number') return txn;
    if (txn.state === (commit ? 'CompleteCommit' : 'CompleteAbort')) return ErrorCode.NONE;
    if (txn.state !== 'Ongoing') return ErrorCode.INVALID_TXN_STATE;
    this.complete(txn, commit ? ControlType.COMMIT : ControlType.ABORT, txn.epoch);
    return ErrorCode.NONE;
  }

  private complete(txn: Transaction, type: ControlType, markerEpoch: number): void {
    clearTimeout(txn.timer);
    for (const { topic, partition } of txn.partitions.values()) this.options.topics.partition(topic, partition)?.appendMarker(type, txn.producerId, markerEpoch);
    if (type === ControlType.COMMIT) {
      for (const groupId of new Set(txn.pendingOffsets.map((pending) => pending.groupId))) {
        this.options.groups.commit(groupId, txn.pendingOffsets.filter((pending) => pending.groupId === groupId));
      }
    }
    txn.partitions.clear();
    txn.groups.clear();
    txn.pendingOffsets = [];
    txn.state = type === ControlType.COMMIT ? 'CompleteCommit' : 'CompleteAbort';
    this.options.topics.notifyAppend();
  }

  /**
   * Whether a transactional batch may be appended: its producer is the current one of its transactional id,
   * and the partition was added to its open transaction (Kafka's verification since 3.6, KIP-890).
   */
  checkProduce(producerId: bigint, epoch: number, topic: string, partition: number): { errorCode: ErrorCode; message: string } | undefined {
    const id = this.byProducerId.get(producerId);
    const txn = id === undefined ? undefined : this.transactions.get(id);
    if (txn === undefined) return { errorCode: ErrorCode.INVALID_TXN_STATE, message: `Producer ${producerId} has no transactional id at this coordinator.` };
    if (epoch < txn.epoch) return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `Epoch of producer ${producerId} is ${epoch}, which is smaller than the last seen epoch ${txn.epoch}` };
    if (epoch > txn.epoch || txn.state !== 'Ongoing' || !txn.partitions.has(partitionKey(topic, partition))) {
      return { errorCode: ErrorCode.INVALID_TXN_STATE, message: `The partition ${topic}-${partition} was not added to an ongoing transaction of producer ${producerId} (AddPartitionsToTxn).` };
    }
    return undefined;
  }

  /**
   * ListTransactions: every transactional id, or those in the given states, of the given producer ids, or running
   * longer than `longerThanMs` (≥ 0), as Kafka's TransactionStateManager.listTransactionStates filters them.
   */
  list(states: string[], producerIds: bigint[], longerThanMs: number): TransactionSummary[] {
    const now = Date.now();
    return [...this.transactions.keys()]
      .map((id) => this.summary(id) as TransactionSummary)
      .filter((txn) => states.length === 0 || states.includes(txn.state))
      .filter((txn) => producerIds.length === 0 || producerIds.includes(txn.producerId))
      .filter((txn) => longerThanMs < 0 || now - txn.startedAt > longerThanMs);
  }

  /** A transactional id's state, or undefined when the coordinator does not know it. */
  summary(transactionalId: string): TransactionSummary | undefined {
    const txn = this.transactions.get(transactionalId);
    if (txn === undefined) return undefined;
    const { producerId, epoch, state, timeoutMs, startedAt } = txn;
    return { transactionalId, producerId, producerEpoch: epoch, state, timeoutMs, startedAt, partitions: [...txn.partitions.values()] };
  }

  close(): void {
    for (const txn of this.transactions.values()) clearTimeout(txn.timer);
  }
}
