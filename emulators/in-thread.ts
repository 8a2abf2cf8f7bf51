import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { untilAborted } from '../services/startup.js';
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
 * Starts the emulator. Ctrl-C before it listens (while it reads back a large data folder, which takes seconds)
 * terminates the thread where it is and rejects with StartAborted. Nothing is lost by that: until it listens an
 * emulator only reads its files, but for cutting off a torn tail and a compaction, which writes a new file and
 * renames it over the old.
 */
export async function startEmulatorThread(data: EmulatorThreadData, signal?: AbortSignal): Promise<EmulatorThread> {
  const worker = new Worker(new URL('./thread-entry.js', import.meta.url), { workerData: data });
  const started = Promise.race([once(worker, 'message'), once(worker, 'error').then(([error]) => [{ type: 'failed', message: String(error) }])]) as Promise<[EmulatorThreadMessage]>;
  const [first] = await untilAborted(started, signal).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
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
