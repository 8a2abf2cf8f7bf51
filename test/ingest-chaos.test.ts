import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectedProducer, documentCounts, ingestEnvironment, metric, produce, scrape, spawnWorker, startWorker, waitForDocuments } from './support/ingest.js';
import { cleanUpAfterEach, cleanups, emulators, expectExactlyOnce, faults, scenario, metricsUrlOf } from './support/ingest-scenarios.js';
import { startKafka } from './support/kafka.js';
import { childPids, exited, freePort, spawnSluice, waitFor } from './support/process.js';

cleanUpAfterEach();

/** Whether a process runs: an orphan that exited may stay a zombie where nothing reaps it, which is not running. */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('ingest when processes die or move: each ends with exactly N documents and nothing left uncommitted', () => {
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

  it('sluice ingest with SLUICE_INGEST_WORKERS=2: two member processes share the partitions; one killed mid-stream is restarted, exactly once', async () => {
    const { kafka, elasticsearch } = await emulators();
    await faults(elasticsearch, { latency_ms: 50 });
    const env = await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { LOG_LEVEL: 'warn', SLUICE_BULK_MAX_DOCS: '200', SLUICE_INGEST_WORKERS: '2' });
    const supervisor = spawnWorker(env);
    cleanups.push(async () => supervisor.kill('SIGKILL'));
    const members = (): number[] => childPids(supervisor.pid as number);
    await waitFor(async () => (await fetch(`${metricsUrlOf(env)}/readyz`).catch(() => undefined))?.status === 200, 30_000, 'both members ready');
    expect(await (await fetch(`${metricsUrlOf(env)}/readyz`)).json()).toEqual({ status: 'ready', members: '2 of 2 ready' });
    const [firstMember, secondMember] = members();
    expect(members()).toHaveLength(2);
    // Both members are in the group, with the six partitions shared between them.
    const group = kafka.groups.describe('sluice-ingest');
    expect(group.members).toHaveLength(2);
    // The members' malloc asks for huge pages (shared/malloc.ts), though the supervisor was started without.
    const tunables = (pid: number): string | undefined => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((entry) => entry.startsWith('GLIBC_TUNABLES='));
    expect(tunables(supervisor.pid as number)).toBeUndefined();
    for (const pid of members()) expect(tunables(pid)).toBe('GLIBC_TUNABLES=glibc.malloc.hugetlb=1');

    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    await produce(producer, 0, 6000);
    await waitFor(async () => {
      const counts = await documentCounts(elasticsearch.es);
      return counts.api + counts.traefik > 500;
    }, 30_000, 'the first documents');
    process.kill(firstMember as number, 'SIGKILL');
    await waitFor(() => members().length === 2 && !members().includes(firstMember as number), 30_000, 'the killed member started again');
    expect(members()).toContain(secondMember);
    await expectExactlyOnce(elasticsearch, kafka.brokers, 'sluice-ingest', 6000);
    // /metrics adds the members up (the restarted one counts from zero): work done, no lag left in any partition.
    const exposition = await scrape(metricsUrlOf(env));
    expect(metric(exposition, 'sluice_ingest_committed_messages_total')).toBeGreaterThan(0);
    expect(metric(exposition, 'sluice_ingest_consumer_lag')).toBe(0);

    // SIGTERM to the supervisor stops every member gracefully: no process is left consuming.
    const remaining = members();
    supervisor.kill('SIGTERM');
    expect(await exited(supervisor)).toEqual({ code: 0, signal: null });
    for (const pid of remaining) expect(() => process.kill(pid, 0)).toThrow();
  }, 120_000);

  it('members read the file the supervisor was given with --config; a member that refuses it on restart stops all instead of restarting in a loop', async () => {
    const { kafka, elasticsearch } = await emulators();
    const env = await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, { LOG_LEVEL: 'warn', SLUICE_INGEST_WORKERS: '2' });
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-members-')), 'sluice.yaml');
    writeFileSync(file, 'SLUICE_NAMESPACE: filed\n');
    const supervisor = spawnSluice(['--config', file, 'ingest'], env);
    cleanups.push(async () => supervisor.kill('SIGKILL'));
    await waitFor(async () => (await fetch(`${metricsUrlOf(env)}/readyz`).catch(() => undefined))?.status === 200, 30_000, 'both members ready');
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    await produce(producer, 0, 400);
    // The members index into the namespace of the file, not the default one of the environment.
    const count = async (index: string) => (await elasticsearch.es.count({ index, allow_no_indices: true, ignore_unavailable: true })).count;
    await waitFor(async () => {
      await elasticsearch.es.indices.refresh({ index: 'logs-*' }).catch(() => undefined);
      return (await count('logs-*-filed')) === 400;
    }, 30_000, '400 documents in the namespace of the file');
    expect(await count('logs-*-default')).toBe(0);

    // The file goes bad while Sluice runs; the member that starts again refuses it (exit 2), and a restart would repeat that.
    writeFileSync(file, 'SLUICE_BULK_MAX_DOCS: many\n');
    const members = childPids(supervisor.pid as number);
    process.kill(members[0] as number, 'SIGKILL');
    const end = await exited(supervisor);
    expect(end.code, supervisor.output()).toBe(1);
    expect(supervisor.output()).toContain('SLUICE_BULK_MAX_DOCS');
    expect(supervisor.output()).toContain('refused its configuration');
    for (const pid of members) expect(() => process.kill(pid, 0)).toThrow();
  }, 90_000);

  it('members still starting (Kafka and Elasticsearch not there yet) stop when their supervisor is killed', async () => {
    const [kafkaPort, esPort] = [await freePort(), await freePort()];
    const env = await ingestEnvironment(`127.0.0.1:${kafkaPort}`, `http://127.0.0.1:${esPort}`, { SLUICE_INGEST_WORKERS: '2', LOG_LEVEL: 'warn' });
    const supervisor = spawnWorker(env);
    cleanups.push(async () => supervisor.kill('SIGKILL'));
    await waitFor(() => childPids(supervisor.pid as number).length === 2, 30_000, 'two members');
    const members = childPids(supervisor.pid as number);
    cleanups.push(async () => members.filter(running).forEach((pid) => process.kill(pid, 'SIGKILL')));
    // Long enough for both to be in their start, retrying Kafka and Elasticsearch (they log it after a few seconds).
    await waitFor(() => supervisor.output().includes('ECONNREFUSED'), 30_000, 'the members to be trying to connect');
    supervisor.kill('SIGKILL');
    await waitFor(() => !members.some(running), 20_000, 'the members to stop after their supervisor');
  }, 60_000);

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
    // The leaving worker's metrics derived from logs, read once it has flushed what it held (its registry
    // outlives the service in this process; a scrape before close missed the last batches).
    const secondRequests = metric(await second.registry.metrics(), 'sluice_http_requests_total');
    await producing;
    await expectExactlyOnce(elasticsearch, kafka.brokers, 'sluice-ingest', 8000);
    expect(metric(await scrape(first.metricsUrl), 'sluice_ingest_indexed_total')).toBeGreaterThan(0);
    // Summed over the two workers, each of the 4 000 requests is counted once, whoever indexed it.
    const firstRequests = metric(await scrape(first.metricsUrl), 'sluice_http_requests_total');
    expect(secondRequests).toBeGreaterThan(0);
    expect(firstRequests + secondRequests).toBe(4000);
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
