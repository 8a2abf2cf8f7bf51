import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { IngestRow } from './ingest.js';
import { realisticLines } from './pipeline.js';
import { cpuMs, freePort, metricValue, sluiceProcess, waitForPort } from './process.js';

const { Kafka, logLevel } = kafkajs;

/**
 * Sluice next to a real peer pipeline on the same input, against the same emulators, in the same run:
 * rsyslog (Debian's rsyslog, rsyslog-kafka, rsyslog-elasticsearch) consumes the Traefik topic with imkafka,
 * parses with mmjsonparse and indexes with omelasticsearch. Each consumer gets fresh emulators holding the
 * same backlog of Traefik lines, and is timed from its start (start-up included) to its last document
 * being searchable. Its CPU time and peak memory are read from /proc, and so are the emulators'.
 */

export interface PeerRow {
  name: string;
  eventsPerSecond: number;
  /** The consumer's own CPU (all its processes) per million events. */
  cpuSecondsPerMillion: number;
  /** The same without start-up: Sluice's CPU before it consumed its first message is left out (rsyslog's start-up is a few milliseconds of C). */
  runningCpuSecondsPerMillion: number;
  peakRssMb: number;
  elasticsearchCpuSecondsPerMillion: number;
  kafkaCpuSecondsPerMillion: number;
}

const TOPIC = 'logs-traefik';

/** `count` Traefik access lines of the benchmarks' realistic mix (2 % of them attacks). */
export function traefikLines(count: number): string[] {
  return realisticLines(count * 3)
    .filter((line) => line.includes('"ClientAddr"'))
    .slice(0, count);
}

function rsyslogConfig(kafkaPort: number, esPort: number, workDir: string): string {
  return `global(workDirectory="${workDir}")
module(load="imkafka")
module(load="mmjsonparse")
module(load="omelasticsearch")
template(name="document" type="list") { property(name="$!all-json") }
input(type="imkafka" topic="${TOPIC}" broker=["127.0.0.1:${kafkaPort}"] consumergroup="rsyslog-peer" confParam=["auto.offset.reset=smallest"] ruleset="index")
ruleset(name="index") {
  action(type="mmjsonparse" cookie="")
  action(type="omelasticsearch" server="127.0.0.1" serverport="${esPort}" template="document" searchIndex="rsyslog-traefik" esVersion.major="8"
         bulkmode="on" maxbytes="5m" queue.type="linkedlist" queue.size="200000" queue.dequeuebatchsize="5000" action.resumeretrycount="-1")
}
`;
}

/** Processes of a consumer: itself and its children (`sluice ingest` with several members). */
function family(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...children.flatMap(family)];
}

function peakRssMb(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024, 0);
}

/** rsyslog in the foreground with the configuration written in `workDir`, as Debian ships it (its own environment). */
function startRsyslog(workDir: string): ChildProcess {
  return spawn('rsyslogd', ['-n', '-f', join(workDir, 'rsyslog.conf'), '-i', join(workDir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'ignore'] });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function searchable(esUrl: string, index: string): Promise<number> {
  await fetch(`${esUrl}/${index}/_refresh`, { method: 'POST' }).catch(() => undefined);
  const answer = (await fetch(`${esUrl}/${index}/_count`).then((response) => response.json(), () => ({}))) as { count?: number };
  return answer.count ?? 0;
}

export type PeerRun = { name: string; consumer: 'rsyslog' } | { name: string; consumer: 'sluice'; env: Record<string, string> };

/** One consumer between fresh emulators holding `lines` in the Traefik topic. */
export async function runPeer(run: PeerRun, lines: string[]): Promise<PeerRow> {
  const [kafkaPort, esPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  // A real broker's first rebalance of a new group waits 3 s for more members (group.initial.rebalance.delay.ms):
  // without it, the first of several members to join takes every partition and its first batch is redone
  // when the others join (half the work again, measured with two members).
  const kafka = sluiceProcess(['emulate', 'kafka', '--port', String(kafkaPort), '--retention-bytes', String(2 * 1024 ** 3), '--initial-rebalance-delay', '3s']);
  const elasticsearch = sluiceProcess(['emulate', 'elasticsearch', '--port', String(esPort)], { nodeFlags: ['--max-old-space-size=8192'] });
  const workDir = mkdtempSync(join(tmpdir(), 'sluice-peer-'));
  let consumer: ChildProcess | undefined;
  try {
    await Promise.all([waitForPort(kafkaPort), waitForPort(esPort)]);
    const client = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
    await admin.disconnect();
    const producer = client.producer();
    await producer.connect();
    for (let i = 0; i < lines.length; i += 5000) await producer.send({ topic: TOPIC, messages: lines.slice(i, i + 5000).map((value) => ({ value })) });
    await producer.disconnect();

    const esUrl = `http://127.0.0.1:${esPort}`;
    const emulatorsCpu = { kafka: cpuMs(kafka.pid as number), elasticsearch: cpuMs(elasticsearch.pid as number) };
    const started = performance.now();
    let index: string;
    if (run.consumer === 'rsyslog') {
      writeFileSync(join(workDir, 'rsyslog.conf'), rsyslogConfig(kafkaPort, esPort, workDir));
      // rsyslog reports its worker threads' comings and goings on stderr; a run that fails shows in the count.
      consumer = startRsyslog(workDir);
      index = 'rsyslog-traefik';
    } else {
      consumer = sluiceProcess(['ingest'], { env: { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, KAFKA_TOPICS: TOPIC, ELASTICSEARCH_URL: esUrl, SLUICE_INGEST_METRICS_PORT: String(metricsPort), ...run.env } });
      index = 'logs-rendiff.traefik-default';
    }
    const pid = consumer.pid as number;
    let processes = family(pid);
    let consumerCpu = 0;
    // Sluice's start-up: its CPU at the last look (every 100 ms) before its metrics counted a consumed message.
    let startupCpu = 0;
    let consuming = run.consumer === 'rsyslog';
    const deadline = Date.now() + 15 * 60_000;
    for (let documents = 0; (documents = await searchable(esUrl, index)) < lines.length; ) {
      if (Date.now() > deadline || consumer.exitCode !== null) throw new Error(`${run.name}: ${documents} of ${lines.length} documents searchable`);
      processes = family(pid);
      consumerCpu = processes.reduce((sum, each) => sum + cpuMs(each), 0);
      if (!consuming) {
        consuming = (await metricValue(`http://127.0.0.1:${metricsPort}`, 'sluice_ingest_consumed_total')) > 0;
        if (!consuming) startupCpu = consumerCpu;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    processes = family(pid);
    consumerCpu = Math.max(consumerCpu, processes.reduce((sum, each) => sum + cpuMs(each), 0));
    const millions = lines.length / 1_000_000;
    return {
      name: run.name,
      eventsPerSecond: lines.length / seconds,
      cpuSecondsPerMillion: consumerCpu / 1000 / millions,
      runningCpuSecondsPerMillion: (consumerCpu - startupCpu) / 1000 / millions,
      peakRssMb: peakRssMb(processes),
      elasticsearchCpuSecondsPerMillion: (cpuMs(elasticsearch.pid as number) - emulatorsCpu.elasticsearch) / 1000 / millions,
      kafkaCpuSecondsPerMillion: (cpuMs(kafka.pid as number) - emulatorsCpu.kafka) / 1000 / millions,
    };
  } finally {
    if (consumer !== undefined) await stop(consumer);
    await Promise.all([stop(kafka), stop(elasticsearch)]);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Whether rsyslog and its Kafka and Elasticsearch modules are installed (`bench/install-peers.sh` installs them). */
export function rsyslogAvailable(): boolean {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f', '${Status}\n', 'rsyslog', 'rsyslog-kafka', 'rsyslog-elasticsearch'], { encoding: 'utf8' });
    return status.trim().split('\n').every((line) => line.endsWith('install ok installed'));
  } catch {
    return false;
  }
}

const PEER_EVENTS = Number(process.env.BENCH_PEER_EVENTS ?? 100_000);
/**
 * rsyslog and Sluice's full pipeline again on this many times the lines: Sluice pays a fixed CPU cost per start
 * (its start-up, then a first pass through code V8 has not optimised yet and through memory touched for the
 * first time) that rsyslog, in C, does not, so its ratio depends on the run's length.
 */
const LONG_RUN = 4;

/** Resident memory of an idle `sluice ingest` member: started against fresh emulators, ready, no traffic. */
async function idleWorkerMb(): Promise<number> {
  const [kafkaPort, esPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const kafka = sluiceProcess(['emulate', 'kafka', '--port', String(kafkaPort)]);
  const elasticsearch = sluiceProcess(['emulate', 'elasticsearch', '--port', String(esPort)]);
  let worker: ChildProcess | undefined;
  try {
    await Promise.all([waitForPort(kafkaPort), waitForPort(esPort)]);
    worker = sluiceProcess(['ingest'], { env: { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, ELASTICSEARCH_URL: `http://127.0.0.1:${esPort}`, SLUICE_INGEST_METRICS_PORT: String(metricsPort), SLUICE_INGEST_WORKERS: '1' } });
    for (let attempt = 0; (await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined))?.status !== 200; attempt += 1) {
      if (worker.exitCode !== null) throw new Error(`the idle worker exited (code ${worker.exitCode}) before it was ready`);
      if (attempt > 600) throw new Error('the idle worker did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${worker.pid as number}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } finally {
    if (worker !== undefined) await stop(worker);
    await Promise.all([stop(kafka), stop(elasticsearch)]);
  }
}

/**
 * rsyslog, then Sluice doing the same work (SLUICE_ENRICHERS=none: decode, normalise to ECS, index), then its
 * full pipeline with one member and with one per core, each on the same Traefik lines between fresh emulators;
 * then rsyslog and the full pipeline with one member on LONG_RUN times the lines.
 */
export async function benchPeers(): Promise<IngestRow[]> {
  const rows: IngestRow[] = [{ name: 'an idle worker (one member, every enricher): resident memory', value: await idleWorkerMb(), unit: 'MB', goal: '≤ 150 MB' }];
  if (!rsyslogAvailable()) {
    process.stderr.write('bench: rsyslog, rsyslog-kafka or rsyslog-elasticsearch is not installed (bench/install-peers.sh installs them); the peer comparison is skipped\n');
    return rows;
  }
  const lines = traefikLines(PEER_EVENTS);
  const count = PEER_EVENTS.toLocaleString('en-US');
  const rsyslogRun: PeerRun = { name: 'rsyslog: imkafka → mmjsonparse → omelasticsearch', consumer: 'rsyslog' };
  const fullRun: PeerRun = { name: 'Sluice, full pipeline, one member', consumer: 'sluice', env: { SLUICE_INGEST_WORKERS: '1' } };
  const runs: PeerRun[] = [
    rsyslogRun,
    { name: 'Sluice, the same work (SLUICE_ENRICHERS=none), one member', consumer: 'sluice', env: { SLUICE_ENRICHERS: 'none', SLUICE_INGEST_WORKERS: '1' } },
    fullRun,
    { name: `Sluice, full pipeline, one member per core (${availableParallelism()})`, consumer: 'sluice', env: { SLUICE_INGEST_WORKERS: String(availableParallelism()) } },
  ];
  const measured: PeerRow[] = [];
  for (const run of runs) measured.push(await runPeer(run, lines));
  const [peer, , fullPipeline] = measured as [PeerRow, PeerRow, PeerRow];
  const longLines = traefikLines(PEER_EVENTS * LONG_RUN);
  const longPeer = await runPeer(rsyslogRun, longLines);
  const longFull = await runPeer(fullRun, longLines);
  for (const row of measured) {
    const isPeer = row === peer;
    const full = row.name.includes('full pipeline');
    const against = (value: number) => (isPeer ? undefined : { name: 'rsyslog', value });
    rows.push(
      { name: `${row.name}: ${count} Traefik lines, start-up included`, value: row.eventsPerSecond, unit: 'events/s', ...(isPeer ? {} : { baseline: against(peer.eventsPerSecond) }) },
      { name: `${row.name}: events per CPU-second of its own`, value: 1_000_000 / row.cpuSecondsPerMillion, unit: 'events', ...(isPeer ? {} : { baseline: against(1_000_000 / peer.cpuSecondsPerMillion) }), ...(full && !isPeer ? { goal: '≥ 1.0 × rsyslog' } : {}) },
      { name: `${row.name}: events per CPU-second, start-up left out`, value: 1_000_000 / row.runningCpuSecondsPerMillion, unit: 'events', ...(isPeer ? {} : { baseline: against(1_000_000 / peer.runningCpuSecondsPerMillion) }) },
      { name: `${row.name}: CPU-seconds per million events`, value: row.cpuSecondsPerMillion, unit: 's', ...(isPeer ? {} : { baseline: against(peer.cpuSecondsPerMillion) }) },
      { name: `${row.name}: peak memory of its processes`, value: row.peakRssMb, unit: 'MB', ...(isPeer ? {} : { baseline: against(peer.peakRssMb) }) },
      { name: `${row.name}: the Elasticsearch emulator's CPU-seconds per million of its documents`, value: row.elasticsearchCpuSecondsPerMillion, unit: 's', ...(isPeer ? {} : { baseline: against(peer.elasticsearchCpuSecondsPerMillion) }) },
    );
  }
  const longCount = longLines.length.toLocaleString('en-US');
  /** µs of CPU per event past the short run's lines: the long run's CPU less the short run's, over the lines between. */
  const beyond = (long: PeerRow, short: PeerRow): number => (long.cpuSecondsPerMillion * longLines.length - short.cpuSecondsPerMillion * lines.length) / (longLines.length - lines.length);
  rows.push(
    { name: `${longPeer.name}: ${longCount} Traefik lines, events per CPU-second of its own`, value: 1_000_000 / longPeer.cpuSecondsPerMillion, unit: 'events' },
    { name: `${longFull.name}: ${longCount} Traefik lines, events per CPU-second of its own`, value: 1_000_000 / longFull.cpuSecondsPerMillion, unit: 'events', baseline: { name: 'rsyslog', value: 1_000_000 / longPeer.cpuSecondsPerMillion }, goal: '≥ 1.0 × rsyslog' },
    { name: `${longFull.name}: CPU per event past the first ${count} lines (the two runs' difference)`, value: beyond(longFull, fullPipeline), unit: 'µs', baseline: { name: 'rsyslog', value: beyond(longPeer, peer) } },
  );
  return rows;
}
