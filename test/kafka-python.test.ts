import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { packageRoot } from '../shared/paths.js';
import { startKafka } from './support/kafka.js';
import { run } from './support/process.js';

let emulator: KafkaEmulator;

beforeAll(async () => {
  emulator = await startKafka();
});

afterAll(async () => {
  await emulator.close();
});

interface Report {
  api_version: number[];
  sent: Array<[number, number]>;
  consumed: string[];
  committed: Record<string, number>;
  end_offsets: Record<string, number>;
  consumed_again: string[];
  after_seek: number[];
}

describe('kafka-python (Debian python3-kafka) against the emulator', () => {
  it('produces, consumes in a group, commits and reads back committed offsets, seeks', async () => {
    // Debian's interpreter, where python3-kafka is installed, whatever python3 comes first on PATH.
    const result = await run('/usr/bin/python3', [join(packageRoot, 'test', 'support', 'kafka_python_client.py'), emulator.brokers], { timeoutMs: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;

    // It infers the broker's version from the advertised ranges and picks its fixed request versions from that.
    expect(report.api_version).toEqual([2, 4, 0]);
    const values = Array.from({ length: 30 }, (_, i) => `v${i}`);
    expect(report.consumed).toEqual([...values].sort());
    const perPartition = new Map<number, number>();
    for (const [partition] of report.sent) perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
    for (const [partition, count] of perPartition) {
      expect(report.end_offsets[String(partition)]).toBe(count);
      expect(report.committed[String(partition)]).toBe(count);
      expect(emulator.groups.committed('py-group', 'py-events', partition)?.offset).toBe(BigInt(count));
    }
    expect(report.consumed_again).toEqual([]);
    const onZero = perPartition.get(0) ?? 0;
    expect(onZero).toBeGreaterThan(2);
    expect(report.after_seek).toEqual(Array.from({ length: Math.max(0, onZero - 2) }, (_, i) => 2 + i));
  });
});
