import { setImmediate as setImmediatePromise, setTimeout as sleep } from 'node:timers/promises';
import type { Batch, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import { backoffMs } from '../../shared/backoff.js';
import type { Logger } from '../../shared/logging.js';
import { DEFAULT_LIMITS, type Input, type Outcome } from '../../pipelines/types.js';
import type { BulkIndexer, OutcomeSink, Ticket } from './bulk-indexer.js';
import { deadLetter, type DeadLetter, type DeadLetterStage } from './dead-letter.js';
import type { LogMetrics, Observation } from './log-metrics.js';
import type { IngestMetrics } from './metrics.js';

/** The document's `_id`: where its message is in Kafka, so a redelivery is a 409, never a second document. */
export function documentId(topic: string, partition: number, offset: string): string {
  return `${topic}:${partition}:${offset}`;
}

/** The longest wait between two attempts at writing dead letters (and at installing ilm/, service.ts). */
export const MAX_RETRY_WAIT_MS = 5000;

/** Group errors after which kafkajs rejoins the group (a rebalance, a coordinator that forgot this member, …). */
const REJOIN_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/**
 * kafkajs rejoins the group only when such an error reaches it as itself; a commit wraps it in a
 * "non-retriable" error, which would crash the consumer for good (seen when the broker restarts).
 */
function unwrapGroupError(error: unknown): unknown {
  for (let cause: unknown = error; typeof cause === 'object' && cause !== null; cause = (cause as { cause?: unknown }).cause) {
    if (REJOIN_ERRORS.has(String((cause as { type?: unknown }).type))) return cause;
  }
  return error;
}

/** Size in bytes of what Kafka delivered for a message (key and value). */
function messageBytes(message: KafkaMessage): number {
  return (message.value?.length ?? 0) + (message.key?.length ?? 0);
}

type MessageOutcome = { kind: 'indexed' | 'duplicate' } | { kind: 'dead'; stage: DeadLetterStage; reason: string };

type Heartbeat = () => Promise<void>;

/** One Kafka batch in progress. */
interface BatchState {
  readonly ticket: Ticket;
  /** Bytes held against the memory bound: the messages, then their serialised documents. */
  held: number;
  /** Per message, once known: indexed, already there, or dead with the stage and reason. */
  readonly outcomes: Array<MessageOutcome | undefined>;
  /** Per message, what its document counts in the metrics derived from logs. */
  readonly observations: Array<Observation | undefined>;
}

export interface BatchHandlerOptions {
  pipeline: (input: Input) => Outcome;
  /** The pipeline's sampled stage times, counted into the metrics and cleared after each batch. */
  stageTimes: Map<string, number>;
  indexer: BulkIndexer;
  /** Writes the dead letters. */
  producer: Producer;
  metrics: IngestMetrics;
  logMetrics: LogMetrics;
  /** Masks secrets in a dead letter's original line. */
  redact: (text: string) => string;
  logger: Logger;
  /** SLUICE_NAMESPACE: only its documents count in the metrics derived from logs. */
  namespace: string;
  dlqTopic: string;
  maxInflightBytes: number;
  heartbeatEveryMs: number;
  /** Whether Elasticsearch accepts bulk requests, for the paused gauge. */
  elasticsearchReady: () => boolean;
}

/**
 * kafkajs's `eachBatch` for the ingest worker: messages through the pipeline into the bulk indexer, then the
 * offsets committed only up to the last message of an unbroken run that Elasticsearch acknowledged (created,
 * or 409 already there) or that went to the dead-letter topic. The batches of a fetch are handled at once,
 * under one bound on the memory held for messages not yet acknowledged.
 */
export class BatchHandler {
  private inflight = 0;
  /** Batches waiting for the memory bound, woken by every release. */
  private released: Array<() => void> = [];
  /** The event loop's next turn, while a slice waits for it (see `nextTurn`). */
  private turning: Promise<void> | undefined;
  /** Batches in progress: a shutdown past its deadline abandons them. */
  private readonly tickets = new Set<Ticket>();

  constructor(private readonly options: BatchHandlerOptions) {}

  /** Batches in progress. */
  get inProgress(): number {
    return this.tickets.size;
  }

  /** Abandons the batches in progress: what is not acknowledged stays uncommitted, and comes again. */
  abandonAll(): void {
    for (const ticket of this.tickets) ticket.abandoned = true;
  }

  readonly handle = async (payload: EachBatchPayload): Promise<void> => {
    const { messages, topic } = payload.batch;
    if (messages.length === 0) return;
    const state: BatchState = { ticket: { abandoned: false }, held: 0, outcomes: new Array(messages.length), observations: new Array(messages.length) };
    this.tickets.add(state.ticket);
    try {
      await this.admit(messages, payload.heartbeat, state);
      this.options.metrics.consumed.inc({ topic }, messages.length);
      await this.indexAll(payload.batch, payload.heartbeat, state);
      await this.commit(payload, state);
    } finally {
      this.tickets.delete(state.ticket);
      this.release(state.held);
    }
  };

  /** Waits while the batch's messages would take the memory held past its bound, then holds them. */
  private async admit(messages: KafkaMessage[], heartbeat: Heartbeat, state: BatchState): Promise<void> {
    const { metrics, maxInflightBytes, elasticsearchReady } = this.options;
    const raw = messages.reduce((sum, message) => sum + messageBytes(message), 0);
    while (this.inflight > 0 && this.inflight + raw > maxInflightBytes && !state.ticket.abandoned) {
      metrics.paused.set(1);
      await this.waitAlive(new Promise<void>((resolve) => this.released.push(resolve)), heartbeat, state.ticket);
    }
    metrics.paused.set(elasticsearchReady() ? 0 : 1);
    this.hold(raw, state);
  }

  private hold(bytes: number, state: BatchState): void {
    state.held += bytes;
    this.inflight += bytes;
    this.options.metrics.inflightBytes.set(this.inflight);
  }

  private release(bytes: number): void {
    this.inflight -= bytes;
    this.options.metrics.inflightBytes.set(this.inflight);
    const waiting = this.released;
    this.released = [];
    for (const wake of waiting) wake();
  }

  /** Every message through the pipeline and into the bulk indexer; returns once Elasticsearch answered for all. */
  private async indexAll(batch: Batch, heartbeat: Heartbeat, state: BatchState): Promise<void> {
    const { pipeline, indexer, logMetrics, namespace, metrics, stageTimes } = this.options;
    const { topic, partition, messages } = batch;
    const { ticket, outcomes, observations } = state;
    // The batch waits for its documents through one sink; the count starts at one for the loop below, so
    // that a document abandoned at once cannot end the wait before the last one is added.
    let unsettled = 1;
    let allSettled: () => void = () => undefined;
    const settledAll = new Promise<void>((resolve) => (allSettled = resolve));
    const oneLess = (): void => {
      unsettled -= 1;
      if (unsettled === 0) allSettled();
    };
    const sink: OutcomeSink = {
      settle(slot, result) {
        outcomes[slot] = result.result === 'failed' ? { kind: 'dead', stage: 'index', reason: result.reason } : { kind: result.result };
        if (result.result !== 'failed') metrics.latency.observe(Math.max(0, Date.now() - Number((messages[slot] as KafkaMessage).timestamp)) / 1000);
        oneLess();
      },
      abandon: oneLess,
    };
    for (let i = 0; i < messages.length && !ticket.abandoned; i += 1) {
      if (this.turning !== undefined) await this.turning;
      const message = messages[i] as KafkaMessage;
      const outcome = pipeline({ value: message.value ?? Buffer.alloc(0), topic, partition, offset: message.offset });
      if (!outcome.ok) {
        outcomes[i] = { kind: 'dead', stage: outcome.stage, reason: outcome.reason };
        continue;
      }
      const dataStream = outcome.document.data_stream as { type: string; dataset: string; namespace: string };
      // The metrics derived from logs count SLUICE_NAMESPACE only: demo traffic never reaches a real alert.
      if (dataStream.namespace === namespace) observations[i] = logMetrics.measure(outcome.document);
      const source = JSON.stringify(outcome.document);
      this.hold(source.length, state);
      unsettled += 1;
      // A request sent mid-fetch (a slice of a backlog: SLICE_BYTES in bulk-indexer.ts) is written while the next is made.
      if (indexer.add(`${dataStream.type}-${dataStream.dataset}-${dataStream.namespace}`, documentId(topic, partition, message.offset), source, ticket, topic, sink, i)) await this.nextTurn();
    }
    oneLess();
    for (const [stage, ms] of stageTimes) metrics.stageSeconds.inc({ stage }, ms / 1000);
    stageTimes.clear();
    indexer.flushSoon();
    await this.waitAlive(settledAll, heartbeat, ticket);
  }

  /**
   * While a slice waits for the event loop to turn (and its request to be written), every batch waits: the
   * batches of a fetch are handled at once, and each going on with a slice of its own would make the whole fetch
   * before the loop turns.
   */
  private nextTurn(): Promise<void> {
    return (this.turning ??= setImmediatePromise().then(() => {
      this.turning = undefined;
    }));
  }

  /** Counts the settled run of messages, dead-letters what failed, and commits past the run's last message. */
  private async commit({ batch, heartbeat, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload, state: BatchState): Promise<void> {
    const { metrics, logMetrics, logger } = this.options;
    const { topic, partition, messages } = batch;
    // The unbroken run of settled messages from the start of the batch; after an abandon it may be shorter.
    let settled = 0;
    while (settled < messages.length && state.outcomes[settled] !== undefined) settled += 1;
    if (settled === 0) return;
    const { letters, created, indexed } = this.sortOutcomes(batch, settled, state);
    // Counted once per batch: a labelled increment per message costs more than the loop around it.
    logMetrics.record(created);
    metrics.indexed.inc({ topic }, indexed);
    metrics.duplicates.inc({ topic }, settled - indexed - letters.length);
    if (letters.length > 0) {
      logger.warn({ topic, partition, count: letters.length, first: { offset: letters[0]?.offset, stage: letters[0]?.stage, reason: letters[0]?.reason } }, 'messages dead-lettered');
      if (!(await this.sendDeadLetters(letters, heartbeat, state.ticket))) return;
    }
    const last = (messages[settled - 1] as KafkaMessage).offset;
    // A whole batch is committed past what kafkajs filtered out after its last message (a transaction's commit
    // marker, aborted records), as kafkajs's position moves past them when that message is resolved.
    const through = settled === messages.length ? batch.lastOffset() : last;
    try {
      // The batch's own commit: consumer.commitOffsets() silently does nothing once a stop has begun, and a
      // graceful stop is exactly when the batches in progress must still commit.
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(through) + 1n).toString() }] }] });
    } catch (error) {
      // Not committed: the messages come again (to this member or another) and answer 409.
      logger.warn({ err: error, topic, partition, offset: last }, 'offset commit refused');
      throw unwrapGroupError(error);
    }
    resolveOffset(last);
    metrics.committed.inc({ topic }, settled);
  }

  /**
   * The first `settled` messages' dead letters, and the documents Elasticsearch created: how many, and what
   * those in SLUICE_NAMESPACE count in the metrics derived from logs (a redelivery, 409, is not counted twice).
   */
  private sortOutcomes(batch: Batch, settled: number, state: BatchState): { letters: DeadLetter[]; created: Observation[]; indexed: number } {
    const { topic, partition, messages } = batch;
    const letters: DeadLetter[] = [];
    const created: Observation[] = [];
    let indexed = 0;
    for (let i = 0; i < settled; i += 1) {
      const outcome = state.outcomes[i] as MessageOutcome;
      if (outcome.kind === 'dead') letters.push(deadLetter({ ...(messages[i] as KafkaMessage), topic, partition }, outcome.stage, outcome.reason, this.options.redact, DEFAULT_LIMITS.maxBytes));
      else if (outcome.kind === 'indexed') {
        indexed += 1;
        const observation = state.observations[i];
        if (observation !== undefined) created.push(observation);
      }
    }
    return { letters, created, indexed };
  }

  /** Waits for `done`, heartbeating so the group keeps this member; a rebalance abandons the batch. */
  private async waitAlive(done: Promise<unknown>, heartbeat: Heartbeat, ticket: Ticket): Promise<void> {
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished && !ticket.abandoned) {
      // Unreferenced: a wait left behind by a finished batch must not keep a stopping process alive.
      await Promise.race([done, sleep(this.options.heartbeatEveryMs, undefined, { ref: false })]);
      if (finished || ticket.abandoned) return;
      try {
        await heartbeat();
      } catch (error) {
        // A rebalance (or a lost coordinator): the partitions may go to another member. What is not yet
        // acknowledged is abandoned uncommitted; the new owner gets it again, and a 409 keeps it single.
        ticket.abandoned = true;
        this.options.logger.warn({ err: error }, 'heartbeat refused: abandoning the batch in progress, uncommitted');
        throw unwrapGroupError(error);
      }
    }
  }

  /** Writes the dead letters, retried until they are acknowledged or the batch is abandoned (then false). */
  private async sendDeadLetters(letters: DeadLetter[], heartbeat: Heartbeat, ticket: Ticket): Promise<boolean> {
    const { producer, dlqTopic, metrics, logger } = this.options;
    for (let attempt = 0; !ticket.abandoned; attempt += 1) {
      try {
        await producer.send({ topic: dlqTopic, acks: -1, messages: letters.map((letter) => ({ key: documentId(letter.topic, letter.partition, letter.offset), value: JSON.stringify(letter) })) });
        for (const letter of letters) metrics.deadLettered.inc({ topic: letter.topic, stage: letter.stage });
        return true;
      } catch (error) {
        logger.warn({ err: error, attempt, messages: letters.length }, 'cannot write to the dead-letter topic; retrying');
        await this.waitAlive(sleep(backoffMs(attempt, MAX_RETRY_WAIT_MS)), heartbeat, ticket);
      }
    }
    return false;
  }
}
