import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectedProducer, documentCounts, event, ingestEnvironment, metric, produce, scrape, spawnWorker, startWorker, waitForDocuments } from './support/ingest.js';
import { cleanUpAfterEach, cleanups, emulators, expectExactlyOnce, faults, scenario, metricsUrlOf } from './support/ingest-scenarios.js';
import { startKafka } from './support/kafka.js';
import { exited, run, waitFor } from './support/process.js';

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
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { ElasticsearchEmulator } = await import('../emulators/elasticsearch/index.js');
    const { pino } = await import('pino');
    const back = await ElasticsearchEmulator.start({ port, dataDir: esDataDir, logger: pino({ level: 'silent' }) });
    cleanups.push(() => back.close());
    await expectExactlyOnce(elasticsearch, kafka.brokers, worker.config.kafka.groupId, 1500);
    await waitFor(async () => (await fetch(`${worker.metricsUrl}/readyz`)).status === 200, 10_000, 'ready again');
    expect(metric(await scrape(worker.metricsUrl), 'sluice_ingest_paused')).toBe(0);
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

  it('the worker killed (SIGKILL) mid-batch and restarted', async () => {
    const { kafka, elasticsearch } = await emulators();
    // Slow bulk requests, so that the kill lands with documents in flight and offsets uncommitted.
    await faults(elasticsearch, { latency_ms: 100 });
    const env = await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { LOG_LEVEL: 'warn', SLUICE_BULK_MAX_DOCS: '200' });
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    await produce(producer, 0, 6000);
    const first = spawnWorker(env);
    cleanups.push(async () => first.kill('SIGKILL'));
    await waitFor(async () => {
      const counts = await documentCounts(elasticsearch.es);
      return counts.api + counts.traefik > 300;
    }, 30_000, 'the first documents');
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    const atKill = await documentCounts(elasticsearch.es);
    expect(atKill.api + atKill.traefik).toBeLessThan(6000);

    const second = spawnWorker(env);
    cleanups.push(async () => second.kill('SIGKILL'));
    await expectExactlyOnce(elasticsearch, kafka.brokers, 'sluice-ingest', 6000);
  }, 90_000);

  it('a second worker joins and later leaves (rebalances) while producers write', async () => {
    const { kafka, elasticsearch } = await emulators();
    const first = await startWorker(await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url));
    cleanups.push(() => first.close());
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    let produced = 0;
    const producing = (async () => {
      // About 1 000 events a second, so that both workers have work while the group changes.
      while (produced < 8000) {
        await produce(producer, produced, produced + 100);
        produced += 100;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await waitFor(() => produced >= 1000, 30_000, 'some events');
    const second = await startWorker(await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url));
    cleanups.push(() => second.close());
    await waitFor(async () => metric(await scrape(second.metricsUrl), 'sluice_ingest_indexed_total') > 0, 30_000, 'the second worker to index');
    await waitFor(() => produced >= 6000, 30_000, 'more events');
    await second.close();
    await producing;
    await expectExactlyOnce(elasticsearch, kafka.brokers, 'sluice-ingest', 8000);
    expect(metric(await scrape(first.metricsUrl), 'sluice_ingest_indexed_total')).toBeGreaterThan(0);
  }, 90_000);

  it('the Kafka emulator restarted with its data dir', async () => {
    const kafkaDataDir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
    const { kafka, elasticsearch, producer } = await scenario({ emulators: { kafkaDataDir } });
    await produce(producer, 0, 1000);
    await waitForDocuments(elasticsearch.es, 1000);
    const port = kafka.port;
    await kafka.close();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const restarted = await startKafka({ port, dataDir: kafkaDataDir });
    cleanups.push(() => restarted.close());
    await produce(producer, 1000, 2000);
    await expectExactlyOnce(elasticsearch, restarted.brokers, 'sluice-ingest', 2000);
  }, 90_000);

  it('keeps in-flight data under its bound during a long Elasticsearch outage while producers write, then catches up', async () => {
    const { kafka, elasticsearch } = await emulators();
    const bound = 4 * 1024 * 1024;
    // A heap too small for what is produced during the outage: buffering it would end in "heap out of memory".
    const env = await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { SLUICE_INGEST_MAX_INFLIGHT: '4mb', LOG_LEVEL: 'error', NODE_OPTIONS: '--max-old-space-size=160' });
    const worker = spawnWorker(env);
    cleanups.push(async () => worker.kill('SIGKILL'));
    const metricsUrl = metricsUrlOf(env);
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    await produce(producer, 0, 200, 200, 500);
    await waitForDocuments(elasticsearch.es, 200);

    await faults(elasticsearch, { unavailable_ms: 15_000 });
    let maxInflight = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxInflight = Math.max(maxInflight, metric(await scrape(metricsUrl), 'sluice_ingest_inflight_bytes'));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    // About 55 MB of messages while Elasticsearch is away: 13 times the bound, and more than the heap holds.
    await produce(producer, 200, 100_200, 1000, 500);
    expect(metric(await scrape(metricsUrl), 'sluice_ingest_paused')).toBe(1);
    sampling = false;
    await sampler;
    expect(maxInflight).toBeGreaterThan(0);
    expect(maxInflight).toBeLessThanOrEqual(bound + 1024 * 1024);
    await expectExactlyOnce(elasticsearch, kafka.brokers, 'sluice-ingest', 100_200, 150_000);
    expect(worker.exitCode).toBeNull();
  }, 240_000);
});
