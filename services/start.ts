import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../shared/config.js';
import { LOCAL_ELASTICSEARCH_URL } from '../shared/elasticsearch.js';
import { LOCAL_KAFKA_BROKER } from '../shared/kafka-errors.js';
import { serviceLogger, type Logger } from '../shared/logging.js';
import { startEmulatorThread } from '../emulators/in-thread.js';
import { startIngest } from './ingest/service.js';
import { startDetection } from './rollup/detect-service.js';
import { startRollups } from './rollup/rollup-service.js';
import { startApi } from './api/server.js';
import { checkAborted, portInUse, Started } from './startup.js';
import { DEMO_NAMESPACE, readDemoState, startLocalDemo } from './demo/local.js';

export interface RunningSluice {
  close(): Promise<void>;
  stopped: Promise<Error | undefined>;
}

/** The embedded emulators that `start` runs for what is not configured, each on its own thread; each closer is registered as it starts. */
async function startEmulators(config: Config, logger: Logger, started: Started, signal: AbortSignal | undefined): Promise<{ brokers: string[]; urls: string[] }> {
  let brokers = config.kafka.brokers;
  let urls = config.elasticsearch.urls;
  const thread = { logLevel: config.logLevel, logFormat: config.logFormat };
  if (brokers === undefined) {
    const kafka = await startEmulatorThread({ kind: 'kafka', port: 9092, dataDir: join(config.dataDir, 'kafka'), ...thread }, signal).catch((error: unknown) => {
      throw portInUse(error, 'another Sluice or Kafka running? set KAFKA_BROKERS to use a running broker');
    });
    started.add(() => kafka.close());
    brokers = [LOCAL_KAFKA_BROKER];
    logger.info({ brokers: kafka.address, dataDir: join(config.dataDir, 'kafka') }, 'KAFKA_BROKERS is not set: started the embedded Kafka emulator (development only)');
  }
  if (urls === undefined) {
    const elasticsearch = await startEmulatorThread({ kind: 'elasticsearch', port: 9200, dataDir: join(config.dataDir, 'elasticsearch'), ...thread }, signal).catch((error: unknown) => {
      throw portInUse(error, 'another Sluice or Elasticsearch running? set ELASTICSEARCH_URL to use a running cluster');
    });
    started.add(() => elasticsearch.close());
    urls = [LOCAL_ELASTICSEARCH_URL];
    logger.info({ url: elasticsearch.address, dataDir: join(config.dataDir, 'elasticsearch') }, 'ELASTICSEARCH_URL is not set: started the embedded Elasticsearch emulator (development only)');
  }
  return { brokers, urls };
}

export interface StartOptions {
  signal?: AbortSignal;
  /** `--no-demo`: no demo even on an empty data directory (as SLUICE_DEMO=0). */
  demo?: boolean;
}

/** The block `sluice start` prints once everything runs: what runs where, and how to leave the local mode. */
function startedBlock(config: Config, where: { brokers: string[]; urls: string[]; page: string }, demo: { month: string } | undefined): string {
  const lines = [
    `Sluice is running${config.localMode ? ' in local mode: embedded Kafka and Elasticsearch emulators, for development only' : ''}.`,
    `  page and API    ${where.page}${demo ? `   (demo data: ${where.page}demo/)` : ''}`,
    `  Kafka           ${where.brokers.join(',')}   kcat -P -b ${where.brokers[0] ?? ''} -t ${config.kafka.topics[0] ?? 'logs-app'}  (Filebeat: output.kafka hosts)`,
    `  Elasticsearch   ${where.urls.join(',')}   curl '${where.urls[0] ?? ''}/logs-*/_search?q=message:hello'`,
    ...(config.localMode ? [`  data            ${config.dataDir}   (a second start resumes here)`] : []),
    ...(demo ? [`  demo            ${demo.month} into the demo namespace, then live traffic; the log tells when its report is ready (SLUICE_DEMO=0 or --no-demo: none)`] : []),
    ...(config.localMode ? ['  real cluster    set KAFKA_BROKERS and ELASTICSEARCH_URL (docker-compose.elk.yml; docs/configuration.md)'] : []),
    'Ctrl-C stops everything.',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `sluice start`: every service that exists, and first the embedded emulator for Kafka and/or
 * Elasticsearch when it is not configured, keeping its data under SLUICE_DATA_DIR. On an empty data
 * directory the local mode also runs the demo. A failure at any step closes what already started; so does
 * Ctrl-C while a step still waits.
 */
export async function startLocal(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningSluice> {
  const { signal } = options;
  const started = new Started();
  // Looked at before the emulators create their folders: only a fresh data directory starts the demo.
  const fresh = !existsSync(config.dataDir) || readdirSync(config.dataDir).length === 0;
  const demoWanted = config.localMode && config.demo.enabled && options.demo !== false && (fresh || readDemoState(config) !== undefined);
  return started.guard(async () => {
    const { brokers, urls } = await startEmulators(config, logger, started, signal);
    checkAborted(signal);
    const resolved: Config = { ...config, kafka: { ...config.kafka, brokers }, elasticsearch: { ...config.elasticsearch, urls } };
    const ingest = await startIngest(resolved, serviceLogger(logger, 'ingest'), { signal });
    started.add(() => ingest.close());
    checkAborted(signal);
    const moreNamespaces = demoWanted ? [DEMO_NAMESPACE] : [];
    // Ingest has applied ilm/ before it returned: the detectors need not apply it again. Ingest's listener
    // exports the process metrics; the detectors' exports only their own.
    const detection = await startDetection({ ...resolved, ingest: { ...resolved.ingest, applyIlm: false } }, serviceLogger(logger, 'detect'), { processMetrics: false, moreNamespaces });
    started.add(() => detection.close());
    // The demo's month is issued by the demo, once it is all rolled up; the months after it by the rollups.
    const mayIssue = (namespace: string) => namespace !== DEMO_NAMESPACE || readDemoState(config)?.reported === true;
    const rollups = await startRollups({ ...resolved, ingest: { ...resolved.ingest, applyIlm: false } }, serviceLogger(logger, 'rollup'), { processMetrics: false, moreNamespaces, mayIssue });
    started.add(() => rollups.close());
    const api = await startApi(resolved, serviceLogger(logger, 'api'), { processMetrics: false, registries: [ingest.registry], demoNamespace: demoWanted ? DEMO_NAMESPACE : undefined });
    started.add(() => api.close());
    const demo = demoWanted ? await startLocalDemo(resolved, serviceLogger(logger, 'demo'), fresh, `${api.url}/demo/`) : undefined;
    if (demo) started.add(() => demo.close());
    logger.info(
      { kafka: brokers.join(','), elasticsearch: urls.join(','), page: `${api.url}/`, demoPage: demo ? `${api.url}/demo/` : undefined, metrics: { ingest: ingest.metricsUrl, detect: detection.metricsUrl, rollup: rollups.metricsUrl, api: `${api.url}/metrics` } },
      `sluice started${config.localMode ? ' in local mode (embedded emulators, development only: set KAFKA_BROKERS and ELASTICSEARCH_URL for a real cluster)' : ''}: ingest, behaviour detection, the SLI rollups and the API are running; open the page at ${api.url}/`,
    );
    process.stdout.write(startedBlock(config, { brokers, urls, page: `${api.url}/` }, demo));
    return {
      stopped: ingest.stopped,
      close: () => started.closeAll(),
    };
  });
}
