import type { Json } from '../ecs.js';
import { put } from '../ecs.js';
import { normaliseApp } from './app.js';
import type { NormaliseContext } from './common.js';
import { fits } from './mapped-types.js';

/** The worker's own fields and their places (a Map: a record's key such as `constructor` must find nothing). */
const WORKER_FIELDS: ReadonlyMap<string, string> = new Map([['worker_id', 'rendiff.worker.id'], ['queue', 'rendiff.worker.queue'], ['attempt', 'rendiff.worker.attempt'], ['worker_type', 'rendiff.worker.type']]);

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
  return document;
}
