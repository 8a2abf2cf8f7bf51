import { parentPort, workerData } from 'node:worker_threads';
import type { LogFormat, LogLevel } from '../shared/config.js';
import { createLogger, serviceLogger } from '../shared/logging.js';

/**
 * An emulator on a worker thread of `sluice start` (see in-thread.ts): it starts, says where it listens,
 * and closes when told to. Its failures travel back as plain data, with the code and address of a busy port.
 */

export interface EmulatorThreadData {
  kind: 'kafka' | 'elasticsearch';
  port: number;
  dataDir: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export type EmulatorThreadMessage = { type: 'listening'; address: string } | { type: 'failed'; message: string; code?: string; address?: string; port?: number } | { type: 'closed' };

const data = workerData as EmulatorThreadData;
const port = parentPort;
const logger = serviceLogger(createLogger(data.logLevel, data.logFormat), 'emulator');
const send = (message: EmulatorThreadMessage): void => port?.postMessage(message);

async function start(): Promise<{ address: string; close(): Promise<void> }> {
  if (data.kind === 'kafka') {
    const { KafkaEmulator } = await import('./kafka/index.js');
    const kafka = await KafkaEmulator.start({ port: data.port, dataDir: data.dataDir, logger });
    return { address: kafka.brokers, close: () => kafka.close() };
  }
  const { ElasticsearchEmulator } = await import('./elasticsearch/index.js');
  const elasticsearch = await ElasticsearchEmulator.start({ port: data.port, dataDir: data.dataDir, logger });
  return { address: elasticsearch.url, close: () => elasticsearch.close() };
}

start().then(
  (emulator) => {
    send({ type: 'listening', address: emulator.address });
    port?.once('message', () => {
      void emulator.close().then(() => {
        send({ type: 'closed' });
        port.close();
      });
    });
  },
  (error: unknown) => {
    const failure = error as NodeJS.ErrnoException & { address?: string; port?: number };
    send({ type: 'failed', message: failure.message ?? String(error), code: failure.code, address: failure.address, port: failure.port });
  },
);
