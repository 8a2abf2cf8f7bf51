import { join } from 'node:path';
import type { Config } from '../shared/config.js';
import { LOCAL_ELASTICSEARCH_URL } from '../shared/elasticsearch.js';
import { LOCAL_KAFKA_BROKER } from '../shared/kafka-errors.js';
import { serviceLogger, type Logger } from '../shared/logging.js';
import { startIngest } from './ingest/service.js';
import { startDetection } from './rollup/detect-service.js';
import { startRollups } from './rollup/rollup-service.js';
import { startApi } from './api/server.js';
import { checkAborted, portInUse, Started } from './startup.js';

export interface RunningSluice {
  close(): Promise<void>;
  stopped: Promise<Error | undefined>;
}

/** The embedded emulators that `start` runs for what is not configured; each closer is registered as it starts. */
async function startEmulators(config: Config, logger: Logger, started: Started): Promise<{ brokers: string[]; url: string }> {
  const emulatorLogger = serviceLogger(logger, 'emulator');
  let brokers = config.kafka.brokers;
  let url = config.elasticsearch.url;
  if (brokers === undefined) {
    const { KafkaEmulator } = await import('../emulators/kafka/index.js');
    const kafka = await KafkaEmulator.start({ port: 9092, dataDir: join(config.dataDir, 'kafka'), logger: emulatorLogger }).catch((error: unknown) => {
      throw portInUse(error, 'another Sluice or Kafka running? set KAFKA_BROKERS to use a running broker');
    });
    started.add(() => kafka.close());
    brokers = [LOCAL_KAFKA_BROKER];
    logger.info({ brokers: kafka.brokers, dataDir: join(config.dataDir, 'kafka') }, 'KAFKA_BROKERS is not set: started the embedded Kafka emulator (development only)');
  }
  if (url === undefined) {
    const { ElasticsearchEmulator } = await import('../emulators/elasticsearch/index.js');
    const elasticsearch = await ElasticsearchEmulator.start({ port: 9200, dataDir: join(config.dataDir, 'elasticsearch'), logger: emulatorLogger }).catch((error: unknown) => {
      throw portInUse(error, 'another Sluice or Elasticsearch running? set ELASTICSEARCH_URL to use a running cluster');
    });
    started.add(() => elasticsearch.close());
    url = LOCAL_ELASTICSEARCH_URL;
    logger.info({ url: elasticsearch.url, dataDir: join(config.dataDir, 'elasticsearch') }, 'ELASTICSEARCH_URL is not set: started the embedded Elasticsearch emulator (development only)');
  }
  return { brokers, url };
}

/**
 * `sluice start`: every service that exists, and first the embedded emulator for Kafka and/or
 * Elasticsearch when it is not configured, keeping its data under SLUICE_DATA_DIR. A failure at any step
 * closes what already started; so does Ctrl-C while a step still waits.
 */
export async function startLocal(config: Config, logger: Logger, signal?: AbortSignal): Promise<RunningSluice> {
  const started = new Started();
  return started.guard(async () => {
    const { brokers, url } = await startEmulators(config, logger, started);
    checkAborted(signal);
    const resolved: Config = { ...config, kafka: { ...config.kafka, brokers }, elasticsearch: { ...config.elasticsearch, url } };
    const ingest = await startIngest(resolved, serviceLogger(logger, 'ingest'), { signal });
    started.add(() => ingest.close());
    checkAborted(signal);
    // Ingest has applied ilm/ before it returned: the detectors need not apply it again. Ingest's listener
    // exports the process metrics; the detectors' exports only their own.
    const detection = await startDetection({ ...resolved, ingest: { ...resolved.ingest, applyIlm: false } }, serviceLogger(logger, 'detect'), { processMetrics: false });
    started.add(() => detection.close());
    const rollups = await startRollups({ ...resolved, ingest: { ...resolved.ingest, applyIlm: false } }, serviceLogger(logger, 'rollup'), { processMetrics: false });
    started.add(() => rollups.close());
    const api = await startApi(resolved, serviceLogger(logger, 'api'), { processMetrics: false, registries: [ingest.registry] });
    started.add(() => api.close());
    const firstTopic = config.kafka.topics[0] ?? 'logs-app';
    logger.info(
      {
        kafka: brokers.join(','),
        elasticsearch: url,
        page: `${api.url}/`,
        metrics: { ingest: ingest.metricsUrl, detect: detection.metricsUrl, rollup: rollups.metricsUrl, api: `${api.url}/metrics` },
        tryIt: {
          produce: `echo '{"timestamp":"${new Date().toISOString()}","level":"INFO","message":"hello from Sluice"}' | kcat -P -b ${brokers[0] ?? LOCAL_KAFKA_BROKER} -t ${firstTopic}`,
          search: `curl -s '${url}/logs-*/_search?q=message:hello&pretty'`,
          report: 'npx sluice report --month YYYY-MM --format html --out report.html',
        },
      },
      `sluice started${config.localMode ? ' in local mode (embedded emulators, development only: set KAFKA_BROKERS and ELASTICSEARCH_URL for a real cluster)' : ''}: ingest, behaviour detection, the SLI rollups and the API are running; open the page at ${api.url}/`,
    );
    return {
      stopped: ingest.stopped,
      close: () => started.closeAll(),
    };
  });
}
