import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../pipelines/enrich/redact.js';
import { tagSecurity } from '../pipelines/enrich/security.js';
import { createPipeline } from '../pipelines/pipeline.js';
import { packageRoot } from '../shared/paths.js';

/**
 * Real servers' logs from the tests of Filebeat's postgresql and traefik modules (test/fixtures/filebeat-postgresql
 * and filebeat-traefik, their SOURCE.md): not written for Sluice. Each event goes in as Filebeat ships it, its lines joined by the module's
 * multiline rule and wrapped in a Filebeat event on a PostgreSQL topic. The expected values are read off the lines
 * themselves (the prefix, the csvlog columns, PostgreSQL's message formats).
 */

const DIR = join(packageRoot, 'test', 'fixtures', 'filebeat-postgresql');
const TRAEFIK = join(packageRoot, 'test', 'fixtures', 'filebeat-traefik');
const WEB_ACCESS = join(packageRoot, 'test', 'fixtures', 'filebeat-web-access');
const SHIPPED_AT = '2026-11-22T12:00:00.000Z';

/** The postgresql module's `multiline.pattern: '^\d{4}-\d{2}-\d{2} '` with negate and match after; the traefik module has none. */
function events(file: string, dir = DIR): string[] {
  const joined: string[] = [];
  const starts = dir === DIR ? /^\d{4}-\d{2}-\d{2} / : /^/;
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (starts.test(line) || joined.length === 0) joined.push(line);
    else joined[joined.length - 1] += `\n${line}`;
  }
  return joined.map((event) => event.replace(/\n+$/, '')).filter((event) => event !== '');
}

/** Every event of a file through the pipeline as Filebeat would ship it; a rejection fails with its reason. */
function documents(file: string, topic = 'logs-postgres', dir = DIR): Array<Record<string, any>> {
  const pipeline = createPipeline({ namespace: 'prod', now: () => Date.parse(SHIPPED_AT) });
  return events(file, dir).map((message, offset) => {
    const envelope = { '@timestamp': SHIPPED_AT, agent: { type: 'filebeat', version: '8.15.0' }, input: { type: 'filestream' }, log: { file: { path: `/var/log/${file}` }, offset }, message };
    const outcome = pipeline({ value: JSON.stringify(envelope), topic });
    if (!outcome.ok) throw new Error(`${file}, event ${offset}: rejected at ${outcome.stage}: ${outcome.reason}`);
    return outcome.document;
  });
}

describe('PostgreSQL logs of real servers (Filebeat\u2019s module tests)', () => {
  it('every event of every file is a PostgreSQL document, its time from its own prefix, none refused', () => {
    const files = readdirSync(DIR).filter((name) => name.endsWith('.log'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    let utc = 0;
    for (const file of files) {
      const written = events(file);
      for (const [index, document] of documents(file).entries()) {
        expect(document.event.dataset, `${file} #${index}`).toBe('rendiff.postgres');
        const time = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d{3})? UTC[ ,]/.exec(written[index] ?? '');
        if (time === null) continue;
        expect(document['@timestamp'], `${file} #${index}`).toBe(`${time[1]}T${time[2]}${time[3] ?? '.000'}Z`);
        utc += 1;
      }
    }
    expect(utc).toBeGreaterThan(40);
  });

  it('a `%t ` prefix without the pid, and execute durations of named statements, one of them over many lines', () => {
    const logged = documents('postgresql-10-min-duration-statement.log');
    expect(logged).toHaveLength(6);
    expect(logged.map((document) => document.process?.pid)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(logged[0]).toMatchObject({ '@timestamp': '2019-09-22T06:28:24.000Z', log: { level: 'info' }, postgresql: { log: { severity: 'DETAIL' } } });
    expect(logged[0]?.message).toMatch(/^parameters: \$1 = '86'/);
    const durations = logged.filter((document) => document.event.duration !== undefined);
    expect(durations.map((document) => [document.event.duration, document.postgresql.log.query_step, document.postgresql.log.query_name])).toEqual([
      [112_337_000, 'execute', 'S_59'],
      [2_474_307_000, 'execute', 'S_30'],
      [18_327_000, 'execute', 'S_32'],
    ]);
    expect(durations[2]?.postgresql.log.query).toMatch(/^SELECT al\.id, [\s\S]*\n\s+LEFT JOIN rc_crfs AS crf ON crf\.id=cv\.crf_id\n[\s\S]* limit \$8$/);
  });

  it('csvlog: parse, bind and execute of a statement whose name holds a colon keep their durations', () => {
    const steps = documents('postgresql-11-parse-bind.csv.log');
    expect(steps.map((document) => [document.event.duration, document.postgresql.log.query_step, document.postgresql.log.query_name, document.postgresql.log.query])).toEqual([
      [7_775_000, 'parse', 'py:0x7fde12d61b80', 'SELECT * from information_schema.tables WHERE table_name = $1'],
      [4_091_000, 'bind', 'py:0x7fde12d61b80', 'SELECT * from information_schema.tables WHERE table_name = $1'],
      [455_000, 'execute', 'py:0x7fde12d61b80', 'SELECT * from information_schema.tables WHERE table_name = $1'],
    ]);
    expect(steps[1]).toMatchObject({ '@timestamp': '2021-01-04T00:51:56.843Z', process: { pid: 105 }, user: { name: 'postgres' }, source: { ip: '172.24.0.1', port: 44618 }, postgresql: { log: { database: 'postgres', session_id: '5ff26691.69', session_line_number: 7, detail: "parameters: $1 = 'tables'" } } });
  });

  it('stderr: an unnamed parse and a named execute', () => {
    const steps = documents('postgresql-query-steps-slowlog.log');
    expect(steps.map((document) => [document.postgresql.log.query_step, document.postgresql.log.query_name, document.postgresql.log.query])).toEqual([
      ['parse', undefined, 'select * from table'],
      ['execute', 'pdo_stmt_00000002', 'select * from table'],
    ]);
    expect(steps[0]).toMatchObject({ '@timestamp': '2019-09-04T13:52:38.004Z', event: { duration: 12_437_000, timezone: '+02:00' }, user: { name: 'user' }, postgresql: { log: { database: 'host' } } });
  });

  it('csvlog: a statement over two lines inside quotes, a client on IPv6, a quoted role, PostgreSQL 13\u2019s columns', () => {
    const [multiLine] = documents('postgresql-11-multi-line.csv.log');
    expect(multiLine).toMatchObject({ event: { duration: 658_000 }, source: { ip: '172.24.0.1', port: 42642 }, postgresql: { log: { query_step: 'statement', query: "SELECT 'multi',\n'line';", application_name: 'psql' } } });
    const [ipv6] = documents('postgresql-11-ipv6.csv.log');
    expect(ipv6).toMatchObject({ '@timestamp': '2021-01-03T17:45:17.612Z', log: { level: 'critical' }, user: { name: 'jose.villanova' }, source: { ip: '::1', port: 16790 }, error: { code: '28000', message: 'role "jose.villanova" does not exist' }, event: { outcome: 'failure' } });
    const thirteen = documents('postgresql-13-error-code.csv.log');
    expect(thirteen.map((document) => [document.log.level, document.postgresql.log.sql_state_code, document.postgresql.log.backend_type])).toEqual([
      ['info', '00000', 'client backend'],
      ['info', '00000', 'client backend'],
      ['critical', '25P03', 'client backend'],
      ['info', '00000', 'client backend'],
    ]);
    expect(thirteen[1]).toMatchObject({ postgresql: { log: { query_step: 'statement', query: 'BEGIN;' } } });
    const tempfiles = documents('postgresql-11-tempfile.csv.log');
    expect(tempfiles[1]).toMatchObject({ message: 'temporary file: path "base/pgsql_tmp/pgsql_tmp81.3", size 162381824', postgresql: { log: { query: 'select * from generate_series(1, 3000) as t1(a), generate_series(1, 3000) as t2(a) order by 1 desc, 2;' } } });
    expect(tempfiles[4]?.event.duration).toBe(6_921_284_000);
  });

  it('stderr: verbose errors\u2019 SQLSTATE, LOCATION lines, log_statement, and `%t [%p-%l]` in EST', () => {
    const verbose = documents('postgresql-11.4.log');
    expect(verbose).toHaveLength(29);
    expect(verbose.filter((document) => document.postgresql.log.severity === 'LOCATION')).toHaveLength(14);
    const error = verbose.find((document) => document.log.level === 'error');
    expect(error).toMatchObject({ process: { pid: 44 }, message: 'unrecognized configuration parameter "config_filel"', error: { code: '42704' }, postgresql: { log: { sql_state_code: '42704' } } });
    expect(verbose.filter((document) => document.postgresql.log.query_step === 'statement').map((document) => document.postgresql.log.query)).toEqual(['show config_filel;', 'show config_file;', 'SELECT * FROM pg_catalog.pg_tables;']);
    expect(verbose.filter((document) => document.event.duration !== undefined).map((document) => document.event.duration)).toEqual([524_000, 2_139_000]);
    const est = documents('postgresql-9.5-multi-core.log');
    expect(est[0]).toMatchObject({ '@timestamp': '2018-11-17T08:14:01.000Z', event: { timezone: '-05:00' }, process: { pid: 835 }, postgresql: { log: { session_line_number: 1 } } });
    expect(est[3]).toMatchObject({ log: { level: 'critical' }, user: { name: 'postgres' }, postgresql: { log: { database: 'postgres', session_line_number: 1 } } });
  });
});

describe('Traefik access logs of real servers (Filebeat\u2019s module tests)', () => {
  it('Traefik 1\u2019s common format, an absent referer written bare among them; plain Apache lines stay whole, tagged', () => {
    const logged = documents('test.log', 'logs-traefik', TRAEFIK);
    expect(logged.map((document) => [document.event.dataset, document.source?.ip, document.http?.response?.status_code, document.event.duration])).toEqual([
      ['rendiff.traefik', '192.168.33.1', 304, 2_000_000],
      ['rendiff.traefik', '81.2.69.143', 304, 3_000_000],
      ['rendiff.traefik', '67.43.156.15', 200, 247_000_000],
      ['rendiff.traefik', '::1', 404, 0],
      ['rendiff.traefik', '216.160.83.60', 200, 13_000_000],
      ['rendiff.traefik', '81.2.69.193', 200, 8_000_000],
      ['rendiff.traefik', undefined, undefined, undefined],
    ]);
    expect(logged[0]).toMatchObject({ '@timestamp': '2017-10-02T20:22:07.000Z', http: { request: { method: 'GET', referrer: 'http://example.com/login' }, version: '1.1' }, traefik: { router_name: 'Host-host-1', service_url: 'http://172.19.0.3:5601', request_count: 262 } });
    expect(logged[2]).toMatchObject({ http: { version: '2.0', response: { body: { bytes: 2814 } } }, url: { path: '/en/' }, user_agent: { original: expect.stringMatching(/^Mozilla\/5\.0 \(iPhone;/) } });
    expect(logged[2]?.http.request.referrer).toBeUndefined();
    expect(logged[4]).toMatchObject({ user_agent: { original: 'Android' }, url: { path: '/assets/52f8f2e711d235d76044799e/owners' }, traefik: { request_count: 623112 } });
    expect(logged[6]).toMatchObject({ message: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', tags: expect.arrayContaining(['not_json']) });
  });

  it('the OAuth tokens these servers logged in their query strings are not indexed', () => {
    const redactor = createRedactor();
    const pipeline = createPipeline({ namespace: 'prod', enrichers: [(document, line) => redactor.document(document, line)] });
    const tokens = events('test.log', TRAEFIK).filter((line) => line.includes('oauth_token='));
    expect(tokens).toHaveLength(2);
    for (const line of tokens) {
      const outcome = pipeline({ value: line, topic: 'logs-traefik' });
      if (!outcome.ok) throw new Error(outcome.reason);
      const indexed = JSON.stringify(outcome.document);
      expect(indexed).not.toContain('ya29.');
      expect((outcome.document as Record<string, any>).url.query).toBe('oauth_token=[REDACTED:secret]');
    }
  });

  it('genericCLF (Traefik 3.6) on Traefik\u2019s topic; by shape alone such a line is any web server\u2019s: an access document of the generic stream', () => {
    const line = '203.0.113.7 - - [22/Nov/2026:10:00:00 +0000] "GET /api/v1/jobs?status=done HTTP/2.0" 200 512 "-" "curl/8.5.0"';
    const pipeline = createPipeline({ namespace: 'prod' });
    const onTopic = pipeline({ value: line, topic: 'logs-traefik' });
    const request = { source: { ip: '203.0.113.7' }, http: { response: { status_code: 200, body: { bytes: 512 } } }, url: { path: '/api/v1/jobs', query: 'status=done' }, user_agent: { original: 'curl/8.5.0' }, event: { category: ['web'], type: ['access'], outcome: 'success' } };
    expect(onTopic.ok && onTopic.document).toMatchObject({ ...request, event: { ...request.event, dataset: 'rendiff.traefik' }, service: { name: 'traefik' } });
    const byShape = pipeline({ value: line });
    expect(byShape.ok && byShape.document).toMatchObject({ ...request, event: { ...request.event, dataset: 'sluice.generic' } });
    // Neither Traefik's name nor its own fields for another server's line.
    expect(byShape.ok && [byShape.document.service, byShape.document.traefik]).toEqual([undefined, undefined]);
  });

  it('nginx\u2019s and Apache\u2019s combined and common formats on a topic of their own: the request, client and agent, and the security tags of any access log', () => {
    // The example of Apache's log file documentation (its Combined Log Format), and an sqlmap probe as nginx logs it.
    const apache = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';
    const probe = '198.51.100.23 - - [22/Nov/2026:10:00:00 +0000] "GET /index.php?id=1%27%20OR%201=1-- HTTP/1.1" 200 612 "-" "sqlmap/1.7.2#stable (https://sqlmap.org)"';
    const pipeline = createPipeline({ namespace: 'prod', enrichers: [(document) => tagSecurity(document)] });
    const [first, second] = [apache, probe].map((line) => pipeline({ value: line, topic: 'logs-nginx' }));
    expect(first?.ok && first.document).toMatchObject({
      '@timestamp': '2000-10-10T20:55:36.000Z', event: { dataset: 'sluice.generic' }, source: { ip: '127.0.0.1' }, user: { name: 'frank' },
      http: { version: '1.0', request: { method: 'GET', referrer: 'http://www.example.com/start.html' }, response: { status_code: 200, body: { bytes: 2326 } } }, url: { path: '/apache_pb.gif' },
    });
    expect(second?.ok && second.document.tags).toEqual(expect.arrayContaining(['security_alert', 'sqli', 'scanner']));
    // Apache's `common` format, without referer and agent (the same documentation's example), and a request line of
    // 150 000 words read in linear time, as a crafted line must be.
    const common = pipeline({ value: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', topic: 'logs-apache' });
    expect(common.ok && common.document).toMatchObject({ source: { ip: '127.0.0.1' }, user: { name: 'frank' }, http: { version: '1.0', response: { status_code: 200, body: { bytes: 2326 } } }, url: { path: '/apache_pb.gif' } });
    expect(common.ok && common.document.user_agent).toBeUndefined();
    const long = pipeline({ value: `198.51.100.23 - - [22/Nov/2026:10:00:00 +0000] "GET /${'a '.repeat(150_000)}HTTP/1.1" 414 0`, topic: 'logs-apache' });
    expect(long.ok && long.document.http).toMatchObject({ response: { status_code: 414 } });
  });
});

describe('nginx\u2019s and Apache\u2019s access logs of real servers (Filebeat\u2019s nginx and apache module tests)', () => {
  /** What Filebeat's expected documents hold, in Sluice's places: a forwarded list's nearest hop is the peer, the list kept. */
  const summary = (document: Record<string, any>) => [document['@timestamp'], document.source?.address, document.http?.request?.method, document.http?.response?.status_code, document.http?.response?.body?.bytes, document.url?.original];

  it('every line of nginx\u2019s: forwarded lists quoted or not before the peer, the example `main` format\u2019s added field, and a request line the client never sent', () => {
    const logged = documents('nginx-test.log', 'logs-nginx', WEB_ACCESS);
    expect(logged.map(summary)).toEqual([
      ['2016-12-07T10:05:07.000Z', '127.0.0.1', 'GET', 200, 571, '/ocelot'],
      ['2017-05-29T19:02:48.000Z', '172.17.0.1', 'GET', 404, 612, '/stringpatch'],
      ['2016-12-07T10:05:07.000Z', '85.181.35.98', 'GET', 200, 571, '/ocelot'],
      ['2016-12-07T10:05:07.000Z', '85.181.35.98', 'GET', 200, 571, '/ocelot'],
      ['2016-01-22T13:18:29.000Z', '10.2.1.185', 'GET', 200, 25507, '/assets/xxxx?q=100'],
      ['2016-12-30T06:47:09.000Z', '10.2.2.121', 'GET', 404, 8571, '/test.html'],
      ['2018-04-12T07:48:40.000Z', '127.0.0.1', undefined, 400, 0, undefined],
    ]);
    expect(logged.map((document) => document.rendiff?.forwarded_for)).toEqual([
      '10.0.0.2, 10.0.0.1, 127.0.0.1', undefined, '10.0.0.2, 10.0.0.1, 85.181.35.98', undefined,
      '10.5.102.222, 199.96.1.1, 204.246.1.1, 10.2.1.185', '2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17, 10.2.2.121', undefined,
    ]);
    // `"-"` after the agent is the example format's $http_x_forwarded_for, not part of the agent.
    expect(logged[1]?.user_agent).toEqual({ original: 'Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2' });
    expect(logged[6]).toMatchObject({ event: { dataset: 'sluice.generic', category: ['web'], type: ['access'], outcome: 'failure' } });
    expect(logged[6]?.tags ?? []).not.toContain('invalid_request_line');
  });

  it('nginx\u2019s lines with `$host` first (a name or an address, with a port or not), then the client or its forwarded list; a socket\u2019s client, a request line of one word', () => {
    const logged = documents('nginx-test-with-host.log', 'logs-nginx', WEB_ACCESS);
    expect(logged.map(summary)).toEqual([
      ['2016-12-07T10:05:07.000Z', '127.0.0.1', 'GET', 200, 571, '/ocelot'],
      ['2017-05-29T19:02:48.000Z', '172.17.0.1', 'GET', 404, 612, '/stringpatch'],
      ['2016-12-07T10:05:07.000Z', '81.2.69.143', 'GET', 200, 571, '/ocelot'],
      ['2016-12-07T10:05:07.000Z', '81.2.69.143', 'GET', 200, 571, '/ocelot'],
      ['2016-01-22T13:18:29.000Z', '10.2.1.185', 'GET', 200, 25507, '/assets/xxxx?q=100'],
      ['2016-12-30T06:47:09.000Z', '10.2.2.121', 'GET', 404, 8571, '/test.html'],
      ['2018-04-12T07:48:40.000Z', '127.0.0.1', undefined, 400, 0, undefined],
      ['2019-02-26T14:39:42.000Z', 'unix:', undefined, 400, 173, undefined],
      ['2017-05-29T19:02:48.000Z', 'localhost', 'GET', 200, 612, '/test2'],
      ['2017-05-29T19:02:48.000Z', 'localhost', 'GET', 200, 612, '/test2'],
    ]);
    expect(logged.map((document) => [document.url?.domain, document.url?.port])).toEqual([
      ['example.com', undefined], ['example.com', undefined], ['example.com', undefined], ['example.com', 80], ['example.com', 80],
      ['1.128.3.4', undefined], ['1.128.3.4', 80], ['example.com', 80], ['1.128.3.4', undefined], ['example.com', undefined],
    ]);
    expect(logged[4]?.rendiff.forwarded_for).toBe('10.5.102.222, 175.16.199.1, 204.246.1.1, 10.2.1.185');
    expect(logged[5]?.rendiff.forwarded_for).toBe('2a02:cf40:10ff:f00f:0000:0000:0:8000, 10.225.192.17, 10.2.2.121');
    expect(logged[7]).toMatchObject({ rendiff: { request_line: 'hello' }, tags: ['invalid_request_line'] });
  });

  it('every line of Apache\u2019s: common and combined, `"-"` for a request never sent (408), a host name for the client, and vhost_combined\u2019s server first', () => {
    const logged = documents('apache-test.log', 'logs-apache', WEB_ACCESS);
    expect(logged.map(summary)).toEqual([
      ['2016-12-26T14:16:29.000Z', '::1', 'GET', 404, 209, '/favicon.ico'],
      ['2016-12-26T16:22:13.000Z', '192.168.33.1', 'GET', 404, 499, '/hello'],
      ['2016-12-26T14:16:48.000Z', '::1', undefined, 408, undefined, undefined],
      ['2017-05-29T19:02:48.000Z', '172.17.0.1', 'GET', 404, 612, '/stringpatch'],
      ['2017-05-29T19:02:48.000Z', 'monitoring-server', 'GET', 200, 612, '/status'],
      ['2019-02-02T04:38:45.000Z', '127.0.0.1', undefined, 408, 152, undefined],
      ['2019-07-04T07:20:46.000Z', '123.123.123.123', 'GET', 200, 32953, '/'],
    ]);
    expect(logged[4]?.source).toEqual({ address: 'monitoring-server' });
    expect(logged[6]?.url).toMatchObject({ domain: 'vhost1.domaine.fr', path: '/' });
  });

  it('Apache\u2019s common format on macOS, and mod_ssl\u2019s SSL request log (time first, protocol and cipher, no status)', () => {
    expect(documents('apache-darwin-2.4.23.log', 'logs-apache', WEB_ACCESS).map(summary)).toEqual([
      ['2016-12-26T14:16:28.000Z', '::1', 'GET', 200, 45, '/'],
      ['2016-12-26T14:16:29.000Z', '::1', 'GET', 404, 209, '/favicon.ico'],
      ['2016-12-26T14:16:48.000Z', '::1', undefined, 408, undefined, undefined],
      ['2016-12-26T16:23:35.000Z', '77.179.66.156', 'GET', 200, 45, '/'],
      ['2016-12-26T16:23:41.000Z', '77.179.66.156', 'GET', 404, 206, '/notfound'],
      ['2016-12-26T16:23:45.000Z', '77.179.66.156', 'GET', 404, 201, '/hmm'],
    ]);
    const ssl = documents('apache-ssl-request.log', 'logs-apache', WEB_ACCESS);
    expect(ssl.map(summary)).toEqual([
      ['2018-08-10T07:45:56.000Z', '172.30.0.119', 'GET', undefined, 1375, expect.stringMatching(/^\/nagiosxi\/ajaxhelper\.php\?cmd=getxicoreajax&amp;opts=%7B/)],
      ['2019-10-16T09:53:47.000Z', '81.2.69.143', 'GET', undefined, undefined, expect.stringMatching(/^\/appl\/ajaxhelper\.php\?cmd=getxicoreajax&opts=/)],
    ]);
    expect(ssl[0]).toMatchObject({ tls: { version: '1.2', version_protocol: 'tls', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' }, http: { version: '1.1' }, event: { outcome: 'unknown' } });
  });

  it('the Kubernetes ingress-nginx controller\u2019s lines: the request\u2019s size, time and id, the upstream that answered, every upstream tried', () => {
    const logged = documents('nginx-ingress-controller.log', 'logs-ingress', WEB_ACCESS);
    expect(logged).toHaveLength(29);
    expect(logged.every((document) => document.event.dataset === 'sluice.generic' && document.event.type?.[0] === 'access')).toBe(true);
    expect(logged[0]).toMatchObject({
      '@timestamp': '2020-02-07T11:48:51.000Z', source: { ip: '192.168.64.1' }, event: { duration: 1_000_000 },
      http: { request: { method: 'POST', bytes: 89, id: '529a007902362a5f51385a5fa7049884' }, response: { status_code: 200, body: { bytes: 59 } } },
      url: { path: '/products' }, user_agent: { original: 'curl/7.54.0' }, destination: { ip: '172.17.0.5', port: 8080 },
      rendiff: { ingress: { upstream_name: 'default-web-8080', upstream_address: '172.17.0.5:8080', upstream_response_length: '59', upstream_response_time: '0.000', upstream_status: '200' } },
    });
    // A method nginx refused itself: no upstream was tried.
    expect(logged[4]).toMatchObject({ http: { request: { method: 'PATCHP', bytes: 0 }, response: { status_code: 400 } } });
    expect([logged[4]?.destination, logged[4]?.rendiff.ingress]).toEqual([undefined, undefined]);
    // Two upstreams tried: the one that answered last is the destination; the lists stay as logged.
    expect(logged[22]).toMatchObject({ destination: { ip: '172.17.0.7', port: 8080 }, rendiff: { ingress: { upstream_address: '172.17.0.6:8080, 172.17.0.7:8080', upstream_status: '200, 203' } } });
    expect(logged[24]).toMatchObject({ user: { name: 'remote_monitoring_user' }, destination: { ip: '2a02:cf40::', port: 9200 }, event: { duration: 33_000_000 } });
    // Neither a socket's path nor an address past IPv6's syntax or a port's range is a destination.
    expect([logged[26]?.destination, logged[27]?.destination]).toEqual([undefined, undefined]);
    expect(logged[27]?.rendiff.ingress.upstream_address).toBe('unix:/var/run/php-fpm.sock');
  });

  it('a request line that is not HTTP (a TLS handshake to a plain port, as nginx escapes it) is kept and tagged; HTTP/0.9\u2019s has no protocol', () => {
    // Written for Sluice from nginx's escaping of non-printable bytes in $request (\xHH) and HTTP/0.9's request line.
    const pipeline = createPipeline({ namespace: 'prod' });
    const handshake = pipeline({ value: '198.51.100.4 - - [06/Dec/2026:15:00:02 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"', topic: 'logs-nginx' });
    expect(handshake.ok && handshake.document).toMatchObject({ '@timestamp': '2026-12-06T15:00:02.000Z', source: { ip: '198.51.100.4' }, http: { response: { status_code: 400 } }, rendiff: { request_line: '\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03' }, tags: ['invalid_request_line'] });
    expect(handshake.ok && [handshake.document.url, (handshake.document as Record<string, any>).http.request]).toEqual([undefined, undefined]);
    const old = pipeline({ value: '198.51.100.4 - - [06/Dec/2026:15:00:03 +0000] "GET /index.html" 200 10 "-" "-"', topic: 'logs-nginx' });
    expect(old.ok && old.document).toMatchObject({ http: { request: { method: 'GET' } }, url: { path: '/index.html' } });
    expect(old.ok && (old.document as Record<string, any>).http.version).toBeUndefined();
  });
});
