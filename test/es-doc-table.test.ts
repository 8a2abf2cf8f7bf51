import { afterEach, describe, expect, it } from 'vitest';
import { AutoIds, DocTable } from '../emulators/elasticsearch/doc-table.js';
import { seeded } from '../services/demo/random.js';
import { startElasticsearch } from './support/elasticsearch.js';

// An index's documents by id (emulators/elasticsearch/doc-table.ts) are kept in an array while only ids the
// cluster made arrive in order, and in a Map after anything else. Neither may show: the table must answer
// as a Map would, whatever the order of writes, and the emulator as Elasticsearch does.

interface Entry {
  id: string;
  version: number;
}

describe('AutoIds', () => {
  it('makes 20-character ids that tell back their number, and no number for any other id', () => {
    const ids = new AutoIds();
    const made = Array.from({ length: 2000 }, () => ids.next());
    made.forEach((id, number) => {
      expect(id).toMatch(/^[0-9a-f]{10}[0-9a-z]{10}$/);
      expect(ids.numberOf(id)).toBe(number);
    });
    const last = made.at(-1) as string;
    expect(last.slice(10)).toMatch(/[a-z]/);
    expect(ids.numberOf(`${last.slice(0, 10)}${last.slice(10).toUpperCase()}`)).toBe(-1);
    expect(ids.numberOf(`${last}0`)).toBe(-1);
    expect(ids.numberOf(last.slice(1))).toBe(-1);
    expect(ids.numberOf(`${last.slice(0, 19)}-`)).toBe(-1);
    // Another process's ids (another prefix) are not this one's.
    expect(new AutoIds().numberOf(last)).toBe(-1);
  });
});

describe('DocTable', () => {
  // 200 seeded sequences, CPU-bound: 15 s here at best, twice that when the machine is busy; the timeout guards a hang, not speed.
  it('answers as a Map does after every step of random writes, deletes and ids of every kind', () => {
    /** The same id with its digits in capitals: another id, which a table must not take for the first. */
    const capitalised = (id: string) => `${id.slice(0, 10)}${id.slice(10).toUpperCase()}`;
    for (let seed = 1; seed <= 200; seed += 1) {
      // Seeded, so that a failing sequence can be run again.
      const next = seeded(seed);
      const ids = new AutoIds();
      // Counters with letters among their digits, so that capitals make a different id.
      for (let skipped = 0; skipped < 400; skipped += 1) ids.next();
      const table = new DocTable<Entry>(ids);
      const model = new Map<string, Entry>();
      const known: string[] = [];
      const pick = () => known[Math.floor(next() * known.length)] ?? 'missing';
      for (let step = 0; step < 60; step += 1) {
        const roll = next();
        let id: string;
        // Mostly ids the cluster makes, in order (a log index); now and then anything else.
        if (roll < 0.65 || known.length === 0) id = ids.next();
        else if (roll < 0.72) id = known.at(-1) as string;
        else if (roll < 0.8) id = pick();
        else if (roll < 0.85) id = `client-${Math.floor(next() * 5)}`;
        else if (roll < 0.9) id = capitalised(pick());
        else {
          const gone = pick();
          expect(table.delete(gone), `seed ${seed}: delete ${gone}`).toBe(model.delete(gone));
          id = '';
        }
        if (id !== '') {
          const entry = { id, version: (model.get(id)?.version ?? 0) + 1 };
          table.set(entry);
          model.set(id, entry);
          known.push(id);
        }
        expect(table.size, `seed ${seed}, step ${step}`).toBe(model.size);
        expect([...table.values()], `seed ${seed}, step ${step}`).toEqual([...model.values()]);
        for (const asked of [...known, ...known.map(capitalised), ids.next(), 'missing', '']) {
          expect(table.get(asked), `seed ${seed}, step ${step}: ${asked}`).toBe(model.get(asked));
          expect(table.has(asked)).toBe(model.has(asked));
        }
      }
    }
  }, 120_000);

  it('keeps the documents in order when an id the client chose arrives after the cluster\'s', () => {
    const ids = new AutoIds();
    const table = new DocTable<Entry>(ids);
    const first = { id: ids.next(), version: 1 };
    const second = { id: ids.next(), version: 1 };
    table.set(first);
    table.set(second);
    const chosen = { id: 'chosen', version: 1 };
    table.set(chosen);
    const third = { id: ids.next(), version: 1 };
    table.set(third);
    expect([...table.values()]).toEqual([first, second, chosen, third]);
    expect(table.get(second.id)).toBe(second);
  });

  it('lets an iteration under way go on when the documents move into a Map', () => {
    const ids = new AutoIds();
    const table = new DocTable<Entry>(ids);
    const entries = Array.from({ length: 3 }, () => ({ id: ids.next(), version: 1 }));
    for (const entry of entries) table.set(entry);
    const seen: Entry[] = [];
    for (const entry of table.values()) {
      seen.push(entry);
      if (seen.length === 1) table.delete((entries[2] as Entry).id);
    }
    expect(seen).toEqual(entries);
    expect([...table.values()]).toEqual(entries.slice(0, 2));
  });
});

describe('documents under ids the emulator made', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('are read, replaced and deleted by those ids, with documents under the client\'s ids among them', async () => {
    const { es, stop } = await startElasticsearch();
    stops.push(stop);
    const created = await es.bulk({ refresh: true, operations: [{ index: { _index: 'mixed' } }, { n: 1 }, { index: { _index: 'mixed' } }, { n: 2 }, { index: { _index: 'mixed' } }, { n: 4 }] });
    expect(created.errors).toBe(false);
    const idOf = (k: number) => created.items[k]?.index?._id as string;
    expect(idOf(0)).toHaveLength(20);
    // Read while the index holds only the emulator's ids, then after one of the client's.
    expect((await es.get({ index: 'mixed', id: idOf(1) }))._source).toEqual({ n: 2 });
    // Ids are case-sensitive: an id that differs from one held only in the case of a letter is another id. (The
    // test upper-cased a whole id before, which was no other id when its random prefix was all digits, about 1 %
    // of runs; of eleven consecutive ids, one ends in a letter.)
    const lettered = (await es.bulk({ refresh: true, operations: Array.from({ length: 11 }, (_, n) => [{ index: { _index: 'cased' } }, { n }]).flat() })).items.map((item) => item.index?._id as string).find((id) => /[a-z]$/.test(id)) as string;
    expect((await es.get({ index: 'cased', id: lettered })).found).toBe(true);
    await expect(es.get({ index: 'cased', id: `${lettered.slice(0, -1)}${lettered.slice(-1).toUpperCase()}` })).rejects.toMatchObject({ meta: { statusCode: 404 } });
    await es.index({ index: 'mixed', id: 'mine', document: { n: 3 }, refresh: true });
    expect((await es.get({ index: 'mixed', id: idOf(2) }))._source).toEqual({ n: 4 });
    // Replacing a document under the emulator's id is a new version of it, not a second document.
    const replaced = await es.index({ index: 'mixed', id: idOf(0), document: { n: 10 }, refresh: true });
    expect([replaced.result, replaced._version]).toEqual(['updated', 2]);
    expect((await es.delete({ index: 'mixed', id: idOf(2), refresh: true })).result).toBe('deleted');
    await expect(es.get({ index: 'mixed', id: idOf(2) })).rejects.toMatchObject({ meta: { statusCode: 404 } });
    // A create under an id already held conflicts.
    await expect(es.create({ index: 'mixed', id: idOf(1), document: { n: 20 } })).rejects.toMatchObject({ meta: { statusCode: 409 } });
    const hits = (await es.search({ index: 'mixed', sort: [{ n: 'asc' }] })).hits.hits;
    expect(hits.map((hit) => [hit._id, hit._source])).toEqual([
      [idOf(1), { n: 2 }],
      ['mine', { n: 3 }],
      [idOf(0), { n: 10 }],
    ]);
    expect((await es.count({ index: 'mixed' })).count).toBe(3);
  });
});
