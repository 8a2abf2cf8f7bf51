import { isIP } from 'node:net';
import type { Json } from '../ecs.js';

/**
 * Traefik's default access log, `accessLog.format=common` (CommonLogFormatter in
 * pkg/middlewares/accesslog/logger_formatters.go): the common log format and six fields of Traefik's own,
 *
 *   ClientHost - ClientUsername [StartUTC] "RequestMethod RequestPath RequestProtocol" OriginStatus
 *   OriginContentSize "Referer" "User-Agent" RequestCount "RouterName" "ServiceURL" Durationms
 *
 * and `format=genericCLF` (Traefik 3.6), the same line without Traefik's six (any web server's combined format); and,
 * for other web servers only, Apache's `common`, without the referer and agent either. Traefik writes the values
 * unescaped, so a quote or a space inside the path or the user agent is read by finding the fixed fields around
 * it. "-" (quoted or not: Traefik 1 wrote an absent referer bare) means absent. Up to Traefik 2.9 the status and
 * size are the origin's, 0 (Traefik 2) or "-" when Traefik answered itself (a redirect or auth middleware, no
 * router); from 2.10 they are what the client got.
 *
 * Read by hand, not by one regular expression: with three free-text fields one expression backtracks in
 * quadratic time or worse on a crafted line (a 320 KB line took 1.4 s), and this runs on every plain line
 * of an unnamed source. Each step here finds a delimiter once, so a line costs time linear in its length.
 */
/**
 * The line up to the request line's opening quote: who (below), the identd field, the user and the time. Who is
 * bounded and holds no `"` but around a forwarded list, so the expression backtracks over it only.
 */
const START = /^((?:[^\s"]+ )?"[^"\n]{0,1000}" \S+|[^"\n]{1,1000}?) (\S+) (\S+) \[([^\]\n]{1,64})\] "/;
const STATUS_AND_SIZE = /" (\d+|-) (\d+|-) (?="|- ")/y;
/** An address in a list of them, or the placeholder a proxy writes for one it does not know. */
const ADDRESS = /^(?:[\d.]+|[\da-f:.]*:[\da-f:.]*|\[[\da-f:.]+\](?::\d+)?|unknown|-)$/i;
/** A first word that is no list's (a list's words end with commas): the server's name, with its port. */
const SERVER = /^([^\s",]+) (?=\S)/;

/**
 * Who sent the request, as the line's first field names it: one address or host (`%h`, `$remote_addr`); Traefik's
 * ClientHost and nginx's `$remote_addr` behind real_ip as the X-Forwarded-For list, `203.0.113.5, 10.0.0.2`; nginx's
 * `"$http_x_forwarded_for" $remote_addr`, quoted or not (the list, then the peer); each maybe after the server's
 * name (`$host`, Apache's `%v`, vhost_combined's `%v:%p`), a first word that ends with no comma, as Filebeat's nginx
 * module reads it. The list ends with the nearest hop, as Traefik writes it.
 */
function clientOf(text: string): { host: string; vhost?: string; vport?: string } | undefined {
  if (!text.includes(' ')) return { host: text };
  const server = SERVER.exec(text);
  let rest = server === null ? text : text.slice(server[0].length);
  if (rest.startsWith('"')) {
    const close = rest.indexOf('"', 1);
    rest = `${rest.slice(1, close)}, ${rest.slice(close + 2)}`;
  }
  const parts = rest.split(/,\s*|\s+/).filter((part) => part !== '');
  if (parts.length === 0 || parts.some((part) => part.includes('"'))) return undefined;
  const client = { host: parts.join(', ') };
  if (server === null) return client;
  const port = /^(.+?):(\d+)$/.exec(server[1] as string);
  // An IPv6 name has colons of its own: only a last `:digits` after a name without other colons is a port.
  return port !== null && !(port[1] as string).includes(':') ? { ...client, vhost: port[1] as string, vport: port[2] as string } : { ...client, vhost: server[1] as string };
}

/** `METHOD target PROTOCOL`; `METHOD target` (HTTP/0.9, or a line cut short); else not a request line (a TLS handshake sent to the port). */
const METHOD = /^[A-Za-z][A-Za-z0-9_-]*$/;
const PROTOCOL = /^[A-Za-z]+\/\d+(?:\.\d+)?$/;

/**
 * The request line as the server logged it: nothing for `""` and `"-"` (nginx and Apache write them when the client
 * sent no request, with 400 or 408), the method, target and protocol when it has them, else the line itself as
 * `RequestLine` (bytes of a TLS handshake or a scanner's probe, escaped by the server: `\x16\x03\x01…`).
 */
export function setRequest(record: Json, text: string): void {
  if (text === '' || text === '-') return;
  const space = text.indexOf(' ');
  const method = space < 0 ? text : text.slice(0, space);
  if (space < 0 || !METHOD.test(method)) {
    record.RequestLine = text;
    return;
  }
  record.RequestMethod = method;
  const target = text.slice(space + 1);
  const last = target.lastIndexOf(' ');
  if (last >= 0 && PROTOCOL.test(target.slice(last + 1))) {
    record.RequestPath = target.slice(0, last);
    record.RequestProtocol = target.slice(last + 1);
  } else record.RequestPath = target;
  if (target.charCodeAt(0) !== 47) setAbsoluteTarget(record, record.RequestPath as string);
}

/** An absolute-form target's scheme, host and port (`http://videos.example.com:8080/path`). */
const ABSOLUTE_TARGET = /^([a-z][a-z\d+.-]*):\/\/(\[[\da-f:.]+\]|[^/:?#\s@]+)(?::(\d{1,5}))?(?=[/?#]|$)/i;

/**
 * A cache's or proxy's line whose target is a whole URL (varnishncsa's `%r` is `GET http://<Host>/path HTTP/1.1`, a
 * forward proxy's the URL asked for): the URL's host is the request's, unless the line named it elsewhere.
 */
function setAbsoluteTarget(record: Json, target: string): void {
  const found = record.RequestHost === undefined ? ABSOLUTE_TARGET.exec(target) : null;
  if (found === null) return;
  record.RequestScheme = (found[1] as string).toLowerCase();
  record.RequestHost = (found[2] as string).replace(/^\[|\]$/g, '');
  if (found[3] !== undefined) record.RequestPort = found[3];
}

interface Tail {
  count: string;
  router: string;
  service: string;
  millis: string | undefined;
  /** Where the user agent's closing quote is (or its bare "-"). */
  agentEnd: number;
  /** ingress-nginx's fields after the agent, when the line is its. */
  ingress?: RegExpExecArray;
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/** `-`, or a quoted value without quotes, ending at `end` (exclusive); its start, or -1. */
function quotedBefore(line: string, end: number): { value: string; start: number } | undefined {
  if (line[end - 1] === '-') return { value: '-', start: end - 1 };
  if (line[end - 1] !== '"') return undefined;
  const open = line.lastIndexOf('"', end - 2);
  return open < 0 ? undefined : { value: line.slice(open + 1, end - 1), start: open };
}

/** `count "router" "service" Nms`, read from the end of the line. */
function tailOf(line: string): Tail | undefined {
  if (!line.endsWith('ms')) return undefined;
  let at = line.length - 2;
  const millisEnd = at;
  while (at > 0 && isDigit(line.charCodeAt(at - 1))) at -= 1;
  if (at === millisEnd || line[at - 1] !== ' ') return undefined;
  const millis = line.slice(at, millisEnd);
  const service = quotedBefore(line, at - 1);
  if (service === undefined || line[service.start - 1] !== ' ') return undefined;
  const router = quotedBefore(line, service.start - 1);
  if (router === undefined || line[router.start - 1] !== ' ') return undefined;
  at = router.start - 1;
  const countEnd = at;
  if (line[at - 1] === '-') at -= 1;
  else while (at > 0 && isDigit(line.charCodeAt(at - 1))) at -= 1;
  if (at === countEnd || line[at - 1] !== ' ' || !endsField(line, at - 2)) return undefined;
  return { count: line.slice(at, countEnd), router: router.value, service: service.value, millis, agentEnd: at - 2 };
}

/** A quoted field's closing quote, or a bare "-", at `at`. */
const endsField = (line: string, at: number): boolean => line[at] === '"' || (line[at] === '-' && line[at - 1] === ' ');

/** genericCLF's line ends with the user agent. */
function genericTail(line: string): Tail | undefined {
  return line.endsWith('"') ? { count: '-', router: '-', service: '-', millis: undefined, agentEnd: line.length - 1 } : undefined;
}

/**
 * What the Kubernetes ingress-nginx controller's default `log-format-upstream` writes after the agent:
 * `$request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr
 * $upstream_response_length $upstream_response_time $upstream_status $req_id`, the upstream fields one per upstream
 * tried, comma-separated. The addresses are found between the fixed fields around them (the shortest that fits).
 */
const INGRESS_TAIL = /^ (\d+|-) (\d+(?:\.\d+)?|-) \[([^\]\n]*)\] \[([^\]\n]*)\] (\S.{0,500}?) ((?:\d+|-)(?:, (?:\d+|-))*) ((?:\d+(?:\.\d+)?|-)(?:, (?:\d+(?:\.\d+)?|-))*) ((?:\d+|-)(?:, (?:\d+|-))*) ([\da-f]{1,64}|-)$/;

function ingressTail(line: string): Tail | undefined {
  const agentEnd = line.lastIndexOf('"');
  if (agentEnd < 0 || line.length - agentEnd > 1000) return undefined;
  const ingress = INGRESS_TAIL.exec(line.slice(agentEnd + 1));
  return ingress === null ? undefined : { count: '-', router: '-', service: '-', millis: undefined, agentEnd, ingress };
}

/** The last of an upstream list that is an address and a port: the one that answered (a socket's path is none). */
const UPSTREAM = /^(?:\[([\da-f:.]+)\]|([\d.]+)):(\d{1,5})$/i;

function isUpstream(address: string): boolean {
  const found = UPSTREAM.exec(address);
  return found !== null && isIP((found[1] ?? found[2]) as string) !== 0 && Number(found[3]) <= 65_535;
}

/** ingress-nginx's fields: the request's size and time, its id, and which upstreams it went to (`rendiff.ingress`). */
function setIngress(record: Json, fields: RegExpExecArray): void {
  const [, length, seconds, upstream, alternative, addresses, sizes, times, statuses, id] = fields as unknown as string[];
  if (length !== '-') record.RequestLength = Number(length);
  if (seconds !== '-') record.RequestSeconds = Number(seconds);
  setGiven(record, 'request_X-Request-Id', id);
  const last = (addresses as string).split(', ').at(-1) as string;
  if (isUpstream(last)) record.ServiceAddr = last;
  const ingress: Json = {};
  setGiven(ingress, 'upstream_name', upstream);
  setGiven(ingress, 'alternative_upstream_name', alternative);
  setGiven(ingress, 'upstream_address', addresses);
  setGiven(ingress, 'upstream_response_length', sizes);
  setGiven(ingress, 'upstream_response_time', times);
  setGiven(ingress, 'upstream_status', statuses);
  if (Object.keys(ingress).length > 0) record.ingress = ingress;
}

/** A value the format wrote, left out when it is its placeholder: empty or "-". */
function setGiven(record: Json, name: string, value: string | undefined): void {
  if (value !== undefined && value !== '' && value !== '-') record[name] = value;
}

/** Traefik's own fields make the line Traefik's; a genericCLF line is any web server's, read as Traefik's only on its topic. */
export function looksLikeTraefikCommon(line: string): boolean {
  return traefikCommonRecord(line)?.Duration !== undefined;
}

/**
 * The last line read and its record: a line routed by its shape (looksLikeTraefikCommon) is then normalised,
 * and is read once. The record is only read after, never changed, so a repeated line may share it.
 */
let lastLine = '';
let lastRecord: Json | undefined;

/**
 * The line as the record Traefik's JSON format would have given, under the same names, or undefined when it is
 * not Traefik's common format. The status and size also fill the JSON format's downstream fields, as
 * Filebeat's traefik module maps them to `http.response.*`: what the origin answered is what the client got
 * unless a middleware changed it. A status of 0 leaves the client's status unknown.
 */
export function traefikCommonRecord(text: string): Json | undefined {
  if (text !== lastLine) {
    lastRecord = readLine(text.endsWith('\n') ? text.trimEnd() : text);
    lastLine = text;
  }
  return lastRecord;
}

/** The values nginx and Apache escape when they write them (all of a line's strings but the time and numbers). */
const ESCAPED_FIELDS = ['RequestPath', 'request_Referer', 'request_User-Agent', 'ClientUsername', 'RequestHost'] as const;
const ESCAPE = /\\(?:x([0-9A-Fa-f]{2})|(["\\])|([nrtbv]))/g;
const CONTROL: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, v: 11 };
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A value as the client sent it, from nginx's escaping (`\xHH` for `"`, `\` and every byte outside printable ASCII,
 * so UTF-8 comes as `\xC3\xBC`) or Apache's (`\"`, `\\`, `\n`, `\t` … and `\xhh`); the bytes are read as UTF-8. A value
 * whose bytes are not UTF-8 stays as written, escapes and all, so nothing of it is lost.
 */
function unescapeServerValue(text: string): string {
  if (!text.includes('\\')) return text;
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(ESCAPE)) {
    const [, hex, literal, control] = match;
    const byte = hex !== undefined ? parseInt(hex, 16) : literal !== undefined ? literal.charCodeAt(0) : (CONTROL[control as string] as number);
    parts.push(Buffer.from(text.slice(last, match.index), 'utf8'), Buffer.of(byte));
    last = (match.index as number) + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  try {
    return strictUtf8.decode(Buffer.concat(parts));
  } catch {
    return text;
  }
}

/**
 * nginx and Apache escape what they log, Traefik does not: a web server's record with its values as the client sent
 * them (a copy: the record read from a line is shared, see traefikCommonRecord). A request line that is no request
 * (`RequestLine`: a TLS handshake's bytes, a probe) stays escaped, as it is more readable so.
 */
export function unescapedServerRecord(record: Json): Json {
  if (!ESCAPED_FIELDS.some((field) => typeof record[field] === 'string' && (record[field] as string).includes('\\'))) return record;
  const copy: Json = { ...record };
  for (const field of ESCAPED_FIELDS) if (typeof copy[field] === 'string') copy[field] = unescapeServerValue(copy[field] as string);
  return copy;
}

/** After the start, Apache's `common` (`%h %l %u %t "%r" %>s %b`) ends with the request line, the status and the size. */
const COMMON_END = /^(.*)" (\d{3}|-) (\d+|-)$/s;

/**
 * Another web server's access line as the same record: the combined format (genericCLF's line), or Apache's
 * `common`, which Traefik never writes (on Traefik's topic such a line stays whole).
 */
export function webServerRecord(text: string): Json | undefined {
  const line = text.endsWith('\n') ? text.trimEnd() : text;
  return traefikCommonRecord(text) ?? readCommonLine(line) ?? readSslRequestLine(line);
}

/**
 * Apache's SSL request log, as mod_ssl's configuration ships it (RHEL's ssl.conf, httpd-ssl.conf):
 * `%t %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x "%r" %b`. It has no status: such a request counts in no SLO.
 */
const SSL_REQUEST = /^\[([^\]\n]{1,64})\] (\S+) (TLSv1(?:\.[0-3])?|-) (\S+) "(.*)" (\d+|-)$/s;

function readSslRequestLine(line: string): Json | undefined {
  const found = SSL_REQUEST.exec(line);
  if (found === null) return undefined;
  const [, time, host, protocol, cipher, request, size] = found as unknown as string[];
  const record: Json = { StartUTC: time };
  setGiven(record, 'ClientHost', host);
  // SSL_PROTOCOL is `TLSv1.2` (`TLSv1` for 1.0); tls.version is `1.2` beside tls.version_protocol, as for Traefik's TLSVersion.
  if (protocol !== '-') record.TLSVersion = (protocol as string).slice(4).replace(/^1$/, '1.0');
  setGiven(record, 'TLSCipher', cipher);
  setRequest(record, request as string);
  // %b: the bytes sent to the client.
  if (size !== '-') record.DownstreamContentSize = Number(size);
  return record;
}

function readCommonLine(line: string): Json | undefined {
  const start = START.exec(line);
  const end = start === null ? null : COMMON_END.exec(line.slice(start[0].length));
  if (start === null || end === null) return undefined;
  const record = startRecord(start);
  if (record === undefined) return undefined;
  setRequest(record, end[1] as string);
  setStatusAndSize(record, end[2] as string, end[3] as string);
  return record;
}

/**
 * lighttpd's default format (`%h %V %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`) writes the request's host
 * where the common format has the identd user (`%l`, `-` but where identd still answers, with a user's name): a host
 * name with a dot, an address or `localhost`, with its port when the Host header had one.
 */
const HOST_FIELD = /^(\[[\da-f:.]+\]|localhost|[\da-z-]+(?:\.[\da-z-]+)+)(?::(\d{1,5}))?$/i;

/** The record of what the line's start gives: the time, who, the user; undefined when who is not readable. */
function startRecord(start: RegExpExecArray): Json | undefined {
  const [, who, ident, user, time] = start as unknown as string[];
  const client = clientOf(who as string);
  if (client === undefined) return undefined;
  const record: Json = { StartUTC: time };
  setGiven(record, 'ClientHost', client.host);
  setGiven(record, 'ClientUsername', user);
  const host = client.vhost === undefined && ident !== '-' ? HOST_FIELD.exec(ident as string) : null;
  if (host !== null) {
    record.RequestHost = (host[1] as string).replace(/^\[|\]$/g, '');
    if (host[2] !== undefined) record.RequestPort = host[2];
  }
  if (client.vhost !== undefined) record.RequestHost = client.vhost;
  if (client.vport !== undefined) record.RequestPort = client.vport;
  return record;
}

function readLine(line: string): Json | undefined {
  const head = START.exec(line);
  const tail = head === null ? undefined : (tailOf(line) ?? genericTail(line) ?? ingressTail(line));
  if (head === null || tail === undefined) return undefined;
  // The request line ends at the first `" status size "` after its opening quote.
  let quote = line.indexOf('"', head[0].length);
  let statusAndSize: RegExpExecArray | null = null;
  while (quote >= 0 && quote < tail.agentEnd) {
    STATUS_AND_SIZE.lastIndex = quote;
    statusAndSize = STATUS_AND_SIZE.exec(line);
    if (statusAndSize !== null) break;
    quote = line.indexOf('" ', quote + 1);
  }
  if (statusAndSize === null || quote < 0 || quote >= tail.agentEnd) return undefined;
  const fields = refererAndAgent(line, STATUS_AND_SIZE.lastIndex, tail.agentEnd);
  const record = fields === undefined ? undefined : startRecord(head);
  if (fields === undefined || record === undefined) return undefined;
  const [, status, size] = statusAndSize as unknown as string[];
  setRequest(record, line.slice(head[0].length, quote));
  if (tail.millis !== undefined) record.Duration = `${tail.millis}ms`;
  if (tail.ingress !== undefined) setIngress(record, tail.ingress);
  setGiven(record, 'request_Referer', fields.referer);
  if (tail.millis === undefined) setAgentAndAfter(record, fields.agent);
  else setGiven(record, 'request_User-Agent', fields.agent);
  setGiven(record, 'RouterName', tail.router);
  setGiven(record, 'ServiceURL', tail.service);
  // The count, status and size are digits or "-" (the expressions above).
  if (tail.count !== '-') record.RequestCount = Number(tail.count);
  setStatusAndSize(record, status as string, size as string);
  return record;
}

/**
 * The user agent of a line that ends with it, and what a format adds after it: nginx's example `main` format ends
 * with `"$http_x_forwarded_for"`. nginx and Apache escape a quote inside a value (`\x22`, `\"`), so `" "` ends the
 * agent there; an added list of addresses is the X-Forwarded-For header, anything else is left out.
 */
function setAgentAndAfter(record: Json, text: string): void {
  const end = text.indexOf('" "');
  setGiven(record, 'request_User-Agent', end < 0 ? text : text.slice(0, end));
  if (end < 0) return;
  const after = text.slice(end + 3).split('" "')[0] as string;
  if (after !== '-' && after.split(/,\s*/).every((part) => ADDRESS.test(part))) record['request_X-Forwarded-For'] = after;
}

/** The status and size, digits or "-": the origin's, and the client's unless Traefik answered itself (status 0). */
function setStatusAndSize(record: Json, status: string, size: string): void {
  if (status !== '-') {
    record.OriginStatus = Number(status);
    if (record.OriginStatus !== 0) record.DownstreamStatus = record.OriginStatus;
  }
  if (size !== '-') {
    record.OriginContentSize = Number(size);
    if (record.DownstreamStatus !== undefined) record.DownstreamContentSize = record.OriginContentSize;
  }
}

/** The referer and the user agent between `start` and the agent's end: each quoted, or a bare "-". */
function refererAndAgent(line: string, start: number, agentEnd: number): { referer: string; agent: string } | undefined {
  if (line[agentEnd] === '-') return line[start] === '-' && start === agentEnd - 2 ? { referer: '-', agent: '-' } : quotedThrough(line, start, agentEnd - 2, '-');
  if (line.startsWith('- "', start)) return start + 3 <= agentEnd ? { referer: '-', agent: line.slice(start + 3, agentEnd) } : undefined;
  const refererEnd = line.indexOf('" "', start);
  if (refererEnd < 0 || refererEnd + 3 > agentEnd) return undefined;
  return { referer: line.slice(start + 1, refererEnd), agent: line.slice(refererEnd + 3, agentEnd) };
}

/** A quoted referer that ends at `end` (its closing quote), then `agent`. */
function quotedThrough(line: string, start: number, end: number, agent: string): { referer: string; agent: string } | undefined {
  return line[start] === '"' && line[end] === '"' && end > start ? { referer: line.slice(start + 1, end), agent } : undefined;
}
