import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTION_MARKER, serviceLogger } from '../shared/logging.js';

/** A destination that keeps each JSON line pino writes. */
function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('logging', () => {
  it('writes one JSON object per line with level name, ISO time and message', () => {
    const out = capture();
    createLogger('info', out.stream).info({ topic: 'logs-app' }, 'consumed');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', name: 'sluice', topic: 'logs-app', msg: 'consumed' });
    expect(new Date(line?.time as string).toISOString()).toBe(line?.time);
  });

  it('honours the level', () => {
    const out = capture();
    const logger = createLogger('warn', out.stream);
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    logger.error('shown too');
    expect(out.lines().map((line) => line.level)).toEqual(['warn', 'error']);
  });

  it('writes nothing at level silent', () => {
    const out = capture();
    createLogger('silent', out.stream).fatal('nothing');
    expect(out.lines()).toEqual([]);
  });

  it('redacts passwords, API keys and authorization headers at any depth up to three objects', () => {
    const out = capture();
    createLogger('info', out.stream).info(
      {
        password: 's3cr3t-p0',
        ELASTICSEARCH_PASSWORD: 's3cr3t-p1',
        db: { db_password: 's3cr3t-p2', host: 'db' },
        es: { auth: { apiKey: 's3cr3t-k1', username: 'elastic' }, api_key: 's3cr3t-k2' },
        req: { headers: { authorization: 'Bearer s3cr3t-t1', 'x-api-key': 's3cr3t-k3', cookie: 'sid=s3cr3t-s1', accept: 'text/html' } },
        config: { SLUICE_API_KEYS: ['s3cr3t-k4'] },
      },
      'starting',
    );
    const [line] = out.lines();
    const text = JSON.stringify(line);
    expect(text).not.toContain('s3cr3t');
    expect(line).toMatchObject({
      password: REDACTION_MARKER,
      db: { db_password: REDACTION_MARKER, host: 'db' },
      es: { auth: { apiKey: REDACTION_MARKER, username: 'elastic' } },
      req: { headers: { authorization: REDACTION_MARKER, 'x-api-key': REDACTION_MARKER, accept: 'text/html' } },
    });
  });

  it('gives each service a child logger that names it and keeps the redaction', () => {
    const out = capture();
    const ingest = serviceLogger(createLogger('info', out.stream), 'ingest');
    ingest.info({ password: 'secret' }, 'ready');
    expect(out.lines()).toEqual([expect.objectContaining({ service: 'ingest', password: REDACTION_MARKER, msg: 'ready' })]);
  });
});
