import { z } from 'zod';
import { latencyBucket } from '../../shared/latency-histogram.js';
import { durationNs, hostPort, put, routeTemplate, urlFields, addTag, type Json } from '../ecs.js';
import { baseDocument, eventTime, idLike, keepRest, level, validator, type NormaliseContext } from './common.js';

/**
 * The API's JSON lines (the seed's `timestamp/level/message/job_id/user_id/processing_time/component`)
 * and the request fields applications commonly add. The worker pipeline shares it.
 */
export const appRecord = z
  .object({
    timestamp: z.union([z.string(), z.number()]).optional(),
    level: level.optional(),
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
    user_agent: z.string().optional(),
    request_id: z.string().optional(),
  })
  .passthrough();

const validateApp = validator(appRecord);
const KNOWN = new Set(['timestamp', 'level', 'message', 'job_id', 'user_id', 'processing_time', 'method', 'path', 'status_code', 'duration_ms', 'client_ip', 'user_agent', 'request_id']);

export function normaliseApp(record: Json, context: NormaliseContext, dataset = 'rendiff.api', service = 'rendiff-api'): Json {
  const log = validateApp(record);
  const document = baseDocument(dataset, eventTime(log.timestamp, 'timestamp', context), context, service);
  const level = log.level?.toLowerCase();
  put(document, 'log.level', level);
  put(document, 'message', log.message);
  put(document, 'user.id', log.user_id === undefined ? undefined : String(log.user_id));
  if (log.processing_time !== undefined) {
    put(document, 'event.duration', Math.round(log.processing_time * 1e9));
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
  if (log.path !== undefined) {
    const url = urlFields(log.path);
    put(document, 'url.original', url.original);
    put(document, 'url.path', url.path);
    put(document, 'url.query', url.query);
    put(document, 'rendiff.route', routeTemplate(url.path));
    if (!url.decodedOk) addTag(document, 'url_decode_failed');
  }
  if (log.client_ip !== undefined) put(document, 'source.ip', hostPort(log.client_ip).ip);
  put(document, 'user_agent.original', log.user_agent);
  if (log.status_code !== undefined) {
    put(document, 'event.outcome', log.status_code >= 400 ? 'failure' : 'success');
  } else if (level === 'error' || level === 'critical' || level === 'fatal') put(document, 'event.outcome', 'failure');
  // The job id first among the record's own fields, as a string whichever way it was written.
  if (log.job_id !== undefined) put(document, 'rendiff.job_id', String(log.job_id));
  keepRest(document, log as Json, KNOWN);
  return document;
}
