import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, freePort, run, waitFor } from './support/process.js';
import { templatedEmulator } from './support/rollups.js';
import { documentReader } from './support/pipeline.js';

/**
 * A real PgBouncer (Debian's 1.18) pools connections to a real PostgreSQL 15, as it sits in front of an API's database,
 * and writes its log: a login, a wrong password and a database it does not know, each made by psql through it. Its
 * lines on the database's topic must be documents of their own: the connection's client or server, the user, the
 * database, and one authentication failure for the wrong password.
 */
const BIN = '/usr/lib/postgresql/15/bin';
let dir: string;
let postgresPort: number;
let bouncerPort: number;
const servers: ChildProcess[] = [];
/** PostgreSQL and PgBouncer refuse to run as root: then they run as the postgres user. */
const asServer = (command: string, args: string[]): [string, string[]] => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]);

function psql(port: number, password: string, database: string): Promise<{ code: number; stderr: string }> {
  return run('env', [`PGPASSWORD=${password}`, `${BIN}/psql`, '-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-c', 'SELECT 1']);
}

/** SIGINT to the process itself, by its pid file (runuser does not pass signals on): each writes what it holds. */
async function stop(pidFile: string, server: ChildProcess): Promise<void> {
  if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
  await exited(server);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-pgbouncer-'));
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
  const [initdb, initArgs] = asServer(`${BIN}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  execFileSync(initdb, initArgs, { stdio: 'ignore' });
  [postgresPort, bouncerPort] = [await freePort(), await freePort()];
  appendFileSync(join(dir, 'data', 'postgresql.conf'), `port = ${postgresPort}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\n`);
  const [postgres, postgresArgs] = asServer(`${BIN}/postgres`, ['-D', join(dir, 'data')]);
  const database = spawn(postgres, postgresArgs, { stdio: 'ignore' });
  servers.push(database);
  await waitFor(async () => (await psql(postgresPort, '', 'postgres')).code === 0, 30_000, 'PostgreSQL');
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" "secret"\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    ['[databases]', `app = host=127.0.0.1 port=${postgresPort} dbname=postgres`, '[pgbouncer]', 'listen_addr = 127.0.0.1', `listen_port = ${bouncerPort}`, 'unix_socket_dir =', 'auth_type = md5', `auth_file = ${join(dir, 'userlist.txt')}`, `logfile = ${join(dir, 'pgbouncer.log')}`, `pidfile = ${join(dir, 'pgbouncer.pid')}`, 'pool_mode = transaction', ''].join('\n'),
  );
  if (process.getuid?.() === 0) for (const file of ['userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, file), Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
  const [bouncer, bouncerArgs] = asServer('/usr/sbin/pgbouncer', [join(dir, 'pgbouncer.ini')]);
  const pooler = spawn(bouncer, bouncerArgs, { stdio: 'ignore' });
  servers.push(pooler);
  await waitFor(async () => (await psql(bouncerPort, 'secret', 'app')).code === 0, 30_000, 'PgBouncer');
  expect((await psql(bouncerPort, 'wrong', 'app')).stderr).toContain('password authentication failed');
  expect((await psql(bouncerPort, 'secret', 'nodb')).stderr).toContain('no such database: nodb');
  await stop(join(dir, 'pgbouncer.pid'), pooler);
  await stop(join(dir, 'data', 'postmaster.pid'), database);
}, 60_000);

afterAll(async () => {
  for (const server of servers) if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const read = documentReader({ topic: 'logs-postgres' });
const lines = (): string[] => readFileSync(join(dir, 'pgbouncer.log'), 'utf8').trim().split('\n');

describe('PgBouncer’s log, as a real PgBouncer writes it', () => {
  const es = templatedEmulator();

  it('every line: its time, level and process, in the database’s stream as PgBouncer’s', () => {
    for (const line of lines()) {
      const document = read(line);
      // `2026-12-07 12:14:58.317 UTC [5979] LOG …`: the time in UTC, as log_timezone's default writes it.
      const [day, time] = line.split(' ');
      expect(document['@timestamp'], line).toBe(`${day}T${time}Z`);
      expect(document).toMatchObject({ data_stream: { dataset: 'rendiff.postgres' }, service: { name: 'pgbouncer' }, process: { pid: Number(/\[(\d+)\]/.exec(line)?.[1]) } });
      // PgBouncer's levels as PostgreSQL's are read (LOG is info, FATAL critical); this run writes LOG and WARNING.
      const level = /\] (LOG|WARNING|ERROR|FATAL) /.exec(line)?.[1];
      expect(level, line).toBeDefined();
      expect(document.log.level).toBe({ LOG: 'info', WARNING: 'warning', ERROR: 'error', FATAL: 'critical' }[level as string]);
      expect(document.tags ?? []).not.toContain('not_postgres_log');
    }
  });

  it('the connections: the client’s and the pooler’s to the server, the user, the database, and one failure per wrong password', () => {
    const documents = lines().map((line) => read(line));
    const attempts = documents.filter((document) => document.message.startsWith('login attempt: '));
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts[0]).toMatchObject({ source: { ip: '127.0.0.1' }, user: { name: 'postgres' }, postgresql: { log: { database: 'app' } }, pgbouncer: { connection: 'client' }, event: { category: ['network'], type: ['connection', 'start'] } });
    expect(documents.find((document) => document.pgbouncer?.connection === 'server')).toMatchObject({ destination: { ip: '127.0.0.1', port: postgresPort }, event: { type: ['connection', 'start'] } });
    const failures = documents.filter((document) => document.event.category?.includes('authentication'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ event: { outcome: 'failure' }, user: { name: 'postgres' }, source: { ip: '127.0.0.1' }, pgbouncer: { close_reason: 'password authentication failed' } });
    expect(documents.filter((document) => document.error?.message === 'password authentication failed')).toHaveLength(1);
    expect(documents.find((document) => document.pgbouncer?.close_reason === 'no such database: nodb')).toMatchObject({ event: { type: ['connection', 'end'] } });
  });

  it('its documents are indexed under ilm/’s templates', async () => {
    const documents = lines().map((line) => read(line));
    const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const indexed = await es().bulk({ refresh: true, operations });
    expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    expect((await es().count({ index: 'logs-rendiff.postgres-*', query: { bool: { filter: [{ term: { 'event.category': 'authentication' } }, { term: { 'event.outcome': 'failure' } }] } } })).count).toBe(1);
  });
});
