import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearch } from './support/elasticsearch.js';

/**
 * Fields a mapping stores (`store: true`), as Elasticsearch's own REST tests get/20_stored_fields.yml and
 * get/70_source_filtering.yml fetch them: the same mappings, documents, requests and expected answers (those files
 * also match `_type`, which Elasticsearch 8 removed, so they are not run whole); then the same through search and mget.
 */
describe('stored fields', () => {
  let es: Awaited<ReturnType<typeof startElasticsearch>>['es'];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ es, stop } = await startElasticsearch());
    await es.indices.create({ index: 'test_1', mappings: { properties: { foo: { type: 'keyword', store: true }, count: { type: 'integer', store: true } } } });
    await es.index({ index: 'test_1', id: '1', refresh: true, document: { foo: 'bar', count: 1 } });
    await es.indices.create({ index: 'test_2', mappings: { properties: { count: { type: 'integer', store: true } } } });
    await es.index({ index: 'test_2', id: '1', refresh: true, document: { include: { field1: 'v1', field2: 'v2' }, count: 1 } });
  });
  afterAll(async () => stop());

  it('GET returns the stored fields asked for, and the source only when asked (get/20_stored_fields.yml)', async () => {
    const one = await es.get({ index: 'test_1', id: '1', stored_fields: 'foo' });
    expect(one).toMatchObject({ _index: 'test_1', _id: '1', fields: { foo: ['bar'] } });
    expect(one._source).toBeUndefined();
    const two = await es.get({ index: 'test_1', id: '1', stored_fields: ['foo', 'count'] });
    expect(two.fields).toEqual({ foo: ['bar'], count: [1] });
    expect(two._source).toBeUndefined();
    const withSource = await es.get({ index: 'test_1', id: '1', stored_fields: ['foo', 'count', '_source'] });
    expect(withSource).toMatchObject({ fields: { foo: ['bar'], count: [1] }, _source: { foo: 'bar' } });
  });

  it('GET filters the source and returns stored fields beside it (get/70_source_filtering.yml)', async () => {
    expect((await es.get({ index: 'test_2', id: '1', _source: false }))._source).toBeUndefined();
    expect((await es.get({ index: 'test_2', id: '1', _source_includes: 'include.field1' }))._source).toEqual({ include: { field1: 'v1' } });
    expect((await es.get({ index: 'test_2', id: '1', _source_includes: 'include', _source_excludes: '*.field2' }))._source).toEqual({ include: { field1: 'v1' } });
    const both = await es.get({ index: 'test_2', id: '1', stored_fields: 'count', _source: true });
    expect(both).toMatchObject({ fields: { count: [1] }, _source: { include: { field1: 'v1' } } });
  });

  it('search and mget return stored fields too, by name or pattern, and never a field the mapping does not store', async () => {
    const found = await es.search({ index: 'test_1', stored_fields: ['f*', 'count'] });
    expect(found.hits.hits[0]).toMatchObject({ _id: '1', fields: { foo: ['bar'], count: [1] } });
    expect(found.hits.hits[0]?._source).toBeUndefined();
    const notStored = await es.search({ index: 'test_2', stored_fields: ['include.field1'] });
    expect(notStored.hits.hits[0]?.fields).toBeUndefined();
    const many = await es.mget({ docs: [{ _index: 'test_1', _id: '1', stored_fields: ['foo'] }, { _index: 'test_2', _id: '1' }] });
    expect(many.docs[0]).toMatchObject({ fields: { foo: ['bar'] } });
    expect((many.docs[0] as { _source?: unknown })._source).toBeUndefined();
    expect((many.docs[1] as { _source?: unknown })._source).toEqual({ include: { field1: 'v1', field2: 'v2' }, count: 1 });
  });
});
