import { isIP } from 'node:net';
import { put, urlFields, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { baseDocument, type NormaliseContext } from './common.js';

/**
 * The error logs of nginx and Apache httpd, as Filebeat's nginx and apache modules read them (their error filesets'
 * grok patterns and pipelines): the time (the server's local time, which the line does not zone: read as UTC, as every
 * time without a zone), `log.level`, `process.pid`, `process.thread.id`, the message; nginx's connection number,
 * its client and request, which close most of its lines; Apache's module, its client, and the file and referrer of a
 * "File does not exist". `event.category` web, `event.type` error (for Apache at levels warn and above, else info).
 */

const NGINX = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*)$/s;
/** 2.4: `[time] [module:level] [pid N:tid N] [client ip:port] message`; 2.2: `[time] [level] [client ip] message`. */
const APACHE = /^\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} \d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4})\] \[(?:([\w-]+):)?(\w+)\](?: \[pid (\d+)(?::tid (\d+))?\])?(?: \[client ([^\]\s]+)\])? (.*)$/s;
const NGINX_CLIENT = /, client: ([^,\s]+)/;
const NGINX_REQUEST = /, request: "([A-Z]+) (\S+) [^"]*"/;
const FILE_MISSING = /^File does not exist: (\S+?)(?:, referer: (\S+))?$/;
const APACHE_ERROR_LEVELS = new Set(['emerg', 'alert', 'crit', 'error', 'warn']);

/** An nginx or Apache error line as a document of `dataset`; undefined for a line of another format. */
export function normaliseServerErrorLine(line: string, context: NormaliseContext, dataset: string): Json | undefined {
  return nginxError(line, context, dataset) ?? apacheError(line, context, dataset);
}

function errorDocument(time: string, context: NormaliseContext, dataset: string): Json | undefined {
  const ms = parseTimestamp(time);
  return ms === undefined ? undefined : baseDocument(dataset, ms, context);
}

function putClient(document: Json, address: string): void {
  put(document, 'source.address', address);
  if (isIP(address) !== 0) put(document, 'source.ip', address);
}

function nginxError(line: string, context: NormaliseContext, dataset: string): Json | undefined {
  const match = NGINX.exec(line);
  if (match === null) return undefined;
  const [, time, level, pid, thread, connection, message = ''] = match;
  const document = errorDocument(time as string, context, dataset);
  if (document === undefined) return undefined;
  put(document, 'message', message);
  put(document, 'log.level', level);
  put(document, 'process.pid', Number(pid));
  put(document, 'process.thread.id', Number(thread));
  if (connection !== undefined) put(document, 'rendiff.nginx.error.connection_id', Number(connection));
  put(document, 'event.kind', 'event');
  put(document, 'event.category', ['web']);
  put(document, 'event.type', ['error']);
  const client = NGINX_CLIENT.exec(message)?.[1];
  if (client !== undefined) putClient(document, client);
  const request = NGINX_REQUEST.exec(message);
  if (request !== null) {
    put(document, 'http.request.method', request[1]);
    const url = urlFields(request[2] as string);
    put(document, 'url.original', url.original);
    put(document, 'url.path', url.path);
    put(document, 'url.extension', url.extension);
  }
  return document;
}

function apacheError(line: string, context: NormaliseContext, dataset: string): Json | undefined {
  const match = APACHE.exec(line);
  if (match === null) return undefined;
  const [, time, module, level = '', pid, thread, client, message = ''] = match;
  const document = errorDocument(time as string, context, dataset);
  if (document === undefined) return undefined;
  put(document, 'message', message);
  put(document, 'log.level', level);
  put(document, 'rendiff.apache.error.module', module);
  if (pid !== undefined) put(document, 'process.pid', Number(pid));
  if (thread !== undefined) put(document, 'process.thread.id', Number(thread));
  if (client !== undefined) {
    // `ip:port` since 2.4; an IPv6 address has colons of its own, so the port is what follows the last one.
    const port = /^(.+):(\d{1,5})$/.exec(client);
    const address = port !== null && isIP(client) === 0 ? (port[1] as string) : client;
    putClient(document, address);
    if (port !== null && isIP(client) === 0) put(document, 'source.port', Number(port[2]));
  }
  const missing = FILE_MISSING.exec(message);
  if (missing !== null) {
    put(document, 'file.path', missing[1]);
    put(document, 'http.request.referrer', missing[2]);
  }
  put(document, 'event.kind', 'event');
  put(document, 'event.category', ['web']);
  put(document, 'event.type', [APACHE_ERROR_LEVELS.has(level.replace(/\d+$/, '')) ? 'error' : 'info']);
  return document;
}
