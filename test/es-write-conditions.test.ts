import { errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearch } from './support/elasticsearch.js';

/**
 * Conditioned writes beyond what index/30_cas.yml, 35_external_version.yml and 36_external_gte_version.yml check (they
 * run in es-yaml): updates and deletes under `if_seq_no`, external versions in a bulk body as Logstash's output sends
 * them, the validation Elasticsearch applies to the parameters, and an update's `get` when `_source` is asked for.
 */
describe('conditioned writes', () => {
  let es: Awaited<ReturnType<typeof startElasticsearch>>['es'];
  let stop: () => Promise<void>;
  let url: string;
  const reason = (error: unknown): string => JSON.stringify((error as errors.ResponseError).body);

  beforeAll(async () => {
    let emulator;
    ({ es, stop, emulator } = await startElasticsearch());
    url = emulator.url;
  });
  afterAll(async () => stop());

  it('refuses an update or a delete whose if_seq_no is not the document’s, and applies one that is', async () => {
    const written = await es.index({ index: 'cas', id: '1', document: { n: 1 } });
    const seqNo = written._seq_no ?? -1;
    const stale = await es.update({ index: 'cas', id: '1', if_seq_no: seqNo + 5, if_primary_term: 1, doc: { n: 2 } }).catch((error: unknown) => error);
    expect((stale as errors.ResponseError).statusCode).toBe(409);
    expect(reason(stale)).toContain(`required seqNo [${seqNo + 5}], primary term [1]. current document has seqNo [${seqNo}] and primary term [1]`);
    const updated = await es.update({ index: 'cas', id: '1', if_seq_no: seqNo, if_primary_term: written._primary_term, doc: { n: 2 } });
    expect(updated.result).toBe('updated');
    const deleteStale = await es.delete({ index: 'cas', id: '1', if_seq_no: seqNo, if_primary_term: 1 }).catch((error: unknown) => error);
    expect((deleteStale as errors.ResponseError).statusCode).toBe(409);
    expect((await es.delete({ index: 'cas', id: '1', if_seq_no: updated._seq_no, if_primary_term: 1 })).result).toBe('deleted');
  });

  it('keeps external versions in a bulk body, the item that is not newer refused alone', async () => {
    const response = await es.bulk({
      operations: [
        { index: { _index: 'ext', _id: 'a', version: 10, version_type: 'external' } }, { v: 1 },
        { index: { _index: 'ext', _id: 'a', version: 10, version_type: 'external' } }, { v: 2 },
        { index: { _index: 'ext', _id: 'a', version: 12, version_type: 'external' } }, { v: 3 },
        { delete: { _index: 'ext', _id: 'a', version: 11, version_type: 'external' } },
      ],
    });
    expect(response.items.map((item) => { const [kind, result] = Object.entries(item)[0] as [string, { status: number; _version?: number; result?: string }]; return [kind, result.status, result._version, result.result]; })).toEqual([
      ['index', 201, 10, 'created'],
      ['index', 409, undefined, undefined],
      ['index', 200, 12, 'updated'],
      ['delete', 409, undefined, undefined],
    ]);
    expect((await es.get({ index: 'ext', id: 'a' }))._source).toEqual({ v: 3 });
  });

  it('validates the parameters as Elasticsearch’s requests do', async () => {
    const internal = await es.index({ index: 'ext', id: 'b', version: 3, document: {} }).catch((error: unknown) => error);
    expect(reason(internal)).toContain('internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead');
    const noTerm = await es.index({ index: 'ext', id: 'b', if_seq_no: 0, document: {} }).catch((error: unknown) => error);
    expect(reason(noTerm)).toContain('ifSeqNo is set, but primary term is [0]');
    const create = await es.create({ index: 'ext', id: 'c', version: 3, version_type: 'external', document: {} }).catch((error: unknown) => error);
    // A create stops at its first problem (IndexRequest.validate): the version it also gives is not reported.
    expect(reason(create)).toContain('Validation Failed: 1: create operations only support internal versioning. use index instead;"');
    const unknownType = await es.delete({ index: 'ext', id: 'a', version: 20, version_type: 'newest' as never }).catch((error: unknown) => error);
    expect(reason(unknownType)).toContain('No version type match [newest]');
    for (const error of [internal, noTerm, create, unknownType]) expect((error as errors.ResponseError).statusCode).toBe(400);
  });

  it('answers an update with the document under get when _source is asked for', async () => {
    await es.index({ index: 'upd', id: '1', document: { a: 1, b: 2 } });
    const updated = await es.update({ index: 'upd', id: '1', doc: { c: 3 }, _source: true });
    expect(updated.get).toMatchObject({ found: true, _seq_no: updated._seq_no, _primary_term: 1, _source: { a: 1, b: 2, c: 3 } });
    const filtered = await es.update({ index: 'upd', id: '1', doc: { d: 4 }, _source_includes: 'd' });
    expect(filtered.get?._source).toEqual({ d: 4 });
    expect((await es.update({ index: 'upd', id: '1', doc: { e: 5 } })).get).toBeUndefined();
  });

  it('reads an update body as UpdateRequest’s parser does: its own if_seq_no over the request’s, an unknown field refused', async () => {
    const written = await es.index({ index: 'upd', id: 'body', document: { n: 1 } });
    const seqNo = written._seq_no ?? -1;
    const update = async (path: string, body: object) => {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, text: await response.text() };
    };
    // The URL's condition holds; the body's does not, and it is the one that counts.
    const stale = await update(`/upd/_update/body?if_seq_no=${seqNo}&if_primary_term=1`, { doc: { n: 2 }, if_seq_no: seqNo + 3, if_primary_term: 1 });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain(`required seqNo [${seqNo + 3}]`);
    const bulk = await fetch(`${url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify({ update: { _index: 'upd', _id: 'body', if_seq_no: seqNo + 3, if_primary_term: 1 } })}\n${JSON.stringify({ doc: { n: 3 }, if_seq_no: seqNo, if_primary_term: 1 })}\n` });
    expect(((await bulk.json()) as { items: Array<{ update: { status: number } }> }).items[0]?.update.status).toBe(200);
    const misspelt = await update('/upd/_update/body', { docs: { n: 4 } });
    expect(misspelt.status).toBe(400);
    expect(misspelt.text).toContain('[UpdateRequest] unknown field [docs]');
  });
});
