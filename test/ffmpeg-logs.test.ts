import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogMetrics } from '../services/ingest/log-metrics.js';
import { metric } from './support/ingest.js';
import { run } from './support/process.js';
import { templatedEmulator } from './support/rollups.js';
import { documentReader } from './support/pipeline.js';

/**
 * FFmpeg's standard error as a video worker's container ships it, written by the real program (Debian's FFmpeg 5.1):
 * Filebeat's container input cuts the stream at `\n` only, so the progress reports FFmpeg ends with `\r` arrive
 * together in one line, with any message logged between them. Three runs: an encode with FFmpeg's default output,
 * the decode of a damaged stream with `-loglevel level+info` (the decoder's errors between the reports), and an input
 * that does not exist.
 */
let dir: string;
const runs: Record<'encode' | 'damaged' | 'missing', string[]> = { encode: [], damaged: [], missing: [] };

/** A program's standard error as Filebeat's container input cuts it: at each `\n`, the `\r`s kept. */
const shipped = (stderr: string): string[] => stderr.split('\n').filter((line) => line !== '');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-ffmpeg-'));
  const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-nostdin', '-y', ...args], { cwd: dir, timeoutMs: 60_000 });
  // Ten seconds of a test pattern and a tone, a report every 20 ms of the run: several reports in the last line.
  const encode = await ffmpeg(['-stats_period', '0.02', '-f', 'lavfi', '-i', 'testsrc=duration=10:size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=duration=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', 'out.mp4']);
  expect(encode.code).toBe(0);
  runs.encode = shipped(encode.stderr);
  // An MPEG-TS stream with bytes of its middle overwritten: the H.264 decoder reports what it cannot decode.
  expect((await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=4:size=320x240:rate=25', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', 'clean.ts'])).code).toBe(0);
  const stream = readFileSync(join(dir, 'clean.ts'));
  for (let at = Math.floor(stream.length / 3); at < Math.floor(stream.length / 2); at += 97) stream[at] = (stream[at] as number) ^ 0xff;
  writeFileSync(join(dir, 'damaged.ts'), stream);
  runs.damaged = shipped((await ffmpeg(['-loglevel', 'level+info', '-stats_period', '0.02', '-i', 'damaged.ts', '-f', 'null', '-'])).stderr);
  const missing = await ffmpeg(['-loglevel', 'level+info', '-i', 'missing.mp4', 'none.mp4']);
  expect(missing.code).not.toBe(0);
  runs.missing = shipped(missing.stderr);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RECEIVED = Date.parse('2026-12-07T18:46:02.000Z');
const worker = documentReader({ topic: 'logs-worker', now: RECEIVED });
const generic = documentReader({ topic: 'logs-generic', now: RECEIVED });
const reports = (line: string): string[] => line.split('\r').map((part) => part.trim()).filter((part) => /^(\[info\] )?frame=/.test(part));

describe('FFmpeg’s output on a worker’s topic, as the real program writes it', () => {
  it('every line is read; the reports’ line gives the last report’s figures, the run’s totals', () => {
    const documents = runs.encode.map((line) => worker(line));
    const line = runs.encode.find((candidate) => candidate.includes('Lsize=')) as string;
    expect(reports(line).length).toBeGreaterThan(1);
    const last = documents[runs.encode.indexOf(line)];
    const bytes = statSync(join(dir, 'out.mp4')).size;
    expect(last).toMatchObject({ event: { provider: 'ffmpeg' }, rendiff: { ffmpeg: { frame: 250, progress: 'end', total_size: Math.round(bytes / 1024) * 1024 } } });
    expect(last?.message).toBe(reports(line).at(-1));
    // The position written, to the hundredth of a second: the ten seconds encoded (AAC's last frame may reach past it).
    expect(last?.rendiff.ffmpeg.out_time_us).toBeGreaterThanOrEqual(10_000_000);
    expect(last?.rendiff.ffmpeg.out_time_us).toBeLessThan(10_100_000);
    expect(last?.rendiff.ffmpeg.speed).toBeGreaterThan(0);
    expect(last?.rendiff.ffmpeg.bitrate_kbps).toBeCloseTo((bytes * 8) / 1000 / (last?.rendiff.ffmpeg.out_time_us / 1e6), -1);
    // A report has no time of its own: the line's arrival.
    expect(last?.['@timestamp']).toBe(new Date(RECEIVED).toISOString());
  });

  it('a library’s lines name it as the logger; what FFmpeg itself writes without a prefix stays a plain line', () => {
    const documents = runs.encode.map((line) => worker(line));
    const x264 = documents.filter((document) => document.log?.logger === 'libx264');
    expect(x264.length).toBe(runs.encode.filter((line) => line.startsWith('[libx264 @ 0x')).length);
    expect(x264.length).toBeGreaterThan(5);
    expect(x264.find((document) => document.message.startsWith('using cpu capabilities:'))).toBeDefined();
    const banner = documents[runs.encode.findIndex((line) => line.startsWith('Stream mapping:'))];
    expect(banner?.event.provider).toBeUndefined();
    expect(banner?.tags).toEqual(['not_json']);
  });

  it('with -loglevel level: each line’s level; the decoder’s errors are failures, with the decoder as logger', () => {
    const documents = runs.damaged.map((line) => worker(line));
    const errors = runs.damaged.filter((line) => line.split('\r').at(-1)?.includes('[error] '));
    expect(errors.length).toBeGreaterThan(0);
    expect(documents.filter((document) => document.log?.level === 'error')).toHaveLength(errors.length);
    for (const document of documents.filter((each) => each.log?.level === 'error')) expect(document.event.outcome).toBe('failure');
    expect(documents.some((document) => document.log?.logger === 'h264' && document.log.level === 'error')).toBe(true);
    expect(documents.filter((document) => document.log?.level === 'info').every((document) => document.event.outcome === undefined)).toBe(true);
    expect(documents.every((document) => document.event.provider === 'ffmpeg')).toBe(true);
    const end = documents.find((document) => document.rendiff?.ffmpeg?.progress === 'end');
    expect(end).toMatchObject({ log: { level: 'info' }, rendiff: { ffmpeg: { frame: expect.any(Number) } } });
  });

  it('the metrics derived from logs count FFmpeg’s lines under their own component, its errors apart from the worker’s', async () => {
    const registry = new Registry();
    const metrics = createLogMetrics(registry, undefined);
    const documents = [...runs.damaged.map((line) => worker(line)), worker(JSON.stringify({ timestamp: '2026-12-07T18:46:01Z', level: 'ERROR', message: 'Job failed', worker_id: 'w-1' }))];
    metrics.record(documents.map((document) => metrics.measure(document)));
    const errors = documents.filter((document) => document.event.provider === 'ffmpeg' && document.log.level === 'error').length;
    expect(errors).toBeGreaterThan(0);
    expect(metric(await registry.metrics(), 'sluice_log_events_total', { service: 'rendiff-worker', level: 'error', component: 'ffmpeg' })).toBe(errors);
    expect(metric(await registry.metrics(), 'sluice_log_events_total', { service: 'rendiff-worker', level: 'error', component: 'none' })).toBe(1);
  });

  it('a message logged between reports is the document’s message, with the figures of the report before it', () => {
    const mixed = runs.damaged.filter((line) => reports(line).length > 0 && !/^(\[info\] )?frame=/.test(line.split('\r').at(-1)?.trim() ?? ''));
    expect(mixed.length).toBeGreaterThan(0);
    for (const line of mixed) {
      const document = worker(line);
      expect(document.message).toBe(line.split('\r').at(-1)?.replace(/^(?:\[[^\]]+ @ 0x[0-9a-f]+\] )?\[\w+\] /, '').trimEnd());
      expect(document.rendiff.ffmpeg.frame).toBe(Number(/frame=\s*(\d+)/.exec(reports(line).at(-1) as string)?.[1]));
    }
  });

  it('an input that does not exist: an error, a failure', () => {
    const documents = runs.missing.map((line) => worker(line));
    expect(documents.find((document) => document.message === 'missing.mp4: No such file or directory')).toMatchObject({ log: { level: 'error' }, event: { outcome: 'failure', provider: 'ffmpeg' } });
  });
});

describe('FFmpeg’s output elsewhere, and its later versions’ forms', () => {
  it('on the generic topic: the reports and the lines with a context; a level alone is not enough to name FFmpeg', () => {
    const documents = runs.damaged.map((line) => generic(line));
    expect(documents.find((document) => document.rendiff?.ffmpeg?.progress === 'end')).toMatchObject({ event: { provider: 'ffmpeg', dataset: 'sluice.generic' } });
    expect(documents.find((document) => document.log?.logger === 'h264')).toMatchObject({ log: { level: 'error' }, event: { outcome: 'failure' } });
    const input = documents[runs.damaged.findIndex((line) => line.startsWith('[info] Input #0'))];
    expect(input?.event.provider).toBeUndefined();
    expect(input?.message).toMatch(/^\[info\] Input #0/);
  });

  // Written from fftools/ffmpeg.c's print_report and libavutil/log.c of FFmpeg 6.1 to 8.0, which Debian 12 does not have.
  it('FFmpeg 7’s report (KiB, dup and drop, elapsed), 6.1’s stream names, 8’s time prefixes, an audio-only report', () => {
    const seven = worker('frame=  240 fps=120 q=28.0 size=     512KiB time=00:00:09.92 bitrate= 422.8kbits/s dup=3 drop=1 speed=4.96x elapsed=0:00:02.00    ');
    expect(seven.rendiff.ffmpeg).toEqual({ frame: 240, fps: 120, q: 28, total_size: 524_288, out_time_us: 9_920_000, bitrate_kbps: 422.8, speed: 4.96, dup_frames: 3, drop_frames: 1, progress: 'continue' });
    expect(seven.event.duration).toBe(2_000_000_000);
    expect(worker('[out#0/mp4 @ 0x5581c2a1b2c0] video:1024KiB audio:128KiB subtitle:0KiB other streams:0KiB global headers:0KiB muxing overhead: 0.501%')).toMatchObject({ log: { logger: 'out#0/mp4' }, message: 'video:1024KiB audio:128KiB subtitle:0KiB other streams:0KiB global headers:0KiB muxing overhead: 0.501%' });
    expect(worker('2026-12-07 18:46:01.250 [vist#0:0/h264 @ 0x55d3e8a1c040] [error] corrupt decoded frame')).toMatchObject({ '@timestamp': '2026-12-07T18:46:01.250Z', log: { level: 'error', logger: 'vist#0:0/h264' }, message: 'corrupt decoded frame' });
    // A time of day alone: on the day that puts it nearest the line's arrival (here the day before, seconds earlier).
    const late = documentReader({ topic: 'logs-worker', now: Date.parse('2026-12-08T00:00:01.000Z') });
    expect(late('23:59:59.900 [warning] Past duration 0.999992 too large')['@timestamp']).toBe('2026-12-07T23:59:59.900Z');
    expect(worker('size=     346kB time=00:00:22.08 bitrate= 128.2kbits/s speed=4.54x    ').rendiff.ffmpeg).toEqual({ total_size: 354_304, out_time_us: 22_080_000, bitrate_kbps: 128.2, speed: 4.54, progress: 'continue' });
    expect(worker('frame= 3589 fps=0.0 q=-1.0 Lsize=    2107kB time=00:01:59.92 bitrate= 143.9kbits/s speed=4.75e+03x    ').rendiff.ffmpeg).toMatchObject({ speed: 4750, progress: 'end' });
    expect(worker('[mp4 @ 0x55d3e8a1c040] [aac @ 0x55d3e8a1d100] [panic] Assertion failed')).toMatchObject({ log: { logger: 'aac', level: 'panic' }, event: { outcome: 'failure' } });
  });

  it('lines of other programs are not taken for FFmpeg’s', () => {
    for (const line of ['[2026-12-07 10:00:00] queue drained', 'size=3 items queued', 'frame=4 of 10 rendered', 'level=info msg="job done" time=2026-12-07T10:00:00Z']) {
      expect(generic(line).event.provider, line).toBeUndefined();
    }
    expect(generic('level=info msg="job done" time=2026-12-07T10:00:00Z')['@timestamp']).toBe('2026-12-07T10:00:00.000Z');
  });
});

describe('FFmpeg’s documents in Elasticsearch', () => {
  const es = templatedEmulator();

  it('are indexed under ilm/’s templates, the figures as numbers', async () => {
    const documents = [...runs.encode, ...runs.damaged].map((line) => worker(line));
    const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const indexed = await es().bulk({ refresh: true, operations });
    expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    const ended = await es().search({ index: 'logs-rendiff.worker-*', query: { bool: { filter: [{ term: { 'rendiff.ffmpeg.progress': 'end' } }, { range: { 'rendiff.ffmpeg.speed': { gt: 0 } } }] } } });
    expect((ended.hits.total as { value: number }).value).toBe(2);
    // A rate's first value may be a whole number (`fps=0.0`): the template, not the first value, makes it a double.
    const mappings = Object.values(await es().indices.getMapping({ index: 'logs-rendiff.worker-prod' }))[0]?.mappings as Record<string, any>;
    const figures = mappings.properties.rendiff.properties.ffmpeg.properties as Record<string, { type: string }>;
    expect(Object.fromEntries(Object.entries(figures).map(([name, field]) => [name, field.type]))).toEqual({ frame: 'long', fps: 'double', q: 'double', total_size: 'long', out_time_us: 'long', bitrate_kbps: 'double', speed: 'double', dup_frames: 'long', drop_frames: 'long', progress: 'keyword' });
  });
});
