import { isIP } from 'node:net';
import { put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { baseDocument, eventTime, isFailureLevel, putExchange, type NormaliseContext } from './common.js';
import { placeTraceback } from './python-logging.js';

/**
 * gunicorn's own lines, as its default logging writes them (gunicorn/glogging.py), what a Python API served by
 * gunicorn (FastAPI with uvicorn's workers, Flask, Django) writes on its API topic:
 * - its error log, `%(asctime)s [%(process)d] [%(levelname)s] %(message)s` with the time as `[%Y-%m-%d %H:%M:%S %z]`:
 *   `[2026-11-22 10:00:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:8)`;
 * - its access log, `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"` (Apache's combined format):
 *   `172.18.0.5 - - [22/Nov/2026:10:00:00 +0000] "GET /api/v1/jobs HTTP/1.1" 200 1234 "-" "curl/8.5.0"`.
 */
const ERROR_LINE = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4})\] \[(\d+)\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] (.*)$/s;
/** The request line is as the client sent it (percent-encoded, no spaces); the agent is last, read to the line's end. */
const ACCESS_LINE = /^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+) HTTP\/(\d(?:\.\d)?)" (\d{3}) (\d+|-) "([^"]*)" "(.*)"$/;

function normaliseError(match: RegExpExecArray, context: NormaliseContext, dataset: string, service: string): Json {
  const [, time, pid, level, message] = match as unknown as [string, string, string, string, string];
  const document = baseDocument(dataset, eventTime(time, 'time', context), context, service);
  const lower = level.toLowerCase();
  put(document, 'log.level', lower);
  put(document, 'log.logger', 'gunicorn.error');
  put(document, 'process.pid', Number(pid));
  // An error a worker logs with its traceback ("Exception in ASGI application", "Error handling request").
  put(document, 'message', placeTraceback(document, message));
  if (isFailureLevel(lower)) put(document, 'event.outcome', 'failure');
  return document;
}

function normaliseAccess(match: RegExpExecArray, context: NormaliseContext, dataset: string, service: string): Json | undefined {
  const [, host, user, time, method, target, version, status, bytes, referrer, agent] = match as unknown as string[];
  const at = parseTimestamp(time);
  if (at === undefined) return undefined;
  const document = baseDocument(dataset, at, context, service);
  put(document, 'log.logger', 'gunicorn.access');
  put(document, 'message', `${method} ${target} HTTP/${version} ${status}`);
  if (isIP(host as string) !== 0) put(document, 'source.ip', host);
  else put(document, 'source.address', host);
  if (user !== '-') put(document, 'user.name', user);
  putExchange(document, method as string, target as string, version as string, Number(status));
  if (bytes !== '-') put(document, 'http.response.body.bytes', Number(bytes));
  if (referrer !== '-') put(document, 'http.request.referrer', referrer);
  if (agent !== '-') put(document, 'user_agent.original', agent);
  return document;
}

/** A gunicorn line as its document, or undefined when the line is not one. */
export function normaliseGunicorn(line: string, context: NormaliseContext, dataset: string, service: string): Json | undefined {
  const error = ERROR_LINE.exec(line);
  if (error !== null) return normaliseError(error, context, dataset, service);
  const access = ACCESS_LINE.exec(line);
  return access === null ? undefined : normaliseAccess(access, context, dataset, service);
}
