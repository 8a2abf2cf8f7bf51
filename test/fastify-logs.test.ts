import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestLines, templatedEmulator } from './support/rollups.js';
import { documentReader, type Doc } from './support/pipeline.js';

/**
 * What a Node API built on Fastify logs with `logger: true` (Fastify 5 through pino, the library Sluice's own API runs
 * on), written by Fastify itself: three requests over HTTP, answered 200, 404 (an error with a status) and 500 (an
 * error thrown). Fastify writes each request's "incoming request" and "request completed" lines, and for a failure an
 * error line between them, every line with the request's `reqId`.
 */
let lines: string[];
let port: number;

beforeAll(async () => {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  const app = Fastify({ logger: { stream } });
  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id', async (request) => {
    if (request.params.id === '500') throw new Error('transcoder unreachable');
    if (request.params.id === '404') throw Object.assign(new Error('job not found'), { statusCode: 404 });
    request.log.info({ job_id: request.params.id }, 'job read');
    return { id: request.params.id, status: 'queued' };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  for (const id of ['42', '404', '500']) await fetch(`http://127.0.0.1:${port}/api/v1/jobs/${id}?fields=status`, { headers: { 'user-agent': 'curl/8.1.2' } });
  await app.close();
  lines = written;
});

const read = documentReader({ topic: 'logs-api' });
const byRequest = (documents: Doc[], id: string) => documents.filter((document) => document.http?.request?.id === id);

describe('Fastify’s request logs, as Fastify writes them', () => {
  const es = templatedEmulator();

  it('every line of a request carries its id; the incoming line its method, URL, route, client and host', () => {
    const documents = lines.map((line) => read(line));
    const requests = documents.filter((document) => !String(document.message).startsWith('Server listening'));
    expect(requests).toHaveLength(9);
    expect(requests.map((document) => document.http?.request?.id)).toEqual(['req-1', 'req-1', 'req-1', 'req-2', 'req-2', 'req-2', 'req-3', 'req-3', 'req-3']);
    const [incoming, own, completed] = byRequest(documents, 'req-1');
    expect(incoming).toMatchObject({
      message: 'incoming request', http: { request: { method: 'GET' } }, url: { path: '/api/v1/jobs/42', query: 'fields=status', domain: '127.0.0.1', port },
      source: { ip: '127.0.0.1' }, rendiff: { route: '/api/v1/jobs/{id}' },
    });
    expect(own).toMatchObject({ message: 'job read', rendiff: { job_id: '42' } });
    expect(completed).toMatchObject({ message: 'request completed', http: { response: { status_code: 200 } }, event: { outcome: 'success' } });
    expect(completed?.event.duration).toBeGreaterThan(0);
  });

  it('a failed request is one request with its status, and an error line with the error', () => {
    const documents = lines.map((line) => read(line));
    // One document per request with a status: what an SLO or the metrics derived from logs count as requests.
    expect(documents.filter((document) => document.http?.response?.status_code !== undefined).map((document) => [document.http.request.id, document.http.response.status_code])).toEqual([['req-1', 200], ['req-2', 404], ['req-3', 500]]);
    const thrown = byRequest(documents, 'req-3').find((document) => document.error !== undefined);
    expect(thrown).toMatchObject({ log: { level: 'error' }, message: 'transcoder unreachable', error: { type: 'Error', message: 'transcoder unreachable' }, event: { outcome: 'failure' }, rendiff: { res: { statusCode: 500 } } });
    expect(thrown?.error.stack_trace).toMatch(/^Error: transcoder unreachable\n {4}at /);
    const missing = byRequest(documents, 'req-2').find((document) => document.error !== undefined);
    expect(missing).toMatchObject({ log: { level: 'info' }, error: { message: 'job not found' }, rendiff: { res: { statusCode: 404 } } });
  });

  it('its documents are indexed under ilm/’s templates, a request counted once', async () => {
    await ingestLines(es(), lines.map((line) => ({ topic: 'logs-app' as const, line })), 'prod');
    const statuses = await es().count({ index: 'logs-rendiff.api-prod', query: { exists: { field: 'http.response.status_code' } } });
    expect(statuses.count).toBe(3);
    const failed = await es().count({ index: 'logs-rendiff.api-prod', query: { range: { 'http.response.status_code': { gte: 500 } } } });
    expect(failed.count).toBe(1);
  });
});
