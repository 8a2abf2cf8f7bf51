import { join } from 'node:path';
import { expect } from 'vitest';
import { packageRoot } from '../../shared/paths.js';
import { run } from './process.js';

/** Runs test/support/kafka_confluent_client.py (Debian's python3-confluent-kafka, librdkafka inside) and returns its JSON report. */
export async function confluent(brokers: string, args: string[]): Promise<Record<string, unknown>> {
  const result = await run('/usr/bin/python3', [join(packageRoot, 'test', 'support', 'kafka_confluent_client.py'), brokers, ...args], { timeoutMs: 60_000 });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
