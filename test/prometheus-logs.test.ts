import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, freePort, waitFor } from './support/process.js';
import { documentReader } from './support/pipeline.js';

/**
 * go-kit's logfmt as a real Go service writes it: Debian's Prometheus 2.42 (the seed's metrics server; its exporters
 * and Alertmanager log the same way), started until ready and stopped with SIGTERM. `ts=… caller=file.go:123
 * level=info msg="…" key=value …`, and some lines with no `msg` at all.
 */
let dir: string;
let lines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const server = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${await freePort()}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitFor(() => log.includes('Server is ready to receive web requests.'), 30_000, 'prometheus ready');
  server.kill('SIGTERM');
  await exited(server);
  lines = log.split('\n').filter((line) => line !== '');
}, 40_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = documentReader({ topic: 'logs-generic' });
/** A go-kit line's value for `key` as Go's logfmt encoder writes it: bare, or quoted with strconv's escapes. */
const valueOf = (line: string, key: string): string | undefined => {
  const match = new RegExp(`(?:^| )${key}=("(?:[^"\\\\]|\\\\.)*"|\\S*)`).exec(line);
  return match?.[1]?.startsWith('"') ? (JSON.parse(match[1]) as string) : match?.[1];
};

describe('Prometheus’s own log (go-kit logfmt), written by the real server', () => {
  it('every line: its time, level, caller and message; its other keys kept', () => {
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const document = read(line);
      expect(document['@timestamp'], line).toBe(new Date(valueOf(line, 'ts') as string).toISOString());
      expect(document.log.level, line).toBe(valueOf(line, 'level'));
      const [file, number] = (valueOf(line, 'caller') as string).split(':');
      expect(document.log.origin.file, line).toEqual({ name: file, line: Number(number) });
      // A line without `msg` shows the whole line as its message, as Logstash's kv filter leaves it.
      expect(document.message, line).toBe(valueOf(line, 'msg') ?? line);
    }
    const stopping = lines.map((line) => read(line)).find((document) => document.message === 'Received SIGTERM, exiting gracefully...');
    expect(stopping?.log.level).toBe('warn');
    const listening = read(lines.find((line) => line.includes('msg="Start listening for connections"')) as string);
    expect(listening.rendiff).toMatchObject({ component: 'web', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    const limits = lines.find((line) => line.includes(' fd_limits=') && !line.includes(' msg='));
    expect(limits).toBeDefined();
    expect(read(limits as string).rendiff.fd_limits).toBe(valueOf(limits as string, 'fd_limits'));
  });
});
