import { isIP } from 'node:net';
import { latencyBucket } from '../../shared/latency-histogram.js';
import { isJsonObject } from '../../shared/json-object.js';
import { get, hostPort, nanoseconds, put, type Json } from '../ecs.js';
import { httpOutcome, keepLeft, placeOrigin, putFree, putRequestTarget } from './common.js';
import { isEcsKey, placeEcs } from './ecs-fields.js';
import { claimFormatField, isExceptionStack, placeExceptionStack, placeTrace } from './logger-formats.js';

/**
 * What common JSON loggers write by default, each field to its ECS place when it has the type they write and the
 * document has no value there yet (otherwise it stays under `rendiff.*`):
 * - pino and bunyan: `level` as a number, `time` (epoch milliseconds; bunyan's ISO text), `msg`, `pid`, `hostname`,
 *   `name`, `err` from their error serializers; pino-http and Fastify: `req`, `res`, `responseTime` in milliseconds,
 *   Fastify's `reqId`;
 * - Go: zap's `ts` (epoch seconds), `caller` ("pkg/file.go:42") and `stacktrace`; the standard library's log/slog, whose
 *   `source` (with AddSource) is where in the code, not ECS's network source; zap's, logrus's and others' `error` text;
 * - Python: structlog's `event`, its message, and `exception`, its traceback as text or as dicts (`dict_tracebacks`).
 * More loggers' formats, recognised by the fields only they write, are in logger-formats.ts.
 */

/** pino's and bunyan's numeric levels (pino's lib/constants.js, bunyan's README: the same six). */
const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** A numeric level's name: pino's and bunyan's six by name, any other number (a custom level) as its digits. */
export function levelName(level: number): string {
  return LEVEL_NAMES[level] ?? String(level);
}

/** pino's error serializer (`type`, `message`, `stack`, the error's own properties) and bunyan's (`name` for the type). */
function placeError(document: Json, err: Json): void {
  const type = typeof err.type === 'string' ? 'type' : 'name';
  const placed = [
    ...(putFree(document, 'error.type', err[type], typeof err[type] === 'string') ? [type] : []),
    ...(putFree(document, 'error.message', err.message, typeof err.message === 'string') ? ['message'] : []),
    ...(putFree(document, 'error.stack_trace', err.stack, typeof err.stack === 'string') ? ['stack'] : []),
  ];
  keepLeft(document, 'err', err, placed);
}

/**
 * pino-http's and bunyan's request serializer: `method`, `url`, `id`, `headers`, `remoteAddress`, `remotePort`; Fastify's
 * also the Host header, `host` (`hostname` before Fastify 5): its name and port as url.domain and url.port, as
 * Traefik's RequestHost is url.domain.
 */
function placeRequest(document: Json, req: Json): void {
  const placed: string[] = [];
  if (putFree(document, 'http.request.method', typeof req.method === 'string' ? req.method.toUpperCase() : undefined, typeof req.method === 'string')) placed.push('method');
  if (typeof req.url === 'string' && req.url !== '' && get(document, 'url.original') === undefined) {
    putRequestTarget(document, req.url);
    placed.push('url');
  }
  if (putFree(document, 'http.request.id', String(req.id), typeof req.id === 'string' || Number.isSafeInteger(req.id))) placed.push('id');
  const ip = typeof req.remoteAddress === 'string' ? hostPort(req.remoteAddress).ip : undefined;
  if (putFree(document, 'source.ip', ip, ip !== undefined && isIP(ip) !== 0)) placed.push('remoteAddress');
  if (putFree(document, 'source.port', req.remotePort, Number.isInteger(req.remotePort))) placed.push('remotePort');
  const hostKey = typeof req.host === 'string' ? 'host' : 'hostname';
  const host = typeof req[hostKey] === 'string' && req[hostKey] !== '' ? hostPort(req[hostKey]) : undefined;
  if (host !== undefined && putFree(document, 'url.domain', host.ip, true)) {
    putFree(document, 'url.port', host.port, host.port !== undefined);
    placed.push(hostKey);
  }
  const agent = isJsonObject(req.headers) ? req.headers['user-agent'] : undefined;
  // The agent is copied, not moved: the headers stay whole beside it.
  putFree(document, 'user_agent.original', agent, typeof agent === 'string');
  keepLeft(document, 'req', req, placed);
}

/** The response serializer's `statusCode`, with the outcome the app's `status_code` gives. */
function placeResponse(document: Json, res: Json): void {
  const status = res.statusCode;
  const placed = putFree(document, 'http.response.status_code', status, Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599);
  if (placed && get(document, 'event.outcome') === undefined) put(document, 'event.outcome', httpOutcome(status as number));
  keepLeft(document, 'res', res, placed ? ['statusCode'] : []);
}

/** pino-http's and Fastify's `responseTime`: milliseconds, as the app's `duration_ms`. */
function placeResponseTime(document: Json, ms: unknown): boolean {
  const ns = typeof ms === 'number' ? nanoseconds(ms * 1e6) : undefined;
  if (ns === undefined || !putFree(document, 'event.duration', ns, true)) return false;
  put(document, 'rendiff.latency_bucket', latencyBucket(ns));
  return true;
}

/** zap's `caller`: the file and line, "internal/server/server.go:42". */
function placeCaller(document: Json, caller: string): boolean {
  const match = /^(.+):(\d+)$/.exec(caller);
  if (match === null || get(document, 'log.origin.file.name') !== undefined) return false;
  put(document, 'log.origin.file.name', match[1]);
  put(document, 'log.origin.file.line', Number(match[2]));
  return true;
}

/** slog's `source` with AddSource: `function`, `file`, `line`, which ECS puts under log.origin. */
function placeSlogSource(document: Json, source: Json): boolean {
  if (!Number.isInteger(source.line) || Object.keys(source).some((key) => !['function', 'file', 'line'].includes(key))) return false;
  return placeOrigin(document, source.file, source.line, source.function);
}

/**
 * Places one of these loggers' fields; false when it is not one of them or not of their type (keepRest keeps it, or
 * places an ECS field of that name). Asked before the ECS field sets: `event`, `error` and `source` are theirs here.
 */
export function claimLoggerField(document: Json, key: string, value: unknown, record: Json): boolean {
  switch (key) {
    case 'msg':
      return record.message === undefined && putFree(document, 'message', value, typeof value === 'string');
    case 'event':
      return record.message === undefined && record.msg === undefined && putFree(document, 'message', value, typeof value === 'string');
    case 'error':
      return putFree(document, 'error.message', value, typeof value === 'string');
    case 'stacktrace':
      return putFree(document, 'error.stack_trace', value, typeof value === 'string');
    case 'exception':
      // Python formatters' traceback text (structlog's format_exc_info, the seed's own), or structlog's dict tracebacks.
      return typeof value === 'string' ? placeTrace(document, value) : isExceptionStack(value) && placeExceptionStack(document, value);
    case 'caller':
      return typeof value === 'string' && placeCaller(document, value);
    case 'source':
      return isJsonObject(value) && placeSlogSource(document, value);
    case 'pid':
      return putFree(document, 'process.pid', value, Number.isSafeInteger(value) && (value as number) >= 0);
    case 'hostname': {
      const placed = putFree(document, 'host.hostname', value, typeof value === 'string');
      if (placed) putFree(document, 'host.name', value, true);
      return placed;
    }
    case 'name':
      // Beside `msg` it is pino's or bunyan's logger name (python-json-logger's is read in logger-formats.ts).
      return record.msg !== undefined && putFree(document, 'log.logger', value, typeof value === 'string');
    case 'logger':
      // The logger's name as Python's formatters, Grafana and many others call it (the app pipeline reads it first).
      return putFree(document, 'log.logger', value, typeof value === 'string');
    case 'err':
      if (!isJsonObject(value) || (typeof value.message !== 'string' && typeof value.stack !== 'string')) return false;
      placeError(document, value);
      return true;
    case 'req':
      if (!isJsonObject(value)) return false;
      placeRequest(document, value);
      return true;
    case 'res':
      // Fastify logs a failed request twice: the error (`err`, `res`), then "request completed" (`res`, `responseTime`).
      // The completion is the request; the error's line keeps its `res` aside, or every count of requests would
      // count the failure twice.
      if (!isJsonObject(value) || (record.reqId !== undefined && record.err !== undefined && record.responseTime === undefined)) return false;
      placeResponse(document, value);
      return true;
    case 'responseTime':
      return placeResponseTime(document, value);
    case 'reqId':
      // Fastify's request id (its requestIdLogLabel), on each line of a request: as pino-http's `req.id`.
      return putFree(document, 'http.request.id', String(value), typeof value === 'string' || Number.isSafeInteger(value));
    default:
      return false;
  }
}

/**
 * A field of these loggers (claimLoggerField), else a field of ECS placed where ECS puts it; false for neither.
 * `levelRead`: the source took the level from `log.level`, which placeEcs then leaves.
 */
export function claimLoggerOrEcsField(document: Json, key: string, value: unknown, record: Json, levelRead: boolean): boolean {
  if (claimLoggerField(document, key, value, record) || claimFormatField(document, key, value, record)) return true;
  if (!isEcsKey(key)) return false;
  placeEcs(document, key, value, 'rendiff', levelRead);
  return true;
}
