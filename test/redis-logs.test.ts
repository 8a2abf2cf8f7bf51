import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';
import { packageRoot } from '../shared/paths.js';
import { run } from './support/process.js';

/**
 * Redis's own log lines, read on the generic stream as Filebeat's redis module reads them: the lines of real servers
 * from that module's tests (test/fixtures/filebeat-redis, its SOURCE.md), and the log of a Redis server run here
 * (Debian's redis-server, which .ci/run installs). Expected values are read off the lines themselves.
 */

const FIXTURES = join(packageRoot, 'test', 'fixtures', 'filebeat-redis');
// Filebeat's redis module's names: the level by its character, the role by its letter.
const LEVELS: Record<string, string> = { '.': 'debug', '-': 'verbose', '*': 'notice', '#': 'warning' };
const ROLES: Record<string, string> = { M: 'master', S: 'slave', C: 'child', X: 'sentinel' };
const PREFIX = /^(?:(\d+):([MSCX]) |\[(\d+)\] )?(\d{2}) (\w{3}) (?:(\d{4}) )?(\d{2}:\d{2}:\d{2})(\.\d{3})? ([.*#-]) (.*)$/;
const SIGNAL = /^(\d+):signal-handler \((\d+)\) (.*)$/;

/** Each line as Filebeat ships it, shipped at `shippedAt`, on a topic no source pipeline claims. */
function documents(lines: readonly string[], shippedAt: string): Array<Record<string, any>> {
  const pipeline = createPipeline({ namespace: 'prod', now: () => Date.parse(shippedAt) });
  return lines.map((message, offset) => {
    const envelope = { '@timestamp': shippedAt, agent: { type: 'filebeat', version: '8.15.0' }, input: { type: 'filestream' }, log: { file: { path: '/var/log/redis/redis-server.log' }, offset }, message };
    const outcome = pipeline({ value: JSON.stringify(envelope), topic: 'logs-redis' });
    if (!outcome.ok) throw new Error(`line ${offset}: rejected at ${outcome.stage}: ${outcome.reason}`);
    return outcome.document;
  });
}

const linesOf = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

/**
 * Checks each document against its line: a Redis line's fields, or a line kept whole (the banner's ASCII art).
 * `yearless`: the year a line without one is given. Returns how many lines were Redis's.
 */
function expectRead(lines: readonly string[], docs: ReadonlyArray<Record<string, any>>, yearless: string, name: string): number {
  let read = 0;
  for (const [index, document] of docs.entries()) {
    const line = lines[index] as string;
    const where = `${name} #${index}`;
    expect(document.data_stream.dataset, where).toBe('sluice.generic');
    const prefix = PREFIX.exec(line);
    const signal = SIGNAL.exec(line);
    if (prefix === null && signal === null) {
      expect(document.message, where).toBe(line.trim());
      expect(document.service, where).toBeUndefined();
      continue;
    }
    read += 1;
    expect(document.service, where).toEqual({ type: 'redis' });
    expect(document.event, where).toMatchObject({ kind: 'event', category: ['database'], type: ['info'] });
    if (signal !== null) {
      expect(document, where).toMatchObject({ '@timestamp': new Date(Number(signal[2]) * 1000).toISOString(), message: signal[3], process: { pid: Number(signal[1]) } });
      continue;
    }
    const [, pid, role, bracketed, day, month, year, time, fraction, level, message] = prefix as unknown as string[];
    expect(document['@timestamp'], where).toBe(new Date(`${day} ${month} ${year ?? yearless} ${time}${fraction ?? ''} UTC`).toISOString());
    expect(document.message, where).toBe(message);
    expect(document.log.level, where).toBe(LEVELS[level as string]);
    const processId = pid ?? bracketed;
    expect(document.process?.pid, where).toBe(processId === undefined ? undefined : Number(processId));
    expect(document.redis?.log?.role, where).toBe(role === undefined ? undefined : ROLES[role]);
  }
  return read;
}

describe('Redis logs of real servers (Filebeat\u2019s module tests)', () => {
  it('every line of Redis is a Redis event: its time, level, pid and role from the line; the banner kept whole', () => {
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.log'));
    expect(files).toHaveLength(4);
    let read = 0;
    for (const file of files) {
      const lines = linesOf(readFileSync(join(FIXTURES, file), 'utf8'));
      // Shipped on 2026-11-22: a line of May without its year is this year's.
      read += expectRead(lines, documents(lines, '2026-11-22T12:00:00.000Z'), '2026', file);
    }
    // test.log's 4, Redis 5's 1, the darwin file's 18 (its 34 lines of banner aside), the Windows file's 34.
    expect(read).toBe(4 + 1 + 18 + 34);
  });

  it('test.log as Filebeat\u2019s module expects it (test.log-expected.json), and the pid of the Redis 2 line it leaves out', () => {
    const [saving, clients, ready, signal] = documents(linesOf(readFileSync(join(FIXTURES, 'test.log'), 'utf8')), '2026-11-22T12:00:00.000Z');
    expect(saving).toMatchObject({ log: { level: 'notice' }, message: 'Saving the final RDB snapshot before exiting.', process: { pid: 98738 }, redis: { log: { role: 'master' } } });
    expect(clients).toMatchObject({ log: { level: 'debug' }, message: '0 clients connected (0 slaves), 618932 bytes in use, 0 shared objects.' });
    expect(clients?.process).toBeUndefined();
    expect(ready).toMatchObject({ log: { level: 'notice' }, message: 'The server is now ready to accept connections on port 6379"', process: { pid: 2932 } });
    expect(signal).toMatchObject({ message: 'Received SIGINT scheduling shutdown...', process: { pid: 5092 } });
    expect(signal?.log?.level).toBeUndefined();
  });

  it('a line of December read in January is last year\u2019s', () => {
    const [late] = documents(['98738:M 31 Dec 23:59:58.001 * DB saved on disk'], '2027-01-01T00:00:05.000Z');
    expect(late?.['@timestamp']).toBe('2026-12-31T23:59:58.001Z');
  });
});

describe('Valkey’s logfmt (log-format logfmt), in each of its log-timestamp-format’s forms', () => {
  it('is a Redis event: the pid, the role by Filebeat’s names for Redis’s letters, the level and the time', () => {
    // Lines written for Sluice from Valkey's server.c (serverLogRaw: `pid=%d role=%s timestamp="%s" level=%s message="%s"`).
    const [legacy, iso, epoch] = documents([
      'pid=1 role=primary timestamp="07 Dec 2026 06:00:00.123" level=notice message="Ready to accept connections tcp"',
      'pid=7 role=replica timestamp="2026-12-07T06:00:01.250+00:00" level=warning message="Connection with primary lost."',
      'pid=9 role=RDB/AOF timestamp="1796623202456" level=info message="DB saved on disk"',
    ], '2026-12-07T07:00:00.000Z');
    expect(legacy).toMatchObject({ '@timestamp': '2026-12-07T06:00:00.123Z', message: 'Ready to accept connections tcp', log: { level: 'notice' }, process: { pid: 1 }, redis: { log: { role: 'master' } }, service: { type: 'redis' } });
    expect(iso).toMatchObject({ '@timestamp': '2026-12-07T06:00:01.250Z', log: { level: 'warning' }, redis: { log: { role: 'slave' } } });
    expect(epoch).toMatchObject({ '@timestamp': '2026-12-07T06:00:02.456Z', process: { pid: 9 }, redis: { log: { role: 'child' } } });
  });
});

describe('the log of a Redis server run here (Debian\u2019s redis-server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-'));
  const socket = join(dir, 'redis.sock');
  let log = '';
  let started = 0;
  let ended = 0;

  beforeAll(async () => {
    started = Date.now();
    // Verbose, so that connections are logged; TZ=UTC, as Redis writes its server's local time.
    const server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--logfile', join(dir, 'redis.log'), '--loglevel', 'verbose', '--dir', dir, '--save', ''], { env: { ...process.env, TZ: 'UTC' }, stdio: 'ignore' });
    const cli = (...args: string[]) => run('redis-cli', ['-s', socket, ...args]);
    for (let tries = 0; (await cli('ping')).stdout.trim() !== 'PONG'; tries += 1) {
      if (tries > 100) throw new Error('redis-server did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await cli('set', 'job:8f14e45f', 'queued');
    await cli('bgsave');
    // The child's lines come before the master's "terminated with success".
    for (let tries = 0; !(await cli('info', 'persistence')).stdout.includes('rdb_bgsave_in_progress:0'); tries += 1) {
      if (tries > 100) throw new Error('BGSAVE did not end');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // SIGTERM: the signal handler's line, then the shutdown's.
    server.kill('SIGTERM');
    await once(server, 'exit');
    ended = Date.now();
    log = readFileSync(join(dir, 'redis.log'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every line is a Redis event, the master’s and the saving child’s, with its time, level, pid and role', () => {
    const lines = linesOf(log);
    const docs = documents(lines, new Date(ended).toISOString());
    expect(expectRead(lines, docs, 'no year', 'redis-server')).toBe(lines.length);
    for (const document of docs) {
      const at = Date.parse(document['@timestamp']);
      // Redis writes milliseconds; a signal handler's line whole seconds.
      expect(at).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
      expect(at).toBeLessThanOrEqual(ended);
    }
    // The child that saved is the pid the master said it started.
    const child = Number(/Background saving started by pid (\d+)/.exec(log)?.[1]);
    const saved = docs.filter((document) => document.redis?.log?.role === 'child' && document.message === 'DB saved on disk');
    expect(saved.map((document) => document.process.pid)).toEqual([child]);
    expect(docs.find((document) => /Received SIGTERM/.test(document.message))).toBeDefined();
    expect(new Set(docs.map((document) => document.log?.level))).toEqual(new Set(['verbose', 'notice', 'warning', undefined]));
  });
});
