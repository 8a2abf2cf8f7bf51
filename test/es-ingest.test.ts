import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { emulatorPerFile, failure, startElasticsearch } from './support/elasticsearch.js';

/**
 * The emulator's ingest pipelines, through the official client. Expected behaviour is Elasticsearch's, from its
 * own REST tests (modules/ingest-common: 240_required_pipeline.yml, 270_set_processor.yml) and the SetProcessor
 * and IngestService sources: request pipeline or default pipeline, then the final pipeline; `_none`; `set` with
 * templates, `copy_from`, `override` and `ignore_empty_value`.
 */

let es: Client;
let emulator: ElasticsearchEmulator;
emulatorPerFile((cluster) => ({ es, emulator } = cluster));

const setter = (field: string, value: unknown, more: Record<string, unknown> = {}) => ({ set: { field, value, ...more } });

describe('ingest pipelines', () => {
  it('stores, lists, gets by pattern and deletes pipelines, answering a missing one as Elasticsearch does', async () => {
    expect(await es.ingest.putPipeline({ id: 'stamp', description: 'd', processors: [setter('a', 1)] })).toEqual({ acknowledged: true });
    await es.ingest.putPipeline({ id: 'other', processors: [] });
    expect(await es.ingest.getPipeline({ id: 'stamp' })).toEqual({ stamp: { description: 'd', processors: [setter('a', 1)] } });
    expect(Object.keys(await es.ingest.getPipeline({ id: 'st*' }))).toEqual(['stamp']);
    expect(Object.keys(await es.ingest.getPipeline()).sort()).toEqual(['other', 'stamp']);
    const missing = await failure(es.ingest.getPipeline({ id: 'nope' }));
    expect(missing.status).toBe(404);
    await es.ingest.deletePipeline({ id: 'stamp' });
    const gone = await failure(es.ingest.deletePipeline({ id: 'stamp' }));
    expect([gone.status, gone.type, gone.reason]).toEqual([404, 'resource_not_found_exception', 'pipeline [stamp] is missing']);
  });

  it('refuses what it cannot run, and malformed processors, when the pipeline is stored', async () => {
    const cases: Array<[unknown, string, string]> = [
      [[{ bytes: { field: 'a' } }], 'illegal_argument_exception', 'the [bytes] processor is valid in Elasticsearch but not supported by the emulator, which runs only the [set] processor'],
      [[{ set: { field: 'a', value: 1, if: 'ctx.b != null' } }], 'illegal_argument_exception', "a processor's [if] condition is valid in Elasticsearch but not supported by the emulator, which runs only the [set] processor"],
      [[{ set: { value: 1 } }], 'parse_exception', '[field] required property is missing'],
      [[{ set: { field: 'a' } }], 'parse_exception', '[value] required property is missing'],
      [[{ set: { field: 'a', value: 1, copy_from: 'b' } }], 'parse_exception', '[copy_from] cannot set both `copy_from` and `value` in the same processor'],
      [[{ set: { field: 'a', value: 1, colour: 'red' } }], 'parse_exception', "processor [set] doesn't support one or more provided configuration parameters [colour]"],
      [[{ set: { field: '_index', value: 'elsewhere' } }], 'illegal_argument_exception', 'a [set] of the metadata field [_index] is valid in Elasticsearch but not supported by the emulator, which runs only the [set] processor'],
    ];
    for (const [processors, type, reason] of cases) {
      const error = await failure(es.ingest.putPipeline({ id: 'bad', processors: processors as never }));
      expect([error.status, error.type, error.reason]).toEqual([400, type, reason]);
    }
    const noProcessors = await failure(es.ingest.putPipeline({ id: 'bad', description: 'x' } as never));
    expect(noProcessors.reason).toBe('[processors] required property is missing');
    expect(await es.ingest.getPipeline({ id: 'bad' }, { ignore: [404] })).toEqual({});
  });

  it('runs the request pipeline or the default one, then the final one, on index and bulk writes', async () => {
    await es.ingest.putPipeline({ id: 'default', processors: [setter('ran.default', true)] });
    await es.ingest.putPipeline({ id: 'request', processors: [setter('ran.request', true)] });
    await es.ingest.putPipeline({ id: 'final', processors: [setter('ran.final', true)] });
    await es.indices.create({ index: 'piped', settings: { index: { default_pipeline: 'default', final_pipeline: 'final' } } });
    await es.index({ index: 'piped', id: 'plain', document: { n: 1 } });
    await es.index({ index: 'piped', id: 'asked', pipeline: 'request', document: { n: 2 } });
    await es.index({ index: 'piped', id: 'none', pipeline: '_none', document: { n: 3 } });
    const bulk = await es.bulk({
      refresh: true,
      operations: [{ index: { _index: 'piped', _id: 'b1' } }, { n: 4 }, { create: { _index: 'piped', _id: 'b2', pipeline: 'request' } }, { n: 5 }],
    });
    expect(bulk.errors).toBe(false);
    const ran = async (id: string) => (await es.get<{ ran: Record<string, boolean> }>({ index: 'piped', id }))._source?.ran;
    expect(await ran('plain')).toEqual({ default: true, final: true });
    expect(await ran('asked')).toEqual({ request: true, final: true });
    expect(await ran('none')).toEqual({ final: true });
    expect(await ran('b1')).toEqual({ default: true, final: true });
    expect(await ran('b2')).toEqual({ request: true, final: true });
    // What a pipeline set is indexed, not only stored: it is searchable.
    expect((await es.count({ index: 'piped', query: { term: { 'ran.final': true } } })).count).toBe(5);
  });

  it('stamps _ingest.timestamp on the emulator clock, from a template of a data stream', async () => {
    await es.ingest.putPipeline({ id: 'stamp', processors: [setter('event.ingested', '{{{_ingest.timestamp}}}')] });
    await es.indices.putIndexTemplate({ name: 'logs', index_patterns: ['logs-stamp-*'], data_stream: {}, template: { settings: { index: { final_pipeline: 'stamp' } }, mappings: { properties: { event: { properties: { ingested: { type: 'date' } } } } } } });
    // A day ahead of the real clock, so that a stamp by anything but the emulator's clock fails the test.
    const clock = await fetch(`${emulator.url}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '1d' }) });
    const { offset_ms: offset } = (await clock.json()) as { offset_ms: number };
    expect(offset).toBeGreaterThanOrEqual(86_400_000);
    const before = Date.now() + offset;
    // The shipper's own stamp, an hour old, is replaced by the time Elasticsearch took the event.
    await es.bulk({ refresh: true, operations: [{ create: { _index: 'logs-stamp-default' } }, { '@timestamp': '2026-12-04T10:00:00Z', event: { ingested: '2026-12-04T09:00:00.000Z' } }] });
    const after = Date.now() + offset;
    const response = await es.search<{ event: { ingested: string } }>({ index: 'logs-stamp-default', query: { range: { 'event.ingested': { gte: before, lte: after, format: 'epoch_millis' } } } });
    expect(response.hits.hits).toHaveLength(1);
    const stamped = Date.parse(response.hits.hits[0]?._source?.event.ingested as string);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(after);
  });

  it('runs set as Elasticsearch does: templates, copy_from, override and ignore_empty_value', async () => {
    await es.ingest.putPipeline({
      id: 'sets',
      processors: [
        setter('greeting', 'hello {{user.name}} in {{_index}}'),
        setter('kept', 'new', { override: false }),
        setter('filled', 'new', { override: false }),
        setter('skipped', '{{absent}}', { ignore_empty_value: true }),
        { set: { field: 'copy', copy_from: 'user' } },
        // Into the copy just made, not into what it was copied from.
        setter('copy.extra', 'x'),
        { set: { field: 'copy_of_none', copy_from: 'none', ignore_empty_value: true } },
        setter('deep.er.field', ['{{user.name}}', 2]),
      ],
    });
    const document = { user: { name: 'ada' }, kept: '', filled: null };
    const expected = { user: { name: 'ada' }, kept: '', filled: 'new', greeting: 'hello ada in sets', copy: { name: 'ada', extra: 'x' }, deep: { er: { field: ['ada', 2] } } };
    // The index API and a bulk request store a changed document differently (serialised again, or the bytes
    // received and what was set): every read gives the same source.
    await es.index({ index: 'sets', id: '1', pipeline: 'sets', document });
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'sets', _id: '2', pipeline: 'sets' } }, document] });
    for (const id of ['1', '2']) {
      expect((await es.get<Record<string, unknown>>({ index: 'sets', id }))._source).toEqual(expected);
      expect(await es.getSource({ index: 'sets', id })).toEqual(expected);
    }
    const hits = (await es.search<Record<string, unknown>>({ index: 'sets', sort: ['_doc'] })).hits.hits;
    expect(hits.map((hit) => hit._source)).toEqual([expected, expected]);
    expect((await es.count({ index: 'sets', query: { term: { 'copy.extra': 'x' } } })).count).toBe(2);
  });

  it('fails only the item a pipeline fails, with the reason, and refuses to delete a pipeline an index runs', async () => {
    await es.ingest.putPipeline({ id: 'nested', processors: [setter('a.b', 1)] });
    await es.ingest.putPipeline({ id: 'copy', processors: [{ set: { field: 'c', copy_from: 'missing' } }] });
    await es.indices.create({ index: 'items', settings: { index: { final_pipeline: 'nested' } } });
    const bulk = await es.bulk({
      operations: [{ index: { _index: 'items', _id: '1' } }, { a: 'text' }, { index: { _index: 'items', _id: '2' } }, { a: {} }, { index: { _index: 'items', _id: '3', pipeline: 'copy' } }, {}, { index: { _index: 'items', _id: '4', pipeline: 'absent' } }, {}],
    });
    const errors = bulk.items.map((item) => item.index?.error && [item.index.status, item.index.error.type, item.index.error.reason]);
    expect(errors).toEqual([
      [400, 'illegal_argument_exception', 'cannot set [b] with parent object of type [java.lang.String] as part of path [a.b]'],
      undefined,
      [400, 'illegal_argument_exception', 'field [missing] not present as part of path [missing]'],
      [400, 'illegal_argument_exception', 'pipeline with id [absent] does not exist'],
    ]);
    const inUse = await failure(es.ingest.deletePipeline({ id: 'nested' }));
    expect([inUse.status, inUse.reason]).toEqual([400, 'pipeline [nested] cannot be deleted because it is the final pipeline for 1 index(es) including [items]']);
  });

  // The reasons are IngestDocumentTests' own (testSetFieldValueOnExistingNullParent, …ParentTypeMismatch,
  // testGetFieldValueNotFound and …NullParent), on a document shaped as theirs: fizz.buzz a string, fizz.foo_null null.
  it('walks paths as IngestDocument does: through lists by index, failing on null and scalar parents with its reasons', async () => {
    const document = { fizz: { buzz: 'hello world', foo_null: null, list: [{ field: 'value' }] } };
    const cases: Array<[Record<string, unknown>, string | undefined]> = [
      [{ set: { field: 'fizz.foo_null.test', value: 'bar' } }, 'cannot set [test] with null parent as part of path [fizz.foo_null.test]'],
      [{ set: { field: 'fizz.buzz.new', value: 'bar' } }, 'cannot set [new] with parent object of type [java.lang.String] as part of path [fizz.buzz.new]'],
      [{ set: { field: 'fizz.buzz.new.deeper', value: 'bar' } }, 'cannot resolve [new] from object of type [java.lang.String] as part of path [fizz.buzz.new.deeper]'],
      [{ set: { field: 'fizz.list.1', value: 'bar' } }, '[1] is out of bounds for array with length [1] as part of path [fizz.list.1]'],
      [{ set: { field: 'copied', copy_from: 'not.here' } }, 'field [not] not present as part of path [not.here]'],
      [{ set: { field: 'copied', copy_from: 'fizz.foo_null.not_there' } }, 'cannot resolve [not_there] from null as part of path [fizz.foo_null.not_there]'],
      [{ set: { field: 'fizz.list.0.field', value: 'changed' } }, undefined],
    ];
    const reasons: Array<string | undefined> = [];
    for (const [index, [processor]] of cases.entries()) {
      await es.ingest.putPipeline({ id: `walk-${index}`, processors: [processor as never] });
      const bulk = await es.bulk({ operations: [{ index: { _index: 'walks', _id: String(index), pipeline: `walk-${index}` } }, document] });
      reasons.push(bulk.items[0]?.index?.error?.reason ?? undefined);
    }
    expect(reasons).toEqual(cases.map(([, reason]) => reason));
    expect((await es.get<typeof document>({ index: 'walks', id: String(cases.length - 1) }))._source?.fizz.list).toEqual([{ field: 'changed' }]);
  });

  it('keeps pipelines, and what they set, across a restart from its journal', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-es-ingest-'));
    try {
      const first = await startElasticsearch({ dataDir, fsync: 'always' });
      await first.es.ingest.putPipeline({ id: 'mark', description: 'kept', processors: [setter('marked', '{{n}}')] });
      await first.es.indices.create({ index: 'kept', settings: { index: { final_pipeline: 'mark' } } });
      await first.es.index({ index: 'kept', id: '1', document: { n: 1 } });
      await first.es.bulk({ operations: [{ index: { _index: 'kept', _id: '3' } }, { n: 3 }, { index: { _index: 'kept', _id: '4' } }, { n: 4 }] });
      // Within one bulk each document keeps what was set for it (patches are shared only when equal).
      expect((await first.es.get({ index: 'kept', id: '4' }))._source).toEqual({ n: 4, marked: '4' });
      await first.stop();
      const second = await startElasticsearch({ dataDir });
      try {
        expect(await second.es.ingest.getPipeline({ id: 'mark' })).toEqual({ mark: { description: 'kept', processors: [setter('marked', '{{n}}')] } });
        expect((await second.es.get({ index: 'kept', id: '1' }))._source).toEqual({ n: 1, marked: '1' });
        expect((await second.es.get({ index: 'kept', id: '3' }))._source).toEqual({ n: 3, marked: '3' });
        expect((await second.es.get({ index: 'kept', id: '4' }))._source).toEqual({ n: 4, marked: '4' });
        await second.es.index({ index: 'kept', id: '2', document: { n: 2 } });
        expect((await second.es.get({ index: 'kept', id: '2' }))._source).toEqual({ n: 2, marked: '2' });
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
