import { afterEach, describe, expect, it } from 'vitest';
import { startElasticsearch } from './support/elasticsearch.js';

// A range filter visits only the documents in its range (a sorted column per field, kept up to date as
// documents become visible). What it finds must be what a scan of every document finds: the same
// documents, in the same order, whatever the bounds, the number of values, or writes after the first search.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const BASE = Date.parse('2026-11-01T00:00:00Z');
let seed = 99;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

interface Row {
  id: string;
  at?: number[];
  n: number;
}

function rows(count: number, offset: number): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = random();
    // Mostly one time, some none, some two (an array): a column holds each value once.
    const at = kind < 0.05 ? undefined : kind < 0.1 ? [BASE + Math.floor(random() * 86_400_000), BASE + Math.floor(random() * 86_400_000)] : [BASE + Math.floor(random() * 86_400_000)];
    return { id: `d${offset + i}`, at, n: offset + i };
  });
}

function expected(all: Row[], low: number, high: number, lowOpen: boolean, highOpen: boolean): string[] {
  return all.filter((row) => row.at?.some((value) => (lowOpen ? value > low : value >= low) && (highOpen ? value < high : value <= high))).map((row) => row.id);
}

describe('range filters over a sorted column', () => {
  it('find what a scan finds, in index order, through later writes, updates and deletes', async () => {
    const { es, stop } = await startElasticsearch();
    cleanups.push(stop);
    const all: Row[] = [];
    const add = async (batch: Row[]) => {
      all.push(...batch);
      await es.bulk({ refresh: true, operations: batch.flatMap((row) => [{ index: { _index: 'times', _id: row.id } }, { ...(row.at === undefined ? {} : { '@timestamp': row.at.length === 1 ? row.at[0] : row.at }), n: row.n }]) });
    };
    await es.indices.create({ index: 'times', mappings: { properties: { '@timestamp': { type: 'date', format: 'epoch_millis' }, n: { type: 'long' } } } });
    const check = async () => {
      for (const [low, high, lowOpen, highOpen] of [
        [BASE, BASE + 3_600_000, false, true],
        [BASE + 7_200_000, BASE + 7_300_000, true, false],
        [BASE + 43_200_000, BASE + 86_400_000, false, false],
        [BASE - 1, BASE + 100, true, true],
      ] as Array<[number, number, boolean, boolean]>) {
        const range = { [lowOpen ? 'gt' : 'gte']: low, [highOpen ? 'lt' : 'lte']: high, format: 'epoch_millis' };
        const wanted = expected(all, low, high, lowOpen, highOpen);
        const bool = await es.search<{ n: number }>({ index: 'times', size: 10_000, query: { bool: { filter: [{ range: { '@timestamp': range } }] } } });
        expect(bool.hits.hits.map((hit) => hit._id)).toEqual(wanted);
        const plain = await es.count({ index: 'times', query: { range: { '@timestamp': range } } });
        expect(plain.count).toBe(wanted.length);
        // With another range beside it (on a field the column does not cover), under constant_score.
        const early = wanted.filter((id) => Number(id.slice(1)) < 5000);
        const both = await es.search({ index: 'times', size: 10_000, query: { constant_score: { filter: { bool: { must: [{ range: { n: { lt: 5000 } } }, { range: { '@timestamp': range } }] } } } } });
        expect(both.hits.hits.map((hit) => hit._id)).toEqual(early);
        const aggregated = await es.search({ index: 'times', size: 0, query: { bool: { filter: [{ range: { '@timestamp': range } }] } }, aggs: { total: { value_count: { field: 'n' } } } });
        expect((aggregated.aggregations?.total as { value: number }).value).toBe(wanted.length);
      }
    };
    // Values right on the bounds below, open and closed.
    await add([...rows(3000, 0), ...[0, 3_600_000, 7_200_000, 7_300_000, 43_200_000, 86_400_000].map((offset, i) => ({ id: `edge${i}`, at: [BASE + offset], n: 90_000 + i }))]);
    await check();
    // Written after the column was built: first in its tail, then merged once the tail is large.
    await add(rows(700, 3000));
    await check();
    await add(rows(9000, 3700));
    await check();
    // An update and a delete: the view's order is no longer the write order; the answers stay right.
    const moved = all.find((row) => row.at?.length === 1) as Row;
    moved.at = [BASE + 10];
    await es.index({ index: 'times', id: moved.id, document: { '@timestamp': BASE + 10, n: moved.n }, refresh: true });
    const gone = all.splice(5, 1)[0] as Row;
    await es.delete({ index: 'times', id: gone.id, refresh: true });
    await check();
  }, 60_000);
});
