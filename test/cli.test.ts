import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { freePort, run, runSluice } from './support/process.js';

const SLUICE = join(packageRoot, 'dist', 'bin', 'sluice.js');

const sluice = runSluice;

/** Every verb of the contract in DESIGN.md, plus `config` and `detect`. */
const VERBS = [
  'start',
  'ingest',
  'rollup',
  'api',
  'emulate kafka',
  'emulate elasticsearch',
  'process',
  'ilm apply',
  'ilm status',
  'report',
  'demo',
  'alerts rules',
  'replay-dlq',
  'detect',
  'config',
];


describe('sluice --help', () => {
  it('lists every verb, one line each with a description', async () => {
    const { code, stdout } = await sluice(['--help']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    for (const verb of VERBS) {
      const line = lines.find((candidate) => new RegExp(`^  ${verb}\\s{2,}\\S`).test(candidate));
      expect(line, `a line for "${verb}"`).toBeDefined();
    }
  });

  it('works through npx from the repository root, as a newcomer runs it', async () => {
    const npx = join(process.execPath, '..', 'npx');
    // The first npx of a checkout installs the project into npx's cache, which runs its `prepare` (the build) in place:
    // dist/cli would be deleted and written again while other test files run the command line. Without scripts the
    // cache links the build there is, which is what a newcomer's npx runs after its first time.
    const { code, stdout } = await sluice(['--help'], { npm_config_loglevel: 'error', npm_config_ignore_scripts: 'true' }, npx, ['sluice']);
    expect(code).toBe(0);
    expect(stdout).toContain('emulate kafka');
  });

  it.each([
    [['emulate', 'kafka'], ['--port <port>', '--data-dir <dir>', '--host <address>', '--fsync <policy>', '--partitions <n>', '--max-message-bytes <bytes>', '--retention-bytes <bytes>']],
    [['emulate', 'elasticsearch'], ['--port <port>', '--data-dir <dir>', '--host <address>', '--fsync <policy>', '--ilm-poll-interval <duration>']],
    [['process'], ['--topic <topic>', '--source <source>', '"auto"', '"app"', '"traefik"', '"worker"', '"postgres"', '"generic"']],
    [['report'], ['--month <YYYY-MM>', '--format <format>', '--out <file>', '--rebuild', '--reason <text>', '--live']],
    [['rollup'], ['--from <iso>', '--to <iso>']],
    [['ilm', 'status'], ['--json']],
    [['replay-dlq'], ['--topic <topic>']],
    [['detect'], ['--from <iso>', '--to <iso>']],
    [['demo'], ['--month <YYYY-MM>', '--rate <n>', '--brokers <host:port,...>', '--seed <n>', '--events <n>']],
  ])('sluice %j --help shows its options', async (verb, options) => {
    const { code, stdout } = await sluice([...verb, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: sluice ${verb.join(' ')}`);
    for (const option of options) expect(stdout).toContain(option);
  });

  it('agrees with what the verbs do: every verb\u2019s help shows -c/--config, none says it is not built, durations read as durations', async () => {
    const helps = await Promise.all(VERBS.map(async (verb) => [verb, await sluice([...verb.split(' '), '--help'])] as const));
    for (const [verb, { code, stdout }] of helps) {
      expect(code, verb).toBe(0);
      expect(stdout, verb).toContain('-c, --config <file>');
      expect(stdout, verb).not.toContain('not built yet');
    }
    const root = (await sluice(['--help'])).stdout;
    expect(root).toMatch(/start\s+run everything: the embedded emulators for what is not configured, ingest,\s+the behaviour detectors, the SLI rollups and the API with its page/);
    expect(root).toMatch(/replay-dlq\s+send each dead-lettered message back to the topic it came from/);
    expect((await sluice(['emulate', 'elasticsearch', '--help'])).stdout).toContain('(default: 10m)');
    expect((await sluice(['emulate', 'elasticsearch', '--help'])).stdout).not.toContain('600000');
  });

  it('prints the version', async () => {
    const { code, stdout } = await sluice(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('usage mistakes exit 2 with a hint', () => {
  it('an unknown verb suggests the nearest one and --help', async () => {
    const { code, stderr } = await sluice(['strat']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'strat'");
    expect(stderr).toContain('Did you mean start?');
    expect(stderr).toContain('sluice --help');
  });

  it('no verb at all shows the verbs on stderr', async () => {
    const { code, stdout, stderr } = await sluice([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('emulate kafka');
  });

  it.each([
    [['emulate', 'kafka', '--port', 'abc'], "option '--port <port>' argument 'abc' is invalid. expected an integer TCP port from 1 to 65535."],
    [['process', '--source', 'nginx'], "option '--source <source>' argument 'nginx' is invalid. Allowed choices are auto, app, traefik, worker, postgres, generic."],
    [['report', '--month', '2026-13'], 'expected a month as YYYY-MM'],
    [['report', '--format', 'pdf'], "required option '--month <YYYY-MM>' not specified"],
    [['rollup', '--from', 'yesterday'], 'expected an ISO-8601 date or time'],
    [['rollup', '--to', '2026-10-01T00:00:00Z'], '--from and --to go together'],
    [['rollup', '--from', '2026-10-02T00:00:00Z', '--to', '2026-10-01T00:00:00Z'], 'must be before --to (2026-10-01T00:00:00Z)'],
    [['ingest', '--bogus'], "unknown option '--bogus'"],
  ])('sluice %j', async (args, message) => {
    const { code, stderr } = await sluice(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});

it('reads a time without an offset as UTC, as Elasticsearch does, whatever the machine\'s zone', async () => {
  const { code, stderr } = await sluice(['rollup', '--from', '2026-10-01T12:00', '--to', '2026-10-01T12:00:00+09:00'], { TZ: 'Asia/Tokyo' });
  expect(code).toBe(2);
  // In Tokyo's zone the first would be 03:00 UTC, before the second; as UTC it is nine hours after it.
  expect(stderr).toContain('error: --from (2026-10-01T12:00Z) must be before --to (2026-10-01T12:00:00+09:00).');
});

describe('configuration errors', () => {
  it('stop the program with the variable, the value and the expectation, exit 2, no stack trace', async () => {
    const { code, stdout, stderr } = await sluice(['ingest'], { SLUICE_API_PORT: 'abc', KAFKA_BROKERS: 'kafka', LOG_LEVEL: 'loud' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('sluice: invalid configuration:');
    expect(stderr).toContain('SLUICE_API_PORT="abc": expected an integer TCP port from 1 to 65535');
    expect(stderr).toContain('KAFKA_BROKERS="kafka": expected comma-separated host:port pairs');
    expect(stderr).toContain('LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain('not implemented');
  });

  it('name an unreadable GeoIP database', async () => {
    const { code, stderr } = await sluice(['config'], { GEOIP_ASN_DB: '/nonexistent/asn.mmdb' });
    expect(code).toBe(2);
    expect(stderr).toContain('GEOIP_ASN_DB="/nonexistent/asn.mmdb": expected a readable file; /nonexistent/asn.mmdb does not exist');
  });

  it('name the file given with --config', async () => {
    const { code, stderr } = await sluice(['--config', '/nonexistent/sluice.yaml', 'config']);
    expect(code).toBe(2);
    expect(stderr).toContain('SLUICE_CONFIG_FILE="/nonexistent/sluice.yaml": cannot read the file (ENOENT)');
  });

  it('outside local mode, the API verbs require SLUICE_API_KEYS', async () => {
    const { code, stderr } = await sluice(['api'], { ELASTICSEARCH_URL: 'http://es:9200' });
    expect(code).toBe(2);
    expect(stderr).toContain('SLUICE_API_KEYS: is required');
  });
});

describe('sluice config', () => {
  it('checks everything and lists every problem in one run: values, rules between settings, lifecycle phases, misspelt names', async () => {
    const { code, stdout, stderr } = await sluice(['config'], { SLUICE_LOGS_WARM_AFTER: '60d', LOG_LEVEL: 'loud', ELASTICSEARCH_PASSWORD: 'hunter2-s3cr3t', SLUICE_DETECT_LOOKBACK: '1m', KAFKA_BROKER: 'kafka:9092' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'sluice: invalid configuration:',
      '  environment: unknown setting "KAFKA_BROKER"; did you mean KAFKA_BROKERS?',
      '  LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent',
      '  ELASTICSEARCH_USERNAME: is required when ELASTICSEARCH_PASSWORD is set',
      '  SLUICE_DETECT_LOOKBACK="1m": must be at least the longest detector window (300s) plus SLUICE_DETECT_INTERVAL (60s), or windows would be skipped',
      '  policy sluice-logs: the delete phase (min_age 30d) would start before the warm phase; check SLUICE_*_RETENTION and SLUICE_LOGS_WARM_AFTER',
    ]);
    expect(stderr).not.toContain('hunter2');
  });

  it('prints the effective configuration with secrets redacted and unset values as null', async () => {
    const { code, stdout } = await sluice(['config'], {
      ELASTICSEARCH_URL: 'http://es:9200',
      ELASTICSEARCH_USERNAME: 'elastic',
      ELASTICSEARCH_PASSWORD: 'hunter2-s3cr3t',
      SLUICE_API_KEYS: 'api-key-s3cr3t-0001',
    });
    expect(code).toBe(0);
    expect(stdout).not.toContain('s3cr3t');
    const printed = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(printed.elasticsearch).toEqual({ urls: ['http://es:9200'], auth: { username: 'elastic', password: '[REDACTED]' }, caFile: null });
    expect(printed.kafka?.brokers).toBeNull();
    expect(printed.api).toEqual({ host: '127.0.0.1', port: 8080, keys: [{ role: 'reader', key: '[REDACTED]' }], rateLimitPerMinute: 600, tailMaxClients: 50 });
    expect(printed.localMode).toBe(false);
  });
});


/** `sluice emulate KIND` as a child process, with its log and exit code. */
function startEmulatorProcess(kind: 'kafka' | 'elasticsearch', port: number, dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [SLUICE, 'emulate', kind, '--port', String(port), '--data-dir', dataDir], { cwd: packageRoot, env: { PATH: process.env.PATH, ...env } });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const listening = new Promise<void>((resolve) => child.stdout.on('data', () => stdout.includes('listening') && resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, listening, exited, log: () => stdout };
}

describe('sluice emulate kafka', () => {
  it('serves kcat from a shell, logs JSON, keeps data in --data-dir and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-cli-kafka-'));
    const start = () => startEmulatorProcess('kafka', port, dataDir);

    const first = start();
    await first.listening;
    expect(JSON.parse(first.log().split('\n')[0] ?? '{}')).toMatchObject({ level: 'info', service: 'emulator', port, msg: 'kafka emulator listening' });
    expect((await run('kcat', ['-b', `127.0.0.1:${port}`, '-P', '-t', 'cli-topic', '-p', '0'], { input: 'one\ntwo\n' })).code).toBe(0);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = start();
    await second.listening;
    const consumed = await run('kcat', ['-b', `127.0.0.1:${port}`, '-C', '-t', 'cli-topic', '-p', '0', '-e', '-q']);
    expect(consumed.stdout).toBe('one\ntwo\n');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});

describe('logs a person can read', () => {
  it('LOG_FORMAT=pretty writes time, level, [service] and message instead of JSON, with the same secrets removed', async () => {
    const emulator = startEmulatorProcess('kafka', await freePort(), mkdtempSync(join(tmpdir(), 'sluice-pretty-')), { LOG_FORMAT: 'pretty' });
    await emulator.listening;
    emulator.child.kill('SIGTERM');
    expect(await emulator.exited).toBe(0);
    const first = emulator.log().split('\n')[0] ?? '';
    expect(first).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: \[emulator\] kafka emulator listening$/);
    expect(emulator.log()).not.toContain('{"level"');
  });

  it('a member leaving a group is logged at debug, not at info', async () => {
    const port = await freePort();
    const runFor = async (level: string): Promise<string> => {
      const emulator = startEmulatorProcess('kafka', port, mkdtempSync(join(tmpdir(), 'sluice-leave-')), { LOG_LEVEL: level });
      await emulator.listening;
      expect((await run('kcat', ['-b', `127.0.0.1:${port}`, '-P', '-t', 'leave-topic'], { input: 'one\n' })).code).toBe(0);
      // kcat joins the group, reads to the end and leaves it (LeaveGroup).
      const consumed = await run('kcat', ['-b', `127.0.0.1:${port}`, '-G', 'leavers', 'leave-topic', '-e', '-q'], { timeoutMs: 20_000 });
      expect(consumed.code, consumed.stderr).toBe(0);
      emulator.child.kill('SIGTERM');
      await emulator.exited;
      return emulator.log();
    };
    expect(await runFor('debug')).toContain('member removed from group');
    expect(await runFor('info')).not.toContain('member removed from group');
  }, 60_000);
});

describe('sluice emulate elasticsearch', () => {
  it('serves curl from a shell, logs JSON, keeps data in --data-dir and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-cli-es-'));
    const start = () => startEmulatorProcess('elasticsearch', port, dataDir);
    const url = `http://127.0.0.1:${port}`;

    const first = start();
    await first.listening;
    expect(JSON.parse(first.log().split('\n')[0] ?? '{}')).toMatchObject({ level: 'info', service: 'emulator', url, msg: 'elasticsearch emulator listening' });
    const put = await run('curl', ['-sS', '-X', 'PUT', `${url}/notes/_doc/1?refresh=true`, '-H', 'content-type: application/json', '-d', '{"text":"kept"}']);
    expect(put.stdout).toContain('"result":"created"');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = start();
    await second.listening;
    const got = await run('curl', ['-sS', `${url}/notes/_doc/1`]);
    expect(JSON.parse(got.stdout)).toMatchObject({ found: true, _source: { text: 'kept' } });
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
