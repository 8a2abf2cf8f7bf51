import { isIP } from 'node:net';
import { latencyBucket } from '../../shared/latency-histogram.js';
import { nanoseconds, put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { baseDocument, putExchange, type NormaliseContext } from './common.js';

/**
 * uWSGI's request log line, on by default (core/logging.c, `uwsgi_logit_simple`), what a Python API served by uWSGI
 * (Flask, Django) writes on its API topic:
 * `[pid: 28301|app: 0|req: 1/1] 127.0.0.1 () {24 vars in 284 bytes} [Mon Dec  7 11:52:59 2026] GET /api/v1/jobs?x=1 =>
 * generated 11 bytes in 0 msecs (HTTP/1.1 200) 1 headers in 51 bytes (1 switches on core 0)`: the worker's pid, the
 * client (the X-Forwarded-For header's with `--log-x-forwarded-for`), the remote user in brackets, when the request
 * started (the server's local time, read as UTC as every time without a zone), the request, the body's size, the time
 * taken in milliseconds (`micros` with `--log-micros`), how the body was sent (`via sendfile`, `via route` …), the
 * protocol and status.
 */
const REQUEST_LINE = /^\[pid: (\d+)\|app: -?\d+\|req: -?\d+\/\d+\] (\S*) \(([^()]*)\) \{\d+ vars in \d+ bytes\} \[([^\]]+)\] (\S+) (.*?) => generated (\d+) bytes in (\d+) (msecs|micros) (?:\(via \w+\) )?\(HTTP\/(\d(?:\.\d)?) (\d{3})\) \d+ headers in \d+ bytes \(\d+ switches on core \d+\)$/;

/** A uWSGI request line as its access document, or undefined when the line is not one. */
export function normaliseUwsgi(line: string, context: NormaliseContext, dataset: string, service: string | undefined): Json | undefined {
  if (!line.startsWith('[pid: ')) return undefined;
  const found = REQUEST_LINE.exec(line);
  const at = found === null ? undefined : parseTimestamp(found[4]);
  if (found === null || at === undefined) return undefined;
  const [, pid, client, user, , method, target, bytes, taken, unit, version, status] = found as unknown as string[];
  const document = baseDocument(dataset, at, context, service);
  put(document, 'log.logger', 'uwsgi.request');
  put(document, 'message', `${method} ${target} HTTP/${version} ${status}`);
  put(document, 'process.pid', Number(pid));
  if (client !== '' && isIP(client as string) !== 0) put(document, 'source.ip', client);
  else if (client !== '') put(document, 'source.address', client);
  if (user !== '') put(document, 'user.name', user);
  putExchange(document, method as string, target as string, version as string, Number(status));
  put(document, 'http.response.body.bytes', Number(bytes));
  const ns = nanoseconds(Number(taken) * (unit === 'micros' ? 1e3 : 1e6));
  if (ns !== undefined) {
    put(document, 'event.duration', ns);
    put(document, 'rendiff.latency_bucket', latencyBucket(ns));
  }
  return document;
}
