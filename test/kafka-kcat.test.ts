import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { startKafka } from './support/kafka.js';
import { run } from './support/process.js';

/** librdkafka, through Debian's kcat: an independent client with its own protocol code. */
let emulator: KafkaEmulator;
const kcat = (args: string[], input?: string) => run('kcat', ['-b', emulator.brokers, ...args], { input });

beforeAll(async () => {
  emulator = await startKafka();
});

afterAll(async () => {
  await emulator.close();
});

describe('kcat (librdkafka) against the emulator', () => {
  it('-P produces keyed lines, -L lists the auto-created topic, -C -e reads everything back', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `key${i % 5}:line ${i}`);
    expect((await kcat(['-P', '-t', 'kc-basic', '-K:'], `${lines.join('\n')}\n`)).code).toBe(0);

    const metadata = await kcat(['-L', '-t', 'kc-basic']);
    expect(metadata.code).toBe(0);
    expect(metadata.stdout).toContain(`broker 1 at ${emulator.brokers}`);
    expect(metadata.stdout).toMatch(/topic "kc-basic" with 3 partitions/);

    const consumed = await kcat(['-C', '-t', 'kc-basic', '-e', '-q', '-f', '%k:%s\\n']);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trim().split('\n').sort()).toEqual([...lines].sort());
  });

  it('-Q finds offsets by timestamp', async () => {
    // kcat cannot set a message's timestamp, so three messages are produced a little apart.
    for (const line of ['m0', 'm1', 'm2']) {
      expect((await kcat(['-P', '-t', 'kc-time', '-p', '0'], `${line}\n`)).code).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const batches = emulator.topics.partition('kc-time', 0)?.read(0, 1 << 20).batches ?? [];
    const times = batches.map((batch) => Number(batch.readBigInt64BE(27)));
    expect(times).toHaveLength(3);
    expect(times[1]).toBeGreaterThan(times[0] as number);
    const query = async (timestamp: number) => (await kcat(['-Q', '-t', `kc-time:0:${timestamp}`])).stdout.trim();
    expect(await query((times[0] as number) - 1000)).toBe('kc-time [0] offset 0');
    expect(await query((times[0] as number) + 1)).toBe('kc-time [0] offset 1');
    expect(await query(times[2] as number)).toBe('kc-time [0] offset 2');
    expect(await query((times[2] as number) + 3_600_000)).toBe('kc-time [0] offset -1');
  });

  it('-G consumes as a balanced group and commits: a second run of the group reads only what is new', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `g ${i}`);
    await kcat(['-P', '-t', 'kc-group'], `${lines.join('\n')}\n`);
    const group = () => kcat(['-G', 'kc-g1', 'kc-group', '-e', '-q', '-X', 'auto.offset.reset=earliest']);

    const first = await group();
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n').sort()).toEqual([...lines].sort());
    expect((await group()).stdout).toBe('');

    await kcat(['-P', '-t', 'kc-group'], 'g late\n');
    expect((await group()).stdout).toBe('g late\n');
  });

  it.each([
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
    ['zstd', 4],
  ])('%s batches produced by librdkafka are stored as sent and consumed back intact', async (codec, id) => {
    const topic = `kc-${codec}`;
    const lines = Array.from({ length: 500 }, (_, i) => `${codec} compressed line ${i} ${'x'.repeat(i % 50)}`);
    expect((await kcat(['-P', '-t', topic, '-p', '0', '-z', codec, '-X', 'linger.ms=100'], `${lines.join('\n')}\n`)).code).toBe(0);
    // librdkafka sends a batch uncompressed when compressing would not shrink it (a lone first line).
    const batches = (emulator.topics.partition(topic, 0)?.read(0, 1 << 30).batches ?? []).filter((batch) => batch.readInt32BE(57) > 1);
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) expect(batch.readInt16BE(21) & 0x07).toBe(id);
    const consumed = await kcat(['-C', '-t', topic, '-p', '0', '-e', '-q']);
    expect(consumed.stdout.trim().split('\n')).toEqual(lines);
  });

  it('-X enable.idempotence=true produces through InitProducerId, with producer ids and sequences in the batches', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `idempotent ${i}`);
    const produced = await kcat(['-P', '-t', 'kc-idem', '-p', '0', '-X', 'enable.idempotence=true'], `${lines.join('\n')}\n`);
    expect(produced.stderr).not.toMatch(/not supported/i);
    expect(produced.code).toBe(0);
    const log = emulator.topics.partition('kc-idem', 0);
    expect(log?.producers.size).toBe(1);
    const firstBatch = log?.read(0, 1 << 20).batches[0];
    expect(firstBatch?.readBigInt64BE(43)).toBeGreaterThanOrEqual(0n); // producer id
    expect(firstBatch?.readInt32BE(53)).toBe(0); // base sequence
    const consumed = await kcat(['-C', '-t', 'kc-idem', '-p', '0', '-e', '-q']);
    expect(consumed.stdout.trim().split('\n')).toEqual(lines);
  });
});
