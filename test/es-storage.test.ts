import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordFile } from '../emulators/common/record-file.js';
import { bulkLines } from '../emulators/elasticsearch/routes/bulk.js';
import { startElasticsearch } from './support/elasticsearch.js';

// How the emulator keeps a document (its bytes as received, its searchable values in shared shapes) must
// not show: what goes in through _bulk comes out of GET, search and a restart the same, and every value
// of a document whose fields come in another order, repeated or nested is found by search and counted.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function emulator(dataDir?: string) {
  const started = await startElasticsearch(dataDir === undefined ? {} : { dataDir, fsync: 'always' });
  cleanups.push(started.stop);
  return started;
}

async function bulk(url: string, body: string): Promise<{ errors: boolean; items: Array<Record<string, { status: number; error?: { type: string } }>> }> {
  const response = await fetch(`${url}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  return (await response.json()) as { errors: boolean; items: Array<Record<string, { status: number; error?: { type: string } }>> };
}

// Spelled out by hand, with whitespace and escapes as a client may send them: a city with a cedilla and
// a tilde, a clapper board emoji (a surrogate pair in JavaScript), an escaped quote and a \u escape.
const accented = '{ "city" : "São Paulo", "title": "🎬 \\"take\\" two", "note": "caf\\u00e9", "n": 1 }';
const plain = '{"city":"Lyon","title":"plain","n":2}';

describe('stored source', () => {
  it('returns non-ASCII and escaped sources from GET and search as they were sent, and counts their bytes', async () => {
    const { es, emulator: server } = await emulator();
    const result = await bulk(server.url, `{"index":{"_index":"places","_id":"a"}}\n${accented}\n{"index":{"_index":"places","_id":"p"}}\n${plain}\n`);
    expect(result.errors).toBe(false);
    const expected = { city: 'São Paulo', title: '🎬 "take" two', note: 'café', n: 1 };
    expect((await es.get({ index: 'places', id: 'a' }))._source).toEqual(expected);
    expect(await es.getSource({ index: 'places', id: 'a' })).toEqual(expected);
    const hits = (await es.search({ index: 'places', query: { term: { 'city.keyword': 'São Paulo' } } })).hits.hits;
    expect(hits.map((hit) => hit._source)).toEqual([expected]);
    expect((await es.search({ index: 'places', query: { match: { note: 'café' } } })).hits.hits.map((hit) => hit._id)).toEqual(['a']);
    // _cat counts what was stored in UTF-8 bytes: the accented line is longer in bytes than in characters.
    const store = await es.cat.indices({ index: 'places', bytes: 'b', h: 'store.size', format: 'json' });
    expect(Number((store as Array<Record<string, string>>)[0]?.['store.size'])).toBe(Buffer.byteLength(accented) + Buffer.byteLength(plain));
  });

  it('keeps a source changed by a partial update, and its values searchable', async () => {
    const { es, emulator: server } = await emulator();
    await bulk(server.url, `{"index":{"_index":"places","_id":"a"}}\n${accented}\n`);
    await es.update({ index: 'places', id: 'a', doc: { n: 5, tags: ['x', 'y'] }, refresh: true });
    expect((await es.get({ index: 'places', id: 'a' }))._source).toMatchObject({ city: 'São Paulo', n: 5, tags: ['x', 'y'] });
    expect((await es.count({ index: 'places', query: { term: { n: 5 } } })).count).toBe(1);
    expect((await es.count({ index: 'places', query: { term: { n: 1 } } })).count).toBe(0);
  });

  it('reads a bulk body that arrives in pieces cut inside lines and inside a character, as one body', async () => {
    const { es, emulator: server } = await emulator();
    const body = Buffer.from(`{"index":{"_index":"places","_id":"a"}}\n${accented}\n{"index":{"_index":"places","_id":"p"}}\n${plain}\n`);
    // Cut inside the first action line, inside the two bytes of the "ã" and between a document and its newline.
    const tilde = body.indexOf(Buffer.from('ã'));
    const cuts = [0, 10, tilde + 1, body.indexOf(0x0a, tilde), body.length];
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
    });
    socket.write(`POST /_bulk?refresh=true HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    for (let i = 1; i < cuts.length; i += 1) {
      // Each piece its own TCP write, after a pause, so that the server reads it as its own chunk.
      await new Promise((resolve) => setTimeout(resolve, 30));
      socket.write(body.subarray(cuts[i - 1], cuts[i]));
    }
    expect(await answer).toContain('"errors":false');
    expect((await es.get({ index: 'places', id: 'a' }))._source).toEqual({ city: 'São Paulo', title: '🎬 "take" two', note: 'café', n: 1 });
    expect((await es.get({ index: 'places', id: 'p' }))._source).toEqual({ city: 'Lyon', title: 'plain', n: 2 });
  });

  it('splits a bulk body into the same lines wherever its chunks were cut, one cut or two', () => {
    const body = Buffer.from(`{"index":{"_index":"places","_id":"a"}}\n${accented}\n\n{"index":{"_index":"places"}}\n${plain}\n`);
    const expected = body.toString('utf8').split('\n').slice(0, -1);
    const text = (lines: Iterable<Buffer>) => [...lines].map((line) => line.toString('utf8'));
    expect(text(bulkLines([body]))).toEqual(expected);
    for (let first = 0; first <= body.length; first += 1) {
      expect(text(bulkLines([body.subarray(0, first), body.subarray(first)]))).toEqual(expected);
      for (let second = first; second <= body.length; second += 7) {
        expect(text(bulkLines([body.subarray(0, first), body.subarray(first, second), body.subarray(second)]))).toEqual(expected);
      }
    }
  });

  it('answers a bulk request with only the item paths filter_path asks for, as Beats reads it', async () => {
    const { emulator: server } = await emulator();
    const body = `{"create":{"_index":"places","_id":"a"}}\n${plain}\n{"create":{"_index":"places","_id":"a"}}\n${plain}\n{"create":{"_index":"places","_id":"b"}}\n{"n":"not a number"}\n`;
    const response = await fetch(`${server.url}/_bulk?filter_path=errors,items.*.status,items.*.error.type`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(await response.json()).toEqual({
      errors: true,
      items: [{ create: { status: 201 } }, { create: { status: 409, error: { type: 'version_conflict_engine_exception' } } }, { create: { status: 400, error: { type: 'document_parsing_exception' } } }],
    });
  });

  it('journals records given as parts, more than one writev takes, and reads them back whole', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-record-file-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const path = join(dataDir, 'journal.log');
    const records = Array.from({ length: 700 }, (_, i) => [Buffer.from(`{"id":${i},"source":`), Buffer.from(i % 2 === 0 ? accented : plain), Buffer.from('}')]);
    const { file } = RecordFile.open(path, 'never');
    // 700 records of a frame header and three parts each: 2 800 buffers, three writev calls.
    file.appendMany(records);
    file.append(Buffer.from('last'));
    file.close();
    const reopened = RecordFile.open(path, 'never');
    reopened.file.close();
    expect(reopened.truncatedBytes).toBe(0);
    expect(reopened.records.map((record) => record.toString('utf8'))).toEqual([...records.map((parts) => Buffer.concat(parts).toString('utf8')), 'last']);
  });

  it('survives a restart from its journal unchanged', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-es-storage-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await emulator(dataDir);
    await bulk(first.emulator.url, `{"index":{"_index":"places","_id":"a"}}\n${accented}\n`);
    // A value an index with ignore_malformed took: read back from the journal under the same setting.
    await first.es.indices.create({ index: 'lenient', settings: { 'index.mapping.ignore_malformed': true }, mappings: { properties: { n: { type: 'long' } } } });
    await bulk(first.emulator.url, '{"index":{"_index":"lenient","_id":"x"}}\n{"n":"abc","m":"kept"}\n');
    await first.stop();
    cleanups.pop();
    const { es } = await emulator(dataDir);
    expect((await es.get({ index: 'places', id: 'a' }))._source).toMatchObject({ city: 'São Paulo', title: '🎬 "take" two' });
    expect((await es.count({ index: 'places', query: { term: { 'city.keyword': 'São Paulo' } } })).count).toBe(1);
    expect((await es.search({ index: 'lenient' })).hits.hits.map((hit) => [hit._source, hit._ignored])).toEqual([[{ n: 'abc', m: 'kept' }, ['n']]]);
  });
});

describe('the journal read back', () => {
  const setMarked = { set: { field: 'marked', value: '{{n}}' } };

  it('restores each document as sent and what pipelines set, updated and deleted ones as last written, twice and after compaction', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-es-journal-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await emulator(dataDir);
    // A field named source: the metadata records hold `,"source":` too.
    await first.es.indices.create({ index: 'places', mappings: { properties: { a: { type: 'keyword' }, source: { type: 'keyword' } } } });
    await first.es.ingest.putPipeline({ id: 'mark', processors: [setMarked] });
    await first.es.indices.create({ index: 'marked', settings: { index: { final_pipeline: 'mark' } } });
    await bulk(first.emulator.url, `{"index":{"_index":"places","_id":"a"}}\n${accented}\n{"index":{"_index":"places","_id":"b"}}\n{"source":"first","n":1}\n{"index":{"_index":"places","_id":"c"}}\n${plain}\n{"index":{"_index":"marked","_id":"m"}}\n{ "n" : 7 }\n`);
    await first.es.update({ index: 'places', id: 'b', doc: { source: 'updated' } });
    await first.es.delete({ index: 'places', id: 'c' });
    const sizes = async (es: Client) => (await es.cat.indices({ index: 'places,marked', h: 'index,store.size', bytes: 'b', s: 'index', format: 'json' })).map((row) => [row.index, row['store.size']]);
    const before = await sizes(first.es);
    await first.stop();
    cleanups.pop();

    const check = async (url: string) => {
      const es = new Client({ node: url });
      try {
        // The bytes as sent are kept, spaces and escapes included, so an index's size is what it was.
        expect(await sizes(es)).toEqual(before);
        expect((await es.get({ index: 'places', id: 'a' }))._source).toEqual({ city: 'São Paulo', title: '🎬 "take" two', note: 'café', n: 1 });
        expect((await es.get({ index: 'places', id: 'b' }))._source).toEqual({ source: 'updated', n: 1 });
        expect((await es.exists({ index: 'places', id: 'c' }))).toBe(false);
        expect((await es.count({ index: 'places', query: { term: { source: 'updated' } } })).count).toBe(1);
        expect((await es.get({ index: 'marked', id: 'm' }))._source).toEqual({ n: 7, marked: '7' });
        expect((await es.count({ index: 'marked', query: { term: { 'marked.keyword': '7' } } })).count).toBe(1);
      } finally {
        await es.close();
      }
    };
    const second = await emulator(dataDir);
    await check(second.emulator.url);
    // Enough records past the live ones that the next start compacts the journal, writing the restored documents again.
    for (let i = 0; i < 1100; i += 1) await bulk(second.emulator.url, `{"index":{"_index":"churn","_id":"z"}}\n{"n":${i}}\n`);
    await second.stop();
    cleanups.pop();
    const third = await emulator(dataDir);
    await check(third.emulator.url);
    await third.stop();
    cleanups.pop();
    expect(RecordFile.open(join(dataDir, 'journal.log'), 'never').records.length).toBeLessThan(100);
    const fourth = await emulator(dataDir);
    await check(fourth.emulator.url);
  });

  it('compacts into a new file: what a compaction stopped by a crash left behind does not come back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-es-journal-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const path = join(dataDir, 'journal.log');
    const first = await emulator(dataDir);
    await bulk(first.emulator.url, `{"index":{"_index":"places","_id":"kept"}}\n${plain}\n{"index":{"_index":"places","_id":"ghost"}}\n${plain}\n`);
    await first.stop();
    cleanups.pop();
    // A crash in the middle of a compaction leaves its file half written: here, the journal as it was then.
    copyFileSync(path, `${path}.compact`);
    const second = await emulator(dataDir);
    await second.es.delete({ index: 'places', id: 'ghost' });
    // Enough records past the live ones that the next start compacts the journal.
    for (let i = 0; i < 1100; i += 1) await bulk(second.emulator.url, `{"index":{"_index":"churn","_id":"z"}}\n{"n":${i}}\n`);
    await second.stop();
    cleanups.pop();
    const third = await emulator(dataDir);
    await third.stop();
    cleanups.pop();
    expect(existsSync(`${path}.compact`)).toBe(false);
    const fourth = await emulator(dataDir);
    expect(await fourth.es.exists({ index: 'places', id: 'ghost' })).toBe(false);
    expect(await fourth.es.exists({ index: 'places', id: 'kept' })).toBe(true);
    expect((await fourth.es.get({ index: 'churn', id: 'z' }))._source).toEqual({ n: 1099 });
  });

  it('reads the first journals\u2019 document records, whose version comes after the source', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-es-journal-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await emulator(dataDir);
    await bulk(first.emulator.url, `{"index":{"_index":"places","_id":"a"}}\n${accented}\n{"index":{"_index":"places","_id":"p"}}\n${plain}\n`);
    await first.es.delete({ index: 'places', id: 'p' });
    await first.stop();
    cleanups.pop();
    // The same journal in the layout written until 2026-12-02: JSON.stringify of { t, uuid, id, source, version }.
    const path = join(dataDir, 'journal.log');
    const { file, records } = RecordFile.open(path, 'never');
    file.close();
    const rewritten = records.map((record) => {
      const entry = JSON.parse(record.toString('utf8')) as { t: string; uuid?: string; id?: string; source?: unknown; version?: number };
      return entry.t === 'doc' ? Buffer.from(JSON.stringify({ t: 'doc', uuid: entry.uuid, id: entry.id, source: entry.source, version: entry.version })) : record;
    });
    expect(rewritten.some((record) => record.toString('utf8').includes('"version":1}'))).toBe(true);
    rmSync(path);
    const old = RecordFile.open(path, 'never').file;
    old.appendMany(rewritten);
    old.close();
    const { es } = await emulator(dataDir);
    expect((await es.get({ index: 'places', id: 'a' }))._source).toEqual({ city: 'São Paulo', title: '🎬 "take" two', note: 'café', n: 1 });
    expect(await es.exists({ index: 'places', id: 'p' })).toBe(false);
  });
});

describe('searchable values', () => {
  it('finds and counts every value whatever the order, repetition and nesting of the fields', async () => {
    const { es, emulator: server } = await emulator();
    await es.indices.create({ index: 'events', mappings: { properties: { host: { properties: { name: { type: 'keyword' } } }, port: { type: 'long' }, tag: { type: 'keyword' } } } });
    const lines = [
      ['1', { host: { name: 'a' }, port: 80, tag: 'x' }],
      ['2', { tag: 'y', port: 443, host: { name: 'b' } }], // the same fields in another order
      ['3', { tag: ['x', 'y', 'z'], host: { name: 'a' } }], // three values, no port
      ['4', { 'host.name': 'c', host: { name: 'd' }, port: [[22], 23] }], // one field from a dotted key and an object; nested arrays
      ['5', { port: 8080 }],
    ] as const;
    const body = lines.map(([id, source]) => `{"index":{"_index":"events","_id":"${id}"}}\n${JSON.stringify(source)}\n`).join('');
    expect((await bulk(server.url, body)).errors).toBe(false);
    const ids = async (query: Record<string, unknown>) => (await es.search({ index: 'events', query, size: 100 })).hits.hits.map((hit) => hit._id).sort();
    expect(await ids({ term: { tag: 'x' } })).toEqual(['1', '3']);
    expect(await ids({ term: { tag: 'z' } })).toEqual(['3']);
    expect(await ids({ terms: { 'host.name': ['c', 'd'] } })).toEqual(['4']);
    expect(await ids({ term: { port: 23 } })).toEqual(['4']);
    expect(await ids({ range: { port: { gte: 400 } } })).toEqual(['2', '5']);
    expect(await ids({ exists: { field: 'host' } })).toEqual(['1', '2', '3', '4']);
    expect(await ids({ bool: { must_not: { exists: { field: 'port' } } } })).toEqual(['3']);
    const aggs = await es.search({ index: 'events', size: 0, aggs: { tags: { terms: { field: 'tag' } }, hosts: { terms: { field: 'host.name' } }, ports: { value_count: { field: 'port' } } } });
    const buckets = (name: string) => (aggs.aggregations?.[name] as { buckets: Array<{ key: string; doc_count: number }> }).buckets.map((bucket) => [bucket.key, bucket.doc_count]);
    expect(buckets('tags')).toEqual([['x', 2], ['y', 2], ['z', 1]]);
    expect(buckets('hosts')).toEqual([['a', 2], ['b', 1], ['c', 1], ['d', 1]]);
    expect((aggs.aggregations?.ports as { value: number }).value).toBe(5); // 80, 443, 22, 23, 8080
  });

  it('maps the fields a document adds under the object that holds them, sibling after sibling and item after item', async () => {
    const { es, emulator: server } = await emulator();
    await es.indices.create({ index: 'jobs', mappings: { properties: { known: { properties: { a: { type: 'keyword' } } } } } });
    const source = { known: { a: 'x' }, first: { size: 1 }, second: { name: 'b' }, steps: [{ took: 2 }, { label: 'c' }], third: { deep: { level: 3 } } };
    expect((await bulk(server.url, `{"index":{"_index":"jobs","_id":"1"}}\n${JSON.stringify(source)}\n`)).errors).toBe(false);
    const properties = (await es.indices.getMapping({ index: 'jobs' })).jobs?.mappings.properties as Record<string, { properties?: Record<string, { type?: string; properties?: unknown }> }>;
    const fieldsOf = (name: string) => Object.keys(properties[name]?.properties ?? {}).sort();
    expect(fieldsOf('known')).toEqual(['a']);
    expect(fieldsOf('first')).toEqual(['size']);
    expect(fieldsOf('second')).toEqual(['name']);
    expect(fieldsOf('steps')).toEqual(['label', 'took']);
    expect(fieldsOf('third')).toEqual(['deep']);
    expect(properties.third?.properties?.deep?.properties).toEqual({ level: { type: 'long' } });
  });
});
