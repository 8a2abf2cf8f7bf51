import type { Json } from './ecs.js';
import { looksLikePostgresStderr } from './sources/postgres.js';
import { looksLikeTraefikCommon } from './sources/traefik-common.js';
import { looksLikeCelery } from './sources/celery.js';
import type { Source } from './types.js';

const BY_NAME: Array<[RegExp, Source]> = [
  [/traefik|access|proxy/i, 'traefik'],
  [/postgres|pg\b|database/i, 'postgres'],
  [/worker|celery|queue/i, 'worker'],
  [/api|app/i, 'app'],
];

/** A source named by configuration or by Filebeat's `fields.log_type` / `fields.service`. */
export function sourceByName(name: string | undefined): Source | undefined {
  if (name === undefined || name === '') return undefined;
  return BY_NAME.find(([pattern]) => pattern.test(name))?.[1];
}

/** Recognises a record by its shape when nothing names its source. */
export function sourceByShape(record: Json | string): Source {
  if (typeof record === 'string') return looksLikePostgresStderr(record) ? 'postgres' : looksLikeTraefikCommon(record) ? 'traefik' : looksLikeCelery(record) ? 'worker' : 'generic';
  if ('ClientAddr' in record || ('RequestMethod' in record && 'DownstreamStatus' in record)) return 'traefik';
  if ('error_severity' in record && 'message' in record) return 'postgres';
  if ('level' in record && ('timestamp' in record || 'message' in record)) {
    const component = typeof record.component === 'string' ? record.component : '';
    return 'worker_id' in record || 'queue' in record || /worker/i.test(component) ? 'worker' : 'app';
  }
  return 'generic';
}

/** Forced source, then the topic (configured, else by its name), then Filebeat's fields, then the shape. */
export function route(record: Json | string, envelope: Json | undefined, options: { forced?: Source; topic?: string; topicSources: Readonly<Record<string, Source>> }): Source {
  if (options.forced !== undefined) return options.forced;
  const byTopic = options.topic === undefined ? undefined : (options.topicSources[options.topic] ?? sourceByName(options.topic));
  if (byTopic !== undefined) return byTopic;
  const fields = (envelope?.fields ?? {}) as Json;
  const named = sourceByName(typeof fields.log_type === 'string' ? fields.log_type : undefined) ?? sourceByName(typeof fields.service === 'string' ? fields.service : undefined);
  return named ?? sourceByShape(record);
}
