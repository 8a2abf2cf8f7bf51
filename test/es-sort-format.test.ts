import { errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearch } from './support/elasticsearch.js';

/**
 * Sort values and search_after on dates, as Elasticsearch's own REST test search/90_search_after.yml ("date",
 * "_shard_doc sort", "Format sort values") has them: the same mappings, documents, requests and expected answers.
 * Kibana's Discover pages this way: a date sort with `format`, then search_after with the text it was given.
 */
describe('date sort values and search_after', () => {
  let es: Awaited<ReturnType<typeof startElasticsearch>>['es'];
  let stop: () => Promise<void>;
  const sources = (hits: Array<{ _source?: unknown }>): unknown[] => hits.map((hit) => (hit._source as { timestamp: string }).timestamp);

  beforeAll(async () => {
    ({ es, stop } = await startElasticsearch());
    await es.indices.create({ index: 'test', mappings: { properties: { timestamp: { type: 'date', format: 'yyyy-MM-dd HH:mm:ss.SSS' } } } });
    await es.indices.create({ index: 'test_nanos', mappings: { properties: { timestamp: { type: 'date_nanos', format: 'dd/MM/yyyy HH:mm:ss.SSS' } } } });
    await es.bulk({ refresh: true, index: 'test', operations: ['2021-10-13 00:30:04.828', '2021-06-11 04:30:04.828', '2021-02-11 08:30:04.828'].flatMap((timestamp) => [{ index: {} }, { timestamp }]) });
    await es.bulk({ refresh: true, index: 'test_nanos', operations: ['21/08/2021 03:30:04.732', '20/05/2021 05:30:04.832', '15/04/2021 06:30:04.821'].flatMap((timestamp) => [{ index: {} }, { timestamp }]) });
  });
  afterAll(async () => stop());

  it('reads a search_after date written in the field’s format', async () => {
    const first = await es.search({ index: 'test', size: 1, sort: [{ timestamp: 'desc' }] });
    expect(first.hits.hits[0]?.sort).toEqual([1634085004828]);
    const next = await es.search({ index: 'test', size: 1, sort: [{ timestamp: 'desc' }], search_after: ['2021-10-13 00:30:04.828'] });
    expect(sources(next.hits.hits)).toEqual(['2021-06-11 04:30:04.828']);
    expect(next.hits.hits[0]?.sort).toEqual([1623385804828]);
  });

  it('writes sort values in the sort’s format and reads search_after in it, across indices', async () => {
    const iso = { order: 'asc', format: 'strict_date_optional_time_nanos' } as const;
    const first = await es.search({ index: 'test', size: 1, sort: [{ timestamp: iso }] });
    expect(first.hits.hits[0]?.sort).toEqual(['2021-02-11T08:30:04.828Z']);
    const next = await es.search({ index: 'test', size: 1, sort: [{ timestamp: iso }], search_after: ['2021-02-11T08:30:04.828Z'] });
    expect(sources(next.hits.hits)).toEqual(['2021-06-11 04:30:04.828']);
    const piped = await es.search({ index: 'test', size: 1, sort: [{ timestamp: { order: 'asc', format: 'yyyy-MM-dd | HH:mm:ss.SSS' } }], search_after: ['2021-02-11 | 08:30:04.828'] });
    expect(piped.hits.hits[0]?.sort).toEqual(['2021-06-11 | 04:30:04.828']);
    const mixed = await es.search({ index: 'test*', size: 2, sort: [{ timestamp: { ...iso, numeric_type: 'date' } }], search_after: ['2021-04-15T06:30:04.821Z'] });
    expect(mixed.hits.hits.map((hit) => [hit._index, hit.sort?.[0]])).toEqual([['test_nanos', '2021-05-20T05:30:04.832Z'], ['test', '2021-06-11T04:30:04.828Z']]);
  });

  it('fails a search_after that does not parse in the sort’s format', async () => {
    for (const format of ['yyyy-MM-dd HH:mm:ss.SSS', 'epoch_millis']) {
      const error = await es.search({ index: 'test', size: 1, sort: [{ timestamp: { order: 'asc', format } }], search_after: ['2021-02-11T08:30:04.828Z'] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(errors.ResponseError);
      expect((error as errors.ResponseError).statusCode).toBe(400);
      expect(JSON.stringify((error as errors.ResponseError).body)).toContain(`failed to parse date field [2021-02-11T08:30:04.828Z] with format [${format}]`);
    }
  });

  it('refuses a _shard_doc sort without a point in time', async () => {
    const error = await es.search({ index: 'test', size: 1, sort: ['_shard_doc'], search_after: [0] }).catch((caught: unknown) => caught);
    expect(JSON.stringify((error as errors.ResponseError).body)).toContain('[_shard_doc] sort field cannot be used without [point in time]');
  });
});
