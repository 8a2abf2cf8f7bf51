import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactor } from '../pipelines/enrich/redact.js';
import { tagSecurity } from '../pipelines/enrich/security.js';
import { accepts, exited, freePort, run, waitFor } from './support/process.js';
import { templatedEmulator } from './support/rollups.js';
import { documentReader } from './support/pipeline.js';

/**
 * A real Caddy (Debian's 2.6) serves requests and writes its JSON access log twice: with its default encoder (`ts` in
 * epoch seconds, `duration` in seconds) and with `time_format iso8601` and `duration_format string`. Over HTTPS
 * (`tls internal`, its own CA) it logs the handshake's numbers. Sluice must read each request as the client sent it,
 * and the handshake as the client saw it (Node's TLS socket: OpenSSL's view of the same connection).
 */
let dir: string;
let plainPort: number;
let stringsPort: number;
let tlsPort: number;
let caddy: ChildProcess;
let caddyOutput = '';
const handshakes: Array<{ path: string; protocol: string | null; cipher: string; alpn: string | false | null }> = [];

function caddyfile(passwordHash: string): string {
  const log = (file: string, format = 'format json') => `\tlog {\n\t\toutput file ${join(dir, file)}\n\t\t${format}\n\t}`;
  const site = ['\tbasicauth /private/* {', `\t\talice ${passwordHash}`, '\t}', '\trespond /api/* "[]" 200', '\trespond /private/* "stored" 201', '\trespond "not here" 404'].join('\n');
  return [
    '{',
    '\tadmin off',
    `\tstorage file_system ${join(dir, 'data')}`,
    '\tauto_https disable_redirects',
    '\tskip_install_trust',
    '}',
    `http://127.0.0.1:${plainPort} {`, log('access.log'), site, '}',
    `http://127.0.0.1:${stringsPort} {`, log('strings.log', 'format json {\n\t\t\ttime_format iso8601\n\t\t\tduration_format string\n\t\t}'), site, '}',
    `https://localhost:${tlsPort} {`, '\ttls internal', log('tls.log'), site, '}',
    '',
  ].join('\n');
}

/** What the tests send, to both plain sites. */
const REQUESTS: Array<{ method: string; path: string; headers: Record<string, string>; body?: string }> = [
  { method: 'GET', path: "/api/v1/videos?id=1'%20OR%201=1--", headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', Referer: 'https://videos.example.com/library' } },
  { method: 'POST', path: '/private/uploads', headers: { Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}`, 'Content-Type': 'application/json', Cookie: 'session=7f3c9a1e2b4d', 'User-Agent': 'curl/7.88.1' }, body: '{"title":"holiday.mp4"}' },
  { method: 'GET', path: '/missing', headers: { 'X-Forwarded-For': '203.0.113.9, 10.0.0.2', 'X-Request-Id': 'req-42', 'User-Agent': 'curl/7.88.1' } },
];

async function send(port: number, each: (typeof REQUESTS)[number]): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${each.path}`, { method: each.method, headers: each.headers, ...(each.body === undefined ? {} : { body: each.body }) });
  await response.arrayBuffer();
  return response.status;
}

/** One HTTPS request with Node's client, kept with the protocol and cipher the client negotiated. */
function sendTls(path: string, options: { maxVersion?: 'TLSv1.2' }): Promise<void> {
  return new Promise((resolve, reject) => {
    // ALPN offered as browsers offer it, so that Caddy logs the protocol chosen (Node's client offers none by default).
    const settings: RequestOptions & Pick<ConnectionOptions, 'ALPNProtocols'> = { host: '127.0.0.1', servername: 'localhost', port: tlsPort, path, headers: { Host: `localhost:${tlsPort}` }, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false, ...options };
    const request = httpsRequest(settings, (response) => {
      const socket = response.socket as TLSSocket;
      handshakes.push({ path, protocol: socket.getProtocol(), cipher: socket.getCipher().standardName, alpn: socket.alpnProtocol });
      response.resume();
      response.on('end', resolve);
    });
    request.on('error', reject);
    request.end();
  });
}

const records = (file: string): string[] => readFileSync(join(dir, file), 'utf8').trim().split('\n').filter((line) => line.includes('"handled request"'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-caddy-'));
  [plainPort, stringsPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const passwordHash = execFileSync('caddy', ['hash-password', '--plaintext', 'secret'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'Caddyfile'), caddyfile(passwordHash));
  const home = { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), PATH: process.env.PATH ?? '' };
  caddy = spawn('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { cwd: dir, env: home, stdio: ['ignore', 'pipe', 'pipe'] });
  caddy.stdout?.on('data', (chunk: Buffer) => (caddyOutput += chunk.toString()));
  caddy.stderr?.on('data', (chunk: Buffer) => (caddyOutput += chunk.toString()));
  await waitFor(async () => (await accepts(plainPort)) && (await accepts(stringsPort)) && (await accepts(tlsPort)), 30_000, 'Caddy').catch((error: Error) => {
    throw new Error(`${error.message}: ${caddyOutput}`);
  });
  for (const port of [plainPort, stringsPort]) for (const each of REQUESTS) await send(port, each);
  // Its internal CA issues the certificate on the first handshake: wait until HTTPS answers.
  await waitFor(() => sendTls('/api/ready', {}).then(() => true, () => false), 30_000, 'Caddy’s HTTPS site');
  await sendTls('/api/v1/jobs', {});
  await sendTls('/api/v1/jobs?legacy=1', { maxVersion: 'TLSv1.2' });
  const h2 = await run('curl', ['-sk', '--http2', '-o', '/dev/null', '--resolve', `localhost:${tlsPort}:127.0.0.1`, `https://localhost:${tlsPort}/api/v1/h2`], { timeoutMs: 10_000 });
  expect(h2.code, h2.stderr).toBe(0);
  await waitFor(() => records('access.log').length === REQUESTS.length && records('strings.log').length === REQUESTS.length && records('tls.log').length >= 4, 10_000, 'Caddy’s access records');
}, 90_000);

afterAll(async () => {
  caddy.kill('SIGTERM');
  await exited(caddy);
  rmSync(dir, { recursive: true, force: true });
});

const NOW = Date.now();
const redactor = createRedactor();
const read = documentReader({ now: NOW, enrichers: [tagSecurity, (document, line) => redactor.document(document, line)] });

describe('Caddy’s JSON access log, as a real Caddy writes it', () => {
  const es = templatedEmulator();

  it('each request as the client sent it, in both time and duration formats, on the generic stream and on a proxy’s topic', () => {
    for (const file of ['access.log', 'strings.log']) {
      for (const [topic, dataset] of [['logs-generic', 'sluice.generic'], ['logs-caddy-proxy', 'rendiff.traefik']] as const) {
        const [attack, upload, missing] = records(file).map((line) => read(line, topic));
        const port = file === 'access.log' ? plainPort : stringsPort;
        expect(attack).toMatchObject({
          data_stream: { dataset },
          source: { ip: '127.0.0.1' },
          http: { request: { method: 'GET', referrer: REQUESTS[0]?.headers.Referer }, version: '1.1', response: { status_code: 200, body: { bytes: 2 } } },
          url: { domain: '127.0.0.1', port, scheme: 'http', path: '/api/v1/videos' },
          user_agent: { original: REQUESTS[0]?.headers['User-Agent'] },
          event: { category: ['web'], type: ['access'], outcome: 'success' },
          log: { logger: expect.stringMatching(/^http\.log\.access\.log\d$/) },
        });
        expect(attack?.tags).toContain('sqli');
        expect(Math.abs(Date.parse(attack?.['@timestamp']) - NOW)).toBeLessThan(60_000);
        expect(attack?.event.duration).toBeGreaterThan(0);
        expect(attack?.event.duration).toBeLessThan(1e9);
        expect(upload).toMatchObject({ user: { name: 'alice' }, http: { request: { method: 'POST', mime_type: 'application/json' }, response: { status_code: 201 } }, rendiff: { authorization_present: true } });
        // The cookie Caddy 2.6 logs is masked by its header's name; the credential itself was never logged.
        expect(JSON.stringify(upload)).not.toContain('7f3c9a1e2b4d');
        expect(JSON.stringify(upload)).not.toContain(Buffer.from('alice:secret').toString('base64'));
        expect(missing).toMatchObject({ http: { response: { status_code: 404 } }, event: { outcome: 'failure' }, rendiff: { forwarded_for: '203.0.113.9, 10.0.0.2' } });
        expect(missing?.http.request.id).toBe('req-42');
      }
    }
  });

  it('a duration past a minute as Go’s Duration.String writes it (`duration_format string`)', () => {
    const record = JSON.parse(records('strings.log')[0] as string) as Record<string, unknown>;
    expect(record.duration).toMatch(/^\d+(\.\d+)?(ns|µs|ms|s)$/);
    for (const [text, ns] of [['1m2.5s', 62.5e9], ['1h0m0.25s', 3600.25e9], ['2m0s', 120e9]] as const) {
      expect(read(JSON.stringify({ ...record, duration: text }), 'logs-generic').event.duration).toBe(ns);
    }
  });

  it('the handshake as the client negotiated it: TLS version, cipher suite, ALPN protocol and server name', () => {
    const documents = records('tls.log').map((line) => read(line, 'logs-generic'));
    for (const handshake of handshakes) {
      const document = documents.find((each) => each.url.original === handshake.path);
      expect(document, handshake.path).toBeDefined();
      expect(document?.tls).toMatchObject({ version: handshake.protocol?.replace('TLSv', ''), version_protocol: 'tls', cipher: handshake.cipher, next_protocol: handshake.alpn, client: { server_name: 'localhost' } });
      expect(document?.url).toMatchObject({ scheme: 'https', domain: 'localhost', port: tlsPort });
    }
    expect(new Set(handshakes.map((each) => each.protocol))).toEqual(new Set(['TLSv1.3', 'TLSv1.2']));
    expect(handshakes.every((each) => each.alpn === 'http/1.1')).toBe(true);
    expect(documents.find((each) => each.url.path === '/api/v1/h2')).toMatchObject({ http: { version: '2.0' }, tls: { next_protocol: 'h2', version: '1.3' } });
  });

  it('its documents are indexed under ilm/’s templates', async () => {
    const documents = ['access.log', 'strings.log', 'tls.log'].flatMap((file) => records(file).map((line) => read(line, 'logs-generic')));
    const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const indexed = await es().bulk({ refresh: true, operations });
    expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    expect((await es().count({ index: 'logs-*', query: { term: { 'tls.next_protocol': 'h2' } } })).count).toBe(1);
  });
});
