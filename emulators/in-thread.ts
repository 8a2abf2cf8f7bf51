import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { EmulatorThreadData, EmulatorThreadMessage } from './thread-entry.js';

/**
 * An embedded emulator on its own worker thread. In one thread with ingest, the emulators took half of
 * its time: on their own threads they use the machine's other cores, as a real Kafka and Elasticsearch
 * would. Worker threads rather than processes: they stop with `sluice start` whatever happens to it.
 */
export interface EmulatorThread {
  address: string;
  close(): Promise<void>;
}

/**
 * Starts the emulator; when `signal` fires before it listens (Ctrl-C while it reads back a large data folder,
 * which takes seconds), the thread is terminated and the start rejects with the signal's reason. Nothing is
 * lost by that: until it listens an emulator only reads its files, but for cutting off a torn tail and a
 * compaction, which writes a new file and renames it over the old.
 */
export async function startEmulatorThread(data: EmulatorThreadData, signal?: AbortSignal): Promise<EmulatorThread> {
  const worker = new Worker(new URL('./thread-entry.js', import.meta.url), { workerData: data });
  const listening = once(worker, 'message');
  const failed = once(worker, 'error').then(([error]) => [{ type: 'failed', message: String(error) }]);
  const interrupted = signal === undefined ? [] : [once(signal, 'abort').then(() => [{ type: 'aborted' }])];
  if (signal?.aborted) interrupted.push(Promise.resolve([{ type: 'aborted' }]));
  const [first] = (await Promise.race([listening, failed, ...interrupted])) as [EmulatorThreadMessage | { type: 'aborted' }];
  if (first.type === 'aborted') {
    await worker.terminate();
    throw signal?.reason;
  }
  if (first.type !== 'listening') {
    await worker.terminate();
    const failure = first.type === 'failed' ? first : { message: 'the emulator thread closed before it listened' };
    throw Object.assign(new Error(failure.message), failure);
  }
  return {
    address: first.address,
    async close() {
      const closed = once(worker, 'exit');
      worker.postMessage('close');
      await closed;
    },
  };
}
