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

export async function startEmulatorThread(data: EmulatorThreadData): Promise<EmulatorThread> {
  const worker = new Worker(new URL('./thread-entry.js', import.meta.url), { workerData: data });
  const [first] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([error]) => [{ type: 'failed', message: String(error) }])])) as [EmulatorThreadMessage];
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
