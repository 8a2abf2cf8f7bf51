import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';
import { setOwn } from '../shared/json-object.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { seeded } from './support/random.js';
import { installTemplates } from './support/rollups.js';

/**
 * Records no test wrote by hand: random mixtures of the fields Sluice's sources, ECS loggers and JSON loggers
 * write, with values of every type in every place, odd field names, Filebeat envelopes and plain lines, on every
 * kind of topic. The pipeline must answer each with a document or a rejection, never an exception, and Elasticsearch
 * (the emulator, under ilm/'s templates) must take every document but where two records gave one dynamically mapped
 * field two types: a field the templates map is Sluice's to get right.
 */

const KEYS = [
  // The seed's API and worker records, Traefik's access log, Celery.
  'timestamp', 'level', 'message', 'job_id', 'user_id', 'processing_time', 'component', 'method', 'path', 'status_code', 'duration_ms', 'client_ip', 'user_agent', 'request_id',
  'worker_id', 'queue', 'task', 'retries', 'state',
  'ClientAddr', 'ClientHost', 'ClientPort', 'RequestMethod', 'RequestPath', 'RequestProtocol', 'RequestHost', 'RequestContentSize', 'DownstreamStatus', 'DownstreamContentSize', 'OriginStatus', 'OriginDuration',
  'Overhead', 'RetryAttempts', 'Duration', 'RouterName', 'ServiceName', 'ServiceURL', 'TLSVersion', 'request_User-Agent', 'request_Referer', 'StartUTC', 'StartLocal', 'time',
  'error_severity', 'user', 'dbname', 'backend_type', 'query', 'detail', 'hint', 'statement',
  // ECS loggers, dotted and nested; JSON loggers (pino, bunyan, zap, Python, structlog).
  '@timestamp', 'log.level', 'process.pid', 'service.name', 'http.response.status_code', 'url.path', 'source.ip', 'client.ip', 'event.duration', 'error.message', 'host.hostname', 'user.name', 'trace.id',
  'http', 'url', 'error', 'log', 'process', 'event', 'source', 'user', 'host', 'service', 'labels', 'tags',
  'msg', 'pid', 'hostname', 'name', 'err', 'req', 'res', 'responseTime', 'ts', 'caller', 'stacktrace', 'levelname', 'asctime', 'exc_info', 'severity', 'logger', 'function', 'line', 'exception', 'environment',
  // More loggers' formats (logger-formats.ts): Python's LogRecord, logback, log4j2, Serilog, .NET, tracing, Google Cloud, GELF.
  'funcName', 'lineno', 'pathname', 'filename', 'processName', 'thread', 'threadName', 'created', 'logger_name', 'thread_name', 'stack_trace', 'level_value', '@version', 'caller_line_number',
  'loggerName', 'instant', 'timeMillis', 'thrown', 'threadId', 'loggerFqcn', '@t', '@m', '@mt', '@l', '@x', '@i', '@r', 'SourceContext', 'Timestamp', 'Level', 'MessageTemplate', 'RenderedMessage',
  'Properties', 'Exception', 'LogLevel', 'Category', 'EventId', 'Message', 'target', 'fields', 'line_number', 'logging.googleapis.com/trace', 'logging.googleapis.com/sourceLocation', 'httpRequest',
  'short_message', 'version', '_container_id', '_x',
  // System log daemons' records (system-records.ts): journald, syslog-ng, rsyslog.
  'MESSAGE', '__REALTIME_TIMESTAMP', '_HOSTNAME', 'SYSLOG_IDENTIFIER', '_PID', 'SYSLOG_PID', 'PRIORITY', 'SYSLOG_FACILITY', '_SYSTEMD_UNIT', '_MACHINE_ID', 'CODE_LINE',
  'PROGRAM', 'HOST', 'PID', 'FACILITY', 'DATE', 'ISODATE', '_SDATA', 'LEGACY_MSGHDR', 'syslogtag', 'timereported', 'syslogfacility', 'syslogseverity', 'structured-data', 'sysloghost', 'programname',
  'appname', 'procid', 'msgid', 'facility', 'source_type', 'ident', 'pri', 'extradata',
  // Names Elasticsearch refuses, and others that are merely unusual.
  '', '.', 'a..b', ' ', 'x.', '.y', 'ünï', 'with space', 'k1', 'k2', 'k3',
  // Names of Object.prototype's members: a lookup by a record's key in a plain object would find them; and
  // `__proto__`, which an assignment would take as the object's prototype.
  'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__',
];

const STRINGS = [
  '', 'x', 'hello world', 'INFO', 'warn', 'ERROR', 'fatal', 'trace', '2026-11-22T10:00:00Z', '2026-11-22 10:00:00,123', '22/Nov/2026:10:00:00 +0000', '1764000000000',
  '192.0.2.1', '2001:db8::1', '::ffff:10.0.0.1', '10.0.0.1:443', '[2001:db8::2]:8080', 'unknown', '/api/v1/jobs/123?page=2', 'GET', 'HTTP/1.1', '150ms', '1.5s', '404', 'two hundred',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', "' OR 1=1 --", '<script>alert(1)</script>', '../../etc/passwd',
  'password=hunter2', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'jane.doe@example.com', '4111 1111 1111 1111', 'ünïcödé ✓ 🎬', 'x'.repeat(2000),
];
const NUMBERS = [0, 1, -1, -0.5, 30, 50, 200, 404, 503, 999, 1.5, 1e20, 1e300, 1764000000000, 1764000000000000000, 150_000_000, 65536, Number.MAX_SAFE_INTEGER];

function value(draw: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(draw() * list.length)] as T;
  const kind = draw();
  if (kind < 0.45) return pick(STRINGS);
  if (kind < 0.7) return pick(NUMBERS);
  if (kind < 0.75) return draw() < 0.5;
  if (kind < 0.8) return null;
  if (kind < 0.9 && depth < 3) return Array.from({ length: Math.floor(draw() * 3) }, () => value(draw, depth + 1));
  return depth < 3 ? record(draw, depth + 1, 1 + Math.floor(draw() * 4)) : pick(STRINGS);
}

function record(draw: () => number, depth: number, size: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < size; i += 1) setOwn(out, KEYS[Math.floor(draw() * KEYS.length)] as string, value(draw, depth));
  return out;
}

const TOPICS = ['logs-app', 'logs-traefik', 'logs-worker', 'logs-postgres', 'logs-other'];
const TEXT_LINES = [
  '192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] "GET /api/v1/jobs HTTP/1.1" 200 5 "-" "curl/8.5.0" 1 "api@docker" "http://172.20.0.5:80" 3ms',
  '2026-11-22 10:00:00.123 UTC [42] ERROR:  relation "jobs" does not exist',
  '[2026-11-22 10:00:00,123: INFO/MainProcess] Task tasks.transcode[abc] succeeded in 1.5s: None',
  'INFO:     192.0.2.1:5000 - "GET /health HTTP/1.1" 200 OK',
  'time="2026-11-22T10:00:00Z" level=info msg="Configuration loaded" =oops',
  'Traceback (most recent call last):', 'just some text', '{"broken": ',
  // Syslog and logfmt (syslog.ts, logfmt.ts), whole and cut short.
  '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 [a b="c\\"]"] x', '<165>1 - - - - - -', '<999>Oct 11 22:14:15 host su: x', '<13>Feb 30 10:00:00 host app[1]: x',
  'Feb 22 16:45:20 slave22 sshd[2738]: Failed password for root from 202.109.143.106 port 1786 ssh2', 'Feb 22 16:45:20 slave22 sshd[2738]: Failed password for root from nowhere port x ssh2',
  '2018-08-14T14:30:02.203151+02:00 linux-sqrz systemd[4179]: Stopped',
  // nginx's and Apache's error lines (web-server-errors.ts), a date that does not exist among them.
  '2016/10/25 14:49:34 [error] 54053#0: *1 open() failed, client: 127.0.0.1, server: x, request: "GET /?a=%ZZ HTTP/1.1"', '2016/02/30 14:49:34 [error] 1#0: x',
  '[Thu Jun 27 06:58:09.169510 2019] [include:warn] [pid 15934] [client [::1]:12345] AH01374: x', '[Mon Dec 26 16:22:08 2016] [error] [client ] File does not exist: ',
  // Go's log package (generic.ts).
  '2009/11/10 23:00:00 Hello, log file!', '2026/12/06 09:41:02.123123 main.go:99999999999999999999: x', 'ts=2023-06-23T10:06:36.512Z caller=main.go:541 level=info msg="x" a', 'lvl=info t=yesterday msg=',
];

/** The fields that make a record one of a source's, so that random values reach its normaliser, not only its schema. */
const SHAPES: ReadonlyArray<Record<string, unknown>> = [
  {},
  { timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'm' },
  { RequestMethod: 'GET', RequestPath: '/api/v1/jobs', DownstreamStatus: 200, ClientAddr: '192.0.2.1:5000', StartUTC: '2026-11-22T10:00:00.000Z' },
  { timestamp: '2026-11-22 10:00:00.123 UTC', error_severity: 'ERROR', message: 'm' },
  { '@timestamp': '2026-11-22T10:00:00Z', 'log.level': 'info', message: 'm' },
  { level: 30, time: 1764000000000, msg: 'm' },
  { '@t': '2026-11-22T10:00:00Z', '@mt': 'Hello, {User} {{x}} {N:x8}' },
  { levelname: 'INFO', asctime: '2026-11-22 10:00:00,123', message: 'm' },
  { version: '1.1', host: 'h', short_message: 'm', level: 3 },
  { LogLevel: 'Information', Category: 'C', Message: 'm' },
  { __REALTIME_TIMESTAMP: '1796550062123456', _HOSTNAME: 'h', SYSLOG_IDENTIFIER: 'sshd', PRIORITY: '6', MESSAGE: [70, 97, 105, 108] },
  { PROGRAM: 'sshd', HOST: 'h', FACILITY: 'auth', PRIORITY: 'info', DATE: 'Dec  6 09:41:02', MESSAGE: 'm' },
  { msg: ' m', syslogtag: 'sshd[1]:', timereported: '2026-12-06T09:41:02+00:00', syslogfacility: '4', syslogseverity: '6', 'structured-data': '[a b="c"]' },
  { '@timestamp': '2026-12-06T09:41:02+00:00', sysloghost: 'h', programname: 'sudo', severity: 'info', facility: 'authpriv', message: 'm' },
  { source_type: 'syslog', appname: 'sshd', hostname: 'h', facility: 'auth', severity: 'info', procid: 812, timestamp: '2026-12-06T09:41:02Z', message: 'm' },
  { pri: '38', time: 'Dec  6 09:41:02', host: 'h', ident: 'sshd', pid: '812', extradata: '[a b="c"]', message: 'm' },
];

/** One input: a JSON record, the same inside a Filebeat event, or a plain line. */
function input(draw: () => number): string {
  const shape = draw();
  if (shape < 0.15) return TEXT_LINES[Math.floor(draw() * TEXT_LINES.length)] as string;
  const body = { ...SHAPES[Math.floor(draw() * SHAPES.length)], ...record(draw, 0, 2 + Math.floor(draw() * 12)) };
  if (shape < 0.7) return JSON.stringify(body);
  const service = ['api', 'traefik', 'worker', 'postgres'][Math.floor(draw() * 4)];
  const message = draw() < 0.8 ? JSON.stringify(body) : String(value(draw, 3));
  return JSON.stringify({ '@timestamp': '2026-11-22T10:00:09.000Z', agent: { type: 'filebeat', version: '8.15.0' }, log: { file: { path: '/var/log/app.log' }, offset: 7 }, fields: { service }, message });
}

describe('records no test wrote by hand', () => {
  let elasticsearch: Awaited<ReturnType<typeof startElasticsearch>>;
  const byIndex = new Map<string, Set<string>>();
  /** The paths (objects and leaves) the template of an index maps, as Elasticsearch composes it. */
  async function templateFields(index: string): Promise<Set<string>> {
    const known = byIndex.get(index);
    if (known !== undefined) return known;
    const simulated = await elasticsearch.es.indices.simulateIndexTemplate({ name: index });
    const paths = new Set<string>();
    const walk = (properties: Record<string, { properties?: Record<string, unknown> }> | undefined, prefix: string): void => {
      for (const [name, field] of Object.entries(properties ?? {})) {
        paths.add(`${prefix}${name}`);
        walk(field.properties as never, `${prefix}${name}.`);
      }
    };
    walk(simulated.template.mappings?.properties as never, '');
    byIndex.set(index, paths);
    return paths;
  }
  beforeAll(async () => {
    elasticsearch = await startElasticsearch();
    await installTemplates(elasticsearch.es);
  });
  afterAll(() => elasticsearch.stop());

  it('each gets a document or a rejection, and Elasticsearch takes every document but for fields two records typed apart', async () => {
    const draw = seeded(20261206);
    const pipeline = createPipeline({ namespace: 'fuzz', now: () => Date.parse('2026-11-22T12:00:00Z') });
    const documents: Array<{ line: string; document: Record<string, unknown> }> = [];
    let rejected = 0;
    for (let i = 0; i < 3000; i += 1) {
      const line = input(draw);
      const topic = TOPICS[Math.floor(draw() * TOPICS.length)] as string;
      let outcome: ReturnType<typeof pipeline>;
      try {
        outcome = pipeline({ value: line, topic });
      } catch (error) {
        throw new Error(`the pipeline threw on ${topic}: ${line.slice(0, 300)}: ${(error as Error).stack}`);
      }
      if (outcome.ok) documents.push({ line, document: outcome.document });
      else rejected += 1;
    }
    // Many make documents; the others are refused by their source's schema (a value of the wrong type in a field
    // the source knows, a record without its time where Filebeat gives none), with the field named.
    expect(documents.length).toBeGreaterThan(600);
    expect(rejected).toBeGreaterThan(600);

    const operations = documents.flatMap(({ document }) => [{ create: { _index: `logs-${(document.data_stream as { dataset: string }).dataset}-fuzz` } }, document]);
    const result = await elasticsearch.es.bulk({ operations });
    const wrong: string[] = [];
    let conflicts = 0;
    for (const [i, item] of result.items.entries()) {
      const error = item.create?.error;
      if (error === undefined || error === null) continue;
      const reason = `${error.reason ?? ''} ${error.caused_by?.reason ?? ''}`;
      const field = /(?:field|mapping for|mapper) \[([^\]]+)\]/.exec(reason)?.[1];
      // A field its data stream's template maps, or a refusal that names none, is Sluice's to get right; a field
      // mapped dynamically by the first record that had it, then given another type, is not.
      if (field === undefined || (await templateFields(item.create?._index as string)).has(field)) wrong.push(`${reason} ← ${documents[i]?.line.slice(0, 200)}`);
      else conflicts += 1;
    }
    expect(wrong).toEqual([]);
    // Random values make many such conflicts (about half the documents with this seed); the rest are indexed.
    expect(documents.length - conflicts).toBeGreaterThan(documents.length / 3);
  });

  it('what they found, one by one: each of these documents Elasticsearch refused before', async () => {
    const pipeline = createPipeline({ namespace: 'fuzz', now: () => Date.parse('2026-11-22T12:00:00Z') });
    const accept = (record: Record<string, unknown>, topic: string): Record<string, any> => {
      const outcome = pipeline({ value: JSON.stringify(record), topic });
      if (!outcome.ok) throw new Error(`${outcome.stage}: ${outcome.reason}`);
      return outcome.document;
    };
    const traefik = { RequestMethod: 'GET', RequestPath: '/api/v1/jobs', DownstreamStatus: 200, StartUTC: '2026-11-22T10:00:00.000Z', ServiceName: 'api@docker' };
    // A client that is not an address stays as source.address only (source.ip is an ip field).
    expect(accept({ ...traefik, ClientAddr: 'unknown' }, 'logs-traefik').source).toEqual({ address: 'unknown' });
    // A record's key that lands on one of Sluice's own traefik.* fields is kept beside it.
    expect(accept({ ...traefik, 'service.name': { a: 1 } }, 'logs-traefik').traefik).toEqual({ service_name: 'api@docker', _service_name: { a: 1 } });
    expect(accept({ ...traefik, origin_status: 'ok' }, 'logs-traefik').traefik).toEqual({ service_name: 'api@docker', _origin_status: 'ok' });
    // What fits stays where it lands: a number in a long, an empty list anywhere.
    expect(accept({ ...traefik, origin_status: 502, router_name: [] }, 'logs-traefik').traefik).toEqual({ service_name: 'api@docker', origin_status: 502, router_name: [] });
    // A number past what a long holds is refused with its field, not sent to be refused by Elasticsearch.
    expect(pipeline({ value: JSON.stringify({ ...traefik, OriginDuration: 1e300 }), topic: 'logs-traefik' })).toMatchObject({ ok: false, stage: 'validate', reason: expect.stringMatching(/^field OriginDuration: /) });
    // A duration past a long's nanoseconds is not placed as event.duration; the record's value stays.
    const slow = accept({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'm', processing_time: 1764000000000 }, 'logs-app');
    expect([slow.event.duration, slow.rendiff.processing_time]).toEqual([undefined, 1764000000000]);
    expect(accept({ level: 30, time: 1764000000000, msg: 'm', responseTime: 1e20 }, 'logs-app').event.duration).toBeUndefined();
    // A worker field its keyword place cannot hold stays under rendiff.*, whole.
    expect(accept({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'm', worker_id: 'w1', queue: { name: 'video' } }, 'logs-worker').rendiff).toMatchObject({ worker: { id: 'w1' }, queue: { name: 'video' } });
    // Keys named as Object.prototype's members are the record's fields like any other, kept under their names.
    expect(accept({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'm', constructor: 'x', toString: 'y', '': 2 }, 'logs-app').rendiff).toEqual({ constructor: 'x', toString: 'y', _: 2 });
    expect(accept({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'm', worker_id: 'w1', hasOwnProperty: 'z' }, 'logs-worker').rendiff).toEqual({ hasOwnProperty: 'z', worker: { id: 'w1' } });
    // PostgreSQL's jsonlog with a key of Sluice's own postgresql.log fields, of another type.
    const postgres = accept({ timestamp: '2026-11-22 10:00:00.123 UTC', error_severity: 'LOG', message: 'm', query: { text: 'select 1' } }, 'logs-postgres');
    expect(postgres.postgresql.log._query).toEqual({ text: 'select 1' });
    expect(postgres.postgresql.log.query).toBeUndefined();
  });
});
