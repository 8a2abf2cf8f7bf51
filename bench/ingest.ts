import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@elastic/elasticsearch';
import kafkajs, { type Producer } from 'kafkajs';
import { loadConfig } from '../shared/config.js';
import { sendToTopics } from '../shared/kafka.js';
import { createEnrichers } from '../pipelines/enrichers.js';
import { createPipeline } from '../pipelines/pipeline.js';
import { realisticLines, topicOf } from './pipeline.js';
import { cpuMs, freePort, metric, metricValue, sluiceProcess, waitForPort } from './process.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

/**
 * End to end on this machine: `sluice emulate kafka`, `sluice emulate elasticsearch` and `sluice ingest`, each
 * its own process, with the producer and the measuring in this one.
 * - Sustained events/s: a worker is started and ready, then the realistic mix is produced as fast as kafkajs
 *   can; the rate is the events over the time from the first send to the worker's last commit. Next to it, the
 *   pipeline alone over the same lines in this process, so the ratio shows what transport (Kafka, bulk indexing,
 *   commits) costs.
 * - Latency at a fixed 5 000 events/s, on a worker just started: produce to acknowledged from the worker's own
 *   histogram; then, in a second load on the same worker, produce to searchable: every event carries a sequence
 *   number, and the time is from its send to the first search that finds it (searches every 200 ms, so ±100 ms).
 * - From a backlog: the same events are produced while no worker runs, then a worker is started and drains them;
 *   the rate is the events over the time from its readiness (read every 50 ms) to its last commit. Filebeat and
 *   the other producers of a real platform run on other machines; here kafkajs producing would share the two cores.
 */

const EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 100_000);
const LOAD_PER_SECOND = 5000;
const LOAD_SECONDS = Number(process.env.BENCH_INGEST_LOAD_SECONDS ?? 15);
/** Events of each fixed load. */
const LOAD_EVENTS = LOAD_PER_SECOND * LOAD_SECONDS;
const POLL_MS = 200;
/** The load's first seconds, left out of the warm p99 (a third of a quick run's load). */
const WARM_UP_SECONDS = Math.min(5, Math.floor(LOAD_SECONDS / 3));

export interface IngestRow {
  name: string;
  value: number;
  unit: string;
  goal?: string;
  baseline?: { name: string; value: number };
}

/**
 * A quantile from a Prometheus histogram's cumulative buckets, interpolated inside its bucket as
 * histogram_quantile does; with `since`, of what was observed after that earlier exposition.
 */
export function histogramQuantile(exposition: string, name: string, q: number, since?: string): number {
  const bucketsOf = (text: string): Array<{ le: number; count: number }> =>
    [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((match) => ({ le: match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), count: Number(match[2]) }));
  const earlier = since === undefined ? [] : bucketsOf(since);
  const buckets = bucketsOf(exposition).map((bucket, i) => ({ le: bucket.le, count: bucket.count - (earlier[i]?.count ?? 0) }));
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let previous = { le: 0, count: 0 };
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return previous.le;
      return previous.le + ((bucket.le - previous.le) * (rank - previous.count)) / Math.max(1, bucket.count - previous.count);
    }
    previous = bucket;
  }
  return previous.le;
}

/** The producer shares the machine's two cores with what it measures: it does no more than kafkajs must. */
function send(producer: Producer, lines: string[]): Promise<void> {
  return sendToTopics(producer, lines.map((line) => ({ topic: topicOf(line), value: line })));
}

/** All of `lines`, as fast as kafkajs sends them, 2 000 to a request. */
async function produceAll(producer: Producer, lines: string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 2000) await send(producer, lines.slice(i, i + 2000));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function pipelineOnly(lines: string[]): Promise<number> {
  const { enrichers, close } = await createEnrichers(loadConfig({}));
  const pipeline = createPipeline({ namespace: 'default', enrichers });
  const run = (): void => {
    for (const line of lines) {
      const outcome = pipeline({ value: Buffer.from(line), topic: topicOf(line) });
      if (outcome.ok) JSON.stringify(outcome.document);
    }
  };
  run();
  const started = performance.now();
  run();
  const rate = (lines.length / (performance.now() - started)) * 1000;
  close();
  return rate;
}

/** What the runs below share: the emulators' clients, and one worker process at a time. */
interface Bench {
  producer: Producer;
  es: Client;
  metricsUrl: string;
  /** Starts `sluice ingest` (one member) against the emulators and waits until it is ready; returns its pid. */
  startWorker(): Promise<number>;
  stopWorker(): Promise<void>;
}

export async function benchIngest(): Promise<IngestRow[]> {
  const [kafkaPort, esPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const emulators = [sluiceProcess(['emulate', 'kafka', '--port', String(kafkaPort), '--retention-bytes', String(2 * 1024 ** 3)]), sluiceProcess(['emulate', 'elasticsearch', '--port', String(esPort)])];
  const kafka = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const env = { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, ELASTICSEARCH_URL: `http://127.0.0.1:${esPort}`, SLUICE_INGEST_METRICS_PORT: String(metricsPort), SLUICE_INGEST_WORKERS: '1' };
  let worker: ChildProcess | undefined;
  const bench: Bench = {
    producer: kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner }),
    es: new Client({ node: `http://127.0.0.1:${esPort}` }),
    metricsUrl,
    startWorker: async () => {
      worker = sluiceProcess(['ingest'], { env });
      await waitForReady(metricsUrl);
      return worker.pid as number;
    },
    stopWorker: async () => {
      if (worker === undefined) return;
      const exited = once(worker, 'exit');
      worker.kill('SIGTERM');
      await exited;
      worker = undefined;
    },
  };
  try {
    await Promise.all([waitForPort(kafkaPort), waitForPort(esPort)]);
    await bench.producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: ['logs-app', 'logs-traefik', 'logs-worker', 'logs-postgres'].map((topic) => ({ topic, numPartitions: 3 })) });
    await admin.disconnect();
    const lines = realisticLines(EVENTS);
    const sustained = await sustainedRun(bench, lines);
    // The same worker group goes on from where it stopped.
    const json = lines.filter((line) => line.startsWith('{'));
    await bench.startWorker();
    const acknowledged = await acknowledgedLatency(bench, json);
    const searchable = await searchableLatency(bench, json);
    await bench.stopWorker();
    const backlog = await backlogRun(bench, lines);
    return ingestRows(sustained, acknowledged, searchable, backlog, await pipelineOnly(lines));
  } finally {
    await bench.stopWorker().catch(() => undefined);
    await bench.producer.disconnect().catch(() => undefined);
    await bench.es.close();
    for (const emulator of emulators) emulator.kill('SIGTERM');
  }
}

/** Sustained throughput: a worker starts idle, then the mix is produced as fast as kafkajs can. */
async function sustainedRun(bench: Bench, lines: string[]): Promise<{ rate: number; perCpuSecond: number; warmPerCpuSecond: number }> {
  const pid = await bench.startWorker();
  const started = { at: performance.now(), cpu: cpuMs(pid) };
  await produceAll(bench.producer, lines);
  const readings: Progress[] = [];
  const last = await untilCommitted(bench.metricsUrl, pid, EVENTS, (progress) => readings.push(progress));
  await bench.stopWorker();
  return { rate: (EVENTS / (last.at - started.at)) * 1000, perCpuSecond: (EVENTS / (last.cpu - started.cpu)) * 1000, warmPerCpuSecond: warmPerCpuSecondOf(readings, EVENTS) };
}

/**
 * Produce → acknowledged at a fixed load, from the worker's histogram, with nothing else asking the emulator for
 * anything: the searches of `searchableLatency` take it 50-150 ms each (up to 10 000 hits) on the same 2 cores, and
 * a bulk request waits behind them. The histogram as the load's first seconds left it is kept too: a worker just
 * started runs its first events through code not yet compiled (V8 compiles each regular expression on its first
 * use) and reads GeoIP's pages.
 */
async function acknowledgedLatency(bench: Bench, json: string[]): Promise<{ p99: number; warmP99: number }> {
  const { metricsUrl } = bench;
  let warm: Promise<string> | undefined;
  const committedBefore = await metricValue(metricsUrl, 'sluice_ingest_committed_messages_total');
  await fixedLoad(bench.producer, json, 0, LOAD_EVENTS, () => (warm = fetch(`${metricsUrl}/metrics`).then((response) => response.text())));
  for (const until = Date.now() + 60_000; (await metricValue(metricsUrl, 'sluice_ingest_committed_messages_total')) < committedBefore + LOAD_EVENTS && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 100));
  const exposition = await fetch(`${metricsUrl}/metrics`).then((response) => response.text());
  return { p99: histogramQuantile(exposition, 'sluice_ingest_latency_seconds', 0.99) * 1000, warmP99: histogramQuantile(exposition, 'sluice_ingest_latency_seconds', 0.99, await warm) * 1000 };
}

/** Then, at the same load on the same (now warm) worker, when each event can be found; sorted, and how many never were. */
async function searchableLatency(bench: Bench, json: string[]): Promise<{ seen: number[]; missing: number }> {
  const seenAt: number[] = [];
  let done = false;
  const producing = fixedLoad(bench.producer, json, LOAD_EVENTS, LOAD_EVENTS).finally(() => (done = true));
  let lowestUnseen = LOAD_EVENTS;
  const pollDeadline = performance.now() + (LOAD_SECONDS + 30) * 1000;
  while ((lowestUnseen < 2 * LOAD_EVENTS || !done) && performance.now() < pollDeadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    // One search per field, each sorted by its sequence: the lowest unseen event is then always among the hits.
    // (One search over both fields returned any 10 000 of the matches: once the worker was more than 10 000
    // behind, the access log's later events could fill every answer, and the app events were never seen.)
    const answers = await Promise.all(
      (['rendiff.seq', 'traefik.seq'] as const).map((field) => bench.es.search({ index: 'logs-*', size: 10_000, _source: [field], sort: [{ [field]: { order: 'asc', unmapped_type: 'long' } }], query: { range: { [field]: { gte: lowestUnseen } } } })),
    );
    const now = performance.now();
    for (const hit of answers.flatMap((answer) => answer.hits.hits)) {
      const source = hit._source as { rendiff?: { seq?: number }; traefik?: { seq?: number } };
      const seq = source.rendiff?.seq ?? source.traefik?.seq;
      if (seq !== undefined && seenAt[seq] === undefined) seenAt[seq] = now;
    }
    while (lowestUnseen < 2 * LOAD_EVENTS && seenAt[lowestUnseen] !== undefined) lowestUnseen += 1;
  }
  const producedAt = await producing;
  const latencies = producedAt.map((at, i) => (seenAt[LOAD_EVENTS + i] ?? Number.POSITIVE_INFINITY) - at).sort((a, b) => a - b);
  const seen = latencies.filter((latency) => Number.isFinite(latency));
  return { seen, missing: latencies.length - seen.length };
}

/**
 * A backlog: the same events wait in Kafka before a worker starts, then it drains them with no producer on the
 * two cores (the rows above share them with kafkajs producing, about 5 µs of CPU per event, 11-13 before kafkajs's patch).
 */
async function backlogRun(bench: Bench, lines: string[]): Promise<{ rate: number; perCpuSecond: number }> {
  await produceAll(bench.producer, lines);
  const pid = await bench.startWorker();
  const started = { at: performance.now(), cpu: cpuMs(pid) };
  const drained = await untilCommitted(bench.metricsUrl, pid, EVENTS);
  await bench.stopWorker();
  return { rate: (EVENTS / (drained.at - started.at)) * 1000, perCpuSecond: (EVENTS / (drained.cpu - started.cpu)) * 1000 };
}

function ingestRows(
  sustained: Awaited<ReturnType<typeof sustainedRun>>,
  acknowledged: Awaited<ReturnType<typeof acknowledgedLatency>>,
  searchable: Awaited<ReturnType<typeof searchableLatency>>,
  backlog: Awaited<ReturnType<typeof backlogRun>>,
  pipeline: number,
): IngestRow[] {
  const fmt = (value: number): string => Math.round(value).toLocaleString('en-US');
  const alone = { name: 'the pipeline alone over the same lines, in the benchmark process', value: pipeline };
  return [
    { name: `sustained, ${fmt(EVENTS)} events of the mix through one worker`, value: sustained.rate, unit: 'events/s', goal: '≥ 20,000 events/s', baseline: alone },
    { name: 'the worker, per CPU-second of its own', value: sustained.perCpuSecond, unit: 'events', goal: '≥ 40,000', baseline: alone },
    { name: 'the worker, per CPU-second of its own, after the first fifth of the events (warm)', value: sustained.warmPerCpuSecond, unit: 'events', goal: '≥ 40,000', baseline: alone },
    { name: `from a backlog: ${fmt(EVENTS)} events of the mix waiting in Kafka, drained by one worker, nothing producing`, value: backlog.rate, unit: 'events/s', goal: '≥ 20,000 events/s', baseline: alone },
    { name: 'the worker draining that backlog, per CPU-second of its own', value: backlog.perCpuSecond, unit: 'events', goal: '≥ 40,000', baseline: alone },
    { name: `produce → acknowledged by Elasticsearch p99 (the worker's histogram), ${fmt(LOAD_PER_SECOND)} events/s`, value: acknowledged.p99, unit: 'ms', goal: '≤ 100 ms' },
    { name: `produce → acknowledged p99 after the first ${WARM_UP_SECONDS} s of the load (the worker warm), ${fmt(LOAD_PER_SECOND)} events/s`, value: acknowledged.warmP99, unit: 'ms', goal: '≤ 100 ms' },
    { name: `produce → searchable p50, ${fmt(LOAD_PER_SECOND)} events/s for ${LOAD_SECONDS} s, the same worker warm, searched every ${POLL_MS} ms`, value: percentile(searchable.seen, 50), unit: 'ms' },
    { name: `produce → searchable p99 of the events seen, ${fmt(LOAD_PER_SECOND)} events/s`, value: percentile(searchable.seen, 99), unit: 'ms', goal: '< 2,000 ms' },
    { name: `events of the ${fmt(LOAD_EVENTS)} not searchable 30 s after the load ended`, value: searchable.missing, unit: 'events', goal: '0' },
  ];
}

/**
 * LOAD_PER_SECOND of the mix's JSON lines a second, in tenths of a second, `count` of them numbered from
 * `first` (`seq`); `onWarm` once the first WARM_UP_SECONDS have been sent. Resolves with each event's send time.
 */
async function fixedLoad(producer: Producer, json: string[], first: number, count: number, onWarm?: () => void): Promise<number[]> {
  const producedAt: number[] = [];
  const started = performance.now();
  for (let tick = 0, sent = 0; sent < count; tick += 1) {
    if (tick === WARM_UP_SECONDS * 10 && WARM_UP_SECONDS > 0) onWarm?.();
    const chunk: string[] = [];
    for (let k = 0; k < LOAD_PER_SECOND / 10 && sent < count; k += 1, sent += 1) chunk.push((json[(first + sent) % json.length] as string).replace(/^\{/, `{"seq":${first + sent},`));
    const at = performance.now();
    for (let k = 0; k < chunk.length; k += 1) producedAt.push(at);
    await send(producer, chunk);
    const wait = started + (tick + 1) * 100 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return producedAt;
}

export interface Progress {
  at: number;
  committed: number;
  /** Documents in bulk requests that have ended (answered, or failed and to be sent again, counted again: the benchmark has no failures). */
  acknowledged: number;
  cpu: number;
}

/**
 * Events per CPU-second of the worker from where Elasticsearch had answered for a fifth of the documents to the
 * last reading: from there on it runs warm. Opened by documents answered, not messages committed or taken: a
 * fetch (10 000-20 000 messages) is taken whole before it is processed, so a window opened at the first fifth
 * taken held up to a fetch of events still to make while it counted them as made, and read low. Answered, the
 * window reads high by the documents made but not yet answered when it opens: the requests in flight (two of
 * 512 KB), the one being filled, and any queued behind them while the emulator falls behind. NaN when no
 * reading reached a fifth.
 */
export function warmPerCpuSecondOf(readings: readonly Progress[], events: number): number {
  const from = readings.find((reading) => reading.acknowledged >= events / 5);
  const last = readings.at(-1);
  if (from === undefined || last === undefined || last.cpu <= from.cpu) return Number.NaN;
  return ((events - from.acknowledged) / (last.cpu - from.cpu)) * 1000;
}

/** Reads the worker's /metrics every 100 ms until it has committed `expected` messages; `onRead` sees each reading. */
async function untilCommitted(metricsUrl: string, pid: number, expected: number, onRead: (progress: Progress) => void = () => undefined): Promise<Progress> {
  let last: Progress = { at: 0, committed: 0, acknowledged: 0, cpu: 0 };
  const deadline = Date.now() + 600_000;
  while (last.committed < expected && Date.now() < deadline) {
    // Every 100 ms (±0.5 % of a 10 s run): each look renders the worker's whole /metrics, which every 20 ms
    // cost the worker about 3 µs of CPU per event in a profile, charged to the figure measured.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exposition = await fetch(`${metricsUrl}/metrics`).then((response) => response.text(), () => '');
    last = { at: performance.now(), committed: metric(exposition, 'sluice_ingest_committed_messages_total'), acknowledged: metric(exposition, 'sluice_ingest_bulk_documents_sum'), cpu: cpuMs(pid) };
    onRead(last);
  }
  if (last.committed < expected) throw new Error(`the worker committed ${last.committed} of ${expected} messages`);
  return last;
}

async function waitForReady(metricsUrl: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if ((await fetch(`${metricsUrl}/readyz`).catch(() => undefined))?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the worker did not become ready');
}
