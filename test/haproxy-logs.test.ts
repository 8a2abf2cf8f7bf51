import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagSecurity } from '../pipelines/enrich/security.js';
import { accepts, freePort, stopAll, waitFor } from './support/process.js';
import { templatedEmulator } from './support/rollups.js';
import { documentReader } from './support/pipeline.js';

/**
 * A real HAProxy (Debian's 2.6) in front of a Python web server logs its HTTP log to stdout (`log stdout format raw`,
 * as in a container); its lines must be access documents with HAProxy's own fields, on a proxy's topic and on the
 * generic stream, and be indexed under ilm/'s templates.
 */
let dir: string;
let proxyPort: number;
const servers: ChildProcess[] = [];
let haproxyOutput = '';

function start(command: string, args: string[], onOutput: (text: string) => void = () => undefined): ChildProcess {
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => onOutput(chunk.toString('latin1')));
  child.stderr?.on('data', (chunk: Buffer) => onOutput(chunk.toString('latin1')));
  servers.push(child);
  return child;
}

/**
 * Bytes as a client sends them, unencoded, and the answer's status line once the server closes. `close`: the client
 * closes its side after them (a whole request with `Connection: close`); a TLS handshake does not, as a TLS client waits
 * for the server's answer: HAProxy reading the bytes and the close at once logged some as the client's abort (`CR--`)
 * instead of a bad request (`PR--`).
 */
function rawRequest(bytes: Buffer, close = true): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(proxyPort, '127.0.0.1', () => (close ? socket.end(bytes) : socket.write(bytes)));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

const REQUESTS = [
  'GET /api/v1/jobs HTTP/1.1\r\nHost: videos.example.com\r\nConnection: close\r\n\r\n',
  'GET /missing?x=%22y HTTP/1.1\r\nHost: videos.example.com\r\nConnection: close\r\n\r\n',
  'GET /search?q="><script>alert(1)</script> HTTP/1.1\r\nHost: videos.example.com\r\nConnection: close\r\n\r\n',
];
/** The start of a TLS ClientHello sent to the plain HTTP port. */
const TLS_HELLO = Buffer.from('16030100a5010000a10303', 'hex');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-haproxy-'));
  writeFileSync(join(dir, 'jobs'), '[]\n');
  const backendPort = await freePort();
  proxyPort = await freePort();
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    ['global', '  log stdout format raw local0', 'defaults', '  log global', '  mode http', '  option httplog', '  timeout connect 2s', '  timeout client 5s', '  timeout server 5s', 'frontend fe_http', `  bind 127.0.0.1:${proxyPort}`, '  default_backend be_api', 'backend be_api', `  server api1 127.0.0.1:${backendPort}`, ''].join('\n'),
  );
  // A backend whose /api/v1/jobs is a file: the Python standard library's server, from a folder holding it.
  writeFileSync(join(dir, 'serve.py'), 'import http.server, os, sys\nos.makedirs("api/v1", exist_ok=True)\nos.replace("jobs", "api/v1/jobs")\nhttp.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=int(sys.argv[1]), bind="127.0.0.1")\n');
  start('/usr/bin/python3', ['serve.py', String(backendPort)]);
  start('haproxy', ['-f', join(dir, 'haproxy.cfg'), '-db'], (text) => (haproxyOutput += text));
  await waitFor(async () => (await accepts(backendPort)) && (await accepts(proxyPort)), 20_000, 'HAProxy and its backend').catch((error: Error) => {
    throw new Error(`${error.message}: ${haproxyOutput}`);
  });
  for (const request of REQUESTS) await rawRequest(Buffer.from(request, 'latin1'));
  await rawRequest(TLS_HELLO, false);
  await waitFor(() => logged().length === REQUESTS.length + 1, 10_000, 'HAProxy’s log lines').catch((error: Error) => {
    throw new Error(`${error.message}: ${haproxyOutput}`);
  });
}, 60_000);

afterAll(async () => {
  await stopAll(servers);
  rmSync(dir, { recursive: true, force: true });
});

const NOW = Date.now();
const read = documentReader({ now: NOW, enrichers: [tagSecurity] });
/** HAProxy's lines of the requests: the readiness probe's connection, closed before any request (`CR--`), left out. */
const logged = () => haproxyOutput.trim().split('\n').filter((line) => line.includes(' fe_http ') && !line.includes(' CR-- '));
/**
 * The lines in the order of the requests, the TLS hello's last. HAProxy writes a line when its session ends, once both
 * sides have closed, so a request's line can come after the next one's.
 */
const lines = () => {
  const all = logged();
  // By method and path: HAProxy writes a query's quote as `#22`.
  const ofRequests = REQUESTS.map((request) => all.find((line) => line.includes(`"${/^\S+ [^?\s]+/.exec(request)?.[0] ?? request}`)));
  return [...ofRequests, ...all.filter((line) => !ofRequests.includes(line))].filter((line): line is string => line !== undefined);
};

describe('HAProxy’s HTTP log, as a real HAProxy writes it', () => {
  const es = templatedEmulator();

  it('each request: client, time, request, status, size, total time, and HAProxy’s frontend, backend, server and timers', () => {
    for (const [topic, dataset] of [['logs-haproxy', 'rendiff.traefik'], ['logs-generic', 'sluice.generic']] as const) {
      const [ok, missing, xss, tls] = lines().map((line) => read(line, topic));
      expect(ok).toMatchObject({
        data_stream: { dataset },
        source: { ip: '127.0.0.1' },
        http: { request: { method: 'GET' }, version: '1.1', response: { status_code: 200 } },
        url: { path: '/api/v1/jobs' },
        event: { category: ['web'], outcome: 'success' },
        haproxy: { frontend_name: 'fe_http', backend_name: 'be_api', server_name: 'api1', termination_state: '----', connections: { retries: 0 } },
      });
      expect(Math.abs(Date.parse(ok?.['@timestamp']) - NOW)).toBeLessThan(60_000);
      expect(ok?.event.duration).toBeGreaterThanOrEqual(0);
      expect(ok?.http.response.body.bytes).toBeGreaterThan(0);
      expect(missing).toMatchObject({ http: { response: { status_code: 404 } }, url: { query: 'x=%22y' } });
      // HAProxy wrote the raw quote as #22: read back as the client sent it, and tagged as the attack it is.
      expect(lines()[2]).toContain('q=#22><script>');
      expect(xss).toMatchObject({ url: { query: 'q="><script>alert(1)</script>' } });
      expect(xss?.tags).toContain('xss');
      expect(tls).toMatchObject({ http: { response: { status_code: 400 } }, tags: ['invalid_request_line'], haproxy: { server_name: '<NOSRV>', termination_state: 'PR--' } });
    }
  });

  it('its documents are indexed under ilm/’s templates on both streams', async () => {
    const documents = [...lines().map((line) => read(line, 'logs-haproxy')), ...lines().map((line) => read(line, 'logs-generic'))];
    const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const indexed = await es().bulk({ refresh: true, operations });
    expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    expect((await es().count({ index: 'logs-*', query: { term: { 'haproxy.backend_name': 'be_api' } } })).count).toBe(6);
  });
});
