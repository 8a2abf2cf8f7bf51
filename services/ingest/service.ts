import type { Registry } from 'prom-client';
import { setImmediate as setImmediatePromise, setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import type { Config } from '../../shared/config.js';
import { elasticsearchClient } from '../../shared/elasticsearch.js';
import { kafkaClient } from '../../shared/kafka.js';
import { applyIlm } from '../../shared/ilm/apply.js';
import { loadIlmFiles, withSettings, type IlmFiles } from '../../shared/ilm/files.js';
import type { Logger } from '../../shared/logging.js';
import type { Crs } from '../../pipelines/enrich/crs/ruleset.js';
import { createRedactor } from '../../pipelines/enrich/redact.js';
import { createEnrichers } from '../../pipelines/enrichers.js';
import { createPipeline } from '../../pipelines/pipeline.js';
import { DEFAULT_LIMITS } from '../../pipelines/types.js';
import { BulkIndexer, type OutcomeSink, type Ticket } from './bulk-indexer.js';
import { registerCodecs } from './codecs.js';
import { deadLetter, type DeadLetter, type DeadLetterStage } from './dead-letter.js';
import { startHealthServer, type Readiness } from '../health.js';
import { createIngestMetrics } from './metrics.js';
import { createLogMetrics, type Observation } from './log-metrics.js';
import { loadSloFile, type SloFile } from '../../shared/slo.js';
import { logCacheUse } from '../../shared/cache-use.js';
import { releaseStartupHeap, resumeOptimisingCompiler } from '../../shared/heap.js';
import { warmUp } from './warm-up.js';
import { checkAborted, portInUse, StartAborted, Started, StartupError, untilAborted } from '../startup.js';

const { Partitioners } = kafkajs;

/**
 * Kafka batches handled at once: at least the partitions of the default topics, so that one fetch is handled
 * in one round and its documents share bulk requests.
 */
const PARTITIONS_CONCURRENTLY = 16;

export interface IngestService {
  /** Where /metrics, /healthz and /readyz answer ('' for a member without a listener of its own). */
  readonly metricsUrl: string;
  /** Whether the worker is in its group and Elasticsearch answers, as /readyz tells it. */
  readiness(): Readiness;
  /** Its metrics, the ones derived from logs among them (the API of `sluice start` exports them too). */
  readonly registry: Registry;
  /** Settles when the worker stopped for good: after close(), or with the error when the consumer crashed beyond restart. */
  readonly stopped: Promise<Error | undefined>;
  /** Graceful stop: no more fetching, flush, commit, leave the group, within the shutdown deadline. */
  close(): Promise<void>;
}

type MessageOutcome = { kind: 'indexed' | 'duplicate' } | { kind: 'dead'; stage: DeadLetterStage; reason: string };

/** The document's `_id`: where its message is in Kafka, so a redelivery is a 409, never a second document. */
export function documentId(topic: string, partition: number, offset: string): string {
  return `${topic}:${partition}:${offset}`;
}

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

/**
 * The most one fetch asks for. A fetch is decoded and serialised whole before its first document is
 * acknowledged, so its bytes and its bulk bodies are all new memory at once. Measured on the benchmark's mix
 * (100 000 events, one member): fetches of 2-4 MB cost the worker 64-69 µs of CPU per event, 8-32 MB 70-79,
 * the difference mostly in writing bulk bodies into memory touched for the first time (page faults); the
 * round trips that smaller fetches add are waits, not CPU.
 */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;

/** The fetch size: an eighth of the memory bound (so that what one fetch turns into fits), 1 to 4 MB. */
export function fetchMaxBytes(maxInflightBytes: number): number {
  return Math.min(FETCH_MAX_BYTES, Math.max(1024 * 1024, Math.floor(maxInflightBytes / 8)));
}

/** Size in bytes of what Kafka delivered for a message (key and value). */
function messageBytes(message: KafkaMessage): number {
  return (message.value?.length ?? 0) + (message.key?.length ?? 0);
}

/**
 * Starts the ingest worker: one member of the consumer group `KAFKA_GROUP_ID`, moving messages through the
 * pipelines into Elasticsearch. Offsets are committed per Kafka batch, only up to the last message of an
 * unbroken run of messages that Elasticsearch acknowledged (created, or 409 already there) or that went to
 * the dead-letter topic.
 */
const backoff = (attempt: number): number => Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);

/** An answer Elasticsearch will give again however long one waits: a 4xx other than 408 and 429. */
function refusedForGood(error: unknown): string | undefined {
  const meta = (error as { meta?: { statusCode?: number; body?: { error?: { reason?: string } } } }).meta;
  const status = meta?.statusCode;
  if (status === undefined || status < 400 || status >= 500 || status === 408 || status === 429) return undefined;
  return meta?.body?.error?.reason ?? `status ${status}`;
}

/**
 * Installs ilm/ once Elasticsearch answers: retried while it is unreachable, given up at once when it
 * refuses the files (that will not change by waiting), and at Ctrl-C.
 */
async function applyIlmWhenReachable(es: ReturnType<typeof elasticsearchClient>, files: IlmFiles, logger: Logger, signal: AbortSignal | undefined): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    checkAborted(signal);
    try {
      const changes = await untilAborted(applyIlm(es, files), signal);
      logger.info({ created: changes.filter((change) => change.action === 'created').length, updated: changes.filter((change) => change.action === 'updated').length }, 'lifecycle policies and templates applied');
      return;
    } catch (error) {
      if (error instanceof StartAborted) throw error;
      const refusal = refusedForGood(error);
      if (refusal !== undefined) throw new StartupError(`Elasticsearch refused the lifecycle policies and templates of ilm/: ${refusal}`, 2);
      logger.warn({ err: error, attempt }, 'cannot apply lifecycle policies and templates yet; retrying');
      await sleep(backoff(attempt), undefined, { signal }).catch(() => undefined);
    }
  }
}

export interface StartOptions {
  /** Fired by Ctrl-C or SIGTERM: a start still waiting for Elasticsearch or Kafka gives up and cleans up. */
  signal?: AbortSignal;
  /** Serve /metrics, /healthz and /readyz on SLUICE_INGEST_METRICS_PORT. Default true. */
  healthServer?: boolean;
}

export async function startIngest(config: Config, logger: Logger, options: StartOptions = {}): Promise<IngestService> {
  registerCodecs();
  // The lifecycle files and their settings are read, and checked, before anything listens.
  const files = config.ingest.applyIlm ? withSettings(loadIlmFiles(), config.ilm) : undefined;
  // The SLO file too: the metrics derived from logs count each SLO's valid and good events.
  const slos = loadSloFile(config.sloFile);
  const started = new Started();
  return started.guard(() => runIngest(config, files, slos, logger, options.signal, started, options.healthServer ?? true));
}

async function runIngest(config: Config, files: IlmFiles | undefined, slos: SloFile, logger: Logger, signal: AbortSignal | undefined, started: Started, healthServer: boolean): Promise<IngestService> {
  const metrics = createIngestMetrics(config.kafka.topics);
  const logMetrics = createLogMetrics(metrics.registry, slos);
  const readiness = { kafka: false, elasticsearch: false };
  const describeReadiness = (): Readiness => ({
    ready: readiness.kafka && readiness.elasticsearch,
    details: { kafka: readiness.kafka ? 'connected' : 'not connected', elasticsearch: readiness.elasticsearch ? 'reachable' : 'unreachable' },
  });
  // A member of `sluice ingest` with several members has no listener: its supervisor serves for all.
  let metricsUrl = '';
  let closeHealth = async (): Promise<void> => undefined;
  if (healthServer) {
    const health = await startHealthServer(config.ingest.metrics.host, config.ingest.metrics.port, metrics.registry, describeReadiness).catch((error: unknown) => {
      throw portInUse(error, 'set SLUICE_INGEST_METRICS_PORT to a free port');
    });
    started.add(() => health.close());
    metricsUrl = health.url;
    closeHealth = () => health.close();
    logger.info({ metrics: health.url }, 'ingest metrics listening');
  }

  const es = elasticsearchClient(config);
  started.add(() => es.close());
  if (files !== undefined) await applyIlmWhenReachable(es, files, logger, signal);
  readiness.elasticsearch = true;

  const stageTimes = new Map<string, number>();
  const enrichment = await untilAborted(createEnrichers(config, signal), signal);
  // Loaded: from here on code runs per event (the warm-up's lines first), and is worth optimising.
  resumeOptimisingCompiler();
  if (config.ingest.warmUpEvents > 0) {
    const warm = warmUp(enrichment.enrichers, config.ingest.warmUpEvents);
    logger.info({ lines: warm.byTopic, documents: warm.documents, rejected: warm.rejected, ms: Math.round(warm.ms) }, 'pipeline warmed up');
  }
  releaseStartupHeap();
  started.add(async () => enrichment.close());
  if (enrichment.security !== undefined) logCrs(logger, enrichment.security.crs);
  logCacheUse(logger, 'IPv4 ASN ranges', enrichment.asnCache);
  logCacheUse(logger, 'CRS screen analyses', enrichment.security?.crs.analysisCache);
  const pipeline = createPipeline({ namespace: config.namespace, eventNamespaces: config.eventNamespaces, topicSources: config.kafka.topicSources, enrichers: enrichment.enrichers, stageTimes });
  const redact = createRedactor(config.redact).text;

  const indexer = new BulkIndexer(es, {
    ...config.ingest.bulk,
    maxInflightBytes: config.ingest.maxInflightBytes,
    logger,
    onRequest: (seconds, documents, bytes, answered) => {
      metrics.bulkSeconds.observe({ outcome: answered ? 'answered' : 'failed' }, seconds);
      metrics.bulkDocuments.observe(documents);
      metrics.bulkBytes.observe(bytes);
    },
    onRetry: (kind, topic, documents) => metrics.retried.inc({ topic, kind }, documents),
    onStall: (stalled) => {
      readiness.elasticsearch = !stalled;
      metrics.paused.set(stalled ? 1 : 0);
      if (stalled) logger.warn('Elasticsearch is not accepting bulk requests: consumption waits, nothing is committed until it does');
      else logger.info('Elasticsearch accepts bulk requests again');
    },
  });

  // Readiness while idle: a bulk request tells at once, a ping tells when there is nothing to send.
  const pinger = setInterval(() => {
    es.ping({}, { maxRetries: 0, requestTimeout: 2000 }).then(
      () => undefined,
      () => {
        readiness.elasticsearch = false;
      },
    );
  }, 5000);
  pinger.unref();
  started.add(async () => clearInterval(pinger));

  const kafka = kafkaClient(config, logger, 'sluice-ingest');
  const producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
  const heartbeatEveryMs = Math.max(100, Math.floor(config.ingest.sessionTimeoutMs / 10));
  const maxBytes = fetchMaxBytes(config.ingest.maxInflightBytes);
  const consumer = kafka.consumer({
    groupId: config.kafka.groupId,
    ...(config.kafka.groupInstanceId === undefined ? {} : { groupInstanceId: config.kafka.groupInstanceId }),
    sessionTimeout: config.ingest.sessionTimeoutMs,
    heartbeatInterval: heartbeatEveryMs,
    rebalanceTimeout: Math.max(60_000, config.ingest.shutdownTimeoutMs * 2),
    maxBytes,
    maxBytesPerPartition: maxBytes,
    // A fetch waits at most this long for data; a graceful stop waits for the fetch in progress.
    maxWaitTimeInMs: 1000,
  });

  let failure: Error | undefined;
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    readiness.kafka = true;
    // Only the partitions assigned now: a partition that moved to another member reports its lag there.
    metrics.lag.reset();
    logger.info({ memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'joined the consumer group');
  });
  consumer.on(consumer.events.REBALANCING, () => logger.info('consumer group is rebalancing'));
  consumer.on(consumer.events.CRASH, (event) => {
    readiness.kafka = false;
    logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
    if (!event.payload.restart) {
      failure = event.payload.error;
      void stop();
    }
  });
  consumer.on(consumer.events.DISCONNECT, () => {
    readiness.kafka = false;
  });

  // ---- memory bound: batches wait here while the bytes held for unacknowledged messages are at the bound ----
  let inflight = 0;
  const released: Array<() => void> = [];
  const hold = (bytes: number): void => {
    inflight += bytes;
    metrics.inflightBytes.set(inflight);
  };
  const release = (bytes: number): void => {
    inflight -= bytes;
    metrics.inflightBytes.set(inflight);
    for (const wake of released.splice(0)) wake();
  };

  /** Waits for `done`, heartbeating so the group keeps this member; a rebalance abandons the batch. */
  const waitAlive = async (done: Promise<unknown>, heartbeat: () => Promise<void>, ticket: Ticket): Promise<void> => {
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished && !ticket.abandoned) {
      // Unreferenced: a wait left behind by a finished batch must not keep a stopping process alive.
      await Promise.race([done, sleep(heartbeatEveryMs, undefined, { ref: false })]);
      if (finished || ticket.abandoned) return;
      try {
        await heartbeat();
      } catch (error) {
        // A rebalance (or a lost coordinator): the partitions may go to another member. What is not yet
        // acknowledged is abandoned uncommitted; the new owner gets it again, and a 409 keeps it single.
        ticket.abandoned = true;
        logger.warn({ err: error }, 'heartbeat refused: abandoning the batch in progress, uncommitted');
        throw unwrapGroupError(error);
      }
    }
  };

  const sendDeadLetters = async (letters: DeadLetter[], heartbeat: () => Promise<void>, ticket: Ticket): Promise<boolean> => {
    for (let attempt = 0; !ticket.abandoned; attempt += 1) {
      try {
        await producer.send({ topic: config.kafka.dlqTopic, acks: -1, messages: letters.map((letter) => ({ key: documentId(letter.topic, letter.partition, letter.offset), value: JSON.stringify(letter) })) });
        for (const letter of letters) metrics.deadLettered.inc({ topic: letter.topic, stage: letter.stage });
        return true;
      } catch (error) {
        logger.warn({ err: error, attempt, messages: letters.length }, 'cannot write to the dead-letter topic; retrying');
        await waitAlive(sleep(backoff(attempt)), heartbeat, ticket);
      }
    }
    return false;
  };

  /**
   * While a slice waits for the event loop to turn (and its request to be written), every batch waits: the
   * batches of a fetch are handled at once, and each going on with a slice of its own would make the whole fetch
   * before the loop turns.
   */
  let turning: Promise<void> | undefined;
  const nextTurn = (): Promise<void> =>
    (turning ??= setImmediatePromise().then(() => {
      turning = undefined;
    }));
  const handleBatch = async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> => {
    const { topic, partition, messages } = batch;
    if (messages.length === 0) return;
    const ticket: Ticket = { abandoned: false };
    shutdownTickets.add(ticket);
    const raw = messages.reduce((sum, message) => sum + messageBytes(message), 0);
    while (inflight > 0 && inflight + raw > config.ingest.maxInflightBytes && !ticket.abandoned) {
      metrics.paused.set(1);
      await waitAlive(new Promise<void>((resolve) => released.push(resolve)), heartbeat, ticket);
    }
    metrics.paused.set(readiness.elasticsearch ? 0 : 1);
    let held = raw;
    hold(raw);
    try {
      metrics.consumed.inc({ topic }, messages.length);
      const outcomes: Array<MessageOutcome | undefined> = new Array(messages.length);
      const observations: Array<Observation | undefined> = new Array(messages.length);
      // The batch waits for its documents through one sink; the count starts at one for the loop below, so
      // that a document abandoned at once cannot end the wait before the last one is added.
      let unsettled = 1;
      let allSettled: () => void = () => undefined;
      const settledAll = new Promise<void>((resolve) => (allSettled = resolve));
      const oneLess = () => {
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
        if (turning !== undefined) await turning;
        const message = messages[i] as KafkaMessage;
        const outcome = pipeline({ value: message.value ?? Buffer.alloc(0), topic, partition, offset: message.offset });
        if (!outcome.ok) {
          outcomes[i] = { kind: 'dead', stage: outcome.stage, reason: outcome.reason };
          continue;
        }
        const dataStream = outcome.document.data_stream as { type: string; dataset: string; namespace: string };
        // The metrics derived from logs count SLUICE_NAMESPACE only: demo traffic never reaches a real alert.
        if (dataStream.namespace === config.namespace) observations[i] = logMetrics.measure(outcome.document);
        const source = JSON.stringify(outcome.document);
        hold(source.length);
        held += source.length;
        unsettled += 1;
        // A request sent mid-fetch (a slice of a backlog: SLICE_BYTES in bulk-indexer.ts) is written while the next is made.
        if (indexer.add(`${dataStream.type}-${dataStream.dataset}-${dataStream.namespace}`, documentId(topic, partition, message.offset), source, ticket, topic, sink, i)) await nextTurn();
      }
      oneLess();
      for (const [stage, ms] of stageTimes) metrics.stageSeconds.inc({ stage }, ms / 1000);
      stageTimes.clear();
      indexer.flushSoon();
      await waitAlive(settledAll, heartbeat, ticket);

      // The unbroken run of settled messages from the start of the batch; after an abandon it may be shorter.
      let settled = 0;
      while (settled < messages.length && outcomes[settled] !== undefined) settled += 1;
      if (settled === 0) return;
      const letters: DeadLetter[] = [];
      const created: Observation[] = [];
      let indexed = 0;
      for (let i = 0; i < settled; i += 1) {
        const outcome = outcomes[i] as MessageOutcome;
        const message = messages[i] as KafkaMessage;
        if (outcome.kind === 'dead') letters.push(deadLetter({ ...message, topic, partition }, outcome.stage, outcome.reason, redact, DEFAULT_LIMITS.maxBytes));
        // Counted when Elasticsearch created the document: a redelivery (409) is not counted twice.
        else if (outcome.kind === 'indexed') {
          indexed += 1;
          const observation = observations[i];
          if (observation !== undefined) created.push(observation);
        }
      }
      // Counted once per batch: a labelled increment per message costs more than the loop around it.
      logMetrics.record(created);
      metrics.indexed.inc({ topic }, indexed);
      metrics.duplicates.inc({ topic }, settled - indexed - letters.length);
      if (letters.length > 0) {
        logger.warn({ topic, partition, count: letters.length, first: { offset: letters[0]?.offset, stage: letters[0]?.stage, reason: letters[0]?.reason } }, 'messages dead-lettered');
        if (!(await sendDeadLetters(letters, heartbeat, ticket))) return;
      }
      const last = (messages[settled - 1] as KafkaMessage).offset;
      try {
        // The batch's own commit: consumer.commitOffsets() silently does nothing once a stop has begun, and a
        // graceful stop is exactly when the batches in progress must still commit.
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }] });
      } catch (error) {
        // Not committed: the messages come again (to this member or another) and answer 409.
        logger.warn({ err: error, topic, partition, offset: last }, 'offset commit refused');
        throw unwrapGroupError(error);
      }
      resolveOffset(last);
      metrics.committed.inc({ topic }, settled);
      metrics.lag.set({ topic, partition: String(partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)));
    } finally {
      shutdownTickets.delete(ticket);
      release(held);
    }
  };

  /** Batches in progress: a shutdown past its deadline abandons them. */
  const shutdownTickets = new Set<Ticket>();

  started.add(async () => {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  });
  // Ctrl-C while kafkajs still retries its first connection ends the start at once; the cleanup disconnects.
  await untilAborted(producer.connect(), signal);
  await untilAborted(consumer.connect(), signal);
  await untilAborted(consumer.subscribe({ topics: config.kafka.topics, fromBeginning: true }), signal);
  await untilAborted(consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY, eachBatch: handleBatch }), signal);
  logger.info({ topics: config.kafka.topics, groupId: config.kafka.groupId, deadLetterTopic: config.kafka.dlqTopic }, 'ingest started');

  let resolveStopped: (failure: Error | undefined) => void = () => undefined;
  const stopped = new Promise<Error | undefined>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping_: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping_ ??= (async () => {
      logger.info({ deadlineMs: config.ingest.shutdownTimeoutMs }, 'stopping: finishing the batches in progress');
      // Past the deadline, what Elasticsearch has not acknowledged is abandoned uncommitted (and redelivered later).
      const deadline = setTimeout(() => {
        logger.warn({ batches: shutdownTickets.size }, 'shutdown deadline reached: abandoning unacknowledged messages, uncommitted');
        for (const ticket of shutdownTickets) ticket.abandoned = true;
        indexer.abandonAll();
      }, config.ingest.shutdownTimeoutMs);
      try {
        await consumer.disconnect();
        await producer.disconnect();
      } finally {
        clearTimeout(deadline);
        clearInterval(pinger);
        indexer.abandonAll();
        enrichment.close();
        await es.close();
        await closeHealth();
        logger.info('ingest stopped');
        resolveStopped(failure);
      }
    })();
    return stopping_;
  };

  return { metricsUrl, registry: metrics.registry, readiness: describeReadiness, stopped, close: stop };
}

/** What the security stage runs, and every CRS rule it cannot, by id: nothing is dropped silently. */
export function logCrs(logger: Logger, crs: Crs): void {
  const { paranoia, threshold, dir } = crs.options;
  logger.info({ crs: { version: crs.version, paranoia, threshold, dir, rules: crs.rules.filter((rule) => rule.id > 0).length, blind: crs.blind.length } }, 'OWASP CRS loaded');
  if (crs.unsupported.length > 0) logger.warn({ crs: { unsupported: crs.unsupported.map((rule) => ({ id: rule.id, reason: rule.reason })) } }, 'CRS rules that cannot run here');
}
