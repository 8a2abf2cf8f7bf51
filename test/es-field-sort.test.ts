import { errors, type Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearch } from './support/elasticsearch.js';

/**
 * Field sorts as Elasticsearch builds them (FieldSortBuilder, MultiValueMode, XFieldComparatorSource.missingObject,
 * DocValueFormat). The expected values come from those definitions: `mode` picks a document's smallest, largest,
 * sum, average or median value, the average and median of integers rounded as Java's Math.round rounds; a document
 * without the field sorts and shows as its comparator's extreme (Integer.MAX_VALUE for integer, short and byte,
 * Long.MAX_VALUE for long and date, an infinity for double and float, null for keyword), or as the custom `missing`;
 * a boolean sorts as 0 and 1; an address by its bytes. Elasticsearch's own REST tests search/95_sort_mixed_numeric_types.yml
 * and search/630_format_sort_missing_dates.yml run in es-yaml.
 */
describe('field sorts', () => {
  let es: Client;
  let url: string;
  let stop: () => Promise<void>;
  const ids = (hits: Array<{ _id?: string }>): unknown[] => hits.map((hit) => hit._id);
  const sortsOf = (hits: Array<{ sort?: unknown[] }>): unknown[] => hits.map((hit) => hit.sort?.[0]);

  /** The raw text of an answer, where 64-bit integers are read digit for digit. */
  async function rawSearch(index: string, body: object, query = ''): Promise<string> {
    const response = await fetch(`${url}/${index}/_search${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    return response.text();
  }

  async function refusal(request: Promise<unknown>): Promise<string> {
    const error = await request.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(errors.ResponseError);
    expect((error as errors.ResponseError).statusCode).toBe(400);
    return JSON.stringify((error as errors.ResponseError).body);
  }

  beforeAll(async () => {
    let emulator;
    ({ es, stop, emulator } = await startElasticsearch());
    url = emulator.url;
    await es.indices.create({
      index: 'products',
      mappings: { properties: { price: { type: 'long' }, weight: { type: 'double' }, stock: { type: 'integer' }, name: { type: 'keyword' }, on_sale: { type: 'boolean' }, added: { type: 'date' }, serial: { type: 'unsigned_long' } } },
    });
    const products = [
      { _id: 'a', price: [20, 4], weight: [20, 4], stock: 5, name: 'kiwi', on_sale: true, added: '2026-01-02', serial: 7 },
      { _id: 'b', price: 10, weight: 10, stock: 1, name: 'apple', on_sale: false, added: '2026-01-01', serial: 3 },
      { _id: 'c', price: [1, 40, 7], weight: [1, 40, 7], stock: 9, name: ['pear', 'banana'], on_sale: true, added: '2026-01-03', serial: 1 },
      { _id: 'd', price: [3, 4], weight: [3, 4], stock: 2, name: 'fig', on_sale: false, added: '2026-01-04', serial: 5 },
      { _id: 'e' },
    ];
    await es.bulk({ refresh: true, index: 'products', operations: products.flatMap(({ _id, ...source }) => [{ index: { _id } }, source]) });
    await es.indices.create({ index: 'hosts', mappings: { properties: { address: { type: 'ip' } } } });
    await es.bulk({ refresh: true, index: 'hosts', operations: ['192.168.0.1', '10.0.0.2', '::1', '9.0.0.1'].flatMap((address) => [{ index: { _id: address } }, { address }]) });
  });
  afterAll(async () => stop());

  it('picks a document’s value by mode: min, max, sum, avg and median, integers rounded', async () => {
    const sorted = async (field: string, mode?: 'min' | 'max' | 'sum' | 'avg' | 'median') => {
      const { hits } = await es.search({ index: 'products', size: 4, query: { exists: { field } }, sort: [{ [field]: { order: 'asc', ...(mode === undefined ? {} : { mode }) } }] });
      return hits.hits.map((hit) => [hit._id, hit.sort?.[0]]);
    };
    expect(await sorted('price')).toEqual([['c', 1], ['d', 3], ['a', 4], ['b', 10]]);
    expect(await sorted('price', 'max')).toEqual([['d', 4], ['b', 10], ['a', 20], ['c', 40]]);
    expect(await sorted('price', 'sum')).toEqual([['d', 7], ['b', 10], ['a', 24], ['c', 48]]);
    // (3 + 4) / 2 = 3.5, which Math.round takes to 4 for a long; a double keeps it.
    expect(await sorted('price', 'avg')).toEqual([['d', 4], ['b', 10], ['a', 12], ['c', 16]]);
    expect(await sorted('price', 'median')).toEqual([['d', 4], ['c', 7], ['b', 10], ['a', 12]]);
    expect(await sorted('weight', 'avg')).toEqual([['d', 3.5], ['b', 10], ['a', 12], ['c', 16]]);
    expect(await sorted('weight', 'median')).toEqual([['d', 3.5], ['c', 7], ['b', 10], ['a', 12]]);
    // Descending takes each document's largest value unless told otherwise.
    const { hits } = await es.search({ index: 'products', size: 4, query: { exists: { field: 'price' } }, sort: [{ price: 'desc' }] });
    expect(hits.hits.map((hit) => [hit._id, hit.sort?.[0]])).toEqual([['c', 40], ['a', 20], ['b', 10], ['d', 4]]);
    const names = await es.search({ index: 'products', size: 5, sort: [{ name: { order: 'asc', mode: 'max' } }] });
    expect(sortsOf(names.hits.hits)).toEqual(['apple', 'fig', 'kiwi', 'pear', null]);
  });

  it('writes a missing value as its comparator’s extreme, 64-bit ones digit for digit', async () => {
    const last = (field: string, order: 'asc' | 'desc', missing = '_last') => ({ size: 1, query: { ids: { values: ['e'] } }, sort: [{ [field]: { order, missing } }] });
    expect(await rawSearch('products', last('price', 'asc'))).toContain('"sort":[9223372036854775807]');
    expect(await rawSearch('products', last('added', 'asc'))).toContain('"sort":[9223372036854775807]');
    expect(await rawSearch('products', last('price', 'desc'))).toContain('"sort":[-9223372036854775808]');
    expect(await rawSearch('products', last('price', 'asc', '_first'))).toContain('"sort":[-9223372036854775808]');
    expect(await rawSearch('products', last('price', 'desc', '_first'))).toContain('"sort":[9223372036854775807]');
    expect(await rawSearch('products', last('stock', 'asc'))).toContain('"sort":[2147483647]');
    expect(await rawSearch('products', last('stock', 'desc'))).toContain('"sort":[-2147483648]');
    expect(await rawSearch('products', last('weight', 'asc'))).toContain('"sort":["Infinity"]');
    expect(await rawSearch('products', last('weight', 'desc'))).toContain('"sort":["-Infinity"]');
    expect(await rawSearch('products', last('serial', 'asc'))).toContain('"sort":[18446744073709551615]');
    expect(await rawSearch('products', last('name', 'asc'))).toContain('"sort":[null]');
    // numeric_type double sorts a long field as doubles: an infinity for the missing one.
    expect(await rawSearch('products', { ...last('price', 'asc'), sort: [{ price: { order: 'asc', numeric_type: 'double' } }] })).toContain('"sort":["Infinity"]');
    // Through filter_path and in YAML too.
    expect(await rawSearch('products', last('price', 'asc'), '?filter_path=hits.hits.sort')).toBe('{"hits":{"hits":[{"sort":[9223372036854775807]}]}}');
    expect(await rawSearch('products', last('price', 'asc'), '?format=yaml&filter_path=hits.hits.sort')).toContain('- 9223372036854775807');
    // A top_hits aggregation's hits show them the same way.
    const topHits = await rawSearch('products', { size: 0, query: { ids: { values: ['e'] } }, aggs: { top: { top_hits: { sort: [{ price: 'asc' }] } } } });
    expect(topHits).toContain('"sort":[9223372036854775807]');
  });

  it('pages past the documents without the field with search_after', async () => {
    const seen: unknown[] = [];
    let after: unknown[] | undefined;
    for (let page = 0; page < 5; page += 1) {
      const { hits } = await es.search({ index: 'products', size: 2, sort: [{ price: 'asc' }, { name: 'asc' }], ...(after === undefined ? {} : { search_after: after as never }) });
      if (hits.hits.length === 0) break;
      seen.push(...ids(hits.hits));
      after = hits.hits.at(-1)?.sort;
    }
    expect(seen).toEqual(['c', 'd', 'a', 'b', 'e']);
  });

  it('sorts a document without the field as the custom missing value', async () => {
    const priced = await es.search({ index: 'products', size: 5, sort: [{ price: { order: 'asc', missing: 15 } }] });
    expect(priced.hits.hits.map((hit) => [hit._id, hit.sort?.[0]])).toEqual([['c', 1], ['d', 3], ['a', 4], ['b', 10], ['e', 15]]);
    const named = await es.search({ index: 'products', size: 5, sort: [{ name: { order: 'asc', missing: 'cherry' } }] });
    expect(named.hits.hits.map((hit) => [hit._id, hit.sort?.[0]])).toEqual([['b', 'apple'], ['c', 'banana'], ['e', 'cherry'], ['d', 'fig'], ['a', 'kiwi']]);
    expect(await refusal(es.search({ index: 'products', sort: [{ price: { order: 'asc', missing: 'abc' } }] }))).toContain('For input string: \\"abc\\"');
  });

  it('sorts booleans as 0 and 1 and addresses by their bytes', async () => {
    const sale = await es.search({ index: 'products', size: 4, query: { exists: { field: 'on_sale' } }, sort: [{ on_sale: 'desc' }, { name: 'asc' }] });
    expect(sale.hits.hits.map((hit) => [hit._id, hit.sort?.[0]])).toEqual([['c', 1], ['a', 1], ['b', 0], ['d', 0]]);
    const next = await es.search({ index: 'products', size: 4, query: { exists: { field: 'on_sale' } }, sort: [{ on_sale: 'desc' }, { name: 'asc' }], search_after: [1, 'kiwi'] });
    expect(ids(next.hits.hits)).toEqual(['b', 'd']);
    const hosts = await es.search({ index: 'hosts', sort: [{ address: 'asc' }] });
    expect(sortsOf(hosts.hits.hits)).toEqual(['::1', '9.0.0.1', '10.0.0.2', '192.168.0.1']);
    const after = await es.search({ index: 'hosts', sort: [{ address: 'asc' }], search_after: ['9.0.0.1'] });
    expect(sortsOf(after.hits.hits)).toEqual(['10.0.0.2', '192.168.0.1']);
  });

  it('writes a date_nanos sort value in nanoseconds, digit for digit, and pages with them in search_after', async () => {
    // Elasticsearch's 90_search_after.yml with millisecond values (the emulator keeps milliseconds): sort values are
    // nanoseconds since the epoch, as DocValueFormat writes a date_nanos long; `numeric_type` turns one kind into the other.
    await es.indices.create({ index: 'spans', mappings: { properties: { start: { type: 'date_nanos' }, logged: { type: 'date' } } } });
    await es.bulk({ refresh: true, index: 'spans', operations: ['2019-10-21T00:30:04.828Z', '2019-10-21T08:30:04.828Z'].flatMap((start, i) => [{ index: { _id: String(i) } }, { start, logged: start }]) });
    const first = await rawSearch('spans', { size: 1, sort: [{ start: 'desc' }] });
    expect(first).toContain('"sort":[1571646604828000000]');
    const next = await rawSearch('spans', { size: 1, sort: [{ start: 'desc' }], search_after: [1571646604828000000] });
    expect(next).toContain('"_id":"0"');
    expect(next).toContain('"sort":[1571617804828000000]');
    expect(await rawSearch('spans', { size: 1, sort: [{ start: { order: 'desc', numeric_type: 'date' } }] })).toContain('"sort":[1571646604828]');
    expect(await rawSearch('spans', { size: 1, sort: [{ logged: { order: 'desc', numeric_type: 'date_nanos' } }] })).toContain('"sort":[1571646604828000000]');
    expect(await rawSearch('spans', { size: 1, sort: [{ logged: 'desc' }] })).toContain('"sort":[1571646604828]');
  });

  it('sorts by _index', async () => {
    const { hits } = await es.search({ index: 'products,hosts', size: 20, sort: [{ _index: 'desc' }] });
    expect(hits.hits[0]?.sort).toEqual(['products']);
    expect(hits.hits.at(-1)?.sort).toEqual(['hosts']);
  });

  it('refuses a sort on _id unless the cluster setting allows its field data, as Elasticsearch has since 8.0', async () => {
    expect(await refusal(es.search({ index: 'products', sort: ['_id'] }))).toContain('Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: indices.id_field_data.enabled');
    await es.cluster.putSettings({ persistent: { 'indices.id_field_data.enabled': true } });
    try {
      const { hits } = await es.search({ index: 'products', sort: [{ _id: 'desc' }] });
      expect(ids(hits.hits)).toEqual(['e', 'd', 'c', 'b', 'a']);
    } finally {
      await es.cluster.putSettings({ persistent: { 'indices.id_field_data.enabled': null } });
    }
    expect(await refusal(es.search({ index: 'products', size: 0, aggs: { top: { top_hits: { sort: ['_id'] } } } }))).toContain('Fielddata access on the _id field is disallowed');
  });

  it('refuses what FieldSortBuilder refuses, and nested sorts, which the emulator does not have', async () => {
    expect(await refusal(es.search({ index: 'products', sort: [{ name: { mode: 'avg' } }] }))).toContain('we only support AVG, MEDIAN and SUM on number based fields');
    expect(await refusal(es.search({ index: 'products', sort: [{ price: { mode: 'middle' as never } }] }))).toContain('Unknown SortMode [middle]');
    expect(await refusal(es.search({ index: 'products', sort: [{ price: { numeric_type: 'int' as never } }] }))).toContain('invalid value for [numeric_type], must be [long, double, date, date_nanos], got int');
    expect(await refusal(es.search({ index: 'products', sort: [{ name: { numeric_type: 'long' } }] }))).toContain('[numeric_type] option cannot be set on a non-numeric field, got keyword');
    expect(await refusal(es.search({ index: 'products', sort: [{ name: { format: 'yyyy' } }] }))).toContain('Field [name] of type [keyword] does not support custom formats');
    expect(await refusal(es.search({ index: 'products', sort: [{ price: { format: '0.00' } }] }))).toContain('require a date_time formatter; got [decimal]');
    expect(await refusal(es.search({ index: 'products', sort: [{ price: { nested: { path: 'offers' } } }] }))).toContain('not supported by the emulator');
  });
});
