import { put, type Json } from '../ecs.js';
import { baseDocument, eventTime, keepRest, type NormaliseContext } from './common.js';

/**
 * Anything no source pipeline recognises: a plain line is kept whole as `message`; a JSON record keeps
 * its message and time if it has them and everything else under `rendiff.*`.
 */
export function normaliseGeneric(record: Json | string, context: NormaliseContext, dataset = 'sluice.generic'): Json {
  if (typeof record === 'string') {
    const document = baseDocument(dataset, eventTime(undefined, '@timestamp', { ...context, envelope: context.envelope ?? { '@timestamp': new Date(context.now).toISOString() } }), context);
    put(document, 'message', record);
    return document;
  }
  const time = record['@timestamp'] ?? record.timestamp ?? record.time ?? record.ts;
  const document = baseDocument(dataset, eventTime(time, '@timestamp', { ...context, envelope: context.envelope ?? { '@timestamp': new Date(context.now).toISOString() } }), context);
  const message = record.message ?? record.msg;
  put(document, 'message', typeof message === 'string' ? message : undefined);
  put(document, 'log.level', typeof record.level === 'string' ? record.level.toLowerCase() : undefined);
  keepRest(document, record, new Set(['@timestamp', 'timestamp', 'time', 'ts', 'message', 'msg', 'level']));
  return document;
}
