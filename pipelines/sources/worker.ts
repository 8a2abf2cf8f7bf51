import type { Json } from '../ecs.js';
import { put } from '../ecs.js';
import { normaliseApp } from './app.js';
import type { NormaliseContext } from './common.js';

/** Worker logs share the API's format; their worker fields get ECS-like names under rendiff.worker. */
export function normaliseWorker(record: Json, context: NormaliseContext): Json {
  const { worker_id, queue, attempt, worker_type, ...rest } = record;
  const document = normaliseApp(rest, context, 'rendiff.worker', 'rendiff-worker');
  put(document, 'rendiff.worker.id', worker_id === undefined ? undefined : String(worker_id));
  put(document, 'rendiff.worker.queue', queue);
  put(document, 'rendiff.worker.attempt', attempt);
  put(document, 'rendiff.worker.type', worker_type);
  return document;
}
