import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { buildGoClient, run } from './support/process.js';
import { documentReader } from './support/pipeline.js';

/**
 * Go's structured loggers as a real Go program writes them (built against Debian's zap 1.23, zerolog 1.26 and logrus
 * 1.9): test/support's go_console_logger.go in their console formats, zap's development logger (tab-separated with the
 * caller and the fields as JSON and a stack under its warnings and errors) and zerolog's ConsoleWriter;
 * go_json_logger.go in what services ship, zap's production JSON, zerolog's JSON with the caller, logrus's JSON and
 * text formatters. Each event must have its time, level, message, caller and error, the stack joined as Filebeat's
 * multiline joins it.
 */
const SOURCE = join(packageRoot, 'test', 'support', 'go_console_logger.go');
const JSON_SOURCE = join(packageRoot, 'test', 'support', 'go_json_logger.go');
const JSON_LOGGERS = ['zap', 'zerolog', 'logrus-json', 'logrus-text'] as const;
let zapEvents: string[];
let zerologLines: string[];
const jsonLines: Partial<Record<(typeof JSON_LOGGERS)[number], string[]>> = {};

/** Lines that do not start with a time go with the one before (Filebeat's `multiline`, `negate: true`, `match: after`). */
function joined(text: string): string[] {
  const events: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (/^\d{4}-\d{2}-\d{2}T/.test(line) || events.length === 0) events.push(line);
    else events[events.length - 1] += `\n${line}`;
  }
  return events;
}

beforeAll(async () => {
  const build = await buildGoClient('go_console_logger');
  expect(build.error).toBeUndefined();
  const result = await run(build.path, [], { timeoutMs: 30_000 });
  expect(result.code).toBe(0);
  zapEvents = joined(result.stderr);
  zerologLines = joined(result.stdout);
  const json = await buildGoClient('go_json_logger');
  expect(json.error).toBeUndefined();
  for (const logger of JSON_LOGGERS) jsonLines[logger] = (await run(json.path, [logger], { timeoutMs: 30_000 })).stdout.split('\n').filter((line) => line !== '');
}, 150_000);

const NOW = Date.now();
const read = documentReader({ topic: 'logs-generic', now: NOW });
/** The source line of the call marked `// zap:<level>` in the program (`// json:<logger>-<level>` in the JSON one). */
const sourceLine = (marker: string, file = SOURCE, prefix = 'zap'): number => readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(`// ${prefix}:${marker}`)) + 1;

describe('Go’s console loggers, as zap and zerolog write them', () => {
  it('zap’s console encoder: time, level, logger, caller, message, fields, and the stack of a warning or error', () => {
    const [info, warn, error] = zapEvents.map((line) => read(line));
    expect(zapEvents).toHaveLength(3);
    // zap writes the time to the millisecond: each event has its own, not the time it arrived.
    zapEvents.forEach((event, k) => expect([info, warn, error][k]?.['@timestamp']).toBe(new Date(Date.parse(event.split('\t')[0] as string)).toISOString()));
    expect(info).toMatchObject({ log: { level: 'info', origin: { file: { line: sourceLine('info') } } }, message: 'server started', rendiff: { port: 8080 } });
    expect(info?.log.logger).toBeUndefined();
    expect(info?.log.origin.file.name).toMatch(/go_console_logger\.go$/);
    expect(warn).toMatchObject({ log: { level: 'warn', logger: 'jobs', origin: { file: { line: sourceLine('warn') } } }, message: 'job slow', rendiff: { job_id: 'job-41', took: '3.2s' } });
    expect(error).toMatchObject({ log: { level: 'error', logger: 'jobs', origin: { file: { line: sourceLine('error') } } }, message: 'job failed', error: { message: 'ffmpeg exited 1' }, rendiff: { job_id: 'job-42' }, event: { outcome: 'failure' } });
    expect(error?.error.stack_trace).toMatch(/^main\.main\n\t.*go_console_logger\.go:\d+\n/);
  });

  it('zerolog’s ConsoleWriter: time, level, the message with its context fields, and the error', () => {
    const [info, error] = zerologLines.map((line) => read(line));
    expect(zerologLines).toHaveLength(2);
    expect(info).toMatchObject({ log: { level: 'info' }, message: 'server started port=8080' });
    expect(error).toMatchObject({ log: { level: 'error' }, message: 'job failed error="ffmpeg exited 1" job_id=job-42', error: { message: 'ffmpeg exited 1' }, event: { outcome: 'failure' } });
    for (const document of [info, error]) expect(Math.abs(Date.parse(document?.['@timestamp']) - NOW)).toBeLessThan(60_000);
  });
});

describe('Go’s structured loggers as shipped: zap’s and zerolog’s JSON, logrus’s JSON and text', () => {
  it('every logger: the event’s own time, level, message, fields and error; an error level is a failure', () => {
    for (const logger of JSON_LOGGERS) {
      const lines = jsonLines[logger] ?? [];
      const [info, warn, error] = lines.map((line) => read(line));
      expect(lines, logger).toHaveLength(3);
      expect([info, warn, error].map((document) => [document?.log.level, document?.message]), logger).toEqual([['info', 'server started'], [logger === 'zap' || logger === 'zerolog' ? 'warn' : 'warning', 'job slow'], ['error', 'job failed']]);
      expect(error, logger).toMatchObject({ error: { message: 'ffmpeg exited 1' }, event: { outcome: 'failure' }, rendiff: { job_id: 'job-42' } });
      expect([info?.event.outcome, warn?.event.outcome], logger).toEqual([undefined, undefined]);
      // Each time is the event's own (zap's in epoch seconds to the microsecond, read to the nearest millisecond as every
      // epoch number is; the others' RFC 3339 to the second).
      for (const document of [info, warn, error]) expect(Math.abs(Date.parse(document?.['@timestamp']) - NOW), logger).toBeLessThan(60_000);
    }
    const zap = (jsonLines.zap ?? []).map((line) => JSON.parse(line) as { ts: number });
    expect(read(jsonLines.zap?.[0] ?? '')['@timestamp']).toBe(new Date(Math.round((zap[0]?.ts ?? 0) * 1000)).toISOString());
  });

  it('zap’s logger name, caller and stack trace, zerolog’s caller', () => {
    const [info, , error] = (jsonLines.zap ?? []).map((line) => read(line));
    expect(info?.log.origin.file).toMatchObject({ line: sourceLine('zap-info', JSON_SOURCE, 'json') });
    expect(error).toMatchObject({ log: { logger: 'jobs', origin: { file: { line: sourceLine('zap-error', JSON_SOURCE, 'json') } } } });
    expect(error?.log.origin.file.name).toMatch(/go_json_logger\.go$/);
    expect(error?.error.stack_trace).toMatch(/^main\.main\n\t.*go_json_logger\.go:\d+\n/);
    const zerolog = read(jsonLines.zerolog?.[2] ?? '');
    expect(zerolog.log.origin.file).toMatchObject({ line: sourceLine('zerolog-error', JSON_SOURCE, 'json') });
    expect(zerolog.log.origin.file.name).toMatch(/go_json_logger\.go$/);
  });
});
