import { isIP } from 'node:net';
import { z } from 'zod';
import { latencyBucket } from '../../shared/latency-histogram.js';
import { durationNs, get, hostPort, nanoseconds, put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { baseDocument, eventTime, httpOutcome, idLike, isFailureLevel, level, putRequestTarget, validator, type Claim, type NormaliseContext } from './common.js';
import { ecsLevel, keepRestPlacingEcs, placeEcs } from './ecs-fields.js';
import { claimLoggerOrEcsField, levelName } from './json-loggers.js';
import { formatLevel, formatMessage, formatTime } from './logger-formats.js';
import { placeUvicornAccess } from './uvicorn.js';

/**
 * The API's JSON lines (the seed's `timestamp/level/message/job_id/user_id/processing_time/component`)
 * and the request fields applications commonly add. The worker pipeline shares it.
 */
export const appRecord = z
  .object({
    timestamp: z.union([z.string(), z.number()]).optional(),
    // pino and bunyan write the level as a number (json-loggers.ts).
    level: z.union([level, z.number()]).optional(),
    message: z.string().optional(),
    job_id: idLike.optional(),
    user_id: idLike.optional(),
    processing_time: z.number().nonnegative().optional(),
    component: z.string().optional(),
    method: z.string().optional(),
    path: z.string().optional(),
    status_code: z.number().int().min(100).max(599).optional(),
    duration_ms: z.number().nonnegative().optional(),
    client_ip: z.string().optional(),
    // The agent's text, or ECS's user_agent object (ecs-pino-format's convertReqRes): placed by normaliseApp.
    user_agent: z.unknown().optional(),
    request_id: z.string().optional(),
  })
  .passthrough();

const validateApp = validator(appRecord);
const KNOWN = new Set(['timestamp', 'level', 'message', 'job_id', 'user_id', 'processing_time', 'method', 'path', 'status_code', 'duration_ms', 'client_ip', 'user_agent', 'request_id']);

/**
 * What Python's logging and other JSON formatters add, with ECS's place for each (as Elastic's ecs-logging
 * libraries place them): the seeds' own formatters write `logger`, `function`, `line`, `exception`,
 * `service` and `environment`; python-json-logger writes `levelname` and `asctime`; others `@timestamp`.
 * Each is placed only when it has the type its formatter writes, and otherwise stays under `rendiff.*` as
 * before. A formatter's `exception` (text, or structlog's dict tracebacks) is read with the JSON loggers' fields.
 */
// A Map, looked up by a record's key: a key such as `constructor` must find nothing.
const CONTEXT_STRINGS: ReadonlyMap<string, string> = new Map([['logger', 'log.logger'], ['function', 'log.origin.function'], ['service', 'service.name'], ['environment', 'service.environment']]);
const TIME_FIELDS = ['@timestamp', 'asctime', 'time', 'ts'] as const;
interface TimeField {
  field: string;
  ms?: number;
}
const TIMESTAMP_FIELD: TimeField = { field: 'timestamp' };
let lastTimed: { record: Json | undefined; time: TimeField | undefined } = { record: undefined, time: undefined };

/**
 * The field that gives the record's time: `timestamp`, else an `@timestamp`, `asctime`, `time` (pino's epoch
 * milliseconds, bunyan's and slog's text) or `ts` (zap's epoch seconds) that reads as a time (`@timestamp` in epoch
 * seconds or milliseconds too).
 */
function timeFieldOf(record: Json): TimeField | undefined {
  if (record.timestamp !== undefined) return TIMESTAMP_FIELD;
  // normaliseApp asks, then keepRest's claim for each time field present: the record's answer is read once.
  if (lastTimed.record === record) return lastTimed.time;
  let time: TimeField | undefined;
  for (const field of TIME_FIELDS) {
    const value = record[field];
    // A small number is more likely a duration than a time in 1970.
    const ms = typeof value === 'string' || (field !== 'asctime' && typeof value === 'number' && value >= 1e9) ? parseTimestamp(value) : undefined;
    if (ms !== undefined) {
      time = { field, ms };
      break;
    }
  }
  lastTimed = { record, time };
  return time;
}

/**
 * Places the fields above that have their formatter's type, and an ECS logger's fields in their ECS place
 * (keepRest asks only of fields present and unknown).
 */
const claimContext: Claim = (document, key, value, record) => {
  const target = CONTEXT_STRINGS.get(key);
  if (target !== undefined) {
    // Filebeat's fields.service, when set, names the service (baseDocument); the record's own is kept beside it.
    const placed = typeof value === 'string' && get(document, target) === undefined;
    if (placed) put(document, target, value);
    return placed;
  }
  switch (key) {
    case 'line':
      if (Number.isInteger(value)) put(document, 'log.origin.file.line', value);
      return Number.isInteger(value);
    case 'levelname':
      return typeof value === 'string' && record.level === undefined;
    case '@timestamp':
    case 'asctime':
    case 'time':
    case 'ts':
      return timeFieldOf(record)?.field === key;
    default:
      return claimLoggerOrEcsField(document, key, value, record, record.level === undefined && typeof record.levelname !== 'string');
  }
};

export function normaliseApp(record: Json, context: NormaliseContext, dataset = 'rendiff.api', service = 'rendiff-api'): Json {
  const log = validateApp(record);
  const time = log.timestamp !== undefined ? undefined : (timeFieldOf(record)?.ms ?? formatTime(record));
  // The default service name comes last: a record's own (`service`, `service.name`) is taken before it.
  const document = baseDocument(dataset, time ?? eventTime(log.timestamp, 'timestamp', context), context);
  const level = (formatLevel(record) ?? (typeof log.level === 'number' ? levelName(log.level) : (log.level ?? ecsLevel(record))))?.toLowerCase();
  put(document, 'log.level', level);
  put(document, 'message', log.message ?? formatMessage(record));
  put(document, 'user.id', log.user_id === undefined ? undefined : String(log.user_id));
  if (log.processing_time !== undefined) {
    put(document, 'event.duration', nanoseconds(log.processing_time * 1e9));
    put(document, 'rendiff.processing_time', log.processing_time);
  }
  if (log.duration_ms !== undefined) {
    const ns = durationNs(`${log.duration_ms}ms`);
    put(document, 'event.duration', ns);
    if (ns !== undefined) put(document, 'rendiff.latency_bucket', latencyBucket(ns));
  }
  put(document, 'http.request.method', log.method?.toUpperCase());
  put(document, 'http.request.id', log.request_id);
  put(document, 'http.response.status_code', log.status_code);
  if (log.path !== undefined) putRequestTarget(document, log.path);
  if (log.client_ip !== undefined) {
    // Not an address ("unknown", "-"): kept as written, since Elasticsearch refuses the whole document for it in source.ip.
    const { ip } = hostPort(log.client_ip);
    if (isIP(ip) !== 0) put(document, 'source.ip', ip);
    else put(document, 'rendiff.client_ip', log.client_ip);
  }
  if (typeof log.user_agent === 'string') put(document, 'user_agent.original', log.user_agent);
  else if (log.user_agent !== undefined) placeEcs(document, 'user_agent', log.user_agent, 'rendiff', false);
  if (log.status_code !== undefined) {
    put(document, 'event.outcome', httpOutcome(log.status_code));
  } else if (isFailureLevel(level)) put(document, 'event.outcome', 'failure');
  // The job id first among the record's own fields, as a string whichever way it was written.
  if (log.job_id !== undefined) put(document, 'rendiff.job_id', String(log.job_id));
  keepRestPlacingEcs(document, log as Json, KNOWN, claimContext);
  // A request line uvicorn logged through a JSON formatter, when the record gave no exchange of its own.
  const { message } = document;
  if (typeof message === 'string' && message.includes(' HTTP/') && get(document, 'http.response.status_code') === undefined && get(document, 'source.ip') === undefined) {
    placeUvicornAccess(document, message);
  }
  if ((document.service as Json | undefined)?.name === undefined) put(document, 'service.name', service);
  return document;
}
