import type { Json } from '../ecs.js';
import { get, put } from '../ecs.js';
import { normaliseApp } from './app.js';
import { placeCeleryMessage } from './celery.js';
import type { NormaliseContext } from './common.js';
import { fits } from './mapped-types.js';

/** The worker's own fields and their places (a Map: a record's key such as `constructor` must find nothing). */
// `task_name` and `task_id`: what Celery's TaskFormatter adds to a record logged inside a task, as a JSON formatter writes them.
const WORKER_FIELDS: ReadonlyMap<string, string> = new Map([
  ['worker_id', 'rendiff.worker.id'], ['queue', 'rendiff.worker.queue'], ['attempt', 'rendiff.worker.attempt'], ['worker_type', 'rendiff.worker.type'],
  ['task_name', 'rendiff.worker.task.name'], ['task_id', 'rendiff.worker.task.id'],
]);

/**
 * Worker logs share the API's format; their worker fields get ECS-like names under rendiff.worker. A value its place
 * cannot hold (an object where a name goes) stays with the rest of the record, kept under `rendiff.*` as it is.
 */
export function normaliseWorker(record: Json, context: NormaliseContext): Json {
  const rest: Json = {};
  const placed: Array<[string, unknown]> = [];
  for (const key in record) {
    const path = WORKER_FIELDS.get(key);
    const value = record[key];
    if (path !== undefined && fits(path, value)) placed.push([path, key === 'worker_id' ? String(value) : value]);
    else rest[key] = value;
  }
  const document = normaliseApp(rest, context, 'rendiff.worker', 'rendiff-worker');
  for (const [path, value] of placed) put(document, path, value);
  // One of Celery's task messages, logged through a JSON formatter: the task event its text line gives.
  if (typeof document.message === 'string' && get(document, 'event.action') === undefined) placeCeleryMessage(document, document.message);
  return document;
}
