import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gauge } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Client } from '@elastic/elasticsearch';
import { connectedProducer, createTopics, documentCounts, event, ingestEnvironment, kafkaClient, metric, produce, scrape, spawnWorker, startWorker, TOPICS, uncommitted, waitForDocuments } from './support/ingest.js';
import { cleanUpAfterEach, cleanups, emulators, expectExactlyOnce, faults, scenario, metricsUrlOf } from './support/ingest-scenarios.js';
import { childPids, exited, freePort, spawnSluice, waitFor } from './support/process.js';
import { startKafka } from './support/kafka.js';
import { fetchMaxBytes } from '../services/ingest/service.js';
import { MEMBER_KILL_MARGIN_MS, SHUTDOWN_GRACE_MS } from '../services/ingest/shutdown.js';
import { startElasticsearch } from './support/elasticsearch.js';

cleanUpAfterEach();

describe('ingest: Kafka → pipelines → Elasticsearch', () => {
  it('turns N unique events into exactly N documents in their data streams, commits every offset, and counts a redelivery as duplicates', async () => {
    const { kafka, elasticsearch, worker, producer } = await scenario();
    await produce(producer, 0, 3000);
    await expectExactlyOnce(elasticsearch, kafka.brokers, worker.config.kafka.groupId, 3000);

    const document = (await elasticsearch.es.search({ index: 'logs-rendiff.traefik-default', size: 1 })).hits.hits[0];
    expect(document?._id).toMatch(/^logs-traefik:\d:\d+$/);
    expect(document?._index).toMatch(/^\.ds-logs-rendiff\.traefik-default-/);

    const metrics = await scrape(worker.metricsUrl);
    expect(metric(metrics, 'sluice_ingest_consumed_total')).toBe(3000);
    expect(metric(metrics, 'sluice_ingest_indexed_total', { topic: 'logs-app' })).toBe(1500);
    expect(metric(metrics, 'sluice_ingest_committed_messages_total')).toBe(3000);
    expect(metric(metrics, 'sluice_ingest_duplicates_total')).toBe(0);
    // The metrics derived from logs count each created document: the 1 500 requests.
    expect(metric(metrics, 'sluice_http_requests_total', { status_class: '2xx' })).toBe(1500);
    expect(metric(metrics, 'sluice_ingest_consumer_lag')).toBe(0);
    expect(metric(metrics, 'sluice_ingest_bulk_duration_seconds_count')).toBeGreaterThan(0);
    // Every acknowledged document observed once, from its record's Kafka timestamp; produced moments ago.
    expect(metric(metrics, 'sluice_ingest_latency_seconds_count')).toBe(3000);
    expect(metric(metrics, 'sluice_ingest_latency_seconds_bucket', { le: '300' })).toBe(3000);
    expect(metric(metrics, 'sluice_ingest_latency_seconds_sum') / 3000).toBeLessThan(60);
    expect(metric(metrics, 'sluice_ingest_pipeline_stage_seconds_total', { stage: 'normalise' })).toBeGreaterThan(0);
    expect(metric(metrics, 'sluice_ingest_pipeline_stage_seconds_total', { stage: 'geoip' })).toBeGreaterThan(0);
    expect(await (await fetch(`${worker.metricsUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${worker.metricsUrl}/readyz`)).json()).toEqual({ status: 'ready', kafka: 'connected', elasticsearch: 'reachable' });
    await worker.close();

    // Every message delivered again (a new group reads the topics from the start): each answers 409 and is
    // counted as a duplicate, never indexed twice. (Resetting the group's offsets would do the same, slower.)
    const again = await startWorker(await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { KAFKA_GROUP_ID: 'sluice-replay' }));
    cleanups.push(() => again.close());
    await waitFor(async () => metric(await scrape(again.metricsUrl), 'sluice_ingest_duplicates_total') === 3000, 30_000, '3000 duplicates');
    expect(await documentCounts(elasticsearch.es)).toEqual({ api: 1500, traefik: 1500 });
    // Redelivered, not created: the derived metrics do not count them a second time.
    expect(metric(await scrape(again.metricsUrl), 'sluice_http_requests_total')).toBe(0);
  });

  it('reads what transactional producers commit, never what they abort, and commits past the transaction markers', async () => {
    const { kafka, elasticsearch, worker } = await scenario();
    const producer = kafkaClient(kafka.brokers).producer({ transactionalId: 'shipper-1', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const inTransaction = async (from: number, to: number, commit: boolean): Promise<void> => {
      const transaction = await producer.transaction();
      const events = Array.from({ length: to - from }, (_, k) => event(from + k));
      await transaction.sendBatch({ topicMessages: TOPICS.map((topic) => ({ topic, messages: events.filter((each) => each.topic === topic).map((each) => ({ value: each.value })) })) });
      await (commit ? transaction.commit() : transaction.abort());
    };
    await inTransaction(0, 300, true);
    await inTransaction(300, 600, false);
    await inTransaction(600, 900, true);
    await inTransaction(900, 1000, false);
    await waitForDocuments(elasticsearch.es, 600);
    const admin = kafkaClient(kafka.brokers).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    // Every offset committed, the markers and the aborted records included, so that the lag reads 0.
    await waitFor(async () => (await uncommitted(admin, worker.config.kafka.groupId)) === 0, 30_000, 'every offset committed');
    expect(await documentCounts(elasticsearch.es)).toEqual({ api: 300, traefik: 300 });
    const aborted = [...Array.from({ length: 150 }, (_, k) => `job-${300 + 2 * k}`), ...Array.from({ length: 50 }, (_, k) => `job-${900 + 2 * k}`)];
    const leaked = await elasticsearch.es.count({ index: 'logs-rendiff.api-default', query: { terms: { 'rendiff.job_id': aborted } } });
    expect(leaked.count).toBe(0);
    expect(metric(await scrape(worker.metricsUrl), 'sluice_ingest_consumer_lag')).toBe(0);

    // An open transaction holds its records back, and the lag gauge counts them (to the partitions' ends, as
    // kafka-consumer-groups.sh does). Committed last: its marker follows its records in the same fetch, and is
    // committed past too.
    const open = await producer.transaction();
    await open.send({ topic: 'logs-app', messages: Array.from({ length: 50 }, (_, k) => ({ value: event(1000 + 2 * k).value })) });
    await waitFor(async () => metric(await scrape(worker.metricsUrl), 'sluice_ingest_consumer_lag') === 50, 10_000, 'the open transaction counted as lag');
    await open.commit();
    await inTransaction(1100, 1200, true);
    await waitForDocuments(elasticsearch.es, 750);
    await waitFor(async () => (await uncommitted(admin, worker.config.kafka.groupId)) === 0, 30_000, 'every offset committed after the last commit marker');
    await waitFor(async () => metric(await scrape(worker.metricsUrl), 'sluice_ingest_consumer_lag') === 0, 10_000, 'no lag');
  });

  it('sends poison messages to the dead-letter topic with their reasons, redacted, while everything else flows', async () => {
    const { kafka, elasticsearch, worker, producer } = await scenario({ emulators: { maxMessageBytes: 4 * 1024 * 1024 } });
    await produce(producer, 0, 400);
    // Elasticsearch maps a new field by its first value: `retries` becomes a long here, so text there later is refused.
    await producer.send({ topic: 'logs-app', messages: [{ value: JSON.stringify({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'retried', retries: 3 }) }] });
    await waitForDocuments(elasticsearch.es, 401);
    const poison = [
      { name: 'invalid JSON', value: Buffer.from('{"timestamp":"2026-11-22T10:00:00Z","level":"INFO","message":"token=abcdef123456 oops'), stage: 'decode', reason: /is not valid JSON/ },
      { name: 'wrong types', value: Buffer.from(JSON.stringify({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'x', status_code: 'two hundred' })), stage: 'validate', reason: /field status_code/ },
      { name: '2 MiB message', value: Buffer.from(JSON.stringify({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'a'.repeat(2 * 1024 * 1024) })), stage: 'decode', reason: /over the limit of 1048576/ },
      { name: 'mapping error', value: Buffer.from(JSON.stringify({ timestamp: '2026-11-22T10:00:00Z', level: 'INFO', message: 'retries from mallory@example.com', retries: 'three' })), stage: 'index', reason: /^400 document_parsing_exception/ },
    ];
    await producer.send({ topic: 'logs-app', messages: poison.map((each) => ({ value: each.value })) });
    // Invalid UTF-8 is not poison: the bytes are replaced, the document is tagged and indexed (see the README).
    await producer.send({ topic: 'logs-app', messages: [{ value: Buffer.concat([Buffer.from('{"timestamp":"2026-11-22T10:00:00Z","level":"INFO","message":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('","job_id":"utf8"}')]) }] });
    await produce(producer, 400, 800);

    await waitForDocuments(elasticsearch.es, 802);
    const letters: Array<Record<string, unknown>> = [];
    const consumer = kafkaClient(kafka.brokers).consumer({ groupId: 'dlq-reader', maxWaitTimeInMs: 100 });
    cleanups.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topic: 'sluice-dlq', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void letters.push(JSON.parse(message.value?.toString() ?? '{}') as Record<string, unknown>) });
    await waitFor(() => letters.length >= poison.length, 20_000, 'the dead letters');
    for (const each of poison) {
      const letter = letters.find((candidate) => candidate.stage === each.stage && each.reason.test(String(candidate.reason)));
      expect(letter, each.name).toBeDefined();
      expect(letter).toMatchObject({ topic: 'logs-app', original_bytes: each.value.length });
      expect(typeof letter?.offset).toBe('string');
      expect(typeof letter?.partition).toBe('number');
      expect(Date.parse(String(letter?.time))).not.toBeNaN();
    }
    const invalidJson = letters.find((letter) => letter.stage === 'decode' && String(letter.reason).includes('not valid JSON'));
    expect(invalidJson?.original).toBe('{"timestamp":"2026-11-22T10:00:00Z","level":"INFO","message":"token=[REDACTED:secret] oops');
    const big = letters.find((letter) => String(letter.reason).includes('over the limit'));
    expect(big).toMatchObject({ original_truncated: true });
    expect(String(big?.original).length).toBe(1024 * 1024);
    const mapping = letters.find((letter) => letter.stage === 'index');
    expect(String(mapping?.original)).toContain('[REDACTED:email]');
    expect(String(mapping?.original)).not.toContain('mallory@');

    const tagged = await elasticsearch.es.search({ index: 'logs-rendiff.api-default', query: { term: { 'rendiff.job_id': 'utf8' } } });
    expect((tagged.hits.hits[0]?._source as { tags?: string[]; message?: string }).tags).toContain('invalid_utf8');
    const metrics = await scrape(worker.metricsUrl);
    expect(metric(metrics, 'sluice_ingest_dead_lettered_total')).toBe(4);
    expect(metric(metrics, 'sluice_ingest_dead_lettered_total', { stage: 'index' })).toBe(1);
    const admin = kafkaClient(kafka.brokers).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await waitFor(async () => (await uncommitted(admin, worker.config.kafka.groupId)) === 0, 20_000, 'every offset committed, dead letters included');
    expect(await documentCounts(elasticsearch.es)).toEqual({ api: 402, traefik: 400 });
  });
});

describe('ingest with static membership (KAFKA_GROUP_INSTANCE_ID)', () => {
  it('a restarted worker rejoins as the same static member at once, and every event still lands exactly once', async () => {
    const { kafka, elasticsearch, worker, producer } = await scenario({ env: { KAFKA_GROUP_INSTANCE_ID: 'ingest-host-1', KAFKA_SESSION_TIMEOUT: '30s' } });
    await produce(producer, 0, 1000);
    await waitForDocuments(elasticsearch.es, 1000);
    const before = kafka.groups.describe(worker.config.kafka.groupId);
    expect(before.members.map((member) => member.groupInstanceId)).toEqual(['ingest-host-1']);
    await worker.close();
    // A static member does not leave: its partitions wait for it, with no rebalance.
    expect(kafka.groups.describe(worker.config.kafka.groupId).members).toHaveLength(1);
    const restarted = Date.now();
    const again = await startWorker(await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { KAFKA_GROUP_INSTANCE_ID: 'ingest-host-1', KAFKA_SESSION_TIMEOUT: '30s' }));
    cleanups.push(() => again.close());
    await produce(producer, 1000, 2000);
    await expectExactlyOnce(elasticsearch, kafka.brokers, worker.config.kafka.groupId, 2000);
    // Well inside the 30 s session timeout a dynamic member's partitions would have waited for.
    expect(Date.now() - restarted).toBeLessThan(20_000);
    const after = kafka.groups.describe(worker.config.kafka.groupId);
    expect(after.members.map((member) => member.groupInstanceId)).toEqual(['ingest-host-1']);
    expect(after.members[0]?.memberId).not.toBe(before.members[0]?.memberId);
  });
});

describe('sluice replay-dlq', () => {
  it('sends dead letters back to their topics after a fix, once: items Elasticsearch kept refusing are indexed', async () => {
    const { elasticsearch, worker, producer } = await scenario({ faults: { bulk_item_reject_ratio: 1 }, env: { SLUICE_BULK_MAX_RETRIES: '1' } });
    await produce(producer, 0, 20);
    await waitFor(async () => metric(await scrape(worker.metricsUrl), 'sluice_ingest_dead_lettered_total', { stage: 'index' }) === 20, 20_000, '20 dead letters');
    expect(await documentCounts(elasticsearch.es)).toEqual({ api: 0, traefik: 0 });

    await fetch(`${elasticsearch.emulator.url}/_emulator/faults`, { method: 'DELETE' });
    const { replayDeadLetters } = await import('../services/ingest/replay.js');
    const { pino } = await import('pino');
    expect(await replayDeadLetters(worker.config, pino({ level: 'silent' }))).toEqual({ replayed: 20, skipped: [] });
    await waitForDocuments(elasticsearch.es, 20);
    expect(await documentCounts(elasticsearch.es)).toEqual({ api: 10, traefik: 10 });
    // The replay group remembers where it stopped: a second run has nothing to send.
    expect(await replayDeadLetters(worker.config, pino({ level: 'silent' }))).toEqual({ replayed: 0, skipped: [] });
  });
});

describe('ingest shutdown', () => {
  it('SIGTERM: stops fetching, flushes, commits, leaves the group and exits 0; a restart finds nothing to redo', async () => {
    const { kafka, elasticsearch } = await emulators();
    const env = await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { LOG_LEVEL: 'info', SLUICE_BULK_MAX_DOCS: '200' });
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    await produce(producer, 0, 4000);
    await faults(elasticsearch, { latency_ms: 100 });
    const first = spawnWorker(env);
    cleanups.push(async () => first.kill('SIGKILL'));
    await waitFor(async () => {
      const counts = await documentCounts(elasticsearch.es);
      return counts.api + counts.traefik > 200;
    }, 30_000, 'the first documents');
    const stoppedAt = Date.now();
    first.kill('SIGTERM');
    const atStop = await documentCounts(elasticsearch.es);
    expect(atStop.api + atStop.traefik).toBeLessThan(4000);
    expect(await exited(first)).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(first.output()).toContain('"msg":"ingest stopped"');
    // It left the group: the group is empty at once, not after the session timeout of a vanished member.
    const admin = kafkaClient(kafka.brokers).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    expect((await admin.describeGroups(['sluice-ingest'])).groups[0]?.state).toBe('Empty');

    await faults(elasticsearch, { latency_ms: 0 });
    const second = spawnWorker(env);
    cleanups.push(async () => second.kill('SIGKILL'));
    const metricsUrl = metricsUrlOf(env);
    await waitFor(async () => (await fetch(`${metricsUrl}/readyz`).catch(() => undefined))?.status === 200, 20_000, 'the second worker ready');
    await expectExactlyOnce(elasticsearch, kafka.brokers, 'sluice-ingest', 4000);
    // Everything the first worker had indexed was committed: the second has no duplicate to skip.
    expect(metric(await scrape(metricsUrl), 'sluice_ingest_duplicates_total')).toBe(0);
  }, 90_000);

  it('SIGTERM during an outage: exits 0 at the deadline, leaving what Elasticsearch did not acknowledge uncommitted', async () => {
    const { kafka, elasticsearch } = await emulators();
    const env = await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { SLUICE_SHUTDOWN_TIMEOUT: '2s', LOG_LEVEL: 'info' });
    const worker = spawnWorker(env);
    cleanups.push(async () => worker.kill('SIGKILL'));
    const metricsUrl = metricsUrlOf(env);
    await waitFor(async () => (await fetch(`${metricsUrl}/readyz`).catch(() => undefined))?.status === 200, 20_000, 'ready');
    await faults(elasticsearch, { unavailable_ms: 60_000 });
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    await produce(producer, 0, 500);
    await waitFor(async () => metric(await scrape(metricsUrl), 'sluice_ingest_paused') === 1, 10_000, 'the worker to pause');
    const stoppedAt = Date.now();
    worker.kill('SIGTERM');
    expect(await exited(worker)).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(6000);
    expect(worker.output()).toContain('shutdown deadline reached');
    const admin = kafkaClient(kafka.brokers).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    expect(await uncommitted(admin, 'sluice-ingest')).toBe(500);
    await fetch(`${elasticsearch.emulator.url}/_emulator/faults`, { method: 'DELETE' });
    expect(await documentCounts(elasticsearch.es)).toEqual({ api: 0, traefik: 0 });
  }, 60_000);
});


describe('a stop Kafka never lets finish', () => {
  it('SIGTERM with the broker frozen: the worker exits once the deadline and its grace are past', async () => {
    // The broker as its own process, stopped (SIGSTOP) once the worker has indexed: its connections stay open and no
    // request is ever answered, so leaving the group and committing never end.
    const kafkaPort = await freePort();
    const broker = spawnSluice(['emulate', 'kafka', '--port', String(kafkaPort)], {});
    cleanups.push(async () => {
      broker.kill('SIGCONT');
      broker.kill('SIGKILL');
    });
    const brokers = `127.0.0.1:${kafkaPort}`;
    await waitFor(async () => (await createTopics(brokers).then(() => true, () => false)), 20_000, 'the broker');
    const elasticsearch = await startElasticsearch();
    cleanups.push(() => elasticsearch.stop());
    const env = await ingestEnvironment(brokers, elasticsearch.emulator.url, { SLUICE_SHUTDOWN_TIMEOUT: '1s', LOG_LEVEL: 'info' });
    const worker = spawnWorker(env);
    cleanups.push(async () => worker.kill('SIGKILL'));
    await waitFor(async () => (await fetch(`${metricsUrlOf(env)}/readyz`).catch(() => undefined))?.status === 200, 20_000, 'ready');
    const producer = await connectedProducer(brokers);
    await produce(producer, 0, 200);
    await producer.disconnect();
    await waitForDocuments(elasticsearch.es, 200);
    broker.kill('SIGSTOP');
    const stoppedAt = Date.now();
    worker.kill('SIGTERM');
    expect(await exited(worker)).toEqual({ code: 0, signal: null });
    // The deadline (1 s) and the grace, with room for a slow machine; without the bound it waited on Kafka.
    expect(Date.now() - stoppedAt).toBeLessThan(1000 + SHUTDOWN_GRACE_MS + 8000);
    expect(worker.output()).toContain('did not let go after the deadline and its grace');
  }, 60_000);

  it('SIGTERM to the supervisor with a member that cannot stop (its process stopped): killed after the deadline, its grace and a margin', async () => {
    const { kafka, elasticsearch } = await emulators();
    const env = await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { SLUICE_SHUTDOWN_TIMEOUT: '1s', SLUICE_INGEST_WORKERS: '2', LOG_LEVEL: 'info' });
    const supervisor = spawnWorker(env);
    cleanups.push(async () => {
      for (const pid of childPids(supervisor.pid as number)) process.kill(pid, 'SIGKILL');
      supervisor.kill('SIGKILL');
    });
    // Two members starting together on a busy CI machine (its other test files run beside): more than 30 s was seen once.
    await waitFor(async () => (await fetch(`${metricsUrlOf(env)}/readyz`).catch(() => undefined))?.status === 200, 45_000, 'both members ready');
    const [wedged, other] = childPids(supervisor.pid as number);
    expect(other).toBeDefined();
    process.kill(wedged as number, 'SIGSTOP');
    const stoppedAt = Date.now();
    supervisor.kill('SIGTERM');
    expect(await exited(supervisor)).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1000 + SHUTDOWN_GRACE_MS + MEMBER_KILL_MARGIN_MS - 500);
    expect(Date.now() - stoppedAt).toBeLessThan(1000 + SHUTDOWN_GRACE_MS + MEMBER_KILL_MARGIN_MS + 8000);
    expect(supervisor.output()).toContain('ingest member did not stop after the shutdown deadline and its grace; killing it');
    expect(childPids(supervisor.pid as number)).toEqual([]);
  }, 90_000);
});

describe('the fetch size', () => {
  it('is an eighth of the in-flight bound, from 1 to 4 MB', () => {
    const mb = 1024 * 1024;
    expect(fetchMaxBytes(256 * mb)).toBe(4 * mb);
    expect(fetchMaxBytes(16 * mb)).toBe(2 * mb);
    expect(fetchMaxBytes(2 * mb)).toBe(mb);
  });
});

describe('a backlog', () => {
  it('goes to Elasticsearch in slices while the worker is still making the rest of the fetch', async () => {
    const kafka = await startKafka();
    cleanups.push(() => kafka.close());
    await createTopics(kafka.brokers);
    // Elasticsearch in a process of its own, as in production: here it would answer only when the worker,
    // which runs in this process, lets the event loop turn.
    const esPort = await freePort();
    const emulator = spawnSluice(['emulate', 'elasticsearch', '--port', String(esPort)], {});
    cleanups.push(async () => {
      emulator.kill('SIGTERM');
      await exited(emulator);
    });
    await waitFor(() => emulator.output().includes('elasticsearch emulator listening'), 20_000, 'the Elasticsearch emulator');
    const es = new Client({ node: `http://127.0.0.1:${esPort}` });
    cleanups.push(() => es.close());
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    // Between the worker and Elasticsearch, a proxy notes each bulk request: its documents, and the bytes the
    // worker held for unacknowledged messages and documents as it arrived.
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
    const arrivals: Array<{ documents: number; held: number }> = [];
    const proxy = createServer((incoming, outgoing) => {
      const gauge = worker?.registry.getSingleMetric('sluice_ingest_inflight_bytes') as Gauge | undefined;
      // Read now (a gauge's values are taken when get() is called): the worker goes on once this turn ends.
      const held = incoming.url?.includes('_bulk') === true ? gauge?.get() : undefined;
      let newlines = 0;
      incoming.on('data', (chunk: Buffer) => {
        for (const byte of chunk) if (byte === 0x0a) newlines += 1;
      });
      incoming.on('end', () => {
        if (held !== undefined) void held.then((taken) => arrivals.push({ documents: newlines / 2, held: taken.values[0]?.value ?? 0 }));
      });
      const forward = httpRequest({ host: '127.0.0.1', port: esPort, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      incoming.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => proxy.close(resolve)));
    worker = await startWorker(await ingestEnvironment(kafka.brokers, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`));
    cleanups.push(() => (worker as NonNullable<typeof worker>).close());
    // A few events first, so that the backlog finds the worker's connections open and its code compiled.
    await produce(producer, 0, 10);
    await waitForDocuments(es, 10);
    arrivals.length = 0;
    // About 3 MB of events in one send: the worker's next fetch (up to 4 MB) takes them all.
    await produce(producer, 10, 2010, 2000, 1200);
    await waitForDocuments(es, 2010);

    expect(arrivals.reduce((sum, arrival) => sum + arrival.documents, 0)).toBe(2000);
    // Made in one go, the fetch would have gone as one request once all its documents were made.
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    const first = arrivals[0] as (typeof arrivals)[0];
    expect(first.documents).toBeLessThan(2000 / 4);
    // The first slice reached Elasticsearch while most of the fetch was still to be made: the worker went on to
    // hold more than another megabyte (of the documents' 3.5 MB; the messages' 2.6 MB are held from the start).
    expect(Math.max(...arrivals.map((arrival) => arrival.held)) - first.held).toBeGreaterThan(1024 * 1024);
  }, 60_000);
});
