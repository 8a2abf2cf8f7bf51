import type { Json } from '../ecs.js';
import { put } from '../ecs.js';
import { normaliseApp } from './app.js';
import type { NormaliseContext } from './common.js';

/** A value a keyword field takes: text, a number or a boolean (not an object, which Elasticsearch refuses there). */
const isKeyword = (value: unknown): boolean => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
/** A value the long `rendiff.worker.attempt` takes: an integer, or its digits. */
const isCount = (value: unknown): boolean => Number.isSafeInteger(value) || (typeof value === 'string' && /^\d{1,15}$/.test(value));

const WORKER_FIELDS = { worker_id: ['rendiff.worker.id', isKeyword], queue: ['rendiff.worker.queue', isKeyword], attempt: ['rendiff.worker.attempt', isCount], worker_type: ['rendiff.worker.type', isKeyword] } as const;

/**
 * Worker logs share the API's format; their worker fields get ECS-like names under rendiff.worker. A value its place
 * cannot hold (an object where a name goes) stays with the rest of the record, kept under `rendiff.*` as it is.
 */
export function normaliseWorker(record: Json, context: NormaliseContext): Json {
  const rest: Json = {};
  const placed: Array<[string, unknown]> = [];
  for (const key in record) {
    const place = WORKER_FIELDS[key as keyof typeof WORKER_FIELDS];
    if (place !== undefined && place[1](record[key])) placed.push([place[0], key === 'worker_id' ? String(record[key]) : record[key]]);
    else rest[key] = record[key];
  }
  const document = normaliseApp(rest, context, 'rendiff.worker', 'rendiff-worker');
  for (const [path, value] of placed) put(document, path, value);
  return document;
}
