import kafkajs from 'kafkajs';
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

  it("reads what kafkajs's producer, as Sluice patches it, sent in one batch: keys, values of any size, headers, timestamps, each partition in the order sent", async () => {
    const client = new kafkajs.Kafka({ brokers: [emulator.brokers], logLevel: kafkajs.logLevel.NOTHING });
    const producer = client.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    const base = Date.parse('2026-11-22T10:00:00Z');
    // Values of every length class: empty, short, multi-byte UTF-8, and past the encoder's initial 512 bytes and a request's first chunk.
    const value = (i: number): string => (i % 50 === 7 ? 'x'.repeat(70_000 + i) : i % 10 === 3 ? '' : i % 4 === 1 ? `h\u00e9llo \u2713 ${i}` : `line ${i}`);
    const messages = Array.from({ length: 300 }, (_, i) => ({
      topic: i % 2 === 0 ? 'kc-js-even' : 'kc-js-odd',
      // An empty value is told apart by its key.
      key: i % 5 === 0 ? null : i % 10 === 3 ? `empty${i}` : `key${i % 7}`,
      value: value(i),
      ...(i % 3 === 0 ? { headers: { trace: `t${i}`, multi: ['a', `b${i}`] } } : {}),
      ...(i % 2 === 0 ? { timestamp: String(base + i) } : {}),
    }));
    const before = Date.now();
    // The emulator refuses a batch whose CRC-32C is wrong, as Kafka does: the patched checksum is checked here too.
    await producer.sendBatch({ topicMessages: ['kc-js-even', 'kc-js-odd'].map((topic) => ({ topic, messages: messages.filter((message) => message.topic === topic).map(({ topic: _topic, ...message }) => message) })) });
    const after = Date.now();
    await producer.disconnect();

    type Read = { partition: number; offset: number; tstype: string; ts: number; headers?: string[]; key: string | null; payload: string | null };
    const read: Array<Read & { topic: string }> = [];
    for (const topic of ['kc-js-even', 'kc-js-odd']) {
      const consumed = await kcat(['-C', '-t', topic, '-e', '-q', '-J']);
      expect(consumed.code, consumed.stderr).toBe(0);
      for (const line of consumed.stdout.trim().split('\n')) read.push({ ...(JSON.parse(line) as Read), topic });
    }
    expect(read).toHaveLength(300);
    const index = (entry: Read): number => messages.findIndex((message) => message.value === (entry.payload ?? '') && (message.key ?? null) === entry.key && (message.timestamp === undefined || Number(message.timestamp) === entry.ts));
    const found = read.map((entry) => ({ entry, i: index(entry) }));
    expect(new Set(found.map(({ i }) => i)).size).toBe(300);
    for (const { entry, i } of found) {
      const sent = messages[i]!;
      expect(entry.topic).toBe(sent.topic);
      expect(entry.tstype).toBe('create');
      if (sent.timestamp === undefined) expect(entry.ts >= before && entry.ts <= after).toBe(true);
      expect(entry.headers ?? []).toEqual(sent.headers === undefined ? [] : ['trace', sent.headers.trace, 'multi', 'a', 'multi', sent.headers.multi[1]]);
    }
    for (const topic of ['kc-js-even', 'kc-js-odd']) {
      for (const partition of new Set(found.filter(({ entry }) => entry.topic === topic).map(({ entry }) => entry.partition))) {
        const mine = found.filter(({ entry }) => entry.topic === topic && entry.partition === partition).sort((a, b) => a.entry.offset - b.entry.offset);
        expect(mine.map(({ entry }) => entry.offset)).toEqual(mine.map((_, offset) => offset));
        expect(mine.map(({ i }) => i)).toEqual(mine.map(({ i }) => i).sort((a, b) => a - b));
      }
    }
  });

  it("-C reads what kafkajs's transactions committed and not what they aborted; with -X isolation.level=read_uncommitted, both", async () => {
    emulator.topics.create('kc-txn', 1);
    const producer = new kafkajs.Kafka({ brokers: [emulator.brokers], logLevel: kafkajs.logLevel.NOTHING }).producer({ transactionalId: 'kc-txn', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    for (const [values, commit] of [[['c1', 'c2'], true], [['a1', 'a2'], false], [['c3'], true]] as const) {
      const transaction = await producer.transaction();
      await transaction.send({ topic: 'kc-txn', messages: values.map((value) => ({ value })) });
      await (commit ? transaction.commit() : transaction.abort());
    }
    await producer.disconnect();
    const committed = await kcat(['-C', '-t', 'kc-txn', '-e', '-q']);
    expect(committed.stdout.trim().split('\n')).toEqual(['c1', 'c2', 'c3']);
    const everything = await kcat(['-C', '-t', 'kc-txn', '-e', '-q', '-X', 'isolation.level=read_uncommitted']);
    expect(everything.stdout.trim().split('\n')).toEqual(['c1', 'c2', 'a1', 'a2', 'c3']);
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
