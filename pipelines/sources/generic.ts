import { put, type Json } from '../ecs.js';
import { baseDocument, eventTime, keepRest, type Claim, type NormaliseContext } from './common.js';
import { ecsLevel, isEcsKey, LEVEL_READ, NONE_READ, placeEcs } from './ecs-fields.js';

const KNOWN = new Set(['@timestamp', 'timestamp', 'time', 'ts', 'message', 'msg', 'level']);

/** An ECS logger's fields to their ECS place, as in the app pipeline; `log.level` is read already when it gave the level. */
const claimEcs: Claim = (document, key, value, record) => {
  if (!isEcsKey(key)) return false;
  placeEcs(document, key, value, 'rendiff', typeof record.level === 'string' ? NONE_READ : LEVEL_READ);
  return true;
};

/**
 * Anything no source pipeline recognises: a plain line is kept whole as `message`; a JSON record keeps
 * its message and time if it has them, an ECS logger's fields in their ECS place, and everything else under `rendiff.*`.
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
  put(document, 'log.level', (typeof record.level === 'string' ? record.level : ecsLevel(record))?.toLowerCase());
  keepRest(document, record, KNOWN, 'rendiff', claimEcs);
  return document;
}
