import type { Client } from '@elastic/elasticsearch';
import { request } from 'node:http';
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { emulatorPerFile } from './support/elasticsearch.js';

let es: Client;
let emulator: ElasticsearchEmulator;
emulatorPerFile((cluster) => ({ es, emulator } = cluster), { maxContentLength: 64 * 1024 });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as sent, before any decoding. */
  bytes: Buffer;
}

/** A request with exactly the headers given (fetch would add its own Accept-Encoding and decode the answer). */
function send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${emulator.url}${path}`, { method, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, bytes: Buffer.concat(chunks) }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const json = (answer: Answer): Record<string, unknown> => JSON.parse(answer.bytes.toString('utf8')) as Record<string, unknown>;

const NDJSON = { 'content-type': 'application/x-ndjson' };

function bulkBody(index: string, count: number): string {
  return Array.from({ length: count }, (_, i) => `{"index":{"_index":"${index}","_id":"${i}"}}\n{"message":"request ${i} served","status":${200 + (i % 3)}}\n`).join('');
}

describe('compressed requests (Netty’s content decompressor in Elasticsearch’s HTTP pipeline)', () => {
  it('reads a bulk body in gzip, x-gzip, deflate with and without its zlib wrapper, and indexes every document', async () => {
    const encodings: Array<[string, string, (data: Buffer) => Buffer]> = [
      ['gz', 'gzip', (data) => gzipSync(data)],
      ['xgz', 'x-gzip', (data) => gzipSync(data)],
      ['zlib', 'deflate', (data) => deflateSync(data)],
      ['raw', 'deflate', (data) => deflateRawSync(data)],
    ];
    for (const [index, encoding, encode] of encodings) {
      const answer = await send('POST', '/_bulk?refresh=true', { ...NDJSON, 'content-encoding': encoding }, encode(Buffer.from(bulkBody(`zipped-${index}`, 40))));
      expect(answer.status, encoding).toBe(200);
      expect(json(answer).errors, encoding).toBe(false);
      expect((await es.count({ index: `zipped-${index}`, query: { term: { status: 201 } } })).count, encoding).toBe(13);
    }
  });

  it('applies http.max_content_length to what the body inflates to; a body that is not what its encoding says answers 400', async () => {
    // 60 KiB of documents that gzip to a few hundred bytes: over the 64 KiB limit only once inflated.
    const large = Buffer.from(bulkBody('too-long', 1200));
    expect(large.length).toBeGreaterThan(64 * 1024);
    const tooLong = await send('POST', '/_bulk', { ...NDJSON, 'content-encoding': 'gzip' }, gzipSync(large));
    expect(tooLong.status).toBe(413);
    expect(json(tooLong)).toMatchObject({ error: { type: 'content_too_long_exception' }, status: 413 });
    expect(await es.indices.exists({ index: 'too-long' })).toBe(false);

    const notGzip = await send('POST', '/_bulk', { ...NDJSON, 'content-encoding': 'gzip' }, bulkBody('plain', 2));
    expect(notGzip.status).toBe(400);
    expect(json(notGzip)).toMatchObject({ error: { type: 'illegal_argument_exception', reason: expect.stringContaining('not valid gzip') as unknown } });
    const truncated = gzipSync(Buffer.from(bulkBody('cut', 5)));
    expect((await send('POST', '/_bulk', { ...NDJSON, 'content-encoding': 'gzip' }, truncated.subarray(0, truncated.length - 10))).status).toBe(400);
  });
});

describe('compressed answers (http.compression, on by default over plain HTTP)', () => {
  it('gzips or deflates the answer as the client’s Accept-Encoding weighs them, and sends it plain otherwise', async () => {
    const cases: Array<[string | undefined, string | undefined]> = [
      ['gzip, deflate', 'gzip'],
      ['gzip;q=0.5, deflate', 'deflate'],
      ['deflate;q=0.5, gzip;q=0.5', 'gzip'],
      ['*', 'gzip'],
      ['gzip;q=0, *', 'deflate'],
      ['br', undefined],
      ['identity', undefined],
      [undefined, undefined],
    ];
    for (const [accept, expected] of cases) {
      const answer = await send('GET', '/', accept === undefined ? {} : { 'accept-encoding': accept });
      expect(answer.headers['content-encoding'], accept).toBe(expected);
      const text = expected === 'gzip' ? gunzipSync(answer.bytes) : expected === 'deflate' ? inflateSync(answer.bytes) : answer.bytes;
      expect(JSON.parse(text.toString('utf8')), accept).toMatchObject({ tagline: 'You Know, for Search' });
    }
  });

  it('compresses _cat’s text and errors too, never a HEAD answer', async () => {
    await es.indices.create({ index: 'zipped-cat' });
    const cat = await send('GET', '/_cat/indices/zipped-cat?h=index', { 'accept-encoding': 'gzip' });
    expect(cat.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(cat.bytes).toString('utf8')).toBe('zipped-cat\n');
    const missing = await send('GET', '/no-such-index/_search', { 'accept-encoding': 'gzip' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(gunzipSync(missing.bytes).toString('utf8'))).toMatchObject({ error: { type: 'index_not_found_exception' } });
    const head = await send('HEAD', '/zipped-cat', { 'accept-encoding': 'gzip' });
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBeUndefined();
  });
});

describe('X-Opaque-Id', () => {
  it('comes back on the answer to the request that sent it, errors and HEAD included (API conventions)', async () => {
    for (const [method, path] of [['GET', '/'], ['GET', '/no-such-index/_search'], ['HEAD', '/'], ['POST', '/_bulk']] as const) {
      const answer = await send(method, path, { 'x-opaque-id': `app-1/${method}`, ...NDJSON }, method === 'POST' ? bulkBody('opaque', 1) : undefined);
      expect(answer.headers['x-opaque-id'], `${method} ${path}`).toBe(`app-1/${method}`);
    }
    expect((await send('GET', '/', {})).headers['x-opaque-id']).toBeUndefined();
  });
});

describe('REST API compatibility headers (compatible-with)', () => {
  const versioned = (version: number, type = 'json') => `application/vnd.elasticsearch+${type};compatible-with=${version}`;

  it('answers a request for version 9 or 8 in that version’s media type', async () => {
    for (const version of [9, 8]) {
      const answer = await send('POST', '/_bulk?refresh=true', { accept: versioned(version), 'content-type': versioned(version, 'x-ndjson') }, bulkBody(`compat-${version}`, 3));
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe(versioned(version));
    }
  });

  it('refuses a version it does not speak, a body versioned unlike the answer, or one header versioned alone, as Elasticsearch 9 does', async () => {
    const refusals: Array<[Record<string, string>, string | undefined, string]> = [
      [{ accept: versioned(7) }, undefined, `Accept version must be either version 9 or 8, but found 7. Accept=${versioned(7)}`],
      [{ accept: versioned(10) }, undefined, `Accept version must be either version 9 or 8, but found 10. Accept=${versioned(10)}`],
      [{ accept: versioned(7), 'content-type': versioned(7) }, '{}', 'Accept version must be either version 9 or 8, but found 7.'],
      [{ accept: versioned(9), 'content-type': versioned(7) }, '{}', 'Content-Type version must be either version 9 or 8, but found 7.'],
      [{ accept: versioned(8), 'content-type': 'application/json' }, '{}', 'the compatible versions must match.'],
      [{ accept: versioned(9), 'content-type': 'application/json' }, '{}', 'A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept='],
    ];
    for (const [headers, body, reason] of refusals) {
      const answer = await send(body === undefined ? 'GET' : 'POST', body === undefined ? '/' : '/_search', headers, body);
      expect(answer.status, JSON.stringify(headers)).toBe(400);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(json(answer), JSON.stringify(headers)).toMatchObject({
        error: { type: 'media_type_header_exception', reason: 'Invalid media-type value on headers [Accept, Content-Type]', caused_by: { type: 'status_exception', reason: expect.stringContaining(reason) as unknown } },
        status: 400,
      });
    }
    // Without a body the Content-Type is not looked at; a list of media types is a range, which names no version.
    expect((await send('GET', '/', { accept: versioned(8), 'content-type': 'application/json' })).status).toBe(200);
    expect((await send('GET', '/', { accept: `${versioned(7)}, application/json` })).status).toBe(200);
  });
});

describe('bulk items that fail', () => {
  it('report the id Elasticsearch generated for a document without one, the id its parsing error names', async () => {
    await es.indices.create({ index: 'dated', mappings: { properties: { '@timestamp': { type: 'date' } } } });
    const result = await es.bulk({ operations: [{ index: { _index: 'dated' } }, { '@timestamp': 'yesterday' }, { create: { _index: 'dated' } }, { '@timestamp': 'today' }] });
    for (const item of result.items) {
      const answer = item.index ?? item.create;
      expect(answer?.status).toBe(400);
      expect(answer?._id).toMatch(/^[\w-]{20}$/);
      expect(answer?.error?.reason).toContain(`in document with id '${String(answer?._id)}'`);
    }
    expect(result.items[0]?.index?._id).not.toBe(result.items[1]?.create?._id);
  });
});
