import { put, type Json } from '../ecs.js';
import type { NormaliseContext } from './common.js';
import { normaliseWebServerRecord } from './traefik.js';
import { setRequest } from './traefik-common.js';

/**
 * HAProxy's HTTP log (`option httplog`, its configuration manual's section 8.2.3), as `log stdout format raw` writes it
 * in a container, or as the message of the syslog line it sends:
 *
 *   client_ip:port [accept_date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes_read req_cookie res_cookie
 *   termination_state actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue [{req_headers} [{res_headers}]]
 *   "request"
 *
 * The accept date (`07/Dec/2026:10:03:17.094`) has no zone: UTC, as every time without one. A timer of -1 was not
 * reached; `+` before a count marks it as an estimate (option logasap). HAProxy writes a quote and other bytes it will
 * not log as they are as `#XX` in the request; a request it could not parse is `<BADREQ>`.
 */
const HTTP_LOG =
  /^(\S+):(\d{1,5}) \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}:\d{2}:\d{2})\.(\d{3})\] (\S+) ([^\s/]+)\/(\S+) (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/\+?(-?\d+) (-?\d{1,3}) \+?(\d+) (\S+) (\S+) (\S{4}) (\d+)\/(\d+)\/(\d+)\/(\d+)\/\+?(\d+) (\d+)\/(\d+)(?: \{([^}]*)\})?(?: \{([^}]*)\})? "(.*)"$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A request line as the client sent it: HAProxy's `#XX` escapes decoded (`#` itself is written `#23`). Each is one
 * character: HAProxy refuses a request line with bytes outside ASCII (400, logged `<BADREQ>`; tried with 2.6), so
 * what it escapes is ASCII (a quote, controls), unlike nginx's UTF-8 bytes (traefik-common.ts).
 */
const unescapeRequest = (text: string): string => text.replace(/#([0-9A-F]{2})/g, (_whole, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** The line's access record, and HAProxy's fields that ECS has no place for (paths under `haproxy.`, Filebeat's names). */
interface HaproxyLine {
  record: Json;
  haproxy: Array<[string, unknown]>;
}

/** The line as a web server's access record (the names webServerRecord gives) and HAProxy's own fields; or undefined. */
function haproxyRecord(line: string): HaproxyLine | undefined {
  const match = HTTP_LOG.exec(line);
  const month = match === null ? -1 : MONTHS.indexOf(match[4] as string);
  if (match === null || month < 0) return undefined;
  const [, ip, port, day, , year, time, millis, frontend, backend, server, tr, tw, tc, tresp, ta, status, bytes, , , termination, act, fe, be, srv, retries, srvQueue, beQueue, , , request] = match as unknown as string[];
  const record: Json = {
    StartUTC: `${year}-${String(month + 1).padStart(2, '0')}-${day}T${time}.${millis}Z`,
    ClientAddr: `${ip}:${port}`,
    DownstreamStatus: Number(status),
    DownstreamContentSize: Number(bytes),
  };
  if (Number(status) < 0) delete record.DownstreamStatus;
  if (Number(ta) >= 0) record.Duration = `${ta}ms`;
  // `<BADREQ>` (no request HAProxy could read) is kept as the request line, tagged as nginx's unreadable ones are.
  setRequest(record, unescapeRequest(request as string));
  const timer = (value: string | undefined) => (Number(value) >= 0 ? Number(value) : undefined);
  const haproxy: Array<[string, unknown]> = [
    ['frontend_name', frontend],
    ['backend_name', backend],
    ['server_name', server],
    ['termination_state', termination],
    ['http.request.time_wait_ms', timer(tr)],
    ['total_waiting_time_ms', timer(tw)],
    ['connection_wait_time_ms', timer(tc)],
    ['http.response.time_wait_ms', timer(tresp)],
    ['connections.active', Number(act)],
    ['connections.frontend', Number(fe)],
    ['connections.backend', Number(be)],
    ['connections.server', Number(srv)],
    ['connections.retries', Number(retries)],
    ['server_queue', Number(srvQueue)],
    ['backend_queue', Number(beQueue)],
  ];
  return { record, haproxy };
}

/**
 * An HAProxy HTTP log line as an access document of `dataset` (the request, client, status, size and total time in
 * their ECS places) with HAProxy's own fields under `haproxy.*`; undefined for another line.
 */
export function normaliseHaproxyLine(line: string, context: NormaliseContext, dataset: string): Json | undefined {
  const read = haproxyRecord(line);
  if (read === undefined) return undefined;
  const document = normaliseWebServerRecord(read.record, context, dataset);
  for (const [path, value] of read.haproxy) put(document, `haproxy.${path}`, value);
  return document;
}
