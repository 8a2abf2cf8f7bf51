import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, freePort, run, waitFor } from './support/process.js';
import { documentReader, type Doc } from './support/pipeline.js';

/**
 * A real PostgreSQL 15 (Debian's) logs one session three ways at once, `log_destination = 'stderr,csvlog,jsonlog'`,
 * with Debian's log_line_prefix, a zone with an abbreviation (CET), connections, durations, errors and a refused
 * password. Sluice must read every line of each, and make the same document of an event from csvlog and jsonlog.
 */
const BIN = '/usr/lib/postgresql/15/bin';
let dir: string;
let port: number;
let server: ChildProcess;
let serverOutput = '';
/** PostgreSQL refuses to run as root: then its programs run as the postgres user. */
const asServer = (command: string, args: string[]): [string, string[]] => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]);

async function psql(user: string, password: string, sql: string, database = 'postgres'): Promise<{ code: number; stderr: string }> {
  return run('env', [`PGPASSWORD=${password}`, `${BIN}/psql`, '-X', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database, '-c', sql]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-postgres-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, 0);
  }
  const [initdb, initArgs] = asServer(`${BIN}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  execFileSync(initdb, initArgs, { stdio: 'ignore' });
  port = await freePort();
  appendFileSync(
    join(dir, 'data', 'postgresql.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'logging_collector = on',
      "log_destination = 'stderr,csvlog,jsonlog'",
      `log_directory = '${dir}/log'`,
      "log_filename = 'postgresql'",
      "log_line_prefix = '%m [%p] %q%u@%d '",
      'log_connections = on',
      'log_disconnections = on',
      'log_min_duration_statement = 0',
      "log_timezone = 'Europe/Paris'",
      "log_file_mode = '0644'",
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'data', 'pg_hba.conf'), 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
  const [postgres, args] = asServer(`${BIN}/postgres`, ['-D', join(dir, 'data')]);
  server = spawn(postgres, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
  await waitFor(async () => (await psql('postgres', '', 'SELECT 1')).code === 0, 30_000, 'PostgreSQL').catch((error: Error) => {
    throw new Error(`${error.message}: ${serverOutput}`);
  });
  await psql('postgres', '', "CREATE ROLE app LOGIN PASSWORD 'right'");
  await psql('postgres', '', 'CREATE DATABASE videos OWNER app');
  for (const sql of ['CREATE TABLE jobs (id int PRIMARY KEY, name text)', "INSERT INTO jobs VALUES (1, 'a')", "INSERT INTO jobs VALUES (1, 'b')", 'SELECT pg_sleep(0.05)', 'SELECT 1/0', 'SELECT id,\n       name\n  FROM jobs\n WHERE id = 1']) {
    await psql('app', 'right', sql, 'videos');
  }
  expect((await psql('app', 'wrong', 'SELECT 1', 'videos')).stderr).toContain('password authentication failed');
  await stopServer();
}, 60_000);

/**
 * A fast shutdown (SIGINT), sent to the postmaster itself (runuser does not pass it on), so that every line is written
 * before the files are read.
 */
async function stopServer(): Promise<void> {
  if (server === undefined || server.exitCode !== null || server.signalCode !== null) return;
  const postmaster = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(postmaster, 'SIGINT');
  await exited(server);
}

afterAll(async () => {
  await stopServer().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const read = documentReader({ topic: 'logs-postgres', now: Date.parse('2026-12-07T12:00:00Z') });

const logFile = (name: string) => readFileSync(join(dir, 'log', name), 'utf8');

/** csvlog's records, which may span lines inside quotes. */
function csvRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === '\n' && !quoted) {
      records.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return records;
}

/** The stderr file's events as Filebeat's postgresql module joins them: a line that does not start with a date continues the one before. */
function stderrEvents(text: string): string[] {
  const events: string[] = [];
  for (const line of text.trimEnd().split('\n')) {
    if (/^\d{4}-\d{2}-\d{2} /.test(line) || events.length === 0) events.push(line);
    else events[events.length - 1] += `\n${line}`;
  }
  return events;
}

describe('a real PostgreSQL 15’s log, in its three formats', () => {
  it('csvlog and jsonlog give the same document of every event', () => {
    // The one difference, as each format writes it: csvlog's SQLSTATE 00000 (successful completion) of every message
    // that is no error, which jsonlog leaves out (Filebeat's module keeps csvlog's, and so does Sluice).
    const csv = csvRecords(logFile('postgresql.csv'))
      .map((line) => read(line))
      .map((document) => {
        if (document.postgresql.log.sql_state_code === '00000') delete document.postgresql.log.sql_state_code;
        return document;
      });
    const json = logFile('postgresql.json').trim().split('\n').map((line) => read(line));
    expect(csv.length).toBeGreaterThan(20);
    expect(json).toHaveLength(csv.length);
    const different = csv.flatMap((document, i) => (isDeepStrictEqual(document, json[i]) ? [] : [{ csv: document, json: json[i] }]));
    expect(different).toEqual([]);
  });

  it('stderr gives each event’s time, process, level, user, database, query, duration and outcome as jsonlog does', () => {
    const json = logFile('postgresql.json').trim().split('\n').map((line) => read(line));
    const stderr = stderrEvents(logFile('postgresql'))
      .map((line) => read(line))
      .filter((document) => !['DETAIL', 'HINT', 'STATEMENT', 'CONTEXT'].includes(document.postgresql.log.severity));
    const summary = (document: Doc) => ({
      time: document['@timestamp'],
      zone: document.event.timezone,
      pid: document.process?.pid,
      level: document.log.level,
      message: document.message,
      user: document.user?.name,
      database: document.postgresql.log.database,
      duration: document.event.duration,
      category: document.event.category,
      outcome: document.event.outcome,
      query: document.postgresql.log.query_step === undefined ? undefined : document.postgresql.log.query,
    });
    expect(stderr.map(summary)).toEqual(json.map(summary));
  });

  it('what the server wrote is read for what it is', () => {
    const json = logFile('postgresql.json').trim().split('\n').map((line) => read(line));
    const find = (text: string) => json.find((document) => document.message.includes(text)) as Doc;
    expect(find('starting PostgreSQL 15')).toMatchObject({ event: { timezone: '+01:00' }, log: { level: 'info' } });
    expect(find('pg_sleep').postgresql.log).toMatchObject({ query: 'SELECT pg_sleep(0.05)', query_step: 'statement' });
    expect(find('pg_sleep').event.duration).toBeGreaterThanOrEqual(50_000_000);
    expect(find('SELECT id,').postgresql.log.query).toBe('SELECT id,\n       name\n  FROM jobs\n WHERE id = 1');
    expect(find('duplicate key')).toMatchObject({ error: { code: '23505' }, event: { outcome: 'failure' }, postgresql: { log: { query: "INSERT INTO jobs VALUES (1, 'b')", detail: 'Key (id)=(1) already exists.' } } });
    expect(find('division by zero')).toMatchObject({ error: { code: '22012' }, log: { level: 'error' } });
    expect(find('password authentication failed')).toMatchObject({ user: { name: 'app' }, source: { ip: '127.0.0.1' }, event: { category: ['authentication'], outcome: 'failure' }, log: { level: 'critical' } });
    expect(find('disconnection: ')).toMatchObject({ event: { category: ['network'], type: ['connection', 'end'] }, source: { ip: '127.0.0.1' } });
    expect(find('disconnection: ').event.duration).toBeGreaterThan(0);
    // In stderr, the lines after an error carry what csvlog and jsonlog put in the error's record.
    const stderr = stderrEvents(logFile('postgresql')).map((line) => read(line));
    expect(stderr.find((document) => document.postgresql.log.severity === 'STATEMENT' && document.message === 'SELECT 1/0')?.postgresql.log.query).toBe('SELECT 1/0');
    expect(stderr.find((document) => document.postgresql.log.severity === 'DETAIL')?.postgresql.log.detail).toBe('Key (id)=(1) already exists.');
  });
});

