import { errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearch } from './support/elasticsearch.js';

/**
 * Terms lookups, as Elasticsearch's terms query documents them (the query's `index`, `id`, `path` and `routing`; the
 * values at the path, through objects and arrays): a block list kept in an index, as an operator keeps one of
 * addresses, then searched, counted and deleted by. Elasticsearch's own search/170_terms_query.yml runs in es-yaml.
 */
describe('terms lookups', () => {
  let es: Awaited<ReturnType<typeof startElasticsearch>>['es'];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ es, stop } = await startElasticsearch());
    await es.indices.create({ index: 'access', mappings: { properties: { source: { properties: { ip: { type: 'ip' } } } } } });
    await es.index({ index: 'blocklists', id: 'scanners', document: { owner: 'soc', entries: [{ ip: '203.0.113.7' }, { ip: '198.51.100.23' }], 'extra.ips': ['192.0.2.1'] } });
    await es.bulk({
      refresh: true,
      index: 'access',
      operations: ['203.0.113.7', '198.51.100.23', '192.0.2.1', '10.0.0.5'].flatMap((ip, i) => [{ index: { _id: String(i) } }, { source: { ip } }]),
    });
  });
  afterAll(async () => stop());

  const lookup = (id: string, path: string) => ({ terms: { 'source.ip': { index: 'blocklists', id, path } } });

  it('matches the values at the path, through arrays of objects and dotted keys', async () => {
    const found = await es.search({ index: 'access', query: lookup('scanners', 'entries.ip'), sort: ['_doc'] });
    expect(found.hits.hits.map((hit) => hit._id)).toEqual(['0', '1']);
    expect((await es.count({ index: 'access', query: lookup('scanners', 'extra.ips') })).count).toBe(1);
    const filtered = await es.search({ index: 'access', query: { bool: { must_not: [lookup('scanners', 'entries.ip')] } }, sort: ['_doc'] });
    expect(filtered.hits.hits.map((hit) => hit._id)).toEqual(['2', '3']);
  });

  it('matches nothing for a missing document, and fails for a missing index or a lookup without its path', async () => {
    expect((await es.count({ index: 'access', query: lookup('nobody', 'entries.ip') })).count).toBe(0);
    const missingIndex = await es.search({ index: 'access', query: { terms: { 'source.ip': { index: 'nowhere', id: 'x', path: 'ip' } } } }).catch((error: unknown) => error);
    expect((missingIndex as errors.ResponseError).statusCode).toBe(404);
    const noPath = await es.search({ index: 'access', query: { terms: { 'source.ip': { index: 'blocklists', id: 'scanners' } } } as never }).catch((error: unknown) => error);
    expect((noPath as errors.ResponseError).statusCode).toBe(400);
    expect(JSON.stringify((noPath as errors.ResponseError).body)).toContain('[terms] query lookup element requires specifying the path.');
  });

  it('resolves lookups in the queries of filter and filters aggregations, at any depth', async () => {
    const found = await es.search({
      index: 'access',
      size: 0,
      aggs: {
        blocked: { filter: lookup('scanners', 'entries.ip') },
        named: { filters: { filters: { blocked: lookup('scanners', 'entries.ip'), extra: lookup('scanners', 'extra.ips') } } },
        anonymous: { filters: { filters: [lookup('scanners', 'extra.ips')] } },
        everyone: { global: {}, aggs: { inner: { filter: lookup('scanners', 'extra.ips') } } },
      },
    });
    const aggregations = found.aggregations as Record<string, { doc_count?: number; buckets?: unknown; inner?: { doc_count: number } }>;
    expect(aggregations.blocked?.doc_count).toBe(2);
    expect(aggregations.named?.buckets).toEqual({ blocked: { doc_count: 2 }, extra: { doc_count: 1 } });
    expect(aggregations.anonymous?.buckets).toEqual([{ doc_count: 1 }]);
    expect(aggregations.everyone?.inner?.doc_count).toBe(1);
  });

  it('deletes by a lookup', async () => {
    const deleted = await es.deleteByQuery({ index: 'access', refresh: true, query: lookup('scanners', 'extra.ips') });
    expect(deleted.deleted).toBe(1);
    expect((await es.count({ index: 'access' })).count).toBe(3);
  });
});
