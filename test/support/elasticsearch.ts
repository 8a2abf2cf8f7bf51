import { Client } from '@elastic/elasticsearch';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { ElasticsearchEmulator, type ElasticsearchEmulatorOptions } from '../../emulators/elasticsearch/index.js';
import { packageRoot } from '../../shared/paths.js';
import { run } from './process.js';

/** An Elasticsearch emulator on a free loopback port with an official client pointed at it. */
export async function startElasticsearch(options: ElasticsearchEmulatorOptions = {}): Promise<{ emulator: ElasticsearchEmulator; es: Client; stop(): Promise<void> }> {
  const emulator = await ElasticsearchEmulator.start({ port: 0, logger: pino({ level: 'silent' }), ...options });
  const es = new Client({ node: emulator.url, maxRetries: 0 });
  return {
    emulator,
    es,
    async stop() {
      await es.close();
      await emulator.close();
    },
  };
}

/**
 * One emulator for a whole test file, emptied after each test as the clients' YAML runners empty theirs; `ready`
 * receives its client and emulator. An `afterEach` the file registers after this call runs before the emptying.
 */
export function emulatorPerFile(ready: (cluster: { es: Client; emulator: ElasticsearchEmulator }) => void, options: ElasticsearchEmulatorOptions = {}): void {
  let started: Awaited<ReturnType<typeof startElasticsearch>> | undefined;
  beforeAll(async () => {
    started = await startElasticsearch(options);
    ready(started);
  });
  afterEach(async () => {
    if (started !== undefined) await emptyCluster(started.es);
  });
  afterAll(async () => {
    await started?.stop();
  });
}

/**
 * Runs a client script of `test/support` against the emulator at `url` (`interpreter script url`); the script prints
 * one JSON report. Anything on stderr or a non-zero exit fails the test.
 */
export async function clientReport<Report>(interpreter: string, script: string, url: string): Promise<Report> {
  const result = await run(interpreter, [join(packageRoot, 'test', 'support', script), url], { timeoutMs: 60_000 });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Report;
}

/** The `error` of a failed client call, or of a bulk item. */
export async function failure(call: Promise<unknown>): Promise<{ status: number; type: string; reason: string }> {
  try {
    await call;
  } catch (error) {
    const meta = (error as { meta?: { statusCode?: number; body?: { error?: { type?: string; reason?: string } } } }).meta;
    return { status: meta?.statusCode ?? -1, type: meta?.body?.error?.type ?? '', reason: meta?.body?.error?.reason ?? '' };
  }
  throw new Error('expected the call to fail');
}

/** What a test left in the emulator, removed as the clients’ YAML runners remove it: data streams, indices, templates (legacy too), pipelines, policies. */
export async function emptyCluster(es: Client): Promise<void> {
  await es.indices.deleteDataStream({ name: '*' }, { ignore: [404] });
  await es.indices.delete({ index: '*' }, { ignore: [404] });
  for (const { name } of (await es.indices.getIndexTemplate()).index_templates) await es.indices.deleteIndexTemplate({ name });
  await es.indices.deleteTemplate({ name: '*' }, { ignore: [404] });
  for (const { name } of (await es.cluster.getComponentTemplate()).component_templates) await es.cluster.deleteComponentTemplate({ name });
  for (const id of Object.keys(await es.ingest.getPipeline())) await es.ingest.deletePipeline({ id });
  for (const name of Object.keys(await es.ilm.getLifecycle())) await es.ilm.deleteLifecycle({ name });
}
