import { Client } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { ElasticsearchEmulator, type ElasticsearchEmulatorOptions } from '../../emulators/elasticsearch/index.js';

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
