import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRedactor } from '../pipelines/enrich/redact.js';
import { isRefusedFieldName } from '../pipelines/field-names.js';
import { createPipeline } from '../pipelines/pipeline.js';
import { rollupRange } from '../services/rollup/rollups.js';
import { readMinuteSeries } from '../services/rollup/series.js';
import { packageRoot } from '../shared/paths.js';
import { parseSloFile } from '../shared/slo.js';
import { failure } from './support/elasticsearch.js';
import { run } from './support/process.js';
import { ingestLines, templatedEmulator } from './support/rollups.js';

// Lines as Elastic's ECS logging libraries write them, written for Sluice from each library's documentation and
// tests: @elastic/ecs-pino-format (docs/reference/pino.md: its basic, error, HTTP and APM examples), ecs-logging-python
// (tests/test_stdlib_formatter.py and json_dumps in ecs_logging/_utils.py: @timestamp, log.level, message first, the rest
// nested and sorted), ecs-logging-java (its README's Spring Petclinic lines), ecszap (log.origin with dotted keys inside).

const NOW = Date.parse('2026-11-22T12:00:00Z');
const pipeline = createPipeline({ namespace: 'prod', now: () => NOW });

function accept(record: unknown, topic = 'logs-app'): Record<string, any> {
  const outcome = pipeline({ value: typeof record === 'string' ? record : JSON.stringify(record), topic });
  if (!outcome.ok) throw new Error(`rejected: ${outcome.reason}`);
  return outcome.document;
}

const PINO = '{"log.level":"info","@timestamp":"2023-10-14T02:07:47.901Z","process.pid":56645,"host.hostname":"pink.local","ecs.version":"8.10.0","message":"Hello world"}';
const PINO_CHILD = '{"log.level":"warn","@timestamp":"2023-10-14T02:07:47.901Z","process.pid":56645,"host.hostname":"pink.local","ecs.version":"8.10.0","module":"foo","message":"From child"}';
const PINO_ERROR = {
  'log.level': 'error', '@timestamp': '2021-01-26T17:02:23.697Z', 'process.pid': 4242, 'host.hostname': 'pink.local', 'ecs.version': '8.10.0',
  error: { type: 'Error', message: 'boom', stack_trace: 'Error: boom\n    at Object.<anonymous> (/app/examples/error.js:5:15)' },
  message: 'oops',
};
const PINO_HTTP = {
  'log.level': 'info', '@timestamp': '2023-10-14T02:10:14.477Z', 'process.pid': 56697, 'host.hostname': 'pink.local', 'ecs.version': '8.10.0',
  http: { version: '1.1', request: { method: 'GET', headers: { host: 'localhost:3000', 'user-agent': 'curl/8.1.2', accept: '*/*' } }, response: { status_code: 503, headers: { foo: 'Bar' } } },
  url: { full: 'http://localhost:3000/api/v1/jobs/8f14e45f', path: '/api/v1/jobs/8f14e45f' },
  client: { address: '::ffff:127.0.0.1', ip: '::ffff:127.0.0.1', port: 49504 },
  user_agent: { original: 'curl/8.1.2' },
  'event.duration': 1_250_000,
  message: 'handled request',
};
const PINO_APM = {
  'log.level': 'info', '@timestamp': '2023-10-14T02:10:14.477Z', 'ecs.version': '8.10.0', message: 'traced',
  'service.name': 'http-with-elastic-apm', 'service.version': '1.4.0', 'service.environment': 'development', 'event.dataset': 'http-with-elastic-apm',
  'trace.id': '9f338eae7211b7993b98929046aed21d', 'transaction.id': '2afbef5642cc7a3f',
};
const PYTHON =
  '{"@timestamp":"2020-03-20T14:12:46.123Z","log.level":"debug","message":"1: hello","ecs":{"version":"1.6.0"},' +
  '"log":{"logger":"logger-name","origin":{"file":{"line":10,"name":"file.py"},"function":"test_function"},"original":"1: hello"},' +
  '"process":{"name":"MainProcess","pid":12345,"thread":{"id":140735202359168,"name":"MainThread"}}}';
const JAVA =
  '{"@timestamp":"2019-08-06T14:08:40.199Z", "log.level":"DEBUG", "message":"init find form", "service.name":"spring-petclinic",' +
  '"process.thread.name":"http-nio-8080-exec-8","log.logger":"org.springframework.samples.petclinic.owner.OwnerController",' +
  '"transaction.id":"28b7fb8d5aba51f1","trace.id":"2869b25b5469590610fea49ac04af7da"}';
// pino's README (its basic and child lines), pino's error serializer (lib/err.js: type, message, stack), pino-http's
// README (request completed), Fastify's two request lines (incoming, completed; reqId between them), bunyan's README.
const PINO_PLAIN = '{"level":30,"time":1531171074631,"msg":"hello world","pid":657,"hostname":"Davids-MBP-3.fritz.box"}';
const PINO_PLAIN_ERROR = '{"level":50,"time":1531171082399,"pid":657,"hostname":"Davids-MBP-3.fritz.box","err":{"type":"Error","message":"kaboom","stack":"Error: kaboom\\n    at Object.<anonymous> (/app/index.js:3:12)","code":"E_KABOOM"},"msg":"kaboom"}';
const PINO_HTTP_LINE =
  '{"level":30,"time":1469122492244,"pid":13961,"hostname":"MacBook-Pro-4","req":{"id":1,"method":"GET","url":"/api/v1/jobs/12345?full=1",' +
  '"headers":{"host":"localhost:3000","user-agent":"curl/7.43.0","accept":"*/*"},"remoteAddress":"::ffff:203.0.113.7","remotePort":64386},' +
  '"res":{"statusCode":502,"headers":{"x-powered-by":"Express"}},"responseTime":10,"msg":"request completed"}';
const FASTIFY_IN = '{"level":30,"time":1652380326855,"pid":46072,"hostname":"api-1","reqId":"req-5","req":{"method":"POST","url":"/graphql","hostname":"localhost:8910","remoteAddress":"::1","remotePort":64671},"msg":"incoming request"}';
const FASTIFY_OUT = '{"level":30,"time":1652380326869,"pid":46072,"hostname":"api-1","reqId":"req-5","res":{"statusCode":200},"responseTime":48.36454105377197,"msg":"request completed"}';
const BUNYAN = '{"name":"myapp","hostname":"banana.local","pid":40161,"level":40,"msg":"hi","time":"2013-01-04T18:46:23.851Z","v":0}';
const BUNYAN_ERROR = '{"name":"myapp","hostname":"banana.local","pid":40161,"level":50,"err":{"message":"boom","name":"TypeError","stack":"TypeError: boom\\n    at Object.<anonymous> (/app/hi.js:8:9)"},"msg":"boom","time":"2013-01-04T18:46:24.000Z","v":0}';
// Go: zap's production encoder (its README's example, and an error with zap.Error and the stack trace it adds at
// error level), log/slog's JSONHandler with AddSource (its package documentation), logrus's JSONFormatter with
// WithError (RFC 3339 time, its default); Python: structlog's JSONRenderer with add_log_level and TimeStamper(fmt="iso").
const ZAP_INFO = '{"level":"info","ts":1257894000.123,"caller":"zap/example_test.go:12","msg":"failed to fetch URL","url":"http://example.com","attempt":3,"backoff":1}';
const ZAP_ERROR = '{"level":"error","ts":1700000000.5,"logger":"api","caller":"server/handler.go:88","msg":"request failed","error":"context deadline exceeded","stacktrace":"main.handler\\n\\t/app/server/handler.go:88\\nnet/http.HandlerFunc.ServeHTTP\\n\\t/usr/local/go/src/net/http/server.go:2136"}';
const SLOG = '{"time":"2023-08-04T16:09:19.964-04:00","level":"WARN","source":{"function":"main.main","file":"/home/user/app/main.go","line":14},"msg":"disk almost full","count":3}';
const LOGRUS = '{"animal":"walrus","error":"no such file","level":"warning","msg":"A group of walrus emerges from the ocean","size":10,"time":"2014-03-10T19:57:38-04:00"}';
const STRUCTLOG = '{"key": "value", "event": "hello", "level": "info", "timestamp": "2024-05-01T10:00:00.123456Z"}';
const ZAP = '{"log.level":"info","@timestamp":"2020-09-13T10:48:03.000Z","log.logger":"mylogger","log.origin":{"file.name":"main/main.go","file.line":265},"message":"some logging info","ecs.version":"1.6.0","custom":{"foo":"bar","count":17}}';

describe('records written by ECS loggers', () => {
  it('keep their fields in the ECS places they name, dotted or nested, with the level and time read from them', () => {
    expect(accept(PINO)).toMatchObject({ '@timestamp': '2023-10-14T02:07:47.901Z', log: { level: 'info' }, message: 'Hello world', process: { pid: 56645 }, host: { hostname: 'pink.local' }, service: { name: 'rendiff-api' } });
    expect(accept(PINO_CHILD).rendiff).toEqual({ module: 'foo', ecs_version: '8.10.0' });
    const python = accept(PYTHON);
    expect(python).toMatchObject({
      '@timestamp': '2020-03-20T14:12:46.123Z',
      log: { level: 'debug', logger: 'logger-name', origin: { file: { line: 10, name: 'file.py' }, function: 'test_function' }, original: '1: hello' },
      process: { name: 'MainProcess', pid: 12345, thread: { id: 140735202359168, name: 'MainThread' } },
      ecs: { version: '8.11.0' },
    });
    // The record's ECS version is not the document's (Sluice wrote it as ECS 8.11): kept beside it.
    expect(python.rendiff).toEqual({ ecs_version: '1.6.0' });
    expect(python.tags).toBeUndefined();
    const java = accept(JAVA, 'logs-worker');
    expect(java).toMatchObject({ log: { level: 'debug', logger: 'org.springframework.samples.petclinic.owner.OwnerController' }, service: { name: 'spring-petclinic' }, process: { thread: { name: 'http-nio-8080-exec-8' } }, trace: { id: '2869b25b5469590610fea49ac04af7da' }, transaction: { id: '28b7fb8d5aba51f1' }, data_stream: { dataset: 'rendiff.worker' } });
    expect(java.rendiff).toBeUndefined();
    expect(accept(ZAP)).toMatchObject({ log: { logger: 'mylogger', origin: { file: { name: 'main/main.go', line: 265 } } }, rendiff: { custom: { foo: 'bar', count: 17 } } });
  });

  it('give an error its ECS fields and outcome, and a request its outcome, route and latency bucket as the app fields do', () => {
    expect(accept(PINO_ERROR)).toMatchObject({ error: PINO_ERROR.error, log: { level: 'error' }, event: { outcome: 'failure' } });
    const request = accept(PINO_HTTP);
    expect(request).toMatchObject({
      http: { version: '1.1', request: { method: 'GET', headers: { 'user-agent': 'curl/8.1.2' } }, response: { status_code: 503 } },
      url: { path: '/api/v1/jobs/8f14e45f', full: 'http://localhost:3000/api/v1/jobs/8f14e45f' },
      client: { ip: '::ffff:127.0.0.1', port: 49504 },
      user_agent: { original: 'curl/8.1.2' },
      event: { outcome: 'failure', duration: 1_250_000 },
    });
    expect(request.rendiff.route).toBe('/api/v1/jobs/{id}');
    // The latency bucket the seed's own duration_ms gives for the same 1.25 ms.
    const bucketOf = (durationMs: number) => accept({ timestamp: '2026-11-22T11:00:00Z', level: 'INFO', message: 'm', duration_ms: durationMs }).rendiff.latency_bucket as number;
    expect(request.rendiff.latency_bucket).toBe(bucketOf(1.25));
    expect(bucketOf(1.25)).not.toBe(bucketOf(10));
    // ECS asks for source.* always: from client.*, which is what GeoIP and the detectors read.
    expect(request.source).toEqual({ ip: '::ffff:127.0.0.1', port: 49504 });
    expect(accept({ ...PINO_HTTP, client: { ip: 'localhost' } }).source).toBeUndefined();
    expect(accept(PINO_HTTP, 'other')).toMatchObject({ data_stream: { dataset: 'sluice.generic' }, event: { outcome: 'failure' }, rendiff: { route: '/api/v1/jobs/{id}' }, source: { ip: '::ffff:127.0.0.1' } });
    expect(accept({ ...PINO_HTTP, http: { response: { status_code: 201 } } }).event.outcome).toBe('success');
  });

  it('name the service and trace, while Sluice keeps the fields it owns and Filebeat’s service name wins', () => {
    const apm = accept(PINO_APM);
    expect(apm).toMatchObject({ service: { name: 'http-with-elastic-apm', version: '1.4.0', environment: 'development' }, trace: { id: '9f338eae7211b7993b98929046aed21d' }, transaction: { id: '2afbef5642cc7a3f' } });
    // event.dataset chooses the data stream: Sluice's stays, the record's is kept beside it.
    expect(apm.event.dataset).toBe('rendiff.api');
    expect(apm.rendiff).toMatchObject({ event_dataset: 'http-with-elastic-apm' });
    const shipped = accept({ '@timestamp': '2026-11-22T11:59:00Z', '@metadata': { beat: 'filebeat', type: '_doc', version: '8.11.0' }, fields: { service: 'billing' }, message: JSON.stringify(PINO_APM) });
    expect(shipped.service.name).toBe('billing');
    expect(shipped.rendiff).toMatchObject({ service_name: 'http-with-elastic-apm' });
    const seedFormat = accept({ '@timestamp': '2026-11-22T11:59:00Z', fields: { service: 'billing' }, message: JSON.stringify({ timestamp: '2026-11-22T11:59:00Z', level: 'INFO', message: 'x', service: 'my-service' }) });
    expect([seedFormat.service.name, seedFormat.rendiff.service]).toEqual(['billing', 'my-service']);
  });

  it('keep under rendiff.* what Elasticsearch would refuse in the ECS place: another type, a field set given a value, a taken field', () => {
    const odd = accept({
      '@timestamp': '2026-11-22T11:00:00Z', 'log.level': 'info', message: 'odd',
      'process.pid': 'abc', 'source.ip': 'unknown', 'http.response.status_code': '200', error: ['boom'], user: 'bob', event: 'job_started',
      'url.original': { raw: '/x' }, 'data_stream.dataset': 'elsewhere', 'log..level': 'x', 'process.name': 'ffmpeg',
    });
    expect(odd.rendiff).toEqual({
      process_pid: 'abc', source_ip: 'unknown', http_response_status_code: '200', error: ['boom'], user: 'bob', event: 'job_started',
      url_original: { raw: '/x' }, data_stream_dataset: 'elsewhere', log__level: 'x',
    });
    expect(odd).toMatchObject({ process: { name: 'ffmpeg' }, data_stream: { dataset: 'rendiff.api' }, event: { dataset: 'rendiff.api' } });
    expect([odd.source, odd.error, odd.user, odd.http]).toEqual([undefined, undefined, undefined, undefined]);
    // Free text in the objects redaction does not walk (Sluice's own: event, service, agent, rule) stays where it is
    // redacted; names and enumerations go there.
    const redactor = createRedactor();
    const redacted = createPipeline({ namespace: 'prod', now: () => NOW, enrichers: [(document, line) => redactor.document(document, line)] });
    const outcome = redacted({ topic: 'logs-app', value: JSON.stringify({ '@timestamp': '2026-11-22T11:00:00Z', 'log.level': 'info', message: 'm', 'event.original': 'login by ann@example.com', 'event.action': 'user-login', 'rule.description': 'mail bob@example.com', agent: { name: 'ann@example.com' }, 'service.version': '1.4.0' }) });
    expect(outcome.ok && outcome.document).toMatchObject({
      event: { action: 'user-login' }, service: { version: '1.4.0' },
      rendiff: { event_original: 'login by [REDACTED:email]', rule_description: 'mail [REDACTED:email]', agent_name: '[REDACTED:email]' },
    });
    // A level given as `level` wins, and the record's `log.level` is then kept, not dropped.
    expect(accept({ timestamp: '2026-11-22T11:00:00Z', level: 'WARNING', 'log.level': 'info', message: 'm' })).toMatchObject({ log: { level: 'warning' }, rendiff: { log_level: 'info' } });
    // Tags join the document's; labels join Filebeat's.
    const tagged = accept({ '@timestamp': '2026-11-22T11:59:00Z', fields: { team: 'media' }, tags: ['beats_input'], message: JSON.stringify({ '@timestamp': '2026-11-22T11:59:00Z', 'log.level': 'info', message: 'm', tags: ['canary', 'beats_input'], labels: { region: 'eu' } }) });
    expect(tagged.tags).toEqual(['beats_input', 'canary']);
    expect(tagged.labels).toEqual({ team: 'media', region: 'eu' });
  });

  it('are records, not Filebeat events, though they have `ecs`, `log` and `agent`; and Filebeat’s ndjson parser at the root keeps them whole', () => {
    // Python's nested ecs and log once made the record look like a Filebeat event: its message became the record,
    // and every other field was lost.
    expect(accept(PYTHON).log.logger).toBe('logger-name');
    expect(accept(PYTHON, 'other-topic')).toMatchObject({ data_stream: { dataset: 'sluice.generic' }, log: { level: 'debug', logger: 'logger-name' }, process: { pid: 12345 } });
    expect(accept({ '@timestamp': '2026-11-22T11:00:00Z', 'log.level': 'Information', message: 'Started', agent: { type: 'Elastic.CommonSchema.Serilog', version: '8.6.0' } })).toMatchObject({ message: 'Started', log: { level: 'information' } });
    // Filebeat's filestream with `parsers: - ndjson: {expand_keys: true}` (target "", the root), as Elastic's guides
    // set it up for ECS loggers: the record's fields beside Filebeat's own.
    const atRoot = accept({
      '@timestamp': '2023-10-14T02:07:47.901Z', '@metadata': { beat: 'filebeat', type: '_doc', version: '8.11.0' },
      agent: { type: 'filebeat', version: '8.11.0', name: 'web-1', id: 'a1' }, input: { type: 'filestream' }, ecs: { version: '8.0.0' },
      host: { name: 'web-1' }, log: { file: { path: '/var/log/app.json' }, offset: 512, level: 'warn' },
      process: { pid: 56645 }, message: 'From child', module: 'foo',
    });
    expect(atRoot).toMatchObject({ message: 'From child', log: { level: 'warn', file: { path: '/var/log/app.json' }, offset: 512 }, process: { pid: 56645 }, host: { name: 'web-1' }, agent: { type: 'filebeat' }, rendiff: { module: 'foo' } });
    // The seed's own API line, decoded by Filebeat's log input with json.keys_under_root (its message is the API's):
    // its level, time and fields were Filebeat's envelope before, and lost.
    const keysUnderRoot = accept({
      '@timestamp': '2026-11-22T10:00:00.500Z', '@metadata': { beat: 'filebeat', type: '_doc', version: '8.11.0' }, input: { type: 'log' },
      log: { file: { path: '/var/log/rendiff/api.log' }, offset: 0 }, agent: { type: 'filebeat', version: '8.11.0' }, ecs: { version: '8.0.0' }, host: { name: 'api-1' }, fields: { service: 'rendiff-api' },
      timestamp: '2026-11-22T10:00:00.120Z', level: 'INFO', message: 'Job created', job_id: '8f14e45f', user_id: 'user123', component: 'api',
    }, 'logs-app');
    expect(keysUnderRoot).toMatchObject({ '@timestamp': '2026-11-22T10:00:00.120Z', log: { level: 'info', file: { path: '/var/log/rendiff/api.log' } }, message: 'Job created', user: { id: 'user123' }, rendiff: { job_id: '8f14e45f', component: 'api' }, service: { name: 'rendiff-api' } });
    expect(keysUnderRoot.tags).toBeUndefined();
    expect(Object.keys(keysUnderRoot.rendiff)).toEqual(['job_id', 'component']);
    // deploy/filebeat.yml's log_type at the root is Filebeat's: a Traefik line in its message is still the line.
    const clf = accept({ '@timestamp': '2026-11-22T10:00:00.500Z', '@metadata': { beat: 'filebeat' }, input: { type: 'filestream' }, log_type: 'traefik', message: '192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" 1 "api@docker" "http://172.20.0.5:80" 3ms' }, 'logs-traefik');
    expect(clf).toMatchObject({ data_stream: { dataset: 'rendiff.traefik' }, http: { response: { status_code: 200 } } });
    // A Filebeat event of a plain line is what it was.
    expect(accept({ '@timestamp': '2026-11-22T11:00:00Z', agent: { type: 'filebeat' }, log: { file: { path: '/var/log/x' } }, message: 'plain text' }, 'other')).toMatchObject({ message: 'plain text', log: { file: { path: '/var/log/x' } } });
  });
});

describe('records written by pino, pino-http, Fastify and bunyan', () => {
  it('have their numeric level named, their time, message, process, host and logger name in ECS places', () => {
    expect(accept(PINO_PLAIN)).toMatchObject({ '@timestamp': '2018-07-09T21:17:54.631Z', log: { level: 'info' }, message: 'hello world', process: { pid: 657 }, host: { hostname: 'Davids-MBP-3.fritz.box', name: 'Davids-MBP-3.fritz.box' } });
    expect(accept(PINO_PLAIN).rendiff).toBeUndefined();
    const bunyan = accept(BUNYAN, 'logs-worker');
    expect(bunyan).toMatchObject({ '@timestamp': '2013-01-04T18:46:23.851Z', log: { level: 'warn', logger: 'myapp' }, message: 'hi', process: { pid: 40161 }, rendiff: { v: 0 } });
    // A custom level is its number; pino's level formatter writes the label, read as any level.
    expect(accept({ level: 35, time: 1531171074631, msg: 'm' }).log.level).toBe('35');
    expect(accept({ level: 'info', time: 1531171074631, msg: 'm' })).toMatchObject({ log: { level: 'info' }, message: 'm' });
    // The seed's own fields win: message over msg, Filebeat's host over the record's.
    expect(accept({ level: 'INFO', timestamp: '2026-11-22T11:00:00Z', message: 'mine', msg: 'theirs', time: 12.5 })).toMatchObject({ message: 'mine', rendiff: { msg: 'theirs', time: 12.5 } });
    const shipped = accept({ '@timestamp': '2026-11-22T11:00:00Z', agent: { type: 'filebeat' }, host: { name: 'node-7', hostname: 'node-7' }, message: PINO_PLAIN });
    expect([shipped.host.hostname, shipped.rendiff.hostname]).toEqual(['node-7', 'Davids-MBP-3.fritz.box']);
  });

  it('give an error its ECS fields, the rest of it kept', () => {
    expect(accept(PINO_PLAIN_ERROR)).toMatchObject({ log: { level: 'error' }, event: { outcome: 'failure' }, error: { type: 'Error', message: 'kaboom', stack_trace: 'Error: kaboom\n    at Object.<anonymous> (/app/index.js:3:12)' }, rendiff: { err: { code: 'E_KABOOM' } } });
    expect(accept(BUNYAN_ERROR).error).toMatchObject({ type: 'TypeError', message: 'boom' });
    expect(accept(BUNYAN_ERROR).rendiff.err).toBeUndefined();
  });

  it('make a request of pino-http’s and Fastify’s lines: method, URL, route, client, agent, status, outcome and duration', () => {
    const request = accept(PINO_HTTP_LINE);
    expect(request).toMatchObject({
      http: { request: { method: 'GET', id: '1' }, response: { status_code: 502 } },
      url: { original: '/api/v1/jobs/12345?full=1', path: '/api/v1/jobs/12345', query: 'full=1' },
      source: { ip: '::ffff:203.0.113.7', port: 64386 },
      user_agent: { original: 'curl/7.43.0' },
      event: { outcome: 'failure', duration: 10_000_000 },
      rendiff: { route: '/api/v1/jobs/{id}', req: { headers: { host: 'localhost:3000', 'user-agent': 'curl/7.43.0', accept: '*/*' } }, res: { headers: { 'x-powered-by': 'Express' } } },
    });
    expect(request.rendiff.latency_bucket).toBe(accept({ timestamp: '2026-11-22T11:00:00Z', level: 'INFO', message: 'm', duration_ms: 10 }).rendiff.latency_bucket);
    // Fastify's request id on both lines, and the Host header (`hostname` before Fastify 5) as the URL's domain and port.
    expect(accept(FASTIFY_IN)).toMatchObject({ http: { request: { method: 'POST', id: 'req-5' } }, url: { path: '/graphql', domain: 'localhost', port: 8910 }, source: { ip: '::1' } });
    expect(accept(FASTIFY_OUT)).toMatchObject({ http: { request: { id: 'req-5' }, response: { status_code: 200 } }, event: { outcome: 'success', duration: 48_364_541 } });
    expect([accept(FASTIFY_IN).rendiff.reqId, accept(FASTIFY_IN).rendiff.req, accept(FASTIFY_OUT).rendiff.reqId]).toEqual([undefined, undefined, undefined]);
    // Of another type, each stays as it was written.
    const odd = accept({ level: 30, time: 1531171074631, msg: 'm', pid: 'main', hostname: 7, req: 'GET /', res: { statusCode: 'OK' }, responseTime: -1, err: { code: 1 } });
    expect(odd.rendiff).toEqual({ pid: 'main', hostname: 7, req: 'GET /', res: { statusCode: 'OK' }, responseTime: -1, err: { code: 1 } });
    expect(odd.http).toBeUndefined();
  });

  it('are read the same way by the generic pipeline, and every field of a generic record is kept', () => {
    expect(accept(PINO_HTTP_LINE, 'other')).toMatchObject({ data_stream: { dataset: 'sluice.generic' }, log: { level: 'info' }, message: 'request completed', http: { response: { status_code: 502 } }, process: { pid: 13961 } });
    // A second time field, a message that is not text, and a level of another kind were dropped before.
    expect(accept({ '@timestamp': '2026-11-22T11:00:00Z', time: 'yesterday', msg: { text: 'x' }, level: ['a'] }, 'other').rendiff).toEqual({ time: 'yesterday', msg: { text: 'x' }, level: ['a'] });
    expect(accept({ ts: 1764000000, message: { text: 'x' } }, 'other')).toMatchObject({ '@timestamp': '2025-11-24T16:00:00.000Z', rendiff: { message: { text: 'x' } } });
  });
});

describe('records written by Go’s zap, slog and logrus, and Python’s structlog', () => {
  it('have their time, message, caller or source, error and stack trace in ECS places', () => {
    expect(accept(ZAP_INFO)).toMatchObject({ '@timestamp': '2009-11-10T23:00:00.123Z', log: { level: 'info', origin: { file: { name: 'zap/example_test.go', line: 12 } } }, message: 'failed to fetch URL', rendiff: { url: 'http://example.com', attempt: 3, backoff: 1 } });
    expect(accept(ZAP_ERROR, 'logs-worker')).toMatchObject({ '@timestamp': '2023-11-14T22:13:20.500Z', log: { level: 'error', logger: 'api' }, event: { outcome: 'failure' }, error: { message: 'context deadline exceeded', stack_trace: expect.stringContaining('server/handler.go:88') } });
    const slog = accept(SLOG);
    expect(slog).toMatchObject({ '@timestamp': '2023-08-04T20:09:19.964Z', log: { level: 'warn', origin: { function: 'main.main', file: { name: '/home/user/app/main.go', line: 14 } } }, message: 'disk almost full', rendiff: { count: 3 } });
    // slog's source is where in the code: not ECS's network source.
    expect(slog.source).toBeUndefined();
    expect(accept(LOGRUS)).toMatchObject({ '@timestamp': '2014-03-10T23:57:38.000Z', log: { level: 'warning' }, error: { message: 'no such file' }, rendiff: { animal: 'walrus', size: 10 } });
    expect(accept(STRUCTLOG)).toMatchObject({ '@timestamp': '2024-05-01T10:00:00.123Z', message: 'hello', log: { level: 'info' }, rendiff: { key: 'value' } });
    // A network source is ECS's; an event object is ECS's event; with a message, structlog's event text is kept.
    expect(accept({ '@timestamp': '2026-11-22T11:00:00Z', 'log.level': 'info', message: 'm', source: { ip: '192.0.2.1', port: 5 }, event: { action: 'login' } })).toMatchObject({ source: { ip: '192.0.2.1', port: 5 }, event: { action: 'login', dataset: 'rendiff.api' } });
    expect(accept({ timestamp: '2026-11-22T11:00:00Z', level: 'info', message: 'm', event: 'hello' }).rendiff).toEqual({ event: 'hello' });
  });
});

// Docker's json-file logging driver (its documentation's example: {"log":"Log line is here\n","stream":"stdout",
// "time":"2019-01-01T11:11:11.111111111Z"}) and the CRI log format of containerd and CRI-O (Kubernetes' design
// proposal: "2016-10-06T00:17:09.669794202Z stdout P log content 1"), wrapping the lines above.
// Lines as more loggers write them by default. Verbatim from their documentation: python-simple-json-logging's README
// (its output of a logger.warning: every LogRecord attribute), log4j2's JsonLayout manual (its complete example,
// locationInfo on), serilog-formatting-compact's README (CompactJsonFormatter's and RenderedCompactJsonFormatter's
// samples, and the default JsonFormatter of its comparison), the JsonConsoleFormatter lines of Microsoft's "console
// JSON logging duplicate messages" page and of FlatJsonConsoleFormatter's README, and Google Cloud's "Structured
// logging" page (`times` as the page writes it). Written for Sluice from each format's specification, as no sample
// of that case was at hand: python-json-logger's `%(asctime)s %(levelname)s %(name)s %(message)s` with the `exc_info`
// its JsonFormatter adds; logstash-logback-encoder's standard fields, caller data and stack trace (its README's table);
// log4j2 before 2.11 (`timeMillis`); CLEF's `@l`, `@x` and `SourceContext` added to the README's third sample;
// tracing-subscriber's `fmt().json()` with file, line and thread on (fmt::format::Json's fields).
const PY_RECORD = '{"name": "my_json_logger", "levelname": "WARNING", "levelno": 30, "pathname": "example.py", "filename": "example.py", "module": "example", "stack_info": null, "lineno": 7, "funcName": "main", "created": 1564591269.778053, "msecs": 778.0530452728271, "relativeCreated": 4.003047943115234, "thread": 30272, "threadName": "MainThread", "processName": "MainProcess", "process": 19180, "data": {"foo": "yyy", "bar": 100500}, "message": "Test log message with arg1 abc and arg2 100"}';
const PY_JSON_LOGGER = JSON.stringify({ asctime: '2026-11-22 10:00:00,123', levelname: 'ERROR', name: 'rendiff.worker', message: 'transcode failed', exc_info: 'Traceback (most recent call last):\n  File "/app/worker.py", line 40, in transcode\n    raise RuntimeError("ffmpeg exited 1")\nRuntimeError: ffmpeg exited 1' });
const LOGBACK = '{"@timestamp":"2019-11-03T10:15:30.123+01:00","@version":"1","message":"My message","logger_name":"com.example.Example","thread_name":"main","level":"ERROR","level_value":40000,"caller_class_name":"com.example.Example","caller_method_name":"run","caller_file_name":"Example.java","caller_line_number":42,"stack_trace":"java.lang.IllegalStateException: pool closed\\n\\tat com.example.Example.run(Example.java:42)"}';
const LOG4J2 = JSON.stringify({
  instant: { epochSecond: 1493121664, nanoOfSecond: 118000000 }, thread: 'main', level: 'INFO', loggerName: 'HelloWorld',
  marker: { name: 'child', parents: [{ name: 'parent', parents: [{ name: 'grandparent' }] }] }, message: 'Hello, world!',
  thrown: { commonElementCount: 0, message: 'error message', name: 'java.lang.RuntimeException', extendedStackTrace: [{ class: 'logtest.Main', method: 'main', file: 'Main.java', line: 29, exact: true, location: 'classes/', version: '?' }] },
  contextStack: ['one', 'two'], endOfBatch: false, loggerFqcn: 'org.apache.logging.log4j.spi.AbstractLogger', contextMap: { bar: 'BAR', foo: 'FOO' },
  threadId: 1, threadPriority: 5, source: { class: 'logtest.Main', method: 'main', file: 'Main.java', line: 29 },
});
const LOG4J2_OLD = '{"timeMillis":1493121664118,"thread":"main","level":"WARN","loggerName":"HelloWorld","message":"Hello, world!","endOfBatch":false,"loggerFqcn":"org.apache.logging.log4j.spi.AbstractLogger","threadId":1,"threadPriority":5}';
const CLEF = '{"@t":"2016-06-07T03:44:57.8532799Z","@mt":"Hello, {User}","User":"nblumhardt"}';
const CLEF_RENDERED = '{"@t":"2016-06-07T03:44:57.8532799Z","@m":"Hello, \\"nblumhardt\\"","@i":"7a8b9c0d","User":"nblumhardt"}';
const CLEF_FORMATTED = '{"@t":"2016-06-07T03:44:57.8532799Z","@mt":"Hello, {@User}, {N:x8} at {Now}","@r":["0000007b"],"User":{"Name":"nblumhardt","Tags":[1,2,3]},"N":123,"Now":"2016-06-07T13:44:57.8532799+10:00","@l":"Error","@x":"System.InvalidOperationException: Sequence contains no elements\\n   at System.Linq.ThrowHelper.ThrowNoElementsException()","SourceContext":"Rendiff.Jobs"}';
const SERILOG_JSON = '{"Timestamp":"2016-06-07T13:44:57.8532799+10:00","Level":"Information","MessageTemplate":"Hello, {@User}, {N:x8} at {Now}","Properties":{"User":{"Name":"nblumhardt","Tags":[1,2,3]},"N":123,"Now":"2016-06-07T13:44:57.8532799+10:00"},"Renderings":{"N":[{"Format":"x8","Rendering":"0000007b"}]}}';
const DOTNET = '{"EventId":0,"LogLevel":"Information","Category":"Program","Message":"This is an information message.","State":{"Message":"This is an information message.","{OriginalFormat}":"This is an information message."}}';
const DOTNET_DEBUG = '{"EventId":0,"LogLevel":"Debug","Category":"ACME.Project.ApiInvoker","Message":"GET https://example.com/api/endpoint/32120","State":{"Message":"GET https://example.com/api/endpoint/32120","Endpoint":"https://example.com/api/endpoint/32120","{OriginalFormat}":"GET {Endpoint}"}}';
const TRACING = '{"timestamp":"2022-02-15T18:47:10.821315Z","level":"INFO","fields":{"message":"preparing to shave yaks","number_of_yaks":3},"target":"fmt_json","filename":"examples/fmt-json.rs","line_number":21,"threadName":"main","threadId":"ThreadId(1)"}';
const GCP = JSON.stringify({
  severity: 'ERROR', message: 'There was an error in the application.', httpRequest: { requestMethod: 'GET' }, times: '2020-10-12T07:20:50.52Z',
  'logging.googleapis.com/insertId': '42', 'logging.googleapis.com/labels': { user_label_1: 'value_1', user_label_2: 'value_2' },
  'logging.googleapis.com/operation': { id: 'get_data', producer: 'github.com/MyProject/MyApplication', first: 'true' },
  'logging.googleapis.com/sourceLocation': { file: 'get_data.py', line: '142', function: 'getData' },
  'logging.googleapis.com/spanId': '000000000000004a', 'logging.googleapis.com/trace': 'projects/my-projectid/traces/06796866738c859f2f19b7cfb3214824', 'logging.googleapis.com/trace_sampled': false,
});

describe('records written by Python’s logging, Java’s logback and log4j2, .NET’s Serilog and JSON console, Rust’s tracing, Google Cloud', () => {
  it('Python’s LogRecord attributes: the logger, where in the code, the process and thread, the traceback’s exception', () => {
    for (const topic of ['logs-app', 'logs-misc']) {
      const record = accept(PY_RECORD, topic);
      expect(record, topic).toMatchObject({
        '@timestamp': '2019-07-31T16:41:09.778Z', message: 'Test log message with arg1 abc and arg2 100',
        log: { level: 'warning', logger: 'my_json_logger', origin: { function: 'main', file: { name: 'example.py', line: 7 } } },
        process: { pid: 19180, name: 'MainProcess', thread: { id: 30272, name: 'MainThread' } },
      });
      // The rest is kept, not dropped: the path (the file name is ECS's, as ecs-logging-python places it), the module,
      // the numbers logging adds.
      expect(record.rendiff, topic).toMatchObject({ pathname: 'example.py', module: 'example', levelno: 30, msecs: 778.0530452728271, data: { foo: 'yyy', bar: 100500 } });
    }
    const failed = accept(PY_JSON_LOGGER);
    expect(failed).toMatchObject({ '@timestamp': '2026-11-22T10:00:00.123Z', log: { level: 'error', logger: 'rendiff.worker' }, event: { outcome: 'failure' }, error: { type: 'RuntimeError', message: 'ffmpeg exited 1' } });
    expect(failed.error.stack_trace).toMatch(/^Traceback/);
    // An application's own `name` or `thread` without `levelname` is not taken for logging's.
    expect(accept({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'job', name: 'holiday.mp4', thread: 3 }).rendiff).toEqual({ name: 'holiday.mp4', thread: 3 });
  });

  it('Java: logback’s logger, thread, caller and stack trace; log4j2’s instant or timeMillis, thread, thrown and location', () => {
    expect(accept(LOGBACK)).toMatchObject({
      '@timestamp': '2019-11-03T09:15:30.123Z', message: 'My message', log: { level: 'error', logger: 'com.example.Example', origin: { function: 'run', file: { name: 'Example.java', line: 42 } } },
      process: { thread: { name: 'main' } }, error: { type: 'java.lang.IllegalStateException', message: 'pool closed' }, rendiff: { '@version': '1', level_value: 40000, caller_class_name: 'com.example.Example' },
    });
    const log4j2 = accept(LOG4J2, 'logs-misc');
    expect(log4j2).toMatchObject({
      '@timestamp': '2017-04-25T12:01:04.118Z', message: 'Hello, world!', log: { level: 'info', logger: 'HelloWorld', origin: { function: 'logtest.Main.main', file: { name: 'Main.java', line: 29 } } },
      process: { thread: { name: 'main', id: 1 } }, error: { type: 'java.lang.RuntimeException', message: 'error message', stack_trace: 'java.lang.RuntimeException: error message\n\tat logtest.Main.main(Main.java:29)' },
      rendiff: { contextMap: { bar: 'BAR', foo: 'FOO' }, contextStack: ['one', 'two'], threadPriority: 5 },
    });
    // Its `source` is where in the code: never ECS's network source.
    expect(log4j2.source).toBeUndefined();
    expect(accept(LOG4J2_OLD)).toMatchObject({ '@timestamp': '2017-04-25T12:01:04.118Z', log: { level: 'warn', logger: 'HelloWorld' } });
    // A suppressed exception (try-with-resources) and its own cause, in ThrowableProxy's fields (written for Sluice from its
    // Jackson mix-in): printed as Throwable.printStackTrace prints them, indented under the exception that suppressed it.
    const frame = (method: string, line: number) => ({ class: 'com.example.Store', method, file: 'Store.java', line, exact: true, location: 'app.jar', version: '?' });
    const suppressed = accept(JSON.stringify({
      timeMillis: 1493121664118, thread: 'main', level: 'ERROR', loggerName: 'com.example.Store', message: 'save failed',
      thrown: {
        commonElementCount: 0, name: 'java.io.IOException', message: 'disk full', extendedStackTrace: [frame('save', 10), frame('run', 5)],
        suppressed: [{ commonElementCount: 1, name: 'java.lang.IllegalStateException', message: 'close failed', extendedStackTrace: [frame('close', 20)], cause: { commonElementCount: 2, name: 'java.io.EOFException', extendedStackTrace: [] } }],
      },
    }));
    expect(suppressed.error.stack_trace).toBe([
      'java.io.IOException: disk full', '\tat com.example.Store.save(Store.java:10)', '\tat com.example.Store.run(Store.java:5)',
      '\tSuppressed: java.lang.IllegalStateException: close failed', '\t\tat com.example.Store.close(Store.java:20)', '\t\t... 1 more',
      '\tCaused by: java.io.EOFException', '\t\t... 2 more',
    ].join('\n'));
  });

  it('Serilog: CLEF’s time, level (Information when absent), message or rendered template, exception, event id; its JsonFormatter’s', () => {
    expect(accept(CLEF, 'logs-misc')).toMatchObject({ '@timestamp': '2016-06-07T03:44:57.853Z', message: 'Hello, "nblumhardt"', log: { level: 'information' }, rendiff: { message_template: 'Hello, {User}', User: 'nblumhardt' } });
    expect(accept(CLEF_RENDERED)).toMatchObject({ message: 'Hello, "nblumhardt"', event: { code: '7a8b9c0d' }, log: { level: 'information' } });
    const formatted = accept(CLEF_FORMATTED);
    expect(formatted).toMatchObject({
      message: 'Hello, {"Name":"nblumhardt","Tags":[1,2,3]}, 0000007b at "2016-06-07T13:44:57.8532799+10:00"', log: { level: 'error', logger: 'Rendiff.Jobs' },
      event: { outcome: 'failure' }, error: { type: 'System.InvalidOperationException', message: 'Sequence contains no elements' }, rendiff: { '@r': ['0000007b'], N: 123 },
    });
    // A template naming Object's members renders them only as the record's own properties.
    expect(accept({ '@t': '2016-06-07T03:44:57.8532799Z', '@mt': 'Built by {constructor} from {toString}', toString: 'x' }, 'logs-misc').message).toBe('Built by {constructor} from "x"');
    expect(accept(SERILOG_JSON, 'logs-misc')).toMatchObject({
      '@timestamp': '2016-06-07T03:44:57.853Z', message: 'Hello, {"Name":"nblumhardt","Tags":[1,2,3]}, 123 at "2016-06-07T13:44:57.8532799+10:00"', log: { level: 'information' },
      rendiff: { message_template: 'Hello, {@User}, {N:x8} at {Now}', Properties: { N: 123 } },
    });
  });

  it('.NET’s JSON console: the level, category, message and state; without a time of its own, Filebeat’s or the arrival’s', () => {
    const line = accept(DOTNET, 'logs-misc');
    expect(line).toMatchObject({ '@timestamp': new Date(NOW).toISOString(), message: 'This is an information message.', log: { level: 'information', logger: 'Program' }, rendiff: { EventId: 0, State: { '{OriginalFormat}': 'This is an information message.' } } });
    expect(accept(DOTNET_DEBUG, 'logs-misc')).toMatchObject({ log: { level: 'debug', logger: 'ACME.Project.ApiInvoker' }, message: 'GET https://example.com/api/endpoint/32120' });
    const shipped = { '@timestamp': '2026-11-22T10:00:00.000Z', agent: { type: 'filebeat', version: '8.15.0' }, message: DOTNET };
    expect(accept(shipped, 'logs-app')['@timestamp']).toBe('2026-11-22T10:00:00.000Z');
  });

  it('Rust’s tracing: the message inside its fields, the target as logger, file, line and thread', () => {
    expect(accept(TRACING, 'logs-app')).toMatchObject({
      '@timestamp': '2022-02-15T18:47:10.821Z', message: 'preparing to shave yaks', log: { level: 'info', logger: 'fmt_json', origin: { file: { name: 'examples/fmt-json.rs', line: 21 } } },
      process: { thread: { name: 'main', id: 1 } }, rendiff: { fields: { number_of_yaks: 3 } },
    });
  });

  it('Google Cloud’s structured logging: severity, source location, trace and span, labels and the HTTP request', () => {
    const record = accept(GCP, 'logs-misc');
    expect(record).toMatchObject({
      message: 'There was an error in the application.', log: { level: 'error', origin: { function: 'getData', file: { name: 'get_data.py', line: 142 } } },
      trace: { id: '06796866738c859f2f19b7cfb3214824' }, span: { id: '000000000000004a' }, labels: { user_label_1: 'value_1', user_label_2: 'value_2' },
      http: { request: { method: 'GET' } }, rendiff: { times: '2020-10-12T07:20:50.52Z' },
    });
  });
});

// logfmt lines: logrus's README verbatim (its TextFormatter without a TTY, and its hook example's output without a time);
// written for Sluice in the shape of go-kit's log as Prometheus 2 writes it (ts, caller, level, msg) and of Grafana 7's
// (t, lvl, msg, logger).
const LOGRUS_TEXT = [
  'time="2015-03-26T01:27:38-04:00" level=debug msg="Started observing beach" animal=walrus number=8',
  'time="2015-03-26T01:27:38-04:00" level=warning msg="The group\'s number increased tremendously!" number=122 omg=true',
  'level=error msg="The ice breaks!" number=100 omg=true',
];
const PROMETHEUS = 'ts=2023-06-23T10:06:36.512Z caller=main.go:541 level=info msg="No time or size retention was set so using the default time retention" duration=15d';
const GRAFANA = 't=2021-01-06T09:51:09+0000 lvl=info msg="Starting Grafana" logger=server version=7.3.6 commit=6906b9d branch=HEAD compiled=2020-12-17T10:23:54+0000';

// GELF 1.1: the example of Graylog's GELF specification verbatim, and a line written for Sluice with the fields Docker's
// gelf log driver sends (daemon/logger/gelf/gelf.go in moby: level 6 for stdout, 3 for stderr; the container's id, name,
// image and command).
const GELF_SPEC = '{"version":"1.1","host":"example.org","short_message":"A short message that helps you identify what is going on","full_message":"Backtrace here\\n\\nmore stuff","timestamp":1385053862.3072,"level":1,"_user_id":9001,"_some_info":"foo","_some_env_var":"bar"}';
const GELF_DOCKER = '{"version":"1.1","host":"docker-host-1","short_message":"Traceback (most recent call last): ffmpeg exited 1","timestamp":1795341600.123,"level":3,"_container_id":"f2b6d1a3c4e5","_container_name":"rendiff-worker-1","_image_id":"sha256:9b1c0e","_image_name":"rendiff/worker:1.4","_command":"celery -A app worker","_tag":"f2b6d1a3c4e5","_created":"2026-11-22T09:00:00.000000000Z"}';

describe('GELF records (Graylog’s format, Docker’s gelf driver)', () => {
  it('have their short message, host, syslog severity as the level, time, and additional fields without their underscore', () => {
    for (const topic of ['logs-misc', 'logs-app']) {
      expect(accept(GELF_SPEC, topic), topic).toMatchObject({
        '@timestamp': '2013-11-21T17:11:02.307Z', message: 'A short message that helps you identify what is going on', log: { level: 'alert' },
        host: { hostname: 'example.org', name: 'example.org' }, rendiff: { full_message: 'Backtrace here\n\nmore stuff', user_id: 9001, some_info: 'foo', some_env_var: 'bar', version: '1.1' },
      });
    }
    expect(accept(GELF_DOCKER, 'logs-worker')).toMatchObject({
      log: { level: 'error' }, container: { id: 'f2b6d1a3c4e5', name: 'rendiff-worker-1', image: { name: 'rendiff/worker:1.4' } },
      rendiff: { image_id: 'sha256:9b1c0e', command: 'celery -A app worker', tag: 'f2b6d1a3c4e5' },
    });
    // A pino record's numeric level stays pino's.
    expect(accept('{"level":30,"time":1531171074631,"msg":"hello world","pid":657,"hostname":"h"}', 'logs-misc').log.level).toBe('info');
  });
});

describe('logfmt lines of Go programs (logrus, go-kit, Grafana) on a generic topic', () => {
  it('are read as the records they write: time, level, message, caller; the rest kept as text', () => {
    const [debug, warning, error] = LOGRUS_TEXT.map((line) => accept(line, 'logs-misc'));
    expect(debug).toMatchObject({ '@timestamp': '2015-03-26T05:27:38.000Z', log: { level: 'debug' }, message: 'Started observing beach', rendiff: { animal: 'walrus', number: '8' } });
    expect(warning).toMatchObject({ log: { level: 'warning' }, message: "The group's number increased tremendously!", rendiff: { number: '122', omg: 'true' } });
    // Without a time: the arrival's.
    expect(error).toMatchObject({ '@timestamp': new Date(NOW).toISOString(), log: { level: 'error' }, message: 'The ice breaks!' });
    expect(accept(PROMETHEUS, 'logs-misc')).toMatchObject({ '@timestamp': '2023-06-23T10:06:36.512Z', log: { level: 'info', origin: { file: { name: 'main.go', line: 541 } } }, rendiff: { duration: '15d' } });
    expect(accept(GRAFANA, 'logs-misc')).toMatchObject({ '@timestamp': '2021-01-06T09:51:09.000Z', log: { level: 'info', logger: 'server' }, message: 'Starting Grafana', rendiff: { version: '7.3.6' } });
  });

  it('stay whole when they are prose with an = in it, or not logfmt to their end', () => {
    for (const line of ['the answer is x=1 and y=2', 'level=info msg="an unterminated quote', 'level=info msg="ok" "stray"', 'a=1 b=2']) {
      const document = accept(line, 'logs-misc');
      expect([document.message, document.log], line).toEqual([line, undefined]);
    }
  });
});

describe('lines of Go’s standard logger (package log) on a generic topic', () => {
  it('its time, with microseconds, and the file and line Lshortfile writes; the rest is the message', () => {
    // The output line of the log package's documented example (pkg.go.dev/log), and one with Lmicroseconds|Lshortfile
    // written for Sluice from the package's flags.
    expect(accept('2009/11/10 23:00:00 Hello, log file!', 'logs-misc')).toMatchObject({ '@timestamp': '2009-11-10T23:00:00.000Z', message: 'Hello, log file!' });
    expect(accept('2026/12/06 09:41:02.123123 worker.go:42: transcode job 8f14e45f failed: exit status 1', 'logs-misc')).toMatchObject({
      '@timestamp': '2026-12-06T09:41:02.123Z', message: 'transcode job 8f14e45f failed: exit status 1', log: { origin: { file: { name: 'worker.go', line: 42 } } },
    });
    // A date that does not exist is no time: the line stays whole, at its arrival.
    expect(accept('2026/02/30 09:41:02 not a date', 'logs-misc')).toMatchObject({ '@timestamp': new Date(NOW).toISOString(), message: '2026/02/30 09:41:02 not a date' });
  });
});

describe('glog lines (klog: Kubernetes’ components, kubectl, cAdvisor) on a generic topic', () => {
  // A real kubectl's lines (test/fixtures/klog/SOURCE.md), shipped by Filebeat at their capture; and lines written for
  // Sluice from glog's documented header, `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`.
  const shipped = (message: string, at: string) => ({ '@timestamp': at, agent: { type: 'filebeat', version: '8.15.0' }, input: { type: 'filestream' }, message });
  const LEVELS: Record<string, string> = { I: 'info', W: 'warning', E: 'error', F: 'fatal' };

  it('every line of kubectl’s: its time to the microsecond’s millisecond, level, pid, file and line; the rest is the message', () => {
    const lines = readFileSync(join(packageRoot, 'test', 'fixtures', 'klog', 'kubectl-1.32.log'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const line of lines) {
      const [, level, month, day, time, micros, pid, file, number, message] = /^([IWEF])(\d{2})(\d{2}) (\d{2}:\d{2}:\d{2})\.(\d{6}) +(\d+) ([^:]+):(\d+)\] (.*)$/.exec(line) as unknown as string[];
      expect(accept(shipped(line, '2026-12-07T07:00:00.000Z'), 'logs-misc'), line).toMatchObject({
        '@timestamp': `2026-${month}-${day}T${time}.${(micros as string).slice(0, 3)}Z`, message, log: { level: LEVELS[level as string], origin: { file: { name: file, line: Number(number) } } }, process: { pid: Number(pid) },
      });
    }
  });

  it('a fatal line, and a line of December 31 read on January 1 is last year’s; a date that does not exist stays whole', () => {
    expect(accept(shipped('F0101 00:00:01.000001       7 main.go:12] cannot start: port in use', '2027-01-01T00:00:05.000Z'), 'logs-misc')).toMatchObject({ '@timestamp': '2027-01-01T00:00:01.000Z', log: { level: 'fatal' } });
    expect(accept(shipped('W1231 23:59:59.999999       7 main.go:12] late', '2027-01-01T00:00:05.000Z'), 'logs-misc')['@timestamp']).toBe('2026-12-31T23:59:59.999Z');
    expect(accept(shipped('I0230 10:00:00.000000       7 main.go:12] no such day', '2027-01-01T00:00:05.000Z'), 'logs-misc')).toMatchObject({ '@timestamp': '2027-01-01T00:00:05.000Z', message: 'I0230 10:00:00.000000       7 main.go:12] no such day' });
  });
});

describe('lines as container runtimes write them, read without Filebeat’s container input', () => {
  const docker = (line: string, stream = 'stdout') => JSON.stringify({ log: `${line}\n`, stream, time: '2026-11-22T10:00:00.123456789Z' });

  it('are unwrapped: the container’s line is decoded as any other, with the runtime’s time as the fallback', () => {
    expect(accept(docker(PINO_HTTP_LINE), 'other')).toMatchObject({ '@timestamp': '2016-07-21T17:34:52.244Z', http: { response: { status_code: 502 } }, message: 'request completed' });
    expect(accept(docker('192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" 1 "api@docker" "http://172.20.0.5:80" 3ms'), 'other')).toMatchObject({ data_stream: { dataset: 'rendiff.traefik' }, http: { response: { status_code: 200 } } });
    expect(accept(docker('Traceback (most recent call last):', 'stderr'), 'logs-app')).toMatchObject({ '@timestamp': '2026-11-22T10:00:00.123Z', message: 'Traceback (most recent call last):', tags: ['not_json'] });
    expect(accept(`2026-11-22T10:00:01.5Z stderr F ${BUNYAN}`, 'other')).toMatchObject({ '@timestamp': '2013-01-04T18:46:23.851Z', log: { level: 'warn', logger: 'myapp' }, message: 'hi' });
    expect(accept('2016-10-06T00:17:09.669794202Z stdout F The content of the log entry 1', 'other')).toMatchObject({ '@timestamp': '2016-10-06T00:17:09.669Z', message: 'The content of the log entry 1' });
    // Filebeat's log input pointed at Docker's files: its metadata stays, the container's line is the record.
    const shipped = accept({ '@timestamp': '2026-11-22T10:00:09Z', agent: { type: 'filebeat' }, log: { file: { path: '/var/lib/docker/containers/ab/ab-json.log' }, offset: 7 }, message: docker(PINO_PLAIN) }, 'logs-app');
    expect(shipped).toMatchObject({ '@timestamp': '2018-07-09T21:17:54.631Z', message: 'hello world', log: { file: { path: '/var/lib/docker/containers/ab/ab-json.log' } }, process: { pid: 657 } });
  });

  it('keep what cannot be read whole and tagged: a CRI partial line, a line that is not valid JSON', () => {
    expect(accept('2016-10-06T00:17:09.669794202Z stdout P {"level":30,"ti', 'other')).toMatchObject({ '@timestamp': '2016-10-06T00:17:09.669Z', message: '{"level":30,"ti', tags: ['partial_line'] });
    expect(accept(docker('{"level":30,'), 'other')).toMatchObject({ message: '{"level":30,', tags: ['json_message_invalid'] });
    // Anything else with log, stream and time is an application's record.
    expect(accept({ log: 'x', stream: 'audit', time: '2026-11-22T10:00:00Z', level: 'info', message: 'm' })).toMatchObject({ message: 'm', rendiff: { log: 'x', stream: 'audit' } });
  });
});

// Field names Elasticsearch refuses (DocumentParser, DotExpandingXContentParser) make it refuse the whole document.
// Real records hold them: a Kubernetes object's managedFields (the `"."` of `kubectl get -o yaml --show-managed-fields`,
// as kubernetes-event-exporter ships events), and maps keyed by user input (a query string's `?=x`).
const K8S_EVENT = {
  kind: 'Event', apiVersion: 'v1', reason: 'BackOff', type: 'Warning', message: 'Back-off restarting failed container api in pod api-7d9f',
  metadata: {
    name: 'api-7d9f.17a3c2', namespace: 'default',
    managedFields: [{
      manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: '2026-11-22T10:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:count': {}, 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } }, 'f:source': { 'f:component': {} } },
    }],
  },
  involvedObject: { kind: 'Pod', name: 'api-7d9f', namespace: 'default' },
};
const QUERY_LOG = { timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'search', query_params: { '': 'x', page: '2' } };

describe('field names Elasticsearch refuses', () => {
  it('are renamed where they are, at any depth, dots as underscores, a blank name as _, and the event is tagged', () => {
    const event = accept(K8S_EVENT, 'logs-k8s');
    expect(event.rendiff.metadata.managedFields[0].fieldsV1['f:metadata']).toEqual({ 'f:annotations': { _: {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } });
    expect(event.tags).toEqual(['field_names_renamed']);
    expect(accept(QUERY_LOG).rendiff).toEqual({ query_params: { _: 'x', page: '2' } });
    const names = accept({ ...QUERY_LOG, query_params: { '.a': 1, 'a..b': 2, 'a.': 3, '.': 4, 'a. .b': 5, 'a.b': 6, ' ': 7, 'a b': 8 } });
    expect(names.rendiff.query_params).toEqual({ _a: 1, a__b: 2, a_: 3, _: 4, 'a_ _b': 5, 'a.b': 6, __: 7, 'a b': 8 });
    // A new name never overwrites a field of the record; in arrays and in a Filebeat event's message too.
    expect(accept({ ...QUERY_LOG, query_params: [{ '': 1, _: 2 }, { '\u3000': 3 }] }).rendiff.query_params).toEqual([{ __: 1, _: 2 }, { _: 3 }]);
    const shipped = accept({ '@timestamp': '2026-11-22T10:00:09Z', agent: { type: 'filebeat' }, message: JSON.stringify(QUERY_LOG) });
    expect([shipped.rendiff, shipped.tags]).toEqual([{ query_params: { _: 'x', page: '2' } }, ['field_names_renamed']]);
    // A logfmt pair of Traefik's own log with no key.
    expect(accept('time="2026-11-22T10:00:00Z" level=info msg="Configuration loaded" =oops', 'logs-traefik')).toMatchObject({ traefik: { _: 'oops' }, tags: ['field_names_renamed'] });
    // Names Elasticsearch takes are left as they are, and the event untagged.
    expect(accept({ ...QUERY_LOG, query_params: { 'f:app': 1, ' a ': 2, 'a.b': 3 } })).toMatchObject({ rendiff: { query_params: { 'f:app': 1, ' a ': 2, 'a.b': 3 } } });
    expect(accept({ ...QUERY_LOG, query_params: { page: '2' } }).tags).toBeUndefined();
  });

  it('`__proto__`, which Elasticsearch takes but a JavaScript assignment loses, is kept as ___proto__ on every source, at any depth', () => {
    // A logged request body's prototype-pollution attempt (CRS 934130's payloads). Text, not objects: an object literal
    // with `__proto__` sets its prototype, and JSON.stringify would not write it.
    const proto = '"__proto__":{"where":{"name":"x"}}';
    const records: Array<[string, string, string]> = [
      ['logs-app', `{"timestamp":"2026-11-22T10:00:00Z","level":"INFO","message":"m",${proto},"body":{"title":{"__proto__":"y"}}}`, 'rendiff'],
      ['logs-app', `{"@timestamp":"2026-11-22T10:00:00Z","log.level":"info","message":"m",${proto}}`, 'rendiff'],
      ['logs-app', `{"level":30,"time":1764000000000,"msg":"m",${proto}}`, 'rendiff'],
      ['logs-worker', `{"timestamp":"2026-11-22T10:00:00Z","level":"INFO","message":"m","worker_id":"w1",${proto}}`, 'rendiff'],
      ['logs-traefik', `{"RequestMethod":"GET","RequestPath":"/","DownstreamStatus":200,"StartUTC":"2026-11-22T10:00:00Z",${proto}}`, 'traefik'],
      ['logs-postgres', `{"timestamp":"2026-11-22 10:00:00.123 UTC","error_severity":"LOG","message":"m",${proto}}`, 'postgresql.log'],
      ['logs-other', `{"foo":"bar",${proto}}`, 'rendiff'],
      // Filebeat's JSON decoded at the root, beside its own fields, and a JSON message inside its event.
      ['logs-app', `{"@timestamp":"2026-11-22T10:00:09Z","agent":{"type":"filebeat"},"level":"INFO","message":"m",${proto}}`, 'rendiff'],
      ['logs-app', JSON.stringify({ '@timestamp': '2026-11-22T10:00:09Z', agent: { type: 'filebeat' }, message: `{"timestamp":"2026-11-22T10:00:00Z","level":"INFO","message":"m",${proto}}` }), 'rendiff'],
    ];
    for (const [topic, line, namespace] of records) {
      const document = accept(line, topic);
      const kept = namespace.split('.').reduce((node, part) => node[part], document);
      expect(kept.___proto__, line).toEqual({ where: { name: 'x' } });
      // Nothing of it is read as an inherited field (`where` beside the record's own), nor kept twice.
      expect(Object.keys(kept).filter((key) => key === 'where' || key === '__proto__'), line).toEqual([]);
      expect(document.tags, line).toContain('field_names_renamed');
    }
    expect(accept(records[0]?.[1]).rendiff.body).toEqual({ title: { ___proto__: 'y' } });
    // A logfmt pair of Traefik's own log; a taken name moves aside as any other.
    expect(accept('time="2026-11-22T10:00:00Z" level=info msg="Configuration loaded" __proto__=x', 'logs-traefik').traefik).toEqual({ ___proto__: 'x' });
    expect(accept(`{"timestamp":"2026-11-22T10:00:00Z","level":"INFO","message":"m","___proto__":1,"__proto__":2}`).rendiff).toEqual({ ___proto__: 1, ____proto__: 2 });
  });
});

describe('these records in Elasticsearch', () => {
  const es = templatedEmulator();

  it('are indexed whole under ilm/’s templates, the odd values too, which in their ECS place would be refused', async () => {
    const odd = { '@timestamp': '2026-11-22T11:00:00Z', 'log.level': 'info', message: 'odd', 'process.pid': 'abc', 'source.ip': 'unknown', 'http.response.status_code': 'two hundred', 'event.duration': 'slow' };
    // The seed's own client_ip and pino-http's remoteAddress, when they are not addresses.
    const notAddresses = [{ timestamp: '2026-11-22T11:00:00Z', level: 'INFO', message: 'no address', client_ip: 'unknown' }, { level: 30, time: 1531171074631, msg: 'unix socket', req: { method: 'GET', url: '/', remoteAddress: 'unix:/run/app.sock' } }];
    const lines = [PINO, PINO_CHILD, JSON.stringify(PINO_ERROR), JSON.stringify(PINO_HTTP), JSON.stringify(PINO_APM), PYTHON, ZAP, JSON.stringify(odd), ...notAddresses.map((record) => JSON.stringify(record))].map((line) => ({ topic: 'logs-app' as const, line }));
    const node = [PINO_PLAIN, PINO_PLAIN_ERROR, PINO_HTTP_LINE, FASTIFY_IN, FASTIFY_OUT, BUNYAN, BUNYAN_ERROR, ZAP_INFO, ZAP_ERROR, SLOG, LOGRUS, STRUCTLOG].map((line) => ({ topic: 'logs-app' as const, line }));
    // Serilog's `User` is text in two of its README's lines and an object in the third: under rendiff.* as any record's own
    // field, one index takes one of the two (the other would be dead-lettered with Elasticsearch's reason, docs/ingest.md).
    const more = [PY_RECORD, PY_JSON_LOGGER, LOGBACK, LOG4J2, LOG4J2_OLD, CLEF_FORMATTED, SERILOG_JSON, TRACING, GELF_SPEC, GELF_DOCKER].map((line) => ({ topic: 'logs-app' as const, line }));
    await ingestLines(es(), [...lines, ...node, ...more, { topic: 'logs-worker', line: JAVA }], 'prod');
    const found = await es().search({ index: 'logs-rendiff.*-prod', size: 0, query: { exists: { field: 'log.level' } } });
    expect((found.hits.total as { value: number }).value).toBe(lines.length + node.length + more.length + 1);
    const byPid = await es().search({ index: 'logs-rendiff.api-prod', query: { term: { 'process.pid': 56645 } } });
    expect(byPid.hits.hits).toHaveLength(2);
    const failed = await es().search({ index: 'logs-rendiff.api-prod', query: { range: { 'http.response.status_code': { gte: 500 } } } });
    expect(failed.hits.hits.map((hit) => (hit._source as { message: string }).message).sort()).toEqual(['handled request', 'request completed']);
    // An SLO over the API's own request lines counts them, as it counts Traefik's: pino-http's 502 and the ECS
    // logger's 503 are bad; Fastify's 200 and the pino-http line of 10 ms are good.
    const slos = parseSloFile(`
requests: { dataset: rendiff.api, error: { status: { gte: 500 } } }
jobs: { dataset: rendiff.api, completed: { message: Job processing completed }, failed: { message: Job processing failed } }
slos:
  - name: app-availability
    service: rendiff-api
    indicator: { dataset: rendiff.api, valid: { status: { gte: 100 } }, good: { status: { lt: 500 } } }
    objective: { target: 0.99 }
    timeWindow: { duration: 30d, isRolling: true }
    breach: { warning: 0.98, critical: 0.95 }
`);
    const minutes: Array<[string, number, number]> = [];
    for (const at of ['2016-07-21T17:34:00Z', '2023-10-14T02:10:00Z', '2022-05-12T18:32:00Z']) {
      await rollupRange(es(), slos, 'prod', Date.parse(at), Date.parse(at) + 60_000);
      const { good, valid } = (await readMinuteSeries(es(), 'prod', ['app-availability'], Date.parse(at), Date.parse(at) + 60_000)).slos.get('app-availability')!;
      minutes.push([at, good[0] ?? 0, valid[0] ?? 0]);
    }
    expect(minutes).toEqual([['2016-07-21T17:34:00Z', 0, 1], ['2023-10-14T02:10:00Z', 0, 1], ['2022-05-12T18:32:00Z', 1, 1]]);
    // The control: each odd value in its ECS place is a document Elasticsearch refuses.
    for (const [path, value] of Object.entries(odd).filter(([key]) => key.includes('.') && key !== 'log.level')) {
      const [root, ...rest] = path.split('.');
      const nested = rest.reduceRight<unknown>((inner, part) => ({ [part]: inner }), value);
      const refused = await failure(es().index({ index: 'logs-rendiff.api-prod', op_type: 'create', document: { '@timestamp': '2026-11-22T11:00:00Z', [root as string]: nested } }));
      expect(refused.type, path).toBe('document_parsing_exception');
    }
  });

  it('the renamed records are indexed under ilm/’s templates; as written, Elasticsearch refuses them', async () => {
    const documents = [accept(K8S_EVENT, 'logs-k8s'), accept(QUERY_LOG)];
    const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const result = await es().bulk({ refresh: true, operations });
    expect(result.items.map((item) => item.create?.error?.reason)).toEqual([undefined, undefined]);
    const found = await es().search({ index: 'logs-*-prod', query: { term: { tags: 'field_names_renamed' } } });
    expect(found.hits.hits.map((hit) => (hit._source as { message: string }).message).sort()).toEqual([K8S_EVENT.message, 'search']);
    for (const record of [K8S_EVENT, QUERY_LOG]) {
      const refused = await failure(es().index({ index: 'logs-rendiff.api-prod', op_type: 'create', document: { '@timestamp': '2026-11-22T10:00:00Z', rendiff: record } }));
      expect(refused.type).toBe('document_parsing_exception');
    }
  });

  it('every name the Elasticsearch emulator refuses, Sluice renames; it renames more only for a trailing dot or a no-break space', async () => {
    // Every name of up to four characters from the characters that matter, each as a field of its own document.
    const alphabet = ['a', '.', ' ', '\u3000', '\u00a0', '\t'];
    let names = [''];
    const all = [''];
    for (let length = 1; length <= 4; length += 1) {
      names = names.flatMap((name) => alphabet.map((character) => name + character));
      all.push(...names);
    }
    const operations = all.flatMap((name) => [{ index: { _index: 'names' } }, { [name]: 1 }]);
    const result = await es().bulk({ operations });
    // Refused for its name; the others may clash with the mapping another name made ("a" a number, then "a.a").
    const refusedName = all.map((_, i) => /field name/i.test(result.items[i]?.index?.error?.reason ?? ''));
    const refusedByEmulator = all.filter((_, i) => refusedName[i]);
    expect(refusedByEmulator.length).toBeGreaterThan(100);
    expect(refusedByEmulator.filter((name) => !isRefusedFieldName(name))).toEqual([]);
    const renamedOnlyBySluice = all.filter((name, i) => isRefusedFieldName(name) && !refusedName[i]);
    expect(renamedOnlyBySluice.filter((name) => !/\.$|\u00a0/.test(name))).toEqual([]);
  });
});

// Loguru's JSON, written by Loguru itself (Debian's python3-loguru 0.6.0, which .ci/run installs) with
// `serialize=True`: each line is the formatted `text` and the `record` beside it.
const LOGURU_SCRIPT = `
import sys
from loguru import logger
logger.remove()
logger.add(sys.stdout, serialize=True, backtrace=True, diagnose=True)
logger.info("video {} uploaded", "8f14e45f")
job = logger.bind(job_id="job-7", user_id=12, worker_id="w-2", name="bound-name")
job.success("transcoded")
def run(cmd):
    raise RuntimeError("ffmpeg exited 1")
try:
    try:
        run("ffmpeg -i in.mov out.mp4")
    except RuntimeError as cause:
        raise ValueError("transcode failed") from cause
except ValueError:
    job.exception("job failed")
logger.opt(exception=(KeyError, KeyError("codec"), None)).error("lookup failed")
# Loguru's README's InterceptHandler, taking Python's logging into Loguru, and the call uvicorn's access logger makes.
import logging
class InterceptHandler(logging.Handler):
    def emit(self, record):
        try:
            level = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = logging.currentframe(), 2
        while frame.f_code.co_filename == logging.__file__:
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())
logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "172.18.0.5:51234", "GET", "/api/v1/jobs/8f14e45f", "1.1", 404)
logger.add(sys.stdout, serialize=True, format="{time} {message}")
logger.warning("disk {}% full", 91)
`;

describe('records written by Python’s Loguru (serialize=True), run here', () => {
  const es = templatedEmulator();
  let lines: string[] = [];
  beforeAll(async () => {
    const result = await run('/usr/bin/python3', ['-c', LOGURU_SCRIPT]);
    if (result.code !== 0) throw new Error(`loguru: ${result.stderr}`);
    lines = result.stdout.trim().split('\n');
  });
  const written = (i: number) => JSON.parse(lines[i] as string).record as { time: { timestamp: number }; process: { id: number }; thread: { id: number } };
  const isoOf = (i: number) => new Date(Math.round(written(i).time.timestamp * 1000)).toISOString();

  it('have the record’s time, level, message, logger, where in the code, process and thread; not its formatted text', () => {
    // Loguru wrote six lines: the last twice, once to each sink.
    expect(lines).toHaveLength(7);
    const info = accept(lines[0], 'logs-app');
    expect(info).toMatchObject({
      '@timestamp': isoOf(0), message: 'video 8f14e45f uploaded', log: { level: 'info', logger: '__main__', origin: { function: '<module>', file: { name: '<string>', line: 6 } } },
      process: { pid: written(0).process.id, name: 'MainProcess', thread: { id: written(0).thread.id, name: 'MainThread' } }, service: { name: 'rendiff-api' },
    });
    expect(info.error).toBeUndefined();
    expect(JSON.stringify(info)).not.toContain('"text"');
    expect(accept(lines[1], 'logs-worker')).toMatchObject({ log: { level: 'success' }, message: 'transcoded' });
  });

  it('keep what was bound to the logger as the record’s own fields: the job, the user, the worker', () => {
    const done = accept(lines[1], 'logs-worker');
    expect(done).toMatchObject({ user: { id: '12' }, rendiff: { job_id: 'job-7', worker: { id: 'w-2' } }, service: { name: 'rendiff-worker' } });
    // A bound key that is one of the record's own names stays apart from it, under `extra`.
    expect(done.log.logger).toBe('__main__');
    expect(done.rendiff.extra).toEqual({ name: 'bound-name' });
  });

  it('give the exception its type, message and traceback, the chained one whole; without a traceback, its line', () => {
    const failed = accept(lines[2], 'logs-worker');
    expect(failed).toMatchObject({ log: { level: 'error' }, event: { outcome: 'failure' }, message: 'job failed', error: { type: 'ValueError', message: 'transcode failed' } });
    const trace = failed.error.stack_trace as string;
    expect(trace.startsWith('Traceback (most recent call last):')).toBe(true);
    expect(trace).toContain('RuntimeError: ffmpeg exited 1');
    expect(trace).toContain('The above exception was the direct cause of the following exception');
    expect(trace.endsWith('ValueError: transcode failed')).toBe(true);
    expect(accept(lines[3], 'logs-worker')).toMatchObject({ message: 'lookup failed', error: { type: 'KeyError', message: "'codec'", stack_trace: "KeyError: 'codec'" } });
  });

  it('read the same under another format of the text, and on the generic stream', () => {
    const plain = accept(lines[5], 'logs-misc');
    const custom = accept(lines[6], 'logs-misc');
    for (const document of [plain, custom]) expect(document).toMatchObject({ '@timestamp': isoOf(5), message: 'disk 91% full', log: { level: 'warning' }, data_stream: { dataset: 'sluice.generic' } });
  });

  it('uvicorn’s access line, taken into Loguru by its InterceptHandler, is the request it logged', () => {
    expect(accept(lines[4], 'logs-app')).toMatchObject({
      '@timestamp': isoOf(4), message: '172.18.0.5:51234 - "GET /api/v1/jobs/8f14e45f HTTP/1.1" 404', source: { ip: '172.18.0.5', port: 51234 },
      http: { request: { method: 'GET' }, version: '1.1', response: { status_code: 404 } }, url: { path: '/api/v1/jobs/8f14e45f' }, event: { outcome: 'failure' },
    });
  });

  it('are indexed under ilm/’s templates', async () => {
    await ingestLines(es(), lines.slice(0, 4).map((line, i) => ({ topic: i === 0 ? 'logs-app' : 'logs-worker', line })), 'prod');
    const found = await es().search({ index: 'logs-rendiff.*-prod', query: { term: { 'error.type': 'ValueError' } } });
    expect(found.hits.hits.map((hit) => (hit._source as { message: string }).message)).toEqual(['job failed']);
    const byThread = await es().count({ index: 'logs-rendiff.*-prod', query: { term: { 'process.thread.id': written(0).thread.id } } });
    expect(byThread.count).toBe(4);
  });
});
