import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepts, freePort, stopAll, waitFor } from './support/process.js';
import { templatedEmulator } from './support/rollups.js';
import { documentReader, type Doc } from './support/pipeline.js';

/**
 * A real uWSGI (Debian's 2.0 with its Python 3 plugin) serves a WSGI app, as a Flask or Django API is served, and writes
 * its default request log: once as it comes, once with `--log-micros` and `--log-x-forwarded-for`. Each request line
 * must be the access document of what the client sent and the app answered.
 */
let dir: string;
const servers: ChildProcess[] = [];
const ports: number[] = [];

const APP = `
import time
def application(environ, start_response):
    path = environ.get('PATH_INFO', '/')
    if path == '/api/v1/jobs':
        start_response('200 OK', [('Content-Type', 'application/json')])
        return [b'{"jobs":[]}']
    if path == '/api/v1/slow':
        time.sleep(0.06)
        start_response('202 Accepted', [('Content-Type', 'text/plain')])
        return [b'queued']
    if path == '/boom':
        raise RuntimeError('ffmpeg exited 1')
    start_response('404 Not Found', [('Content-Type', 'text/plain')])
    return [b'no']
`;

/** What the test sends, and the answer's body the app writes (the status and size uWSGI must log). */
const REQUESTS = [
  { method: 'GET', path: '/api/v1/jobs?status=failed&page=2', status: 200, bytes: 11 },
  { method: 'POST', path: '/api/v1/slow', status: 202, bytes: 6, body: '{"input":"s3://videos/in.mp4"}' },
  { method: 'GET', path: '/missing/thing', status: 404, bytes: 2 },
  { method: 'GET', path: '/boom', status: 500, bytes: 0 },
];

const log = (index: number): string => join(dir, `uwsgi-${index}.log`);
const requestLines = (index: number): string[] => readFileSync(log(index), 'utf8').split('\n').filter((line) => line.startsWith('[pid: '));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-uwsgi-'));
  writeFileSync(join(dir, 'app.py'), APP);
  for (const [index, extra] of [[], ['--log-micros', '--log-x-forwarded-for']].entries()) {
    const port = await freePort();
    ports.push(port);
    const args = ['--plugin', 'python3', '--http-socket', `127.0.0.1:${port}`, '--wsgi-file', join(dir, 'app.py'), '--master', '--processes', '1', '--die-on-term', '--logto', log(index), ...extra];
    servers.push(spawn('uwsgi', args, { cwd: dir, stdio: 'ignore' }));
    await waitFor(() => accepts(port), 20_000, 'uWSGI');
    for (const each of REQUESTS) {
      const request = fetch(`http://127.0.0.1:${port}${each.path}`, { method: each.method, headers: { 'User-Agent': 'python-requests/2.31.0', 'X-Forwarded-For': '203.0.113.9' }, ...(each.body === undefined ? {} : { body: each.body }) });
      // An app that raises before it answers: uWSGI closes the connection and logs a 500.
      const status = await request.then(async (response) => (await response.arrayBuffer(), response.status), () => 'closed');
      expect(status).toBe(each.status === 500 ? 'closed' : each.status);
    }
    await waitFor(() => requestLines(index).length === REQUESTS.length, 10_000, 'uWSGI’s request lines');
  }
}, 60_000);

afterAll(async () => {
  await stopAll(servers);
  rmSync(dir, { recursive: true, force: true });
});

const NOW = Date.now();
const read = documentReader({ now: NOW });

describe('uWSGI’s request log, as a real uWSGI writes it', () => {
  const es = templatedEmulator();

  it('each request: client, time, method, target, status, size and time taken, on the API’s topic and on the generic stream', () => {
    for (const index of [0, 1]) {
      // The worker's pid, as uWSGI's own line announces it.
      const pid = Number(/spawned uWSGI worker 1 \(pid: (\d+)/.exec(readFileSync(log(index), 'utf8'))?.[1]);
      for (const [topic, dataset, service] of [['logs-api', 'rendiff.api', 'rendiff-api'], ['logs-generic', 'sluice.generic', undefined]] as const) {
        const documents = requestLines(index).map((line) => read(line, topic));
        REQUESTS.forEach((each, k) => {
          const document = documents[k] as Doc;
          const [path, query] = each.path.split('?');
          expect(document, each.path).toMatchObject({
            data_stream: { dataset },
            process: { pid },
            source: { ip: index === 0 ? '127.0.0.1' : '203.0.113.9' },
            http: { request: { method: each.method }, version: '1.1', response: { status_code: each.status, body: { bytes: each.bytes } } },
            url: { original: each.path, path, ...(query === undefined ? {} : { query }) },
            event: { outcome: each.status >= 400 ? 'failure' : 'success' },
          });
          expect(document.service?.name).toBe(service);
          expect(Math.abs(Date.parse(document['@timestamp']) - NOW)).toBeLessThan(60_000);
          expect(typeof document.rendiff.latency_bucket).toBe('number');
        });
        // The app slept 60 ms: logged in milliseconds, or in microseconds with --log-micros, to the nanosecond here.
        const slow = documents[1]?.event.duration as number;
        expect(slow).toBeGreaterThanOrEqual(60e6);
        expect(slow).toBeLessThan(5e9);
        const [, taken, unit] = / in (\d+) (msecs|micros) /.exec(requestLines(index)[1] as string) ?? [];
        expect(unit).toBe(index === 0 ? 'msecs' : 'micros');
        expect(slow).toBe(Number(taken) * (unit === 'micros' ? 1e3 : 1e6));
      }
    }
  });

  it('its documents are indexed under ilm/’s templates', async () => {
    const documents = [0, 1].flatMap((index) => requestLines(index).map((line) => read(line, 'logs-api')));
    const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const indexed = await es().bulk({ refresh: true, operations });
    expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    expect((await es().count({ index: 'logs-rendiff.api-*', query: { term: { 'http.response.status_code': 500 } } })).count).toBe(2);
  });
});
