import kafkajs from 'kafkajs';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { tagSecurity } from '../pipelines/enrich/security.js';
import { startKafka } from './support/kafka.js';
import { accepts, exited, freePort, waitFor } from './support/process.js';
import { documentReader, type Doc } from './support/pipeline.js';

/**
 * A real nginx (Debian's 1.22 with its Lua module) serves requests and logs each three ways: its `combined` text
 * line (nginx escapes `"`, `\` and every byte outside printable ASCII as `\xHH`), a JSON record of its variables
 * (`escape=json`), and the same variables sent from `log_by_lua` to the Kafka emulator by lua-resty-kafka (Debian's
 * lua-nginx-kafka 0.07: a Kafka client of its own, producing with the legacy message format). A real Apache (Debian's
 * 2.4) serves the same requests and writes its `combined` line (Apache escapes `\"`, `\\` and `\xhh`), and a real
 * lighttpd (Debian's 1.4) its default line, which has the request's host where the others have the identd user; a real
 * Varnish (Debian's 7.1) in front of nginx caches them, and varnishncsa writes its default line, whose request line has
 * the whole URL (`GET http://<Host>/path HTTP/1.1`). Sluice must read the same request from all of them.
 */
let kafka: KafkaEmulator;
let dir: string;
let port: number;
let apachePort: number;
let lighttpdPort: number;
let varnishPort: number;
let nginx: ChildProcess;
let apache: ChildProcess;
let serverOutput = '';

const VARIABLES = ['remote_addr', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent', 'request_time', 'http_referer', 'http_user_agent', 'host'];

function nginxConfig(): string {
  const json = VARIABLES.map((name) => `"${name}":"$${name}"`).join(',');
  const luaRecord = VARIABLES.map((name) => `${name} = v.${name}`).join(', ');
  return `
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
events {}
http {
  lua_package_path "/usr/share/lua/5.1/?.lua;;";
  lua_package_cpath "/usr/lib/x86_64-linux-gnu/lua/5.1/?.so;;";
  client_body_temp_path ${dir}/body;
  log_format json escape=json '{${json}}';
  access_log ${dir}/access.log combined;
  access_log ${dir}/access.json json;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
    location /missing { return 404; }
    log_by_lua_block {
      local producer = require "nginx.kafka.producer"
      local cjson = require "cjson"
      local p = producer:new({ { host = "127.0.0.1", port = ${kafka.port} } }, { producer_type = "async", flush_time = 100 })
      local v = ngx.var
      local ok, err = p:send("nginx-lua", nil, cjson.encode({ ${luaRecord} }))
      if not ok then ngx.log(ngx.ERR, "kafka send: ", err) end
    }
  }
}
`;
}

/** lighttpd with its access log in its default format (`%h %V %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`). */
function lighttpdConfig(): string {
  return [
    `server.document-root = "${dir}"`,
    `server.port = ${lighttpdPort}`,
    'server.bind = "127.0.0.1"',
    'server.modules = ( "mod_accesslog" )',
    `accesslog.filename = "${dir}/lighttpd-access.log"`,
    `server.errorlog = "${dir}/lighttpd-error.log"`,
    '',
  ].join('\n');
}

/** Apache with only what it needs to serve files and log them, its `combined` format as Debian's apache2.conf has it. */
function apacheConfig(): string {
  return `
ServerRoot ${dir}
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
Listen 127.0.0.1:${apachePort}
ServerName localhost
PidFile ${dir}/apache.pid
ErrorLog ${dir}/apache-error.log
DocumentRoot ${dir}
User nobody
Group nogroup
LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined
CustomLog ${dir}/apache-access.log combined
`;
}

function startServer(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
  return child;
}

/** Sends bytes as they are (a client that does not encode what it sends, as scanners do) and waits for the close. */
function rawRequest(bytes: Buffer, to = port): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(to, '127.0.0.1', () => socket.end(bytes));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const basic = (user: string) => `Basic ${Buffer.from(`${user}:secret`, 'utf8').toString('base64')}`;
const request = (head: string, body = '') => Buffer.from(`${head}\r\nConnection: close\r\n\r\n${body}`, 'utf8');
const REQUESTS = [
  request('GET /api/v1/jobs/42?full=1 HTTP/1.1\r\nHost: videos.example.com\r\nUser-Agent: python-requests/2.31.0'),
  request(`GET /watch/%22x%22?t=%C3%A9 HTTP/1.1\r\nHost: videos.example.com\r\nUser-Agent: Mozilla/5.0 "quoted" ünïcode\\path\r\nReferer: https://ref.example/?a="b"\r\nAuthorization: ${basic('jürgen')}`),
  request('GET /search?q="><script>alert(document.cookie)</script> HTTP/1.1\r\nHost: videos.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)'),
  request('GET /healthz HTTP/1.0'),
  request('POST /missing/upload HTTP/1.1\r\nHost: videos.example.com\r\nUser-Agent: curl/7.88.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3', 'x=1'),
];
/** The start of a TLS ClientHello sent to the plain HTTP port, as scanners and misconfigured clients do. */
const TLS_HELLO = Buffer.from('16030100a5010000a10303', 'hex');

beforeAll(async () => {
  kafka = await startKafka();
  dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-'));
  port = await freePort();
  apachePort = await freePort();
  lighttpdPort = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig());
  writeFileSync(join(dir, 'lighttpd.conf'), lighttpdConfig());
  writeFileSync(join(dir, 'apache.conf'), apacheConfig());
  nginx = startServer('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')]);
  apache = startServer('/usr/sbin/apache2', ['-f', join(dir, 'apache.conf'), '-DFOREGROUND']);
  await waitFor(async () => (await accepts(port)) && (await accepts(apachePort)), 20_000, 'nginx and Apache').catch((error: Error) => {
    throw new Error(`${error.message}: ${serverOutput}`);
  });
  for (const bytes of REQUESTS) await rawRequest(bytes);
  await rawRequest(TLS_HELLO);
  for (const bytes of REQUESTS) await rawRequest(bytes, apachePort);
  // lighttpd writes its log in batches: stopped once it has served, it writes what it holds.
  const lighttpd = startServer('lighttpd', ['-D', '-f', join(dir, 'lighttpd.conf')]);
  await waitFor(() => accepts(lighttpdPort), 20_000, 'lighttpd').catch((error: Error) => {
    throw new Error(`${error.message}: ${serverOutput}`);
  });
  for (const bytes of REQUESTS) await rawRequest(bytes, lighttpdPort);
  lighttpd.kill('SIGTERM');
  await exited(lighttpd);
  await throughVarnish();
}, 90_000);

/**
 * Varnish in front of nginx (`-j none`: no jail, so it runs as the tests' user), varnishncsa attached to it: each
 * request sent once varnishncsa writes its file, and both stopped once its lines are there.
 */
async function throughVarnish(): Promise<void> {
  varnishPort = await freePort();
  const workDir = join(dir, 'varnish');
  // Its backend a port nobody listens on: Varnish answers 503 itself, and no other server's log gets its fetches.
  const varnishd = startServer('/usr/sbin/varnishd', ['-F', '-j', 'none', '-n', workDir, '-a', `127.0.0.1:${varnishPort}`, '-b', `127.0.0.1:${await freePort()}`, '-s', 'malloc,16m']);
  const ncsa: ChildProcess[] = [varnishd];
  try {
    await waitFor(() => accepts(varnishPort), 30_000, 'Varnish').catch((error: Error) => {
      throw new Error(`${error.message}: ${serverOutput}`);
    });
    const logFile = join(dir, 'varnishncsa.log');
    ncsa.push(startServer('varnishncsa', ['-n', workDir, '-w', logFile]));
    await waitFor(() => existsSync(logFile), 10_000, 'varnishncsa’s file');
    // varnishncsa reads Varnish's log from where it attached: give it a moment to be there.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const bytes of REQUESTS) await rawRequest(bytes, varnishPort);
    await waitFor(() => readFileSync(logFile, 'utf8').trim().split('\n').length >= REQUESTS.length, 10_000, 'varnishncsa’s lines');
  } finally {
    for (const child of ncsa.reverse()) {
      child.kill('SIGTERM');
      await exited(child);
    }
  }
}

afterAll(async () => {
  for (const server of [nginx, apache]) server?.kill('SIGTERM');
  for (const server of [nginx, apache]) if (server !== undefined) await exited(server);
  await kafka?.close();
  rmSync(dir, { recursive: true, force: true });
});

const read = documentReader({ topic: 'logs-nginx', enrichers: [tagSecurity] });

/** What a request's document says of it, whichever way nginx logged it. */
function summary(document: Doc) {
  return {
    client: document.source?.ip,
    user: document.user?.name,
    method: document.http?.request?.method,
    url: document.url?.original,
    path: document.url?.path,
    query: document.url?.query,
    version: document.http?.version,
    status: document.http?.response?.status_code,
    bytes: document.http?.response?.body?.bytes,
    referrer: document.http?.request?.referrer,
    agent: document.user_agent?.original,
    tags: (document.tags as string[] | undefined)?.filter((tag) => tag !== 'security_alert').sort(),
  };
}

const byRequest = (documents: Doc[]) => new Map(documents.map((document) => [`${document.http?.request?.method} ${document.url?.original}`, summary(document)]));

async function shippedThroughKafka(count: number): Promise<string[]> {
  const consumer = new kafkajs.Kafka({ clientId: 'nginx-test', brokers: [kafka.brokers], logLevel: kafkajs.logLevel.NOTHING }).consumer({ groupId: 'nginx-test' });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: 'nginx-lua', fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
  try {
    await waitFor(() => values.length >= count, 20_000, 'nginx’s records in Kafka');
  } finally {
    await consumer.disconnect();
  }
  return values;
}

describe('a real nginx’s and a real Apache’s access logs', () => {
  it('its combined lines, its escape=json records and what lua-resty-kafka sent to Kafka make the same documents', async () => {
    const lines = readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n');
    const records = readFileSync(join(dir, 'access.json'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(REQUESTS.length + 1);
    // nginx's combined format has no host: the identd field is `-`.
    expect(lines.every((line) => line.startsWith('127.0.0.1 - '))).toBe(true);
    const fromLines = byRequest(lines.slice(0, REQUESTS.length).map((line) => read(line)));
    const fromJson = byRequest(records.slice(0, REQUESTS.length).map((line) => read(line)));
    const fromKafka = byRequest((await shippedThroughKafka(REQUESTS.length + 1)).map((line) => read(line)).filter((document) => document.http?.request?.method !== undefined));
    expect(fromJson).toEqual(fromLines);
    expect(fromKafka).toEqual(fromLines);

    expect(fromLines.get('GET /api/v1/jobs/42?full=1')).toMatchObject({ client: '127.0.0.1', path: '/api/v1/jobs/42', query: 'full=1', version: '1.1', status: 200, bytes: 3, agent: 'python-requests/2.31.0' });
    // nginx wrote `\x22`, `\xC3\xBC` and `\x5C` in the text line: read back as what the client sent.
    expect(lines[1]).toContain('\\x22quoted\\x22 \\xC3\\xBCn\\xC3\\xAFcode\\x5Cpath');
    expect(fromLines.get('GET /watch/%22x%22?t=%C3%A9')).toMatchObject({ user: 'jürgen', agent: 'Mozilla/5.0 "quoted" ünïcode\\path', referrer: 'https://ref.example/?a="b"', path: '/watch/"x"', status: 200 });
    expect(fromLines.get('GET /search?q="><script>alert(document.cookie)</script>')?.tags).toContain('xss');
    expect(fromLines.get('GET /healthz')).toMatchObject({ version: '1.0', status: 200, agent: undefined, referrer: undefined });
    expect(fromLines.get('POST /missing/upload')).toMatchObject({ status: 404, agent: 'curl/7.88.1' });
  });

  it('Apache’s combined lines (its own escaping) give the requests nginx’s give', () => {
    const lines = readFileSync(join(dir, 'apache-access.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(REQUESTS.length);
    expect(lines[1]).toContain('\\"quoted\\" \\xc3\\xbcn\\xc3\\xafcode\\\\path');
    // The request as the client sent it; the answers differ (Apache serves files: these are not there).
    const request = ({ client, method, url, path, query, version, referrer, agent, tags }: ReturnType<typeof summary>) => ({ client, method, url, path, query, version, referrer, agent, tags });
    const fromApache = [...byRequest(lines.map((line) => read(line)))].map(([key, value]) => [key, request(value)]);
    const fromNginx = [...byRequest(readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').slice(0, REQUESTS.length).map((line) => read(line)))].map(([key, value]) => [key, request(value)]);
    expect(fromApache).toEqual(fromNginx);
  });

  it('lighttpd’s default lines give the same requests, and the host each was sent to', () => {
    const lines = readFileSync(join(dir, 'lighttpd-access.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(REQUESTS.length);
    expect(lines[0]).toMatch(/^127\.0\.0\.1 videos\.example\.com - \[/);
    const request = ({ client, method, url, path, query, version, referrer, agent, tags }: ReturnType<typeof summary>) => ({ client, method, url, path, query, version, referrer, agent, tags });
    const documents = lines.map((line) => read(line));
    const fromLighttpd = [...byRequest(documents)].map(([key, value]) => [key, request(value)]);
    const fromNginx = [...byRequest(readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').slice(0, REQUESTS.length).map((line) => read(line)))].map(([key, value]) => [key, request(value)]);
    expect(fromLighttpd).toEqual(fromNginx);
    // The Host header, where sent: HTTP/1.0's request had none.
    expect(documents.map((document) => document.url?.domain)).toEqual(['videos.example.com', 'videos.example.com', 'videos.example.com', undefined, 'videos.example.com']);
  });

  it('varnishncsa’s lines, whose request line has the whole URL, give the same requests and the host each was sent to', () => {
    const lines = readFileSync(join(dir, 'varnishncsa.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(REQUESTS.length);
    // varnishncsa writes a request when its transaction ends, which need not be in the order the requests were sent.
    const jobs = lines.findIndex((line) => line.includes('"GET http://videos.example.com/api/v1/jobs/42?full=1 HTTP/1.1"'));
    expect(jobs).not.toBe(-1);
    const request = ({ client, method, path, query, version, referrer, agent, tags }: ReturnType<typeof summary>) => ({ client, method, path, query, version, referrer, agent, tags });
    const documents = lines.map((line) => read(line));
    const byPath = (each: Doc[]) => new Map(each.map((document) => [`${document.http?.request?.method} ${document.url?.path}`, request(summary(document))]));
    const fromNginx = byPath(readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').slice(0, REQUESTS.length).map((line) => read(line)));
    expect(byPath(documents)).toEqual(fromNginx);
    expect(documents[jobs]?.url).toMatchObject({ scheme: 'http', domain: 'videos.example.com', path: '/api/v1/jobs/42', query: 'full=1' });
  });

  it('a TLS handshake sent to the HTTP port: a 400 without a request, its bytes kept as nginx escaped them', () => {
    const line = readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').at(-1) as string;
    expect(line).toContain('"\\x16\\x03\\x01\\x00\\xA5\\x01\\x00\\x00\\xA1\\x03\\x03" 400');
    const document = read(line);
    expect(document.http).toMatchObject({ response: { status_code: 400 } });
    expect(document.http?.request?.method).toBeUndefined();
    expect(JSON.stringify(document)).toContain('\\\\x16\\\\x03\\\\x01');
  });
});
