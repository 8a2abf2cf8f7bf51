import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { STAGE_SAMPLING } from '../../pipelines/pipeline.js';
import { collectProcessMetrics } from '../../shared/process-metrics.js';

/** The ingest worker's own metrics, on a registry of its own (several workers may share a test process). */
/**
 * The ingest worker's metrics. Counters per topic start at 0 for each configured topic, so that a rate()
 * over them works before the first message. The process metrics (CPU, memory, event loop) are Sluice's own
 * and exported here once per process.
 */
export function createIngestMetrics(topics: readonly string[] = []) {
  const registry = new Registry();
  let lagSource: { refresh(): Promise<void> } | undefined;
  collectProcessMetrics(registry);
  const byTopic = ['topic'] as const;
  const metrics = {
    registry,
    consumed: new Counter({ name: 'sluice_ingest_consumed_total', help: 'Kafka messages taken from the topics', labelNames: byTopic, registers: [registry] }),
    indexed: new Counter({ name: 'sluice_ingest_indexed_total', help: 'Documents Elasticsearch created', labelNames: byTopic, registers: [registry] }),
    duplicates: new Counter({ name: 'sluice_ingest_duplicates_total', help: 'Redelivered messages whose document existed already (409 on create)', labelNames: byTopic, registers: [registry] }),
    deadLettered: new Counter({ name: 'sluice_ingest_dead_lettered_total', help: 'Messages sent to the dead-letter topic, by the stage that refused them', labelNames: ['topic', 'stage'] as const, registers: [registry] }),
    retried: new Counter({ name: 'sluice_ingest_retried_total', help: 'Documents sent again: as bulk items answered 429/5xx (kind="item"), or in a whole bulk request that failed (kind="request": connection refused, 429, 5xx)', labelNames: ['topic', 'kind'] as const, registers: [registry] }),
    committed: new Counter({ name: 'sluice_ingest_committed_messages_total', help: 'Messages whose offsets were committed', labelNames: byTopic, registers: [registry] }),
    lag: new Gauge({
      name: 'sluice_ingest_consumer_lag',
      help: "Messages in the partition after the group's committed offset (its end offset minus the commit), for the partitions this member owns, read from Kafka when scraped",
      labelNames: ['topic', 'partition'] as const,
      registers: [registry],
      async collect() {
        await lagSource?.refresh();
      },
    }),
    bulkSeconds: new Histogram({ name: 'sluice_ingest_bulk_duration_seconds', help: 'Time of one _bulk request', labelNames: ['outcome'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    // The seed's target is "log ingestion latency < 100 ms": buckets fine around it, coarse beyond.
    latency: new Histogram({ name: 'sluice_ingest_latency_seconds', help: "From a record's Kafka timestamp to Elasticsearch acknowledging its document (created or already there)", buckets: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers: [registry] }),
    bulkDocuments: new Histogram({ name: 'sluice_ingest_bulk_documents', help: 'Documents in one _bulk request', buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 50000], registers: [registry] }),
    bulkBytes: new Histogram({ name: 'sluice_ingest_bulk_bytes', help: 'Bytes of one _bulk request body', buckets: [1024, 16384, 131072, 524288, 1048576, 5242880, 10485760, 52428800], registers: [registry] }),
    paused: new Gauge({ name: 'sluice_ingest_paused', help: '1 while consumption is paused: Elasticsearch unreachable, or in-flight data at its bound', registers: [registry] }),
    inflightBytes: new Gauge({ name: 'sluice_ingest_inflight_bytes', help: 'Bytes held for messages not yet acknowledged: the messages and their serialised documents', registers: [registry] }),
    stageSeconds: new Counter({ name: 'sluice_ingest_pipeline_stage_seconds_total', help: `Time spent in each pipeline stage, estimated from one event in ${STAGE_SAMPLING} timed`, labelNames: ['stage'] as const, registers: [registry] }),
  };
  for (const topic of topics) for (const counter of [metrics.consumed, metrics.indexed, metrics.duplicates, metrics.committed]) counter.inc({ topic }, 0);
  /** Where the lag gauge reads its values when scraped (lag.ts), once the worker has a Kafka client. */
  const readLagFrom = (source: { refresh(): Promise<void> }): void => {
    lagSource = source;
  };
  return { ...metrics, readLagFrom };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
