import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './support/process.js';
import { templatedEmulator } from './support/rollups.js';
import { documentReader, type Doc } from './support/pipeline.js';

/**
 * What a Python API logs through structlog (Debian's python3-structlog 22.3), written by structlog itself in the three
 * ways its documentation configures JSON output: the traceback as text (`format_exc_info`), the event renamed to
 * `message` with the time under `timestamp` (the seed's application log), and `dict_tracebacks` with the call site
 * (`CallsiteParameterAdder`). The same calls each time: a request's context bound, an exception with its cause.
 */
const EMIT = `
import sys, structlog
mode = sys.argv[1]
processors = [structlog.contextvars.merge_contextvars, structlog.processors.add_log_level]
if mode == 'text':
    processors += [structlog.processors.TimeStamper(fmt="iso"), structlog.processors.format_exc_info]
elif mode == 'renamed':
    processors += [structlog.processors.TimeStamper(fmt="iso", key="timestamp"), structlog.processors.format_exc_info, structlog.processors.EventRenamer("message")]
else:
    processors += [structlog.processors.TimeStamper(fmt="iso"), structlog.processors.dict_tracebacks, structlog.processors.CallsiteParameterAdder()]
structlog.configure(processors=processors + [structlog.processors.JSONRenderer()], logger_factory=structlog.PrintLoggerFactory(sys.stdout))
log = structlog.get_logger()

def handle(job_id, password):
    structlog.contextvars.bind_contextvars(request_id="req-7f3a")
    log.info("Job processing completed", job_id=job_id, user_id="user123", processing_time=45.2, component="video_processor")
    try:
        try:
            {}["codec"]
        except KeyError as missing:
            raise ValueError("no codec for job " + job_id) from missing
    except ValueError:
        log.exception("job failed", job_id=job_id)
    log.warning("job slow", job_id=job_id, duration_ms=3200)

handle("12345-67890", "s3cr3t-local-variable")
`;

const PYTHON = '/usr/bin/python3';
const MODES = ['text', 'renamed', 'dict'] as const;
let dir: string;
const lines: Record<string, string[]> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-structlog-'));
  writeFileSync(join(dir, 'emit.py'), EMIT);
  for (const mode of MODES) lines[mode] = (await run(PYTHON, [join(dir, 'emit.py'), mode], { cwd: dir })).stdout.split('\n').filter((line) => line !== '');
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = documentReader({ topic: 'logs-api' });
const documents = (mode: string): Doc[] => (lines[mode] ?? []).map((line) => read(line));

describe('structlog’s JSON records, as structlog writes them', () => {
  const es = templatedEmulator();

  it('each way: the time, level, message, bound context and fields of every event, in their ECS places', () => {
    for (const mode of MODES) {
      const records = (lines[mode] ?? []).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.map((record) => record.event ?? record.message), mode).toEqual(['Job processing completed', 'job failed', 'job slow']);
      const [done, failed, slow] = documents(mode);
      records.forEach((record, i) => expect(documents(mode)[i]?.['@timestamp'], mode).toBe(new Date(String(record.timestamp)).toISOString()));
      expect(done, mode).toMatchObject({ log: { level: 'info' }, message: 'Job processing completed', http: { request: { id: 'req-7f3a' } }, user: { id: 'user123' }, event: { duration: 45_200_000_000 }, rendiff: { job_id: '12345-67890', component: 'video_processor' } });
      expect(failed, mode).toMatchObject({ log: { level: 'error' }, message: 'job failed', event: { outcome: 'failure' }, error: { type: 'ValueError', message: 'no codec for job 12345-67890' } });
      expect(slow, mode).toMatchObject({ log: { level: 'warning' }, message: 'job slow', event: { duration: 3_200_000_000 } });
      expect(done?.rendiff?.event, mode).toBeUndefined();
    }
  });

  it('a dict traceback is the same traceback as the text one, without its source lines and without the frames’ locals', () => {
    const text = documents('text')[1]?.error.stack_trace as string;
    expect(text).toMatch(/^Traceback \(most recent call last\):\n {2}File ".*emit\.py", line \d+, in handle\n/);
    expect(text).toContain('\nKeyError: \'codec\'\n\nThe above exception was the direct cause of the following exception:\n\nTraceback');
    const failed = documents('dict')[1];
    // The text shows each frame's source line (and Python 3.11's carets) under it; a dict traceback has none.
    expect(failed?.error.stack_trace).toBe(text.split('\n').filter((line) => !line.startsWith('    ')).join('\n'));
    // structlog writes every local variable of every frame: none of them reaches the document.
    expect(lines.dict?.[1]).toContain('s3cr3t-local-variable');
    expect(JSON.stringify(failed)).not.toContain('s3cr3t-local-variable');
    expect(failed?.rendiff?.exception).toBeUndefined();
  });

  it('the call site: function, file and line in log.origin, the process and thread', () => {
    const [done, failed] = documents('dict');
    const record = JSON.parse(lines.dict?.[0] ?? '{}') as Record<string, unknown>;
    expect(done).toMatchObject({ log: { origin: { function: 'handle', file: { name: 'emit.py', line: record.lineno } } }, process: { pid: record.process, thread: { id: record.thread, name: 'MainThread' } } });
    expect(failed?.log.origin.file.line).toBeGreaterThan(done?.log.origin.file.line);
    // The path and the module have no ECS place of their own: kept beside the rest; "n/a" (no process name) is not a name.
    expect(done?.rendiff).toMatchObject({ pathname: join(dir, 'emit.py'), module: 'emit' });
    expect(done?.process?.name).toBeUndefined();
  });

  it('its documents are indexed under ilm/’s templates', async () => {
    const operations = MODES.flatMap((mode) => documents(mode)).flatMap((document) => [{ create: { _index: `logs-${document.data_stream.dataset}-prod` } }, document]);
    const indexed = await es().bulk({ refresh: true, operations });
    expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    expect((await es().count({ index: 'logs-*', query: { term: { 'error.type': 'ValueError' } } })).count).toBe(MODES.length);
  });
});
