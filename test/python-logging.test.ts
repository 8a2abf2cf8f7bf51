import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepts, exited, freePort, run, waitFor } from './support/process.js';
import { documentReader, type Doc } from './support/pipeline.js';

/**
 * What Python programs write with the standard logging module's usual formats and Loguru's default, written here by
 * Python itself (Debian's python3 and python3-loguru), and what a FastAPI app under gunicorn with uvicorn's workers
 * writes (Debian's python3-gunicorn and python3-fastapi): every event read for its time, level, logger and message,
 * a traceback as the error.
 */
const PYTHON = '/usr/bin/python3';
let dir: string;

const EMIT = `
import logging, sys
fmt = sys.argv[1]
if fmt == 'loguru':
    from loguru import logger
    logger.remove()
    logger.add(sys.stderr)
    log = logger
else:
    if fmt == 'basic':
        logging.basicConfig(level=logging.INFO)
    else:
        logging.basicConfig(level=logging.INFO, format=fmt)
    log = logging.getLogger('rendiff.jobs')
log.info('job 42 queued')
log.warning('job 42 slow: 3.2 s')
try:
    try:
        {}['codec']
    except KeyError as missing:
        raise ValueError('no codec for job 42') from missing
except ValueError:
    log.exception('job 42 failed')
log.error('job 43 failed: "quoted" reason')
`;

const APP = `
from fastapi import FastAPI, HTTPException
app = FastAPI()

@app.get("/api/v1/jobs/{job_id}")
def job(job_id: int):
    if job_id == 404:
        raise HTTPException(status_code=404, detail="job not found")
    if job_id == 500:
        raise RuntimeError("transcoder unreachable")
    return {"id": job_id, "status": "queued"}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-python-logging-'));
  writeFileSync(join(dir, 'emit.py'), EMIT);
  writeFileSync(join(dir, 'app.py'), APP);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.now();
const read = documentReader({ topic: 'logs-app', now: NOW });

/** The events of a log as Filebeat's multiline joins them: a line that does not start a record continues the one before. */
function events(text: string, starts: RegExp): string[] {
  const joined: string[] = [];
  for (const line of text.trimEnd().split('\n')) {
    if (starts.test(line) || joined.length === 0) joined.push(line);
    else joined[joined.length - 1] += `\n${line}`;
  }
  return joined;
}
const RECORD_START = /^(?:\d{4}-\d{2}-\d{2} |\[\d{4}-\d{2}-\d{2} |(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):)/;

const FORMATS: Array<{ format: string; logger: string | undefined; timed: boolean }> = [
  { format: 'basic', logger: 'rendiff.jobs', timed: false },
  { format: '%(asctime)s - %(name)s - %(levelname)s - %(message)s', logger: 'rendiff.jobs', timed: true },
  { format: '%(asctime)s - %(levelname)s - %(message)s', logger: undefined, timed: true },
  { format: '%(asctime)s [%(levelname)s] %(name)s: %(message)s', logger: 'rendiff.jobs', timed: true },
  { format: '%(asctime)s:%(levelname)s:%(name)s:%(message)s', logger: 'rendiff.jobs', timed: true },
  { format: '%(asctime)s %(levelname)s %(message)s', logger: undefined, timed: true },
  { format: '[%(asctime)s] %(levelname)s in %(module)s: %(message)s', logger: 'emit', timed: true },
  { format: 'loguru', logger: '__main__', timed: true },
];

describe('Python’s logging, as Python writes it', () => {
  it.each(FORMATS)('$format: level, logger, time and message of each event; logger.exception’s traceback as the error', async ({ format, logger, timed }) => {
    const before = Date.now();
    const emitted = await run('env', ['TZ=UTC', PYTHON, join(dir, 'emit.py'), format]);
    expect(emitted.code, emitted.stderr).toBe(0);
    const after = Date.now();
    for (const topic of ['logs-app', 'logs-worker', 'logs-generic']) {
      const documents = events(emitted.stderr, RECORD_START).map((event) => read(event, topic));
      expect(documents.map((document) => [document.log?.level, document.log?.logger, document.message])).toEqual([
        ['info', logger, 'job 42 queued'],
        ['warning', logger, 'job 42 slow: 3.2 s'],
        ['error', logger, 'job 42 failed'],
        ['error', logger, 'job 43 failed: "quoted" reason'],
      ]);
      for (const document of documents) {
        expect(document.tags).toBeUndefined();
        // asctime has milliseconds, Flask's and the others' alike; basicConfig's line has no time: the arrival's.
        const at = Date.parse(document['@timestamp']);
        if (timed) expect(at >= before - 1000 && at <= after + 1000, document['@timestamp']).toBe(true);
        else expect(at).toBe(NOW);
      }
      const failed = documents[2] as Doc;
      expect(failed).toMatchObject({ event: { outcome: 'failure' }, error: { type: 'ValueError', message: 'no codec for job 42' } });
      expect(failed.error.stack_trace).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*KeyError: 'codec'[\s\S]*ValueError: no codec for job 42$/);
    }
    if (format === 'loguru') {
      const documents = events(emitted.stderr, RECORD_START).map((event) => read(event));
      expect(documents.map((document) => [document.log.origin?.function, document.log.origin?.file?.line])).toEqual([
        ['<module>', 15],
        ['<module>', 16],
        ['<module>', 23],
        ['<module>', 24],
      ]);
    }
  });
});

describe('a FastAPI app under gunicorn with uvicorn’s workers', () => {
  it('its access log gives each request, its error log every line, the endpoint’s uncaught error with its traceback', async () => {
    const port = await freePort();
    const server = spawn(PYTHON, ['-m', 'gunicorn', '-k', 'uvicorn.workers.UvicornWorker', '-w', '1', '-b', `127.0.0.1:${port}`, '--access-logfile', join(dir, 'access.log'), '--error-logfile', join(dir, 'error.log'), 'app:app'], { cwd: dir, stdio: 'ignore' });
    try {
      await waitFor(() => accepts(port), 30_000, 'gunicorn');
      const statuses: number[] = [];
      for (const id of ['7', '404', '500', 'abc']) statuses.push((await fetch(`http://127.0.0.1:${port}/api/v1/jobs/${id}`)).status);
      expect(statuses).toEqual([200, 404, 500, 422]);
    } finally {
      server.kill('SIGTERM');
      await exited(server);
    }
    const access = readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').map((line) => read(line));
    expect(access.map((document) => [document.log.logger, document.url.path, document.http.response.status_code, document.event.outcome])).toEqual([
      ['uvicorn.access', '/api/v1/jobs/7', 200, 'success'],
      ['uvicorn.access', '/api/v1/jobs/404', 404, 'failure'],
      ['uvicorn.access', '/api/v1/jobs/500', 500, 'failure'],
      ['uvicorn.access', '/api/v1/jobs/abc', 422, 'failure'],
    ]);
    const errors = events(readFileSync(join(dir, 'error.log'), 'utf8'), /^\[\d{4}-/).map((event) => read(event));
    expect(errors.length).toBeGreaterThan(8);
    for (const document of errors) expect([document.log.logger, document.tags]).toEqual(['gunicorn.error', undefined]);
    const uncaught = errors.find((document) => document.log.level === 'error') as Doc;
    expect(uncaught).toMatchObject({ message: 'Exception in ASGI application', error: { type: 'RuntimeError', message: 'transcoder unreachable' }, event: { outcome: 'failure' } });
    expect(uncaught.error.stack_trace).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*raise RuntimeError\("transcoder unreachable"\)\nRuntimeError: transcoder unreachable$/);
    expect(errors.map((document) => document.message)).toEqual(expect.arrayContaining(['Application startup complete.', 'Shutting down: Master']));
  });
});
