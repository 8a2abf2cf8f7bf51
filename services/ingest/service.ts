import type { Registry } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Consumer, type Producer } from 'kafkajs';
import type { Config } from '../../shared/config.js';
import { elasticsearchClient } from '../../shared/elasticsearch.js';
import { credentialSettings, credentialsRefusal } from '../../shared/elasticsearch-errors.js';
import { kafkaClient } from '../../shared/kafka.js';
import { applyIlm } from '../../shared/ilm/apply.js';
import { loadIlmFiles, withSettings, type IlmFiles } from '../../shared/ilm/files.js';
import type { Logger } from '../../shared/logging.js';
import type { Crs } from '../../pipelines/enrich/crs/ruleset.js';
import { createRedactor } from '../../pipelines/enrich/redact.js';
import { createEnrichers } from '../../pipelines/enrichers.js';
import { createPipeline } from '../../pipelines/pipeline.js';
import { BatchHandler, MAX_RETRY_WAIT_MS } from './batches.js';
import { backoffMs } from '../../shared/backoff.js';
import { BulkIndexer } from './bulk-indexer.js';
import { registerCodecs } from './codecs.js';
import { startHealthServer, type Readiness } from '../health.js';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { AssignedLag } from './lag.js';
import { createLogMetrics } from './log-metrics.js';
import { loadSloFile, type SloFile } from '../../shared/slo.js';
import { logCacheUse } from '../../shared/cache-use.js';
import { releaseStartupHeap, resumeOptimisingCompiler } from '../../shared/heap.js';
import { SHUTDOWN_GRACE_MS, within } from './shutdown.js';
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
async function applyIlmWhenReachable(es: ReturnType<typeof elasticsearchClient>, files: IlmFiles, config: Config, logger: Logger, signal: AbortSignal | undefined): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    checkAborted(signal);
    try {
      const changes = await untilAborted(applyIlm(es, files), signal);
      logger.info({ created: changes.filter((change) => change.action === 'created').length, updated: changes.filter((change) => change.action === 'updated').length }, 'lifecycle policies and templates applied');
      return;
    } catch (error) {
      if (error instanceof StartAborted) throw error;
      const credentials = credentialsRefusal(error);
      if (credentials !== undefined) throw new StartupError(`Elasticsearch refused the credentials (${credentialSettings(config)}): ${credentials}`, 2);
      const refusal = refusedForGood(error);
      if (refusal !== undefined) throw new StartupError(`Elasticsearch refused the lifecycle policies and templates of ilm/: ${refusal}`, 2);
      logger.warn({ err: error, attempt }, 'cannot apply lifecycle policies and templates yet; retrying');
      await sleep(backoffMs(attempt, MAX_RETRY_WAIT_MS), undefined, { signal }).catch(() => undefined);
    }
  }
}

export interface StartOptions {
  /** Fired by Ctrl-C or SIGTERM: a start still waiting for Elasticsearch or Kafka gives up and cleans up. */
  signal?: AbortSignal;
  /** Serve /metrics, /healthz and /readyz on SLUICE_INGEST_METRICS_PORT. Default true. */
  healthServer?: boolean;
}

/**
 * Starts the ingest worker: one member of the consumer group `KAFKA_GROUP_ID`, moving messages through the
 * pipelines into Elasticsearch. Offsets are committed per Kafka batch, only up to the last message of an
 * unbroken run of messages that Elasticsearch acknowledged (created, or 409 already there) or that went to
 * the dead-letter topic (batches.ts).
 */
export async function startIngest(config: Config, logger: Logger, options: StartOptions = {}): Promise<IngestService> {
  registerCodecs();
  // The lifecycle files and their settings are read, and checked, before anything listens.
  const files = config.ingest.applyIlm ? withSettings(loadIlmFiles(), config.ilm) : undefined;
  // The SLO file too: the metrics derived from logs count each SLO's valid and good events.
  const slos = loadSloFile(config.sloFile);
  const started = new Started();
  return started.guard(() => runIngest(config, files, slos, logger, options.signal, started, options.healthServer ?? true));
}

/** Whether the worker is in its group and Elasticsearch answers: what /readyz tells. */
interface ReadinessState {
  kafka: boolean;
  elasticsearch: boolean;
}

async function runIngest(config: Config, files: IlmFiles | undefined, slos: SloFile, logger: Logger, signal: AbortSignal | undefined, started: Started, healthServer: boolean): Promise<IngestService> {
  const metrics = createIngestMetrics(config.kafka.topics);
  // Registered before /metrics listens: each family (each SLO's counts among them) is there, at zero, from the first scrape.
  const logMetrics = createLogMetrics(metrics.registry, slos);
  const readiness: ReadinessState = { kafka: false, elasticsearch: false };
  const describeReadiness = (): Readiness => ({
    ready: readiness.kafka && readiness.elasticsearch,
    details: { kafka: readiness.kafka ? 'connected' : 'not connected', elasticsearch: readiness.elasticsearch ? 'reachable' : 'unreachable' },
  });
  // A member of `sluice ingest` with several members has no listener: its supervisor serves for all.
  const health = healthServer ? await startHealth(config, metrics.registry, describeReadiness, started, logger) : { url: '', close: async (): Promise<void> => undefined };

  const es = elasticsearchClient(config);
  started.add(() => es.close());
  if (files !== undefined) await applyIlmWhenReachable(es, files, config, logger, signal);
  readiness.elasticsearch = true;
  const { enrichment, pipeline, stageTimes } = await loadPipeline(config, logger, signal, started);
  const indexer = createIndexer(es, config, metrics, readiness, logger);
  const pinger = pingWhileIdle(es, readiness);
  started.add(async () => clearInterval(pinger));

  const kafka = kafkaClient(config, logger, 'sluice-ingest');
  const producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
  const heartbeatEveryMs = Math.max(100, Math.floor(config.ingest.sessionTimeoutMs / 10));
  const consumer = createConsumer(kafka, config, heartbeatEveryMs);
  const batches = new BatchHandler({
    pipeline,
    stageTimes,
    indexer,
    producer,
    metrics,
    logMetrics,
    redact: createRedactor(config.redact).text,
    logger,
    namespace: config.namespace,
    dlqTopic: config.kafka.dlqTopic,
    maxInflightBytes: config.ingest.maxInflightBytes,
    heartbeatEveryMs,
    elasticsearchReady: () => readiness.elasticsearch,
  });
  // read_uncommitted, as Java's admin client and kafka-consumer-groups.sh read a partition's end: records behind
  // an open transaction count as lag (patches/kafkajs+2.2.4.patch gives kafkajs's admin the option).
  const lag = new AssignedLag(kafka.admin({ readUncommitted: true }), config.kafka.groupId, metrics.lag, logger);
  metrics.readLagFrom(lag);
  started.add(() => lag.close());
  const worker = workerStop({ consumer, producer, lag, batches, indexer, enrichment, es, health, pinger }, config, logger);
  watchConsumer(consumer, readiness, lag, logger, (error) => void worker.stop(error));
  commitPastFilteredBatches(consumer, logger);

  started.add(async () => {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  });
  // Ctrl-C while kafkajs still retries its first connection ends the start at once; the cleanup disconnects.
  await untilAborted(producer.connect(), signal);
  await untilAborted(consumer.connect(), signal);
  await untilAborted(consumer.subscribe({ topics: config.kafka.topics, fromBeginning: true }), signal);
  await untilAborted(consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY, eachBatch: batches.handle }), signal);
  logger.info({ topics: config.kafka.topics, groupId: config.kafka.groupId, deadLetterTopic: config.kafka.dlqTopic }, 'ingest started');

  return { metricsUrl: health.url, registry: metrics.registry, readiness: describeReadiness, stopped: worker.stopped, close: () => worker.stop() };
}

/** What a worker's stop releases. */
interface WorkerParts {
  consumer: Consumer;
  producer: Producer;
  lag: AssignedLag;
  batches: BatchHandler;
  indexer: BulkIndexer;
  enrichment: { close(): void };
  es: ReturnType<typeof elasticsearchClient>;
  health: { close(): Promise<void> };
  pinger: NodeJS.Timeout;
}

/**
 * The worker's stop, once whoever asks (close(), or the consumer's crash with its error): the batches in progress
 * finished within the shutdown deadline, then what is unacknowledged abandoned uncommitted, the group left and
 * everything closed; `stopped` settles after it.
 */
function workerStop(parts: WorkerParts, config: Config, logger: Logger): { stop(failure?: Error): Promise<void>; stopped: Promise<Error | undefined> } {
  const { consumer, producer, lag, batches, indexer, enrichment, es, health, pinger } = parts;
  let resolveStopped: (failure: Error | undefined) => void = () => undefined;
  const stopped = new Promise<Error | undefined>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  let failure: Error | undefined;
  const stop = (error?: Error): Promise<void> => {
    failure ??= error;
    return (stopping ??= (async () => {
      logger.info({ deadlineMs: config.ingest.shutdownTimeoutMs }, 'stopping: finishing the batches in progress');
      // Past the deadline, what Elasticsearch has not acknowledged is abandoned uncommitted (and redelivered later).
      const deadline = setTimeout(() => {
        logger.warn({ batches: batches.inProgress }, 'shutdown deadline reached: abandoning unacknowledged messages, uncommitted');
        batches.abandonAll();
        indexer.abandonAll();
      }, config.ingest.shutdownTimeoutMs);
      const release = async (): Promise<void> => {
        try {
          await consumer.disconnect();
          await producer.disconnect();
          await lag.close();
        } finally {
          clearTimeout(deadline);
          clearInterval(pinger);
          indexer.abandonAll();
          enrichment.close();
          await es.close();
          await health.close();
        }
      };
      // Kafka may never let go (a broker that stopped answering: leaving the group and the last commits wait on it),
      // and a stop that hangs holds a rolling update. Past the deadline and a grace the member goes anyway: the group
      // drops it when its session expires, and what it did not commit is redelivered under the same document ids.
      try {
        if ((await within(release(), config.ingest.shutdownTimeoutMs + SHUTDOWN_GRACE_MS)) === 'late') {
          logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown: Kafka or Elasticsearch did not let go after the deadline and its grace; stopping without leaving the group (its session timeout will)');
        }
      } finally {
        clearTimeout(deadline);
        clearInterval(pinger);
        logger.info('ingest stopped');
        resolveStopped(failure);
      }
    })());
  };
  return { stop, stopped };
}

/** /metrics, /healthz and /readyz on SLUICE_INGEST_METRICS_PORT. */
async function startHealth(config: Config, registry: Registry, readiness: () => Readiness, started: Started, logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const health = await startHealthServer(config.ingest.metrics.host, config.ingest.metrics.port, registry, readiness).catch((error: unknown) => {
    throw portInUse(error, 'set SLUICE_INGEST_METRICS_PORT to a free port');
  });
  started.add(() => health.close());
  logger.info({ metrics: health.url }, 'ingest metrics listening');
  return health;
}

/** The enrichers loaded (V8's optimising compiler paused meanwhile), the optional warm-up, and the pipeline over them. */
async function loadPipeline(config: Config, logger: Logger, signal: AbortSignal | undefined, started: Started): Promise<{ enrichment: Awaited<ReturnType<typeof createEnrichers>>; pipeline: ReturnType<typeof createPipeline>; stageTimes: Map<string, number> }> {
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
  const stageTimes = new Map<string, number>();
  const pipeline = createPipeline({ namespace: config.namespace, eventNamespaces: config.eventNamespaces, topicSources: config.kafka.topicSources, enrichers: enrichment.enrichers, stageTimes });
  return { enrichment, pipeline, stageTimes };
}

/** The bulk indexer, its requests, retries and stalls in the metrics and the readiness. */
function createIndexer(es: ReturnType<typeof elasticsearchClient>, config: Config, metrics: IngestMetrics, readiness: ReadinessState, logger: Logger): BulkIndexer {
  return new BulkIndexer(es, {
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
}

/** Readiness while idle: a bulk request tells at once, a ping every 5 s tells when there is nothing to send. */
function pingWhileIdle(es: ReturnType<typeof elasticsearchClient>, readiness: ReadinessState): NodeJS.Timeout {
  const pinger = setInterval(() => {
    es.ping({}, { maxRetries: 0, requestTimeout: 2000 }).then(
      () => undefined,
      () => {
        readiness.elasticsearch = false;
      },
    );
  }, 5000);
  pinger.unref();
  return pinger;
}

function createConsumer(kafka: ReturnType<typeof kafkaClient>, config: Config, heartbeatEveryMs: number): Consumer {
  const maxBytes = fetchMaxBytes(config.ingest.maxInflightBytes);
  return kafka.consumer({
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
}

/** The group's events in the readiness, the lag gauge and the log; `onFatal` when kafkajs gives up restarting. */
function watchConsumer(consumer: Consumer, readiness: ReadinessState, lag: AssignedLag, logger: Logger, onFatal: (error: Error) => void): void {
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    readiness.kafka = true;
    // Only the partitions assigned now: a partition that moved to another member reports its lag there.
    lag.assigned(event.payload.memberAssignment);
    logger.info({ memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'joined the consumer group');
  });
  consumer.on(consumer.events.REBALANCING, () => logger.info('consumer group is rebalancing'));
  consumer.on(consumer.events.CRASH, (event) => {
    readiness.kafka = false;
    logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
    if (!event.payload.restart) onFatal(event.payload.error);
  });
  consumer.on(consumer.events.DISCONNECT, () => {
    readiness.kafka = false;
  });
}

/**
 * A fetch that held only transaction markers, or only records of aborted transactions, never reaches eachBatch:
 * kafkajs drops them and moves on, but commits only with autoCommit. Sluice commits past them, so that the lag
 * of a topic written by transactional producers reaches 0 (as a Java consumer's does) and a restart does not
 * read them again. Only such a batch: its records were read from the offset everything before which is committed.
 */
function commitPastFilteredBatches(consumer: Consumer, logger: Logger): void {
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize !== 0 || payload.firstOffset === null) return;
    const offset = (BigInt(payload.lastOffset) + 1n).toString();
    consumer.commitOffsets([{ topic: payload.topic, partition: payload.partition, offset }]).catch((error: unknown) => {
      // A rebalance took the partition: its next owner reads the markers again and commits past them.
      logger.debug({ err: error, topic: payload.topic, partition: payload.partition, offset }, 'commit past transaction markers refused');
    });
  });
}

/** What the security stage runs, and every CRS rule it cannot, by id: nothing is dropped silently. */
export function logCrs(logger: Logger, crs: Crs): void {
  const { paranoia, threshold, dir } = crs.options;
  logger.info({ crs: { version: crs.version, paranoia, threshold, dir, rules: crs.rules.filter((rule) => rule.id > 0).length, blind: crs.blind.length } }, 'OWASP CRS loaded');
  if (crs.unsupported.length > 0) logger.warn({ crs: { unsupported: crs.unsupported.map((rule) => ({ id: rule.id, reason: rule.reason })) } }, 'CRS rules that cannot run here');
}
