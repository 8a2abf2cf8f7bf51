import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, SETTING_NAMES, type Config } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
const cityDb = join(dir, 'city.mmdb');
const asnDb = join(dir, 'asn.mmdb');
const caFile = join(dir, 'ca.pem');
const sloFile = join(dir, 'slo.yaml');
const crsExcludeFile = join(dir, 'crs-exclude.conf');
writeFileSync(crsExcludeFile, 'SecRuleRemoveById 913100\n');
for (const file of [cityDb, asnDb, caFile, sloFile]) writeFileSync(file, 'x');

/** The problems a bad configuration reports, one per bad setting. */
function problemsOf(env: NodeJS.ProcessEnv, options?: Parameters<typeof loadConfig>[1]): string[] {
  try {
    loadConfig(env, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration defaults', () => {
  it('applies the contract defaults when nothing is set, and runs in local mode', () => {
    const config = loadConfig({});
    expect(config.kafka).toEqual({
      brokers: undefined,
      topics: ['logs-app', 'logs-traefik', 'logs-worker', 'logs-postgres'],
      groupId: 'sluice-ingest',
      dlqTopic: 'sluice-dlq',
      topicSources: {},
    });
    expect(config.elasticsearch).toEqual({ urls: undefined, auth: undefined, caFile: undefined });
    expect(config.namespace).toBe('default');
    expect(config.geoip).toEqual({ cityDb: undefined, asnDb: undefined });
    expect(config.sloFile).toBe(resolve(packageRoot, 'slo.yaml'));
    expect(config.api).toEqual({ host: '127.0.0.1', port: 8080, keys: [], rateLimitPerMinute: 600, tailMaxClients: 50 });
    expect(config.reportTimeZone).toBe('UTC');
    expect(config.logLevel).toBe('info');
    expect(config.dataDir).toBe(resolve(process.cwd(), '.sluice-data'));
    expect(config.cacheDir).toBe(resolve(packageRoot, 'node_modules', '.cache', 'sluice'));
    expect(config.localMode).toBe(true);
    expect(config.origins).toEqual({});
    expect(config.trustedProxies).toEqual([]);
    expect(config.redact).toEqual(['email', 'card', 'iban', 'jwt', 'token', 'secret']);
    expect(loadConfig({ SLUICE_REDACT: 'none' }).redact).toEqual([]);
    expect(config.ilm).toEqual({ logsPolicy: 'sluice-logs', logs: { retention: undefined, warmAfter: undefined, rolloverMaxAge: undefined, rolloverMaxSize: undefined }, securityRetention: undefined, rollupsRetention: undefined });
    expect(config.ingest).toEqual({
      sessionTimeoutMs: 30_000,
      bulk: { maxBytes: 5 * 1024 * 1024, maxDocs: 5000, flushIntervalMs: 1000, concurrency: 2, maxRetries: 8 },
      maxInflightBytes: 256 * 1024 * 1024,
      shutdownTimeoutMs: 30_000,
      // One member per core by default.
      workers: availableParallelism(),
      warmUpEvents: 0,
      metrics: { host: '127.0.0.1', port: 9464 },
      applyIlm: true,
    });
    expect(config.loginPaths.test('/api/v1/auth/login')).toBe(true);
    expect(config.detect).toEqual({
      bruteForce: { count: 10, windowMs: 300_000 },
      scan404: { count: 30, windowMs: 60_000 },
      flood: { count: 1200, windowMs: 60_000 },
      indices: ['logs-rendiff.traefik-default'],
      intervalMs: 60_000,
      lookbackMs: 900_000,
      metrics: { host: '127.0.0.1', port: 9465 },
    });
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ KAFKA_BROKERS: '', SLUICE_API_PORT: '  ', LOG_LEVEL: '' });
    expect(config.kafka.brokers).toBeUndefined();
    expect(config.api.port).toBe(8080);
    expect(config.logLevel).toBe('info');
  });
});

describe('configuration from the environment', () => {
  it("takes Elasticsearch's user and password from the URL, as the clients do, and keeps them out of the URL", () => {
    const config = loadConfig({ ELASTICSEARCH_URL: 'https://elastic:p%40ss%3Aword@es.example.com:9200/', SLUICE_API_KEYS: 'key-aaaaaaaaaaaaaaaa' });
    expect(config.elasticsearch).toMatchObject({ urls: ['https://es.example.com:9200'], auth: { username: 'elastic', password: 'p@ss:word' } });
    expect(JSON.stringify(describeConfig(config))).not.toContain('p@ss');
  });

  it('takes several nodes of one cluster, comma-separated, as Logstash and Filebeat take a list of hosts', () => {
    const config = loadConfig({ ELASTICSEARCH_URL: 'https://es-1:9200, https://es-2:9200/,https://es-3:9200', SLUICE_API_KEYS: 'key-aaaaaaaaaaaaaaaa' });
    expect(config.elasticsearch.urls).toEqual(['https://es-1:9200', 'https://es-2:9200', 'https://es-3:9200']);
  });

  it('parses every variable of the contract', () => {
    const env = {
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,[::1]:9094',
      KAFKA_TOPICS: 'a.logs,b_logs',
      KAFKA_GROUP_ID: 'my-group',
      KAFKA_GROUP_INSTANCE_ID: 'ingest-0',
      KAFKA_DLQ_TOPIC: 'dead.letters',
      KAFKA_SSL: 'true',
      KAFKA_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'sluice',
      KAFKA_SASL_PASSWORD: 'kafka-s3cr3t',
      ELASTICSEARCH_URL: 'https://es.example.com:9200/',
      ELASTICSEARCH_USERNAME: 'elastic',
      ELASTICSEARCH_PASSWORD: 'changeme',
      ELASTICSEARCH_CA_FILE: caFile,
      SLUICE_NAMESPACE: 'prod_eu',
      GEOIP_CITY_DB: cityDb,
      GEOIP_ASN_DB: asnDb,
      SLUICE_SLO_FILE: sloFile,
      SLUICE_API_PORT: '9000',
      SLUICE_API_HOST: '0.0.0.0',
      SLUICE_API_KEYS: 'key-aaaaaaaaaaaaaaaa,admin:key-bbbbbbbbbbbbbbbb',
      SLUICE_API_RATE_LIMIT: '120',
      SLUICE_API_TAIL_MAX_CLIENTS: '5',
      SLUICE_REPORT_TZ: 'Europe/Berlin',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      SLUICE_DATA_DIR: '/var/lib/sluice',
      SLUICE_CACHE_DIR: 'cache',
      SLUICE_TOPIC_SOURCES: 'a.logs=traefik, b_logs=postgres',
      SLUICE_TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::/32,192.168.1.1',
      SLUICE_REDACT: 'email,card',
      SLUICE_ENRICHERS: 'user_agent, security',
      SLUICE_LOGS_POLICY: 'rendiff-logs-policy',
      SLUICE_LOGS_RETENTION: '45d',
      SLUICE_LOGS_WARM_AFTER: '3d',
      SLUICE_LOGS_ROLLOVER_MAX_AGE: '12h',
      SLUICE_LOGS_ROLLOVER_MAX_SIZE: '20gb',
      SLUICE_SECURITY_RETENTION: '180d',
      SLUICE_ROLLUPS_RETENTION: '800d',
      KAFKA_SESSION_TIMEOUT: '10s',
      SLUICE_BULK_MAX_BYTES: '512kb',
      SLUICE_BULK_MAX_DOCS: '100',
      SLUICE_BULK_FLUSH_INTERVAL: '250ms',
      SLUICE_BULK_CONCURRENCY: '4',
      SLUICE_BULK_MAX_RETRIES: '3',
      SLUICE_INGEST_MAX_INFLIGHT: '1gb',
      SLUICE_SHUTDOWN_TIMEOUT: '5s',
      SLUICE_INGEST_METRICS_PORT: '9100',
      SLUICE_INGEST_WORKERS: '3',
      SLUICE_INGEST_WARMUP: '2000',
      SLUICE_INGEST_METRICS_HOST: '0.0.0.0',
      SLUICE_ILM_APPLY: 'false',
      SLUICE_LOGIN_PATHS: '^/session$',
      SLUICE_DETECT_BRUTE_FORCE: '20/10m',
      SLUICE_DETECT_404_SCAN: 'off',
      SLUICE_DETECT_FLOOD: '5000/30s',
      SLUICE_DETECT_INDICES: 'logs-rendiff.traefik-*, logs-rendiff.api-*',
      SLUICE_DETECT_INTERVAL: '30s',
      SLUICE_DETECT_LOOKBACK: '1h',
      SLUICE_DETECT_METRICS_PORT: '9101',
      SLUICE_DETECT_METRICS_HOST: '0.0.0.0',
      SLUICE_ROLLUP_INTERVAL: '30s',
      SLUICE_ROLLUP_LOOKBACK: '3h',
      SLUICE_REPORT_GRACE: '6h',
      SLUICE_ROLLUP_METRICS_PORT: '9102',
      SLUICE_ROLLUP_METRICS_HOST: '0.0.0.0',
      SLUICE_NOTIFY_FILE: sloFile,
      SLUICE_UA_REGEXES: sloFile,
      SLUICE_INTERNAL_NETWORKS: '10.0.0.0/8,fd00::/8',
      SLUICE_EVENT_NAMESPACES: 'demo, staging',
      SLUICE_DEMO: '0',
      SLUICE_DEMO_EVENTS: '250000',
      SLUICE_DEMO_RATE: '0',
      SLUICE_DEMO_SEED: '42',
      SLUICE_CRS_PARANOIA: '2',
      SLUICE_CRS_THRESHOLD: '10',
      SLUICE_CRS_DIR: join(packageRoot, 'third_party', 'owasp-crs', 'rules'),
      SLUICE_CRS_EXCLUDE: '942100, 920300-920302',
      SLUICE_CRS_EXCLUDE_FILE: crsExcludeFile,
      SLUICE_CRS_ALLOWED_METHODS: 'GET  POST PROPFIND',
    };
    expect(Object.keys(env).sort()).toEqual(SETTING_NAMES.filter((name) => name !== 'ELASTICSEARCH_API_KEY').sort());
    const config = loadConfig(env);
    expect(config.kafka).toEqual({
      brokers: ['kafka-1:9092', 'kafka-2:9093', '[::1]:9094'],
      topics: ['a.logs', 'b_logs'],
      groupId: 'my-group',
      groupInstanceId: 'ingest-0',
      dlqTopic: 'dead.letters',
      topicSources: { 'a.logs': 'traefik', b_logs: 'postgres' },
      tls: { caFile },
      sasl: { mechanism: 'scram-sha-512', username: 'sluice', password: 'kafka-s3cr3t' },
    });
    expect(config.elasticsearch).toEqual({
      urls: ['https://es.example.com:9200'],
      auth: { username: 'elastic', password: 'changeme' },
      caFile,
    });
    expect(config.namespace).toBe('prod_eu');
    expect(config.eventNamespaces).toEqual(['demo', 'staging']);
    expect(config.demo).toEqual({ enabled: false, events: 250_000, eventsPerSecond: 0, seed: 42 });
    expect(config.geoip).toEqual({ cityDb, asnDb });
    expect(config.sloFile).toBe(sloFile);
    expect(config.uaRegexes).toBe(sloFile);
    expect(config.internalNetworks).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(config.api).toEqual({ host: '0.0.0.0', port: 9000, keys: [{ role: 'reader', key: 'key-aaaaaaaaaaaaaaaa' }, { role: 'admin', key: 'key-bbbbbbbbbbbbbbbb' }], rateLimitPerMinute: 120, tailMaxClients: 5 });
    expect(config.reportTimeZone).toBe('Europe/Berlin');
    expect(config.logLevel).toBe('debug');
    expect(config.logFormat).toBe('pretty');
    expect(config.dataDir).toBe('/var/lib/sluice');
    expect(config.cacheDir).toBe(resolve(process.cwd(), 'cache'));
    expect(config.localMode).toBe(false);
    expect(config.origins.KAFKA_BROKERS).toBe('environment');
    expect(config.trustedProxies).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.168.1.1']);
    expect(config.ingest).toEqual({
      sessionTimeoutMs: 10_000,
      bulk: { maxBytes: 512 * 1024, maxDocs: 100, flushIntervalMs: 250, concurrency: 4, maxRetries: 3 },
      maxInflightBytes: 1024 ** 3,
      shutdownTimeoutMs: 5000,
      workers: 3,
      warmUpEvents: 2000,
      metrics: { host: '0.0.0.0', port: 9100 },
      applyIlm: false,
    });
    expect(config.redact).toEqual(['email', 'card']);
    expect(config.enrichers).toEqual(['user_agent', 'security']);
    expect(config.ilm).toEqual({
      logsPolicy: 'rendiff-logs-policy',
      logs: { retention: '45d', warmAfter: '3d', rolloverMaxAge: '12h', rolloverMaxSize: '20gb' },
      securityRetention: '180d',
      rollupsRetention: '800d',
    });
    expect(config.loginPaths.source).toBe('^\\/session$');
    expect(config.loginPaths.test('/SESSION')).toBe(true);
    expect(config.crs).toEqual({ paranoia: 2, threshold: 10, dir: join(packageRoot, 'third_party', 'owasp-crs', 'rules'), exclude: [942100, 920300, 920301, 920302, 913100], allowedMethods: 'GET POST PROPFIND' });
    expect(config.detect).toEqual({
      bruteForce: { count: 20, windowMs: 600_000 },
      scan404: undefined,
      flood: { count: 5000, windowMs: 30_000 },
      indices: ['logs-rendiff.traefik-*', 'logs-rendiff.api-*'],
      intervalMs: 30_000,
      lookbackMs: 3_600_000,
      metrics: { host: '0.0.0.0', port: 9101 },
    });
    expect(config.rollup).toEqual({ intervalMs: 30_000, lookbackMs: 10_800_000, reportGraceMs: 21_600_000, metrics: { host: '0.0.0.0', port: 9102 }, notifyFile: sloFile });
  });

  it('takes an API key as Elasticsearch credentials', () => {
    expect(loadConfig({ ELASTICSEARCH_API_KEY: 'abc==' }).elasticsearch.auth).toEqual({ apiKey: 'abc==' });
  });

  it('is out of local mode as soon as either Kafka or Elasticsearch is configured', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'k:9092' }).localMode).toBe(false);
    expect(loadConfig({ ELASTICSEARCH_URL: 'http://es:9200' }).localMode).toBe(false);
  });
});

describe('bad values are rejected with the variable, the value and what was expected', () => {
  const cases: Array<[string, NodeJS.ProcessEnv, string]> = [
    ['a non-numeric port', { SLUICE_API_PORT: 'abc' }, 'SLUICE_API_PORT="abc": expected an integer TCP port from 1 to 65535'],
    ['SASL without its password', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_MECHANISM="plain": KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together: give all three or none'],
    ['an unknown SASL mechanism', { KAFKA_SASL_MECHANISM: 'gssapi' }, 'KAFKA_SASL_MECHANISM="gssapi": expected plain, scram-sha-256 or scram-sha-512'],
    ['a rollup lookback shorter than two intervals', { SLUICE_ROLLUP_INTERVAL: '5m', SLUICE_ROLLUP_LOOKBACK: '9m' }, 'SLUICE_ROLLUP_LOOKBACK="9m": must be at least twice SLUICE_ROLLUP_INTERVAL (300s)'],
    ['a port out of range', { SLUICE_API_PORT: '70000' }, 'SLUICE_API_PORT="70000": expected an integer TCP port from 1 to 65535'],
    ['a fractional port', { SLUICE_API_PORT: '80.5' }, 'SLUICE_API_PORT="80.5": expected an integer TCP port'],
    ['a broker without port', { KAFKA_BROKERS: 'kafka' }, 'KAFKA_BROKERS="kafka": expected comma-separated host:port pairs such as "kafka-1:9092,kafka-2:9092"; "kafka" has no port'],
    ['one broker of several without port', { KAFKA_BROKERS: 'a:9092,b' }, '"b" has no port'],
    ['a broker as a listener is written', { KAFKA_BROKERS: 'SASL_SSL://kafka-1:9093' }, '"SASL_SSL://kafka-1:9093" has a scheme: write "kafka-1:9093" (KAFKA_SSL and KAFKA_SASL_MECHANISM say TLS and SASL)'],
    ['a broker with a bad port', { KAFKA_BROKERS: 'kafka:x9092' }, 'KAFKA_BROKERS="kafka:x9092": expected comma-separated host:port pairs such as "kafka-1:9092,kafka-2:9092"; "kafka:x9092" has port "x9092", expected an integer TCP port from 1 to 65535'],
    ['a list of no brokers', { KAFKA_BROKERS: ',' }, 'KAFKA_BROKERS=",": expected comma-separated host:port pairs such as "kafka-1:9092,kafka-2:9092"; got no broker'],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL="verbose": expected one of fatal, error, warn, info, debug, trace, silent'],
    ['a GeoIP path that does not exist', { GEOIP_CITY_DB: '/nonexistent/city.mmdb' }, 'GEOIP_CITY_DB="/nonexistent/city.mmdb": expected a readable file; /nonexistent/city.mmdb does not exist'],
    ['a GeoIP path that is a folder', { GEOIP_ASN_DB: dir }, `GEOIP_ASN_DB=${JSON.stringify(dir)}: expected a readable file; ${dir} is not a regular file`],
    ['a CA file that does not exist', { ELASTICSEARCH_CA_FILE: 'missing-ca.pem' }, `ELASTICSEARCH_CA_FILE="missing-ca.pem": expected a readable file; ${resolve('missing-ca.pem')} does not exist`],
    ['an SLO file that does not exist', { SLUICE_SLO_FILE: '/nonexistent/slo.yaml' }, 'SLUICE_SLO_FILE="/nonexistent/slo.yaml": expected a readable file'],
    ['a URL that is not one', { ELASTICSEARCH_URL: 'es:9200:x' }, 'ELASTICSEARCH_URL="es:9200:x": expected an http:// or https:// URL'],
    ['a URL of another scheme', { ELASTICSEARCH_URL: 'ftp://es:9200' }, 'ELASTICSEARCH_URL="ftp://es:9200": expected an http:// or https:// URL such as "https://es.example.com:9200", or several, comma-separated; "ftp:" is neither'],
    ['a URL without its scheme', { ELASTICSEARCH_URL: 'localhost:9200' }, '"localhost:9200" has no scheme: write "http://localhost:9200"'],
    ['a URL with credentials, wrong, its password masked', { ELASTICSEARCH_URL: 'http://es-1:9200,htps://elastic:s3cr3t@es-2:9200' }, 'ELASTICSEARCH_URL="http://es-1:9200,htps://elastic:[REDACTED]@es-2:9200": expected an http:// or https:// URL such as "https://es.example.com:9200", or several, comma-separated; "htps:" is neither'],
    ['a password with a stray %', { ELASTICSEARCH_URL: 'https://elastic:50%off@es:9200' }, 'ELASTICSEARCH_URL="https://elastic:[REDACTED]@es:9200": expected an http:// or https:// URL such as "https://es.example.com:9200", or several, comma-separated; its user or password has a % not followed by two hex digits (write % as %25)'],
    ['nodes of one cluster with different users', { ELASTICSEARCH_URL: 'https://a:x@es-1:9200,https://b:x@es-2:9200' }, 'ELASTICSEARCH_URL="https://a:[REDACTED]@es-1:9200,https://b:[REDACTED]@es-2:9200": expected an http:// or https:// URL such as "https://es.example.com:9200", or several, comma-separated; the URLs give different credentials: one cluster takes one user'],
    ['credentials in the URL and an API key', { ELASTICSEARCH_URL: 'https://elastic:s3cr3t@es:9200', ELASTICSEARCH_API_KEY: 'a2V5', SLUICE_API_KEYS: 'key-aaaaaaaaaaaaaaaa' }, 'ELASTICSEARCH_URL="https://elastic:[REDACTED]@es:9200": holds a user, and ELASTICSEARCH_API_KEY is set too: give the credentials once'],
    ['a namespace with a dash', { SLUICE_NAMESPACE: 'prod-eu' }, 'SLUICE_NAMESPACE="prod-eu": expected a data stream namespace'],
    ['an event namespace in upper case', { SLUICE_EVENT_NAMESPACES: 'demo,Staging' }, 'SLUICE_EVENT_NAMESPACES="demo,Staging": expected comma-separated data stream namespaces (lower case, no "-"); not one: Staging'],
    ['a demo switch that is neither on nor off', { SLUICE_DEMO: 'no' }, 'SLUICE_DEMO="no": expected true, false, 1 or 0'],
    ['a negative demo rate', { SLUICE_DEMO_RATE: '-5' }, 'SLUICE_DEMO_RATE="-5": expected an integer from 0 to 1000000'],
    ['a namespace in upper case', { SLUICE_NAMESPACE: 'Prod' }, 'SLUICE_NAMESPACE="Prod": expected a data stream namespace'],
    ['an unknown time zone', { SLUICE_REPORT_TZ: 'Mars/Olympus' }, 'SLUICE_REPORT_TZ="Mars/Olympus": expected an IANA time zone'],
    ['an illegal topic name', { KAFKA_TOPICS: 'logs-app,logs app' }, 'KAFKA_TOPICS="logs-app,logs app": expected Kafka topic names: 1 to 249 of letters, digits, ".", "_" and "-", not "." or ".."; "logs app" is not one'],
    ['the topic ".."', { KAFKA_DLQ_TOPIC: '..' }, 'KAFKA_DLQ_TOPIC="..": expected Kafka topic names'],
    ['a dead-letter topic that is consumed', { KAFKA_DLQ_TOPIC: 'logs-app' }, 'KAFKA_DLQ_TOPIC="logs-app": must not be one of KAFKA_TOPICS'],
    ['a username without password', { ELASTICSEARCH_USERNAME: 'elastic' }, 'ELASTICSEARCH_PASSWORD: is required when ELASTICSEARCH_USERNAME is set'],
    ['an API key together with a password', { ELASTICSEARCH_API_KEY: 'k', ELASTICSEARCH_USERNAME: 'u', ELASTICSEARCH_PASSWORD: 'p' }, 'ELASTICSEARCH_API_KEY="[REDACTED]": expected either an API key or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD, not both'],
    ['a retention that is not a time value', { SLUICE_LOGS_RETENTION: '30 days' }, 'SLUICE_LOGS_RETENTION="30 days": expected an Elasticsearch time value such as "30d" or "12h"'],
    ['a rollover size that is not a size', { SLUICE_LOGS_ROLLOVER_MAX_SIZE: 'big' }, 'SLUICE_LOGS_ROLLOVER_MAX_SIZE="big": expected an Elasticsearch byte size such as "50gb"'],
    ['a topic mapped to an unknown source', { SLUICE_TOPIC_SOURCES: 'logs-app=nginx' }, 'SLUICE_TOPIC_SOURCES="logs-app=nginx": expected comma-separated topic=source pairs, the source one of app, traefik, worker, postgres, generic; "logs-app=nginx" is not one'],
    ['a trusted proxy that is not an address', { SLUICE_TRUSTED_PROXIES: '10.0.0.0/8,proxy.local' }, 'SLUICE_TRUSTED_PROXIES="10.0.0.0/8,proxy.local": expected comma-separated IP addresses or CIDR blocks such as "10.0.0.0/8,::1"; "proxy.local" is neither'],
    ['a CIDR prefix too long', { SLUICE_TRUSTED_PROXIES: '10.0.0.0/33' }, '"10.0.0.0/33" is neither'],
    ['an unknown redaction rule', { SLUICE_REDACT: 'email,ssn' }, 'SLUICE_REDACT="email,ssn": expected "none" or comma-separated redaction rules from email, card, iban, jwt, token, secret; "ssn" is not one'],
    ['a bulk size without unit', { SLUICE_BULK_MAX_BYTES: '5' }, 'SLUICE_BULK_MAX_BYTES="5": expected a size of at least 1kb such as "512kb", "5mb" or "1gb"'],
    ['an in-flight bound in words', { SLUICE_INGEST_MAX_INFLIGHT: 'lots' }, 'SLUICE_INGEST_MAX_INFLIGHT="lots": expected a size of at least 1kb'],
    ['a flush interval without unit', { SLUICE_BULK_FLUSH_INTERVAL: '1000' }, 'SLUICE_BULK_FLUSH_INTERVAL="1000": expected a duration such as "500ms", "1s" or "30s"'],
    ['a bulk concurrency of zero', { SLUICE_BULK_CONCURRENCY: '0' }, 'SLUICE_BULK_CONCURRENCY="0": expected an integer from 1 to 64'],
    ['a warm-up in words', { SLUICE_INGEST_WARMUP: 'some' }, 'SLUICE_INGEST_WARMUP="some": expected an integer from 0 to 100000'],
    ['a flag that is not true or false', { SLUICE_ILM_APPLY: 'yes' }, 'SLUICE_ILM_APPLY="yes": expected true or false'],
    ['a threshold without window', { SLUICE_DETECT_BRUTE_FORCE: '10' }, 'SLUICE_DETECT_BRUTE_FORCE="10": expected "off" or count/window, such as "10/5m"'],
    ['a threshold window under 10s', { SLUICE_DETECT_FLOOD: '100/1s' }, 'SLUICE_DETECT_FLOOD="100/1s": expected "off" or count/window'],
    ['a threshold of zero', { SLUICE_DETECT_404_SCAN: '0/1m' }, 'SLUICE_DETECT_404_SCAN="0/1m": expected "off" or count/window'],
    ['a login pattern that does not compile', { SLUICE_LOGIN_PATHS: '[login' }, 'SLUICE_LOGIN_PATHS="[login": expected a regular expression: Invalid regular expression'],
    ['an index pattern with a space', { SLUICE_DETECT_INDICES: 'logs traefik' }, 'SLUICE_DETECT_INDICES="logs traefik": expected comma-separated index names or patterns such as "logs-rendiff.traefik-*"; "logs traefik" is not one'],
    ['a lookback shorter than a window', { SLUICE_DETECT_LOOKBACK: '5m' }, 'SLUICE_DETECT_LOOKBACK="5m": must be at least the longest detector window (300s) plus SLUICE_DETECT_INTERVAL (60s)'],
    ['a short API key for the Sluice API', { SLUICE_API_KEYS: 'short' }, 'SLUICE_API_KEYS="[REDACTED]": expected comma-separated API keys of at least 16 characters each'],
  ];

  it.each(cases)('%s', (_name, env, message) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports every bad setting at once', () => {
    const problems = problemsOf({ SLUICE_API_PORT: 'abc', KAFKA_BROKERS: 'kafka', LOG_LEVEL: 'loud', GEOIP_CITY_DB: '/nope' });
    expect(problems.map((problem) => problem.split('=')[0]).sort()).toEqual(['GEOIP_CITY_DB', 'KAFKA_BROKERS', 'LOG_LEVEL', 'SLUICE_API_PORT']);
  });

  it('never repeats a secret in an error message', () => {
    const problems = problemsOf({ ELASTICSEARCH_API_KEY: 'the-secret-key', ELASTICSEARCH_PASSWORD: 'hunter2-secret' });
    expect(problems.join('\n')).not.toMatch(/secret/);
  });

  it('requires API keys for a verb that serves the API, outside local mode only', () => {
    expect(problemsOf({ KAFKA_BROKERS: 'k:9092' }, { servesApi: true })).toEqual([
      'SLUICE_API_KEYS: is required when KAFKA_BROKERS or ELASTICSEARCH_URL is set (outside local mode the API needs keys)',
    ]);
    expect(loadConfig({}, { servesApi: true }).api.keys).toEqual([]);
    expect(loadConfig({ KAFKA_BROKERS: 'k:9092' }).api.keys).toEqual([]);
    expect(loadConfig({ KAFKA_BROKERS: 'k:9092', SLUICE_API_KEYS: '0123456789abcdef' }, { servesApi: true }).api.keys).toEqual([{ role: 'reader', key: '0123456789abcdef' }]);
  });
});

describe('configuration file', () => {
  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('reads YAML with lists and numbers, and the environment overrides it', () => {
    const path = file('sluice.yaml', 'KAFKA_BROKERS: [k1:9092, k2:9092]\nSLUICE_API_PORT: 9100\nLOG_LEVEL: warn\n');
    const config = loadConfig({ LOG_LEVEL: 'error' }, { file: path });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.api.port).toBe(9100);
    expect(config.logLevel).toBe('error');
    expect(config.origins).toEqual({ KAFKA_BROKERS: path, SLUICE_API_PORT: path, LOG_LEVEL: 'environment' });
  });

  it('reads JSON, named by SLUICE_CONFIG_FILE', () => {
    const path = file('sluice.json', JSON.stringify({ SLUICE_NAMESPACE: 'staging' }));
    expect(loadConfig({ SLUICE_CONFIG_FILE: path }).namespace).toBe('staging');
  });

  it('SLUICE_ENRICHERS: all by default, "none", and a precise error for a name that is not an enricher', () => {
    expect(loadConfig({}).enrichers).toEqual(['client_address', 'geoip', 'network_direction', 'user_agent', 'login', 'security', 'redact']);
    expect(loadConfig({ SLUICE_ENRICHERS: 'none' }).enrichers).toEqual([]);
    expect(problemsOf({ SLUICE_ENRICHERS: 'geoip,ua' })).toEqual(['SLUICE_ENRICHERS="geoip,ua": expected "all", "none" or comma-separated enrichers from client_address, geoip, network_direction, user_agent, login, security, redact; "ua" is not one']);
  });

  it('names KAFKA_GROUP_INSTANCE_ID when it is longer than a group instance id may be', () => {
    expect(problemsOf({ KAFKA_GROUP_INSTANCE_ID: 'x'.repeat(250) })).toEqual([`KAFKA_GROUP_INSTANCE_ID="${'x'.repeat(250)}": expected at most 249 characters`]);
  });

  it('names the file when a value in it is bad', () => {
    const path = file('bad-port.yaml', 'SLUICE_API_PORT: abc\n');
    expect(problemsOf({}, { file: path })).toEqual([`SLUICE_API_PORT="abc" (in ${path}): expected an integer TCP port from 1 to 65535`]);
  });

  it('rejects an unknown setting, so a typo does not pass silently', () => {
    const path = file('typo.yaml', 'KAFKA_BROKER: k:9092\n');
    expect(problemsOf({}, { file: path })).toEqual([`${path}: unknown setting "KAFKA_BROKER"; did you mean KAFKA_BROKERS?`]);
    const far = file('far.yaml', 'COLOUR: red\n');
    expect(problemsOf({}, { file: far })[0]).toBe(`${far}: unknown setting "COLOUR"; run "sluice config --help" or see docs/configuration.md for the list`);
  });

  it('flags environment variables that look like Sluice\u2019s but are not, and leaves other tools\u2019 alone', () => {
    expect(problemsOf({ KAFKA_BROKER: 'k:9092', SLUICE_NAMESPCE: 'x', KAFKA_HEAP_OPTS: '-Xmx1g', ELASTICSEARCH_PATH_CONF: '/etc' })).toEqual([
      'environment: unknown setting "KAFKA_BROKER"; did you mean KAFKA_BROKERS?',
      'environment: unknown setting "SLUICE_NAMESPCE"; did you mean SLUICE_NAMESPACE?',
    ]);
  });

  it('reports every problem in one run: a bad value hides no rule between other settings, nor the lifecycle checks', () => {
    const lifecycle = (config: Config): string[] => (config.ilm.logs.warmAfter === '60d' ? ['policy sluice-logs: warm after delete'] : []);
    expect(problemsOf({ LOG_LEVEL: 'loud', ELASTICSEARCH_PASSWORD: 'x', SLUICE_DETECT_LOOKBACK: '1m', SLUICE_LOGS_WARM_AFTER: '60d' }, { checks: [lifecycle] })).toEqual([
      'LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent',
      'ELASTICSEARCH_USERNAME: is required when ELASTICSEARCH_PASSWORD is set',
      'SLUICE_DETECT_LOOKBACK="1m": must be at least the longest detector window (300s) plus SLUICE_DETECT_INTERVAL (60s), or windows would be skipped',
      'policy sluice-logs: warm after delete',
    ]);
    // A rule that reads a setting whose value was refused is not reported on top of it.
    expect(problemsOf({ SLUICE_DETECT_INTERVAL: 'often' })).toEqual(['SLUICE_DETECT_INTERVAL="often": expected a duration such as "500ms", "1s" or "30s"']);
  });

  it('rejects a file that is not a mapping, a nested value, or broken YAML', () => {
    expect(problemsOf({}, { file: file('list.yaml', '- a\n- b\n') })[0]).toContain('expected a mapping of setting names to values');
    expect(problemsOf({}, { file: file('nested.yaml', 'KAFKA_BROKERS: {a: 1}\n') })[0]).toContain('setting "KAFKA_BROKERS" must be a string, a number or a list of them');
    expect(problemsOf({}, { file: file('broken.yaml', 'a: [1, 2\n') })[0]).toContain('not valid YAML or JSON');
  });

  it('reports a file that cannot be read', () => {
    expect(problemsOf({ SLUICE_CONFIG_FILE: '/nonexistent/sluice.yaml' })).toEqual(['SLUICE_CONFIG_FILE="/nonexistent/sluice.yaml": cannot read the file (ENOENT)']);
  });
});

describe('describeConfig', () => {
  it('replaces every secret and keeps everything else', () => {
    const withPassword = describeConfig(
      loadConfig({ ELASTICSEARCH_USERNAME: 'elastic', ELASTICSEARCH_PASSWORD: 'pw-s3cr3t', SLUICE_API_KEYS: 'api-key-s3cr3t-0001', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'sluice', KAFKA_SASL_PASSWORD: 'kafka-s3cr3t' }),
    );
    const withKey = describeConfig(loadConfig({ ELASTICSEARCH_API_KEY: 'es-key-s3cr3t' }));
    const text = JSON.stringify([withPassword, withKey]);
    expect(text).not.toContain('s3cr3t');
    expect(text).toContain('"username":"elastic"');
    expect(text).toContain('"keys":[{"role":"reader","key":"[REDACTED]"}]');
  });
});
