import kafkajs from 'kafkajs';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { startKafka } from './support/kafka.js';
import { accepts, freePort, stopAll, waitFor } from './support/process.js';

/**
 * Burrow (LinkedIn's consumer lag monitor, Debian's 1.2.1) against the emulator: it reads the groups' commits from
 * `__consumer_offsets` with sarama, decodes them itself, and takes the partitions' ends from the broker. It keeps its
 * own state in ZooKeeper (Debian's libzookeeper-java, its server started here standalone).
 */
interface BurrowPartition {
  topic: string;
  partition: number;
  current_lag: number;
  end: { offset: number };
}

let emulator: KafkaEmulator;
let workDir: string;
let burrowUrl: string;
const servers: ChildProcess[] = [];
const logs: string[] = [];

function startServer(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  servers.push(child);
  return child;
}

function burrowConfig(zookeeperPort: number, httpPort: number): string {
  const brokers = `servers=["${emulator.brokers}"]`;
  return [
    '[general]',
    `pidfile="${join(workDir, 'burrow.pid')}"`,
    '[logging]',
    'level="info"',
    '[zookeeper]',
    `servers=["127.0.0.1:${zookeeperPort}"]`,
    'timeout=6',
    'root-path="/burrow"',
    '[client-profile.emulator]',
    'client-id="burrow"',
    'kafka-version="2.0.0"',
    '[cluster.local]',
    'class-name="kafka"',
    brokers,
    'client-profile="emulator"',
    'topic-refresh=1',
    'offset-refresh=1',
    '[consumer.local]',
    'class-name="kafka"',
    'cluster="local"',
    brokers,
    'client-profile="emulator"',
    '[httpserver.default]',
    `address="127.0.0.1:${httpPort}"`,
    '[storage.default]',
    'class-name="inmemory"',
    '',
  ].join('\n');
}

/**
 * ZooKeeper accepts connections before it serves them: its `srvr` command answers only once it does. A connection
 * taken while it starts may get neither an answer nor a close: it is given up after 2 s and asked again.
 */
function serving(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.end('srvr'));
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer.includes('Mode: standalone')));
    socket.on('error', () => resolve(false));
  });
}

async function burrow(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${burrowUrl}${path}`);
  return (await response.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  emulator = await startKafka();
  workDir = mkdtempSync(join(tmpdir(), 'sluice-burrow-'));
  const zookeeperPort = await freePort();
  startServer('java', ['-cp', '/usr/share/java/zookeeper.jar', 'org.apache.zookeeper.server.ZooKeeperServerMain', String(zookeeperPort), join(workDir, 'zookeeper')]);
  await waitFor(() => serving(zookeeperPort), 30_000, 'ZooKeeper');
  const httpPort = await freePort();
  writeFileSync(join(workDir, 'burrow.toml'), burrowConfig(zookeeperPort, httpPort));
  startServer('/usr/bin/Burrow', ['--config-dir', workDir]);
  burrowUrl = `http://127.0.0.1:${httpPort}`;
  await waitFor(() => accepts(httpPort), 30_000, 'Burrow’s HTTP server').catch((error: Error) => {
    throw new Error(`${error.message}; its output: ${logs.join('').slice(-2000)}`);
  });
}, 60_000);

afterAll(async () => {
  await stopAll(servers);
  await emulator?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('Burrow reads consumer lag from the emulator', () => {
  it('a group that consumed 40 messages and stopped, then 25 more produced: Burrow reports each partition’s lag, 25 in all', async () => {
    const kafka = new kafkajs.Kafka({ clientId: 'lagging-app', brokers: [emulator.brokers], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'watched', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    const send = (count: number, tag: string) => producer.send({ topic: 'watched', messages: Array.from({ length: count }, (_, i) => ({ key: `${tag}${i}`, value: `${tag} ${i}` })) });
    await send(40, 'first');
    const consumer = kafka.consumer({ groupId: 'watched-group' });
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: 'watched', fromBeginning: true });
    await consumer.run({ eachMessage: async () => void (seen += 1) });
    await waitFor(() => seen === 40, 20_000, 'the first 40 consumed');
    await consumer.disconnect();
    await send(25, 'later');
    await producer.disconnect();
    const ends = await admin.fetchTopicOffsets('watched');
    const committed = (await admin.fetchOffsets({ groupId: 'watched-group', topics: ['watched'] }))[0]?.partitions ?? [];
    await admin.disconnect();
    const expected = ends.map(({ partition, offset }) => ({ partition, lag: Number(offset) - Number(committed.find((each) => each.partition === partition)?.offset) })).sort((a, b) => a.partition - b.partition);
    expect(expected.reduce((sum, { lag }) => sum + lag, 0)).toBe(25);

    let status: { totallag?: number; partitions?: BurrowPartition[] } = {};
    await waitFor(
      async () => {
        status = ((await burrow('/v3/kafka/local/consumer/watched-group/lag')).status ?? {}) as typeof status;
        return status.totallag === 25;
      },
      30_000,
      'Burrow’s lag of the group',
    ).catch((error: Error) => {
      throw new Error(`${error.message}: last status ${JSON.stringify(status)}; Burrow's output: ${logs.join('').slice(-2000)}`);
    });
    expect(status.partitions?.map(({ partition, current_lag }) => ({ partition, lag: current_lag })).sort((a, b) => a.partition - b.partition)).toEqual(expected);
    expect(status.partitions?.map(({ partition, end }) => [partition, end.offset]).sort()).toEqual(committed.map(({ partition, offset }) => [partition, Number(offset)]).sort());
    expect((await burrow('/v3/kafka/local/consumer')).consumers).toContain('watched-group');
    expect((await burrow('/v3/kafka/local/topic')).topics).toContain('watched');
  }, 60_000);
});
