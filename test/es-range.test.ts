import { afterEach, describe, expect, it } from 'vitest';
import { parseDate, roundDown } from '../emulators/elasticsearch/dates.js';
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

describe('writes between two refreshes', () => {
  it('show a search each document once, as last written, whatever was created, replaced, deleted or written again before the refresh', async () => {
    const { es, stop } = await startElasticsearch();
    cleanups.push(stop);
    await es.indices.create({ index: 'writes', settings: { refresh_interval: '-1' }, mappings: { properties: { '@timestamp': { type: 'date' }, n: { type: 'long' } } } });
    const at = (n: number) => new Date(BASE + n * 1000).toISOString();
    const seen = async () => {
      const found = await es.search<{ n: number }>({ index: 'writes', size: 100, sort: [{ n: 'asc' }], query: { range: { '@timestamp': { gte: at(0) } } } });
      return found.hits.hits.map((hit) => `${hit._source?.n}`);
    };
    // Visible before: kept (1), replaced (2), deleted (3), deleted and written again (4).
    await es.bulk({ refresh: true, operations: [1, 2, 3, 4].flatMap((n) => [{ index: { _index: 'writes', _id: `k${n}` } }, { '@timestamp': at(n), n }]) });
    // A range search builds the column that later refreshes must keep up to date.
    expect(await seen()).toEqual(['1', '2', '3', '4']);
    await es.bulk({
      operations: [
        { index: { _index: 'writes', _id: 'k2' } }, { '@timestamp': at(20), n: 20 },
        { delete: { _index: 'writes', _id: 'k3' } },
        { delete: { _index: 'writes', _id: 'k4' } },
        { create: { _index: 'writes', _id: 'k4' } }, { '@timestamp': at(40), n: 40 },
        // New since the last refresh: auto ids, a new id, one deleted and one replaced before the refresh.
        { create: { _index: 'writes' } }, { '@timestamp': at(50), n: 50 },
        { create: { _index: 'writes' } }, { '@timestamp': at(51), n: 51 },
        { create: { _index: 'writes', _id: 'k6' } }, { '@timestamp': at(60), n: 60 },
        { create: { _index: 'writes', _id: 'k7' } }, { '@timestamp': at(70), n: 70 },
        { delete: { _index: 'writes', _id: 'k7' } },
        { create: { _index: 'writes', _id: 'k8' } }, { '@timestamp': at(80), n: 80 },
        { index: { _index: 'writes', _id: 'k8' } }, { '@timestamp': at(81), n: 81 },
      ],
    });
    // Nothing of it is searchable before the refresh, and all of it is after.
    expect(await seen()).toEqual(['1', '2', '3', '4']);
    await es.indices.refresh({ index: 'writes' });
    expect(await seen()).toEqual(['1', '20', '40', '50', '51', '60', '81']);
    expect((await es.count({ index: 'writes' })).count).toBe(7);
    // An auto id is new: a create with it later is refused as a conflict, as any id already used.
    const auto = (await es.search({ index: 'writes', query: { term: { n: 50 } } })).hits.hits[0]?._id as string;
    const again = await es.bulk({ operations: [{ create: { _index: 'writes', _id: auto } }, { '@timestamp': at(52), n: 52 }] });
    expect(again.items[0]?.create?.status).toBe(409);
  });
});

describe('date parsing', () => {
  it('reads UTC ISO dates as the general parser does, fractions of one to nine digits, and refuses what is not on the calendar', () => {
    const texts: string[] = [];
    for (const date of ['2026-10-01', '2024-02-29', '2023-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '1999-12-31', '2026-1-01']) {
      for (const time of ['00:00:00', '12:34:56', '23:59:59', '24:00:00', '12:60:00', '12:00:60', '1:00:00']) {
        for (const fraction of ['', '.', '.1', '.12', '.123', '.1234', '.123456', '.123456789', '.1234567890']) {
          for (const [separator, zone] of [['T', 'Z'], ['T', 'z'], [' ', 'Z'], ['T', '+02:00'], ['T', '']]) texts.push(`${date}${separator}${time}${fraction}${zone}`);
        }
      }
    }
    let fast = 0;
    for (const text of texts) {
      // Led by epoch_second, the parser tries the ISO format only after it: the general path, for reference.
      expect(parseDate(text), text).toBe(parseDate(text, 'epoch_second||strict_date_optional_time'));
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(text) && parseDate(text) !== undefined) fast += 1;
    }
    // Three calendar dates × three valid times × seven fractions take the fast path.
    expect(fast).toBe(63);
    // Against the platform's own reading of the same instants.
    for (const text of ['2026-10-01T12:34:56.789Z', '2024-02-29T23:59:59Z', '1999-12-31T00:00:00.5Z']) expect(parseDate(text)).toBe(Date.parse(text));
    expect(parseDate('2026-10-01T12:34:56.123456789Z')).toBe(Date.parse('2026-10-01T12:34:56.123Z'));
    for (const text of ['2023-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-10-01T24:00:00Z', '2026-10-01T12:34:56.1234567890Z']) expect(parseDate(text), text).toBeUndefined();
  });

  it('knows the length of every month, leap years by the Gregorian rule (2000, 2028, 96 and 0 are, 2100, 2026, 100 and 50 are not)', () => {
    for (const year of [2026, 2028, 2000, 2100, 1900, 0, 50, 96, 100, 400]) {
      for (let month = 1; month <= 12; month += 1) {
        for (let day = 28; day <= 32; day += 1) {
          const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${day}T06:30:00Z`;
          // The platform's calendar as the reference (setUTCFullYear takes years 0-99 as they are, Date.UTC does
          // not): a day past the month's end rolls over into the next month.
          const date = new Date(0);
          date.setUTCFullYear(year, month - 1, day);
          date.setUTCHours(6, 30, 0, 0);
          expect(parseDate(text), text).toBe(date.getUTCDate() === day ? date.getTime() : undefined);
        }
      }
    }
  });

  it('reads the years 0-99 as themselves, as Elasticsearch does, in every path (ISO, a pattern, a time zone, rounding)', () => {
    // ECMAScript's own ISO reading, which counts years as written, is the reference.
    for (const text of ['0050-01-01T00:00:00Z', '0000-02-29T12:00:00Z', '0099-12-31T23:59:59.999Z']) {
      expect(parseDate(text), text).toBe(Date.parse(text));
      expect(parseDate(text, 'strict_date_optional_time'), text).toBe(Date.parse(text));
    }
    expect(parseDate('0050-03-01 10:00:00', 'yyyy-MM-dd HH:mm:ss')).toBe(Date.parse('0050-03-01T10:00:00Z'));
    // A tz database zone (POSIX sign: Etc/GMT-2 is two hours east), read through Intl as named zones are.
    expect(parseDate('0050-03-01T10:00:00', 'strict_date_optional_time', 'Etc/GMT-2')).toBe(Date.parse('0050-03-01T10:00:00+02:00'));
    expect(roundDown(Date.parse('0050-05-17T10:00:00Z'), 'M')).toBe(Date.parse('0050-05-01T00:00:00Z'));
    expect(roundDown(Date.parse('0050-05-17T10:00:00Z'), 'y')).toBe(Date.parse('0050-01-01T00:00:00Z'));
    // `yy` is java.time's reduced year: two digits are 2000-2099.
    expect(parseDate('30/11/26', 'dd/MM/yy')).toBe(Date.parse('2026-11-30T00:00:00Z'));
  });
});

describe('float and half_float values', () => {
  it('keeps them at their precision and takes terms and bounds as Elasticsearch does', async () => {
    const { es, stop } = await startElasticsearch();
    cleanups.push(stop);
    await es.indices.create({ index: 'measures', mappings: { properties: { half: { type: 'half_float' }, single: { type: 'float' } } } });
    await es.bulk({ refresh: true, index: 'measures', operations: [{ index: { _id: 'tenth' } }, { half: 0.1, single: 0.1 }, { index: { _id: 'third' } }, { half: 1 / 3, single: 1 / 3 }] });
    const sums = await es.search({ index: 'measures', size: 0, aggs: { half: { sum: { field: 'half' } }, single: { min: { field: 'single' } } } });
    const value = (name: string) => (sums.aggregations?.[name] as { value: number }).value;
    // The binary16 and binary32 numbers nearest 0.1 and 1/3 (IEEE 754: 0x2E66 and 0x3555 as half floats).
    expect(value('half')).toBe(0.0999755859375 + 0.333251953125);
    expect(value('single')).toBe(0.10000000149011612);
    const ids = async (query: Record<string, unknown>) => (await es.search({ index: 'measures', query })).hits.hits.map((hit) => hit._id).sort();
    expect(await ids({ term: { half: 0.1 } })).toEqual(['tenth']);
    expect(await ids({ term: { half: 0.09998 } })).toEqual(['tenth']);
    expect(await ids({ term: { single: 0.1 } })).toEqual(['tenth']);
    // HalfFloatPoint's range: the smallest half float at or above 0.1 is 0.10003662109375, above the stored 0.0999755859375.
    expect(await ids({ range: { half: { gte: 0.1 } } })).toEqual(['third']);
    expect(await ids({ range: { half: { lte: 0.1 } } })).toEqual(['tenth']);
    // A float bound is the float nearest it: -3.4028235e38 is the float's lowest, so gt leaves it out.
    await es.index({ index: 'measures', id: 'lowest', document: { single: -3.4028235e38 }, refresh: true });
    expect(await ids({ range: { single: { gt: -3.4028235e38, lt: 0 } } })).toEqual([]);
    expect(await ids({ range: { single: { gte: -3.4028235e38, lt: 0 } } })).toEqual(['lowest']);
    // Past the largest value: the message of a real cluster's refusal (a user's report of it: 94433.46 into a half_float).
    const refusal = async (document: object) => JSON.stringify(((await es.index({ index: 'measures', document }).catch((caught: unknown) => caught)) as { body: unknown }).body);
    expect(await refusal({ half: 94433.46 })).toContain('[half_float] supports only finite values, but got [94433.46]');
    expect(await refusal({ single: 3.5e38 })).toContain('[float] supports only finite values, but got [Infinity]');
  });
});
