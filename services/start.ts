import { join } from 'node:path';
import type { Config } from '../shared/config.js';
import { LOCAL_ELASTICSEARCH_URL } from '../shared/elasticsearch.js';
import { LOCAL_KAFKA_BROKER } from '../shared/kafka.js';
import { serviceLogger, type Logger } from '../shared/logging.js';
import { startIngest } from './ingest/service.js';
import { startDetection } from './rollup/detect-service.js';

/**
 * `sluice start`: every service that exists, and first the embedded emulator for Kafka and/or
 * Elasticsearch when it is not configured, keeping its data under SLUICE_DATA_DIR.
 */
export async function startLocal(config: Config, logger: Logger): Promise<{ close(): Promise<void>; stopped: Promise<Error | undefined> }> {
  const closers: Array<() => Promise<void>> = [];
  const emulatorLogger = serviceLogger(logger, 'emulator');
  let brokers = config.kafka.brokers;
  let url = config.elasticsearch.url;
  if (brokers === undefined) {
    const { KafkaEmulator } = await import('../emulators/kafka/index.js');
    const kafka = await KafkaEmulator.start({ port: 9092, dataDir: join(config.dataDir, 'kafka'), logger: emulatorLogger });
    closers.unshift(() => kafka.close());
    brokers = [LOCAL_KAFKA_BROKER];
    logger.info({ brokers: kafka.brokers, dataDir: join(config.dataDir, 'kafka') }, 'KAFKA_BROKERS is not set: started the embedded Kafka emulator (development only)');
  }
  if (url === undefined) {
    const { ElasticsearchEmulator } = await import('../emulators/elasticsearch/index.js');
    const elasticsearch = await ElasticsearchEmulator.start({ port: 9200, dataDir: join(config.dataDir, 'elasticsearch'), logger: emulatorLogger });
    closers.unshift(() => elasticsearch.close());
    url = LOCAL_ELASTICSEARCH_URL;
    logger.info({ url: elasticsearch.url, dataDir: join(config.dataDir, 'elasticsearch') }, 'ELASTICSEARCH_URL is not set: started the embedded Elasticsearch emulator (development only)');
  }
  const resolved: Config = { ...config, kafka: { ...config.kafka, brokers }, elasticsearch: { ...config.elasticsearch, url } };
  const ingest = await startIngest(resolved, serviceLogger(logger, 'ingest'));
  closers.unshift(() => ingest.close());
  // Ingest has applied ilm/ before it returned: the detectors need not apply it again.
  const detection = await startDetection({ ...resolved, ingest: { ...resolved.ingest, applyIlm: false } }, serviceLogger(logger, 'rollup'));
  closers.unshift(() => detection.close());
  logger.info({ metrics: ingest.metricsUrl, detectMetrics: detection.metricsUrl }, 'sluice started: ingest and behaviour detection are running (the api and SLI rollups are not built yet)');
  return {
    stopped: ingest.stopped,
    async close() {
      for (const close of closers) await close();
    },
  };
}
