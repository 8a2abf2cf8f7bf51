import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectedProducer, documentCounts, event, ingestEnvironment, metric, produce, scrape, startWorker, waitForDocuments } from './support/ingest.js';
import { cleanUpAfterEach, cleanups, emulators, expectExactlyOnce, faults, scenario } from './support/ingest-scenarios.js';
import { freePort, run, waitFor } from './support/process.js';

cleanUpAfterEach();

describe('ingest under faults: each ends with exactly N documents and nothing left uncommitted', () => {
  it('Elasticsearch answers 429 to whole bulk requests for a while', async () => {
    const { kafka, elasticsearch, worker, producer } = await scenario({ faults: { bulk_rejections: 6 } });
    await produce(producer, 0, 2000);
    await expectExactlyOnce(elasticsearch, kafka.brokers, worker.config.kafka.groupId, 2000);
    expect(metric(await scrape(worker.metricsUrl), 'sluice_ingest_retried_total', { kind: 'request' })).toBeGreaterThanOrEqual(6);
  });

  it('a share of bulk items is rejected (429 per item) and retried', async () => {
    const { kafka, elasticsearch, worker, producer } = await scenario({ faults: { bulk_item_reject_ratio: 0.3 } });
    await produce(producer, 0, 2000);
    await expectExactlyOnce(elasticsearch, kafka.brokers, worker.config.kafka.groupId, 2000);
    const metrics = await scrape(worker.metricsUrl);
    expect(metric(metrics, 'sluice_ingest_retried_total', { kind: 'item' })).toBeGreaterThan(300);
    expect(metric(metrics, 'sluice_ingest_dead_lettered_total')).toBe(0);
  });

  it('the disk flood stage blocks the data stream\u2019s indices (read_only_allow_delete): its 429 items are retried until the block is lifted, none dead-lettered', async () => {
    const { kafka, elasticsearch, worker, producer } = await scenario();
    await produce(producer, 0, 300);
    await waitForDocuments(elasticsearch.es, 300);
    // What Elasticsearch sets on every index of a node past its flood-stage watermark; an operator frees disk, then lifts it.
    await elasticsearch.es.indices.putSettings({ index: '.ds-logs-*', settings: { 'index.blocks.read_only_allow_delete': true } });
    await produce(producer, 300, 600);
    await waitFor(async () => metric(await scrape(worker.metricsUrl), 'sluice_ingest_retried_total', { kind: 'item' }) > 0, 20_000, 'items answered 429 to be retried');
    expect((await elasticsearch.es.count({ index: 'logs-*' })).count).toBe(300);
    await elasticsearch.es.indices.putSettings({ index: '.ds-logs-*', settings: { 'index.blocks.read_only_allow_delete': null } });
    await expectExactlyOnce(elasticsearch, kafka.brokers, worker.config.kafka.groupId, 600);
    expect(metric(await scrape(worker.metricsUrl), 'sluice_ingest_dead_lettered_total')).toBe(0);
  });

  it('Elasticsearch unavailable (503), then gone (connection refused), then back: the worker pauses, is not ready, and catches up by itself', async () => {
    const esDataDir = mkdtempSync(join(tmpdir(), 'sluice-es-'));
    const { kafka, elasticsearch, worker, producer } = await scenario({ emulators: { esDataDir } });
    await produce(producer, 0, 500);
    await waitForDocuments(elasticsearch.es, 500);

    await faults(elasticsearch, { unavailable_ms: 2500 });
    await produce(producer, 500, 1000);
    await waitFor(async () => metric(await scrape(worker.metricsUrl), 'sluice_ingest_paused') === 1, 10_000, 'the worker to pause');
    expect((await fetch(`${worker.metricsUrl}/readyz`)).status).toBe(503);
    await waitForDocuments(elasticsearch.es, 1000);

    // Connection refused: the emulator is closed and started again on the same port with its data.
    const port = Number(new URL(elasticsearch.emulator.url).port);
    await elasticsearch.emulator.close();
    await produce(producer, 1000, 1500);
    await waitFor(async () => (await fetch(`${worker.metricsUrl}/readyz`)).status === 503, 10_000, 'not ready while Elasticsearch is gone');
    // What waits in Kafka shows as lag while nothing can be committed: the 500 messages produced since.
    await waitFor(async () => metric(await scrape(worker.metricsUrl), 'sluice_ingest_consumer_lag') === 500, 10_000, 'the lag to show the 500 messages waiting');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { ElasticsearchEmulator } = await import('../emulators/elasticsearch/index.js');
    const { pino } = await import('pino');
    const back = await ElasticsearchEmulator.start({ port, dataDir: esDataDir, logger: pino({ level: 'silent' }) });
    cleanups.push(() => back.close());
    await expectExactlyOnce(elasticsearch, kafka.brokers, worker.config.kafka.groupId, 1500);
    await waitFor(async () => (await fetch(`${worker.metricsUrl}/readyz`)).status === 200, 10_000, 'ready again');
    expect(metric(await scrape(worker.metricsUrl), 'sluice_ingest_paused')).toBe(0);
    await waitFor(async () => metric(await scrape(worker.metricsUrl), 'sluice_ingest_consumer_lag') === 0, 10_000, 'no lag once caught up');
  });

  it('one node of the cluster refuses connections: the client sends to the others, nothing lost or doubled', async () => {
    const { kafka, elasticsearch } = await emulators();
    const down = `http://127.0.0.1:${await freePort()}`;
    const worker = await startWorker(await ingestEnvironment(kafka.brokers, `${down},${elasticsearch.emulator.url}`));
    cleanups.push(() => worker.close());
    expect(worker.config.elasticsearch.urls).toEqual([down, elasticsearch.emulator.url]);
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    await produce(producer, 0, 1000);
    await expectExactlyOnce(elasticsearch, kafka.brokers, worker.config.kafka.groupId, 1000);
  });

  it('decodes gzip, snappy, lz4 and zstd batches produced by kcat (librdkafka)', async () => {
    const { kafka, elasticsearch } = await emulators();
    const worker = await startWorker(await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url));
    cleanups.push(() => worker.close());
    let total = 0;
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = Array.from({ length: 100 }, (_, k) => event(total + 2 * k).value);
      const result = await run('kcat', ['-P', '-b', kafka.brokers, '-t', 'logs-app', '-z', codec], { input: `${lines.join('\n')}\n` });
      expect(result.code, result.stderr).toBe(0);
      total += 200;
      await waitForDocuments(elasticsearch.es, total / 2);
    }
    expect((await documentCounts(elasticsearch.es)).api).toBe(400);
    expect(metric(await scrape(worker.metricsUrl), 'sluice_ingest_dead_lettered_total')).toBe(0);
  });
});
