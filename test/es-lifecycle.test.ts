import { appendFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { run } from './support/process.js';
import { failure, startElasticsearch } from './support/elasticsearch.js';

async function advance(url: string, by: string): Promise<void> {
  const response = await fetch(`${url}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: by }) });
  expect(response.status).toBe(200);
}

async function backing(es: Client, stream: string): Promise<string[]> {
  const [found] = (await es.indices.getDataStream({ name: stream })).data_streams;
  return found?.indices.map((index) => index.index_name) ?? [];
}

describe('ILM, run end to end on the emulator clock', () => {
  it('rolls a data stream over, moves it to warm, deletes old indices at 30 d, keeps the rollups to 400 d', async () => {
    const { es, emulator, stop } = await startElasticsearch();
    try {
      await es.ilm.putLifecycle({
        name: 'logs-30d',
        policy: {
          phases: {
            hot: { actions: { rollover: { max_age: '1d', max_primary_shard_size: '50gb' } } },
            warm: { min_age: '7d', actions: { readonly: {}, forcemerge: { max_num_segments: 1 }, allocate: { number_of_replicas: 0 } } },
            delete: { min_age: '30d', actions: { delete: {} } },
          },
        },
      });
      await es.ilm.putLifecycle({ name: 'rollups-400d', policy: { phases: { hot: { actions: {} }, delete: { min_age: '400d', actions: { delete: {} } } } } });
      await es.indices.putIndexTemplate({ name: 'logs', index_patterns: ['logs-app-*'], data_stream: {}, priority: 200, template: { settings: { 'index.lifecycle.name': 'logs-30d' } } });
      await es.indices.putIndexTemplate({ name: 'rollups', index_patterns: ['rollups-*'], data_stream: {}, priority: 200, template: { settings: { 'index.lifecycle.name': 'rollups-400d' } } });
      const write = (stream: string) => es.index({ index: stream, op_type: 'create', document: { '@timestamp': new Date().toISOString(), n: 1 } });
      await write('logs-app-default');
      await write('rollups-sli');
      await fetch(`${emulator.url}/_emulator/ilm/_run`, { method: 'POST' });

      const [first] = await backing(es, 'logs-app-default');
      const explainFirst = async () => (await es.ilm.explainLifecycle({ index: first as string })).indices[first as string] as unknown as Record<string, unknown>;
      expect(await explainFirst()).toMatchObject({ managed: true, policy: 'logs-30d', phase: 'hot', action: 'rollover', step: 'check-rollover-ready' });

      // A day later the write index is a day old: it rolls over; the new one is empty and waits.
      await advance(emulator.url, '25h');
      expect(await backing(es, 'logs-app-default')).toHaveLength(2);
      expect(await explainFirst()).toMatchObject({ phase: 'hot', action: 'complete', step: 'complete' });

      // Seven days after the rollover: warm, read-only, force-merged, no replicas.
      await advance(emulator.url, '7d');
      expect(await explainFirst()).toMatchObject({ phase: 'warm', action: 'complete', step: 'complete' });
      const settings = (await es.indices.getSettings({ index: first as string }))[first as string]?.settings?.index;
      expect(settings).toMatchObject({ number_of_replicas: '0', blocks: { write: 'true' } });
      const blocked = await es.bulk({ operations: [{ create: { _index: first as string, _id: 'x' } }, { '@timestamp': 1 }] });
      expect(blocked.items[0]?.create?.status).toBe(403);

      // Thirty days after the rollover the old backing index is deleted; the stream and its write index stay.
      await advance(emulator.url, '23d');
      const left = await backing(es, 'logs-app-default');
      expect(left).not.toContain(first);
      expect(left).toHaveLength(1);
      expect(await es.indices.exists({ index: first as string })).toBe(false);

      // The rollups, under their own 400-day policy, are all still there.
      expect(await backing(es, 'rollups-sli')).toHaveLength(1);
      await advance(emulator.url, '360d'); // about 391 days in all
      expect(await backing(es, 'rollups-sli')).toHaveLength(1);
      const [rollup] = await backing(es, 'rollups-sli');
      const explainRollup = async () => (await es.ilm.explainLifecycle({ index: rollup as string })).indices[rollup as string];
      expect(await explainRollup()).toMatchObject({ phase: 'hot', policy: 'rollups-400d' });
      // Past 400 days its delete phase begins (a data stream's write index then waits to be rolled over).
      await advance(emulator.url, '10d');
      expect(await explainRollup()).toMatchObject({ phase: 'delete', action: 'delete' });
    } finally {
      await stop();
    }
  });

  it('an index enters its policy when it is made, before any poll, as on a cluster-state change; its rollover waits for the polls', async () => {
    const { es, stop } = await startElasticsearch();
    try {
      await es.ilm.putLifecycle({ name: 'roll-daily', policy: { phases: { hot: { actions: { rollover: { max_docs: 1 } } }, delete: { min_age: '30d', actions: { delete: {} } } } } });
      await es.ilm.putLifecycle({ name: 'later', policy: { phases: { warm: { min_age: '1d', actions: { readonly: {} } } } } });
      await es.indices.putIndexTemplate({ name: 'daily', index_patterns: ['daily-*'], data_stream: {}, template: { settings: { 'index.lifecycle.name': 'roll-daily' } } });
      await es.index({ index: 'daily-app', op_type: 'create', document: { '@timestamp': new Date().toISOString() }, refresh: true });
      await es.index({ index: 'daily-app', op_type: 'create', document: { '@timestamp': new Date().toISOString() }, refresh: true });
      const explained = async (index: string) => (await es.ilm.explainLifecycle({ index })).indices as unknown as Record<string, Record<string, unknown>>;
      // Two documents against max_docs 1: only a poll (ten minutes by default) rolls it over.
      expect(Object.values(await explained('daily-app'))).toEqual([expect.objectContaining({ managed: true, phase: 'hot', action: 'rollover', step: 'check-rollover-ready' })]);
      expect(await backing(es, 'daily-app')).toHaveLength(1);
      await es.indices.create({ index: 'slow', settings: { 'index.lifecycle.name': 'later' } });
      expect((await explained('slow')).slow).toMatchObject({ phase: 'new', action: 'complete', step: 'complete' });
      // A policy given to an existing index starts it the same way; a rollover without its alias waits too, no error yet.
      await es.indices.create({ index: 'plain' });
      expect((await explained('plain')).plain).toEqual({ index: 'plain', managed: false });
      await es.indices.putSettings({ index: 'plain', settings: { 'index.lifecycle.name': 'roll-daily' } });
      expect((await explained('plain')).plain).toMatchObject({ phase: 'hot', action: 'rollover', step: 'check-rollover-ready' });
    } finally {
      await stop();
    }
  });

  it('reports a missing policy as an ILM step error, and stops and starts', async () => {
    const { es, emulator, stop } = await startElasticsearch();
    try {
      await es.indices.create({ index: 'orphan', settings: { 'index.lifecycle.name': 'no-such-policy' } });
      await fetch(`${emulator.url}/_emulator/ilm/_run`, { method: 'POST' });
      expect((await es.ilm.explainLifecycle({ index: 'orphan' })).indices.orphan).toMatchObject({ managed: true, step: 'ERROR', step_info: { reason: 'policy [no-such-policy] does not exist' } });
      await es.ilm.stop();
      expect((await es.ilm.getStatus()).operation_mode).toBe('STOPPED');
      await es.ilm.start();
      expect((await es.ilm.getStatus()).operation_mode).toBe('RUNNING');
      expect(await es.ilm.getLifecycle().catch((error: { meta: { statusCode: number } }) => error.meta.statusCode)).toEqual({});
    } finally {
      await stop();
    }
  });

  it('retries a failed step once the cause is mended (_ilm/retry)', async () => {
    const { es, emulator, stop } = await startElasticsearch();
    try {
      await es.ilm.putLifecycle({ name: 'roll', policy: { phases: { hot: { actions: { rollover: { max_docs: 1 } } } } } });
      await es.indices.create({ index: 'roll-000001', settings: { 'index.lifecycle.name': 'roll' } });
      await es.index({ index: 'roll-000001', document: { a: 1 } });
      await fetch(`${emulator.url}/_emulator/ilm/_run`, { method: 'POST' });
      expect((await es.ilm.explainLifecycle({ index: 'roll-000001' })).indices['roll-000001']).toMatchObject({ step: 'ERROR', step_info: { reason: 'setting [index.lifecycle.rollover_alias] for index [roll-000001] is empty or not defined' } });
      await es.indices.putAlias({ index: 'roll-000001', name: 'roll', is_write_index: true });
      await es.indices.putSettings({ index: 'roll-000001', settings: { 'index.lifecycle.rollover_alias': 'roll' } });
      await es.ilm.retry({ index: 'roll-000001' });
      expect(await es.indices.exists({ index: 'roll-000002' })).toBe(true);
    } finally {
      await stop();
    }
  });

  it('honours the poll interval set as a cluster setting', async () => {
    const { es, stop } = await startElasticsearch();
    try {
      await es.ilm.putLifecycle({ name: 'tiny', policy: { phases: { hot: { actions: { rollover: { max_docs: 1 } } } } } });
      await es.indices.create({ index: 'tiny-000001', aliases: { tiny: { is_write_index: true } }, settings: { 'index.lifecycle.name': 'tiny', 'index.lifecycle.rollover_alias': 'tiny' } });
      await es.index({ index: 'tiny', document: { a: 1 } });
      await es.cluster.putSettings({ persistent: { 'indices.lifecycle.poll_interval': '100ms' } });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await es.indices.exists({ index: 'tiny-000002' })).toBe(true);
    } finally {
      await stop();
    }
  });
});

describe('the Elasticsearch emulator with --data-dir', () => {
  it('keeps documents, mappings, templates (legacy too), policies, data streams, ILM state and closed indices across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-es-'));
    const first = await startElasticsearch({ dataDir, fsync: 'always' });
    await first.es.ilm.putLifecycle({ name: 'keep', policy: { phases: { hot: { actions: { rollover: { max_docs: 1000 } } } } } });
    await first.es.indices.putIndexTemplate({ name: 'logs', index_patterns: ['logs-*-*'], data_stream: {}, priority: 200, template: { settings: { 'index.lifecycle.name': 'keep' }, mappings: { properties: { level: { type: 'keyword' } } } } });
    await first.es.bulk({ refresh: true, operations: Array.from({ length: 50 }, (_, i) => [{ create: { _index: 'logs-app-default' } }, { '@timestamp': 1_790_000_000_000 + i, level: i % 2 ? 'info' : 'error', n: i }]).flat() });
    await first.es.index({ index: 'plain', id: 'p', document: { title: 'kept' } });
    await first.es.delete({ index: 'plain', id: 'p' });
    await first.es.index({ index: 'plain', id: 'q', document: { title: 'also kept' } });
    await first.es.indices.putTemplate({ name: 'old-style', index_patterns: ['fluentd-*'], order: 3 });
    await first.es.indices.create({ index: 'closed' });
    await first.es.indices.close({ index: 'closed' });
    await fetch(`${first.emulator.url}/_emulator/ilm/_run`, { method: 'POST' });
    await first.stop();

    const second = await startElasticsearch({ dataDir });
    try {
      expect((await second.es.count({ index: 'logs-app-default' })).count).toBe(50);
      expect((await second.es.count({ index: 'logs-app-default', query: { term: { level: 'error' } } })).count).toBe(25);
      expect((await second.es.indices.getDataStream({ name: 'logs-app-default' })).data_streams[0]?.template).toBe('logs');
      expect(Object.keys(await second.es.ilm.getLifecycle())).toEqual(['keep']);
      expect((await second.es.indices.getIndexTemplate({ name: 'logs' })).index_templates).toHaveLength(1);
      expect((await second.es.indices.getTemplate({ name: 'old-style' }))['old-style']?.order).toBe(3);
      expect((await failure(second.es.search({ index: 'closed' }))).type).toBe('index_closed_exception');
      const [index] = await backing(second.es, 'logs-app-default');
      expect((await second.es.ilm.explainLifecycle({ index: index as string })).indices[index as string]).toMatchObject({ phase: 'hot', action: 'rollover' });
      expect((await second.es.get({ index: 'plain', id: 'q' }))._source).toEqual({ title: 'also kept' });
      expect(await second.es.exists({ index: 'plain', id: 'p' })).toBe(false);
      await second.es.index({ index: 'plain', id: 'r', document: { title: 'after restart' }, refresh: true });
      expect((await second.es.count({ index: 'plain' })).count).toBe(2);
    } finally {
      await second.stop();
    }
  });

  it('rewrites a journal that holds far more than is live, and keeps what is', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-es-'));
    const first = await startElasticsearch({ dataDir, fsync: 'never' });
    await first.es.indices.create({ index: 'churn' });
    for (let round = 0; round < 12; round += 1) {
      await first.es.bulk({ operations: Array.from({ length: 100 }, (_, i) => [{ index: { _index: 'churn', _id: String(i % 10) } }, { round, i }]).flat() });
    }
    await first.stop();
    const journal = join(dataDir, 'journal.log');
    const before = statSync(journal).size;
    const second = await startElasticsearch({ dataDir });
    try {
      expect(statSync(journal).size).toBeLessThan(before / 10);
      await second.es.indices.refresh({ index: 'churn' });
      expect((await second.es.count({ index: 'churn' })).count).toBe(10);
      expect((await second.es.get({ index: 'churn', id: '9' }))._source).toEqual({ round: 11, i: 99 });
    } finally {
      await second.stop();
    }
  });

  it('recovers a truncated journal up to the last good record and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-es-'));
    const first = await startElasticsearch({ dataDir, fsync: 'always' });
    for (let i = 0; i < 5; i += 1) await first.es.index({ index: 'torn', id: String(i), document: { i } });
    await first.stop();
    const journal = join(dataDir, 'journal.log');
    const size = statSync(journal).size;
    appendFileSync(journal, Buffer.from([0, 0, 2, 0, 9, 9, 9, 9, 1, 2, 3]));

    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _encoding, done) => { lines.push(chunk.toString()); done(); } }));
    const second = await startElasticsearch({ dataDir, logger });
    try {
      expect(statSync(journal).size).toBe(size);
      expect(lines.join('')).toContain('cut a torn or corrupt tail off a data file');
      await second.es.indices.refresh({ index: 'torn' });
      expect((await second.es.count({ index: 'torn' })).count).toBe(5);
    } finally {
      await second.stop();
    }
  });
});

describe('plain curl, so nothing depends on the client’s quirks', () => {
  it('GET /, index with PUT, _bulk NDJSON, search, _cat text, HEAD', async () => {
    const { emulator, stop } = await startElasticsearch();
    const curl = (args: string[], input?: string) => run('curl', ['-sS', '-w', '\n%{http_code}', ...args], { input });
    try {
      const info = await curl([`${emulator.url}/`]);
      expect(info.stdout).toMatch(/"tagline":"You Know, for Search"/);
      expect(info.stdout.trim().split('\n').at(-1)).toBe('200');
      const put = await curl(['-X', 'PUT', `${emulator.url}/books/_doc/1?refresh=true`, '-H', 'content-type: application/json', '-d', '{"title":"Snow Crash"}']);
      expect(put.stdout.trim().split('\n').at(-1)).toBe('201');
      const bulk = await curl(['-X', 'POST', `${emulator.url}/_bulk?refresh=true`, '-H', 'content-type: application/x-ndjson', '--data-binary', '@-'], '{"index":{"_index":"books","_id":"2"}}\n{"title":"Neuromancer"}\n');
      expect(bulk.stdout).toContain('"errors":false');
      const search = await curl([`${emulator.url}/books/_search?q=title:snow`]);
      expect(search.stdout).toContain('"_id":"1"');
      expect(search.stdout).not.toContain('"_id":"2"');
      const cat = await curl([`${emulator.url}/_cat/indices?v&h=index,docs.count`]);
      expect(cat.stdout.split('\n').slice(0, 2).map((line) => line.trim().split(/\s+/))).toEqual([['index', 'docs.count'], ['books', '2']]);
      const head = await curl(['-I', `${emulator.url}/books`]);
      expect(head.stdout).toMatch(/^HTTP\/1\.1 200/);
      expect(head.stdout.toLowerCase()).toContain('x-elastic-product: elasticsearch');
      const missing = await curl(['-I', `${emulator.url}/nothing`]);
      expect(missing.stdout).toMatch(/^HTTP\/1\.1 404/);
    } finally {
      await stop();
    }
  });
});
