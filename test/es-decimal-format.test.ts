import { errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { formatDecimal } from '../emulators/elasticsearch/decimal-format.js';
import { packageRoot } from '../shared/paths.js';
import { run } from './support/process.js';
import { startElasticsearch } from './support/elasticsearch.js';

/**
 * A numeric `format` is a java.text.DecimalFormat pattern (Elasticsearch's DocValueFormat.Decimal, root locale).
 * The expected texts are what Java's DecimalFormat writes (Debian's OpenJDK, run below on a grid of patterns and
 * values): `0` a digit always written, `#` one written when not zero (but `#.##` writes 0.46), `,` the grouping size,
 * `%` times 100, quotes around literal text, `;` a pattern for negatives, ties rounded half to even where the
 * double's exact binary value is one (0.125 is a tie, 0.135 and 1.005 are not).
 */
describe('DecimalFormat patterns', () => {
  it('write what Java’s DecimalFormat writes, pattern by pattern and value by value', async () => {
    const output = await run('java', [join(packageRoot, 'test', 'support', 'DecimalFormatGrid.java')]);
    expect(output.code, output.stderr).toBe(0);
    const rows = output.stdout.trim().split('\n').map((line) => line.split('\t') as [string, string, string]);
    expect(rows.length).toBeGreaterThan(500);
    const differing = rows.filter(([pattern, value, text]) => formatDecimal(Number(value), pattern) !== text).map(([pattern, value, text]) => `${pattern} ${value}: Java ${text}, the emulator ${formatDecimal(Number(value), pattern)}`);
    expect(differing).toEqual([]);
  }, 60_000);

  const cases: Array<[string, number, string]> = [
    ['#.0', 1, '1.0'],
    ['##0.0', 0, '0.0'],
    ['Value is ##0.0', 50, 'Value is 50.0'],
    ['#,##0.00', 1234567.891, '1,234,567.89'],
    ['0.00', 0.125, '0.12'],
    ['0.00', 0.135, '0.14'],
    ['0.00', 1.005, '1.00'],
    ['#', 2.5, '2'],
    ['#', 3.5, '4'],
    ['#.##', 0.456, '0.46'],
    ['#', 0, '0'],
    ['0.0%', 0.256, '25.6%'],
    ["'#'#", 12, '#12'],
    ['#;(#)', -5, '(5)'],
    ['00.##', 3.14159, '03.14'],
    ['#,###', 1e21, '1,000,000,000,000,000,000,000'],
    ['#.#', -0.01, '-0'],
    ['#', Number.NaN, 'NaN'],
  ];
  it.each(cases)('%s writes %d as %s', (pattern, value, text) => {
    expect(formatDecimal(value, pattern)).toBe(text);
  });

  it('refuses what it does not emulate rather than write it wrong', () => {
    expect(() => formatDecimal(1, '0.###E0')).toThrow(/scientific notation/);
    expect(() => formatDecimal(1, '\u00a4#,##0.00')).toThrow(/currency/);
  });
});

describe('numeric formats in searches', () => {
  let es: Awaited<ReturnType<typeof startElasticsearch>>['es'];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ es, stop } = await startElasticsearch());
    await es.indices.create({ index: 'formats', mappings: { properties: { n: { type: 'long' }, d: { type: 'double' }, k: { type: 'keyword' }, at: { type: 'date' } } } });
    await es.bulk({
      refresh: true,
      operations: [
        { index: { _index: 'formats', _id: '1' } }, { n: 1, d: 0.5, k: 'a', at: '2026-11-01T00:00:00Z' },
        { index: { _index: 'formats', _id: '2' } }, { n: 1500, d: 2.25, k: 'b', at: '2026-11-03T12:00:00Z' },
      ],
    });
  });
  afterAll(async () => stop());

  it('writes doc values in the format asked for, and refuses a format on a keyword', async () => {
    const found = await es.search({ index: 'formats', query: { ids: { values: ['2'] } }, docvalue_fields: [{ field: 'n', format: '#,##0.0' }, { field: 'd', format: '0.000' }] });
    expect(found.hits.hits[0]?.fields).toEqual({ n: ['1,500.0'], d: ['2.250'] });
    const refused = await es.search({ index: 'formats', docvalue_fields: [{ field: 'k', format: '0.0' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(errors.ResponseError);
    expect(JSON.stringify((refused as errors.ResponseError).body)).toContain('Field [k] of type [keyword] does not support custom formats');
  });

  it('writes metric values, terms keys, histogram keys and range bounds as text only when a format is given', async () => {
    const formatted = await es.search({
      index: 'formats',
      size: 0,
      aggs: {
        avg: { avg: { field: 'n', format: '0.00' } },
        sum: { sum: { field: 'd', format: '0.0' } },
        stats: { stats: { field: 'n', format: '#,##0' } },
        terms: { terms: { field: 'n', format: '0000' } },
        histo: { histogram: { field: 'd', interval: 1, format: '0.0' } },
        range: { range: { field: 'n', format: '#', ranges: [{ to: 1000 }, { from: 1000 }] } },
      },
    });
    const aggs = formatted.aggregations as Record<string, Record<string, unknown>>;
    expect(aggs.avg).toEqual({ value: 750.5, value_as_string: '750.50' });
    expect(aggs.sum).toEqual({ value: 2.75, value_as_string: '2.8' });
    expect(aggs.stats).toMatchObject({ min_as_string: '1', max_as_string: '1,500', avg_as_string: '750', sum_as_string: '1,501' });
    expect((aggs.terms?.buckets as Array<Record<string, unknown>>).map((bucket) => bucket.key_as_string)).toEqual(['0001', '1500']);
    expect((aggs.histo?.buckets as Array<Record<string, unknown>>).map((bucket) => bucket.key_as_string)).toEqual(['0.0', '1.0', '2.0']);
    expect(aggs.range?.buckets).toMatchObject([{ key: '*-1000', to: 1000, to_as_string: '1000' }, { key: '1000-*', from: 1000, from_as_string: '1000' }]);

    const plain = await es.search({ index: 'formats', size: 0, aggs: { avg: { avg: { field: 'n' } }, terms: { terms: { field: 'n' } } } });
    const plainAggs = plain.aggregations as Record<string, Record<string, unknown>>;
    expect(plainAggs.avg).toEqual({ value: 750.5 });
    expect((plainAggs.terms?.buckets as Array<Record<string, unknown>>)[0]).not.toHaveProperty('key_as_string');
  });

  it('writes the stats of a date field as dates', async () => {
    const found = await es.search({ index: 'formats', size: 0, aggs: { span: { stats: { field: 'at' } }, last: { max: { field: 'at', format: 'yyyy-MM-dd' } } } });
    const aggs = found.aggregations as Record<string, Record<string, unknown>>;
    expect(aggs.span).toMatchObject({ min_as_string: '2026-11-01T00:00:00.000Z', max_as_string: '2026-11-03T12:00:00.000Z' });
    expect(aggs.last).toMatchObject({ value_as_string: '2026-11-03' });
  });
});
