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
/** ClientHost is the X-Forwarded-For header when a request has one: a list such as `203.0.113.5, 10.0.0.2`. */
const HEAD = /^(\S+(?:, \S+)*) - (\S+) \[([^\]\n]+)\] "(\S+) /;
const STATUS_AND_SIZE = /" (\d+|-) (\d+|-) (?="|- ")/y;

interface Tail {
  count: string;
  router: string;
  service: string;
  millis: string | undefined;
  /** Where the user agent's closing quote is (or its bare "-"). */
  agentEnd: number;
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

/**
 * The common log format without referer and agent, Apache's `common` (`%h %l %u %t "%r" %>s %b`): one free field, the
 * request line, found between the head and the fixed end, so the expression backtracks only along it.
 */
const COMMON = /^(\S+(?:, \S+)*) \S+ (\S+) \[([^\]\n]+)\] "(\S+) (.*) (\S+)" (\d{3}|-) (\d+|-)$/s;

/**
 * Another web server's access line as the same record: the combined format (genericCLF's line), or Apache's
 * `common`, which Traefik never writes (on Traefik's topic such a line stays whole).
 */
export function webServerRecord(text: string): Json | undefined {
  return traefikCommonRecord(text) ?? readCommonLine(text.endsWith('\n') ? text.trimEnd() : text);
}

function readCommonLine(line: string): Json | undefined {
  const common = COMMON.exec(line);
  if (common === null) return undefined;
  const [, host, user, start, method, path, protocol, status, size] = common as unknown as string[];
  const record: Json = { StartUTC: start, RequestMethod: method, RequestPath: path };
  setGiven(record, 'ClientHost', host);
  setGiven(record, 'ClientUsername', user);
  setGiven(record, 'RequestProtocol', protocol);
  setStatusAndSize(record, status as string, size as string);
  return record;
}

function readLine(line: string): Json | undefined {
  const head = HEAD.exec(line);
  const tail = head === null ? undefined : (tailOf(line) ?? genericTail(line));
  if (head === null || tail === undefined) return undefined;
  // The request line ends at the first `" status size "` after the method; the protocol is its last word.
  let quote = line.indexOf('" ', head[0].length);
  let statusAndSize: RegExpExecArray | null = null;
  while (quote >= 0 && quote < tail.agentEnd) {
    STATUS_AND_SIZE.lastIndex = quote;
    statusAndSize = STATUS_AND_SIZE.exec(line);
    if (statusAndSize !== null) break;
    quote = line.indexOf('" ', quote + 1);
  }
  if (statusAndSize === null || quote < 0 || quote >= tail.agentEnd) return undefined;
  const space = line.lastIndexOf(' ', quote - 1);
  if (space < head[0].length) return undefined;
  const fields = refererAndAgent(line, STATUS_AND_SIZE.lastIndex, tail.agentEnd);
  if (fields === undefined) return undefined;
  const [, host, user, start, method] = head as unknown as string[];
  const [, status, size] = statusAndSize as unknown as string[];
  const record: Json = { StartUTC: start, RequestMethod: method, RequestPath: line.slice(head[0].length, space) };
  if (tail.millis !== undefined) record.Duration = `${tail.millis}ms`;
  setGiven(record, 'ClientHost', host);
  setGiven(record, 'ClientUsername', user);
  setGiven(record, 'RequestProtocol', line.slice(space + 1, quote));
  setGiven(record, 'request_Referer', fields.referer);
  setGiven(record, 'request_User-Agent', fields.agent);
  setGiven(record, 'RouterName', tail.router);
  setGiven(record, 'ServiceURL', tail.service);
  // The count, status and size are digits or "-" (the expressions above).
  if (tail.count !== '-') record.RequestCount = Number(tail.count);
  setStatusAndSize(record, status as string, size as string);
  return record;
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
