import type { Json } from '../ecs.js';

/**
 * Traefik's default access log, `accessLog.format=common` (CommonLogFormatter in
 * pkg/middlewares/accesslog/logger_formatters.go): the common log format and six fields of Traefik's own,
 *
 *   ClientHost - ClientUsername [StartUTC] "RequestMethod RequestPath RequestProtocol" OriginStatus
 *   OriginContentSize "Referer" "User-Agent" RequestCount "RouterName" "ServiceURL" Durationms
 *
 * Traefik writes the values unescaped, so a quote or a space inside the path or the user agent is read by
 * finding the fixed fields around it. "-" (quoted or not) means absent. The status and size are the origin's:
 * 0 (Traefik 2 and later) or "-" when Traefik answered itself (a redirect or auth middleware, no router).
 *
 * Read by hand, not by one regular expression: with three free-text fields one expression backtracks in
 * quadratic time or worse on a crafted line (a 320 KB line took 1.4 s), and this runs on every plain line
 * of an unnamed source. Each step here finds a delimiter once, so a line costs time linear in its length.
 */
const HEAD = /^(\S+) - (\S+) \[([^\]\n]+)\] "(\S+) /;
const STATUS_AND_SIZE = /" (\d+|-) (\d+|-) "/y;

interface Tail {
  count: string;
  router: string;
  service: string;
  millis: string;
  /** Where the user agent's closing quote is. */
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
  if (at === countEnd || line[at - 1] !== ' ' || line[at - 2] !== '"') return undefined;
  return { count: line.slice(at, countEnd), router: router.value, service: service.value, millis, agentEnd: at - 2 };
}

/** A value the format wrote, left out when it is its placeholder: empty or "-". */
function setGiven(record: Json, name: string, value: string | undefined): void {
  if (value !== undefined && value !== '' && value !== '-') record[name] = value;
}

export function looksLikeTraefikCommon(line: string): boolean {
  return traefikCommonRecord(line) !== undefined;
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

function readLine(line: string): Json | undefined {
  const head = HEAD.exec(line);
  const tail = head === null ? undefined : tailOf(line);
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
  const refererStart = STATUS_AND_SIZE.lastIndex;
  const refererEnd = line.indexOf('" "', refererStart);
  if (refererEnd < 0 || refererEnd + 3 > tail.agentEnd) return undefined;
  const [, host, user, start, method] = head as unknown as string[];
  const [, status, size] = statusAndSize as unknown as string[];
  const record: Json = { StartUTC: start, RequestMethod: method, RequestPath: line.slice(head[0].length, space), Duration: `${tail.millis}ms` };
  setGiven(record, 'ClientHost', host);
  setGiven(record, 'ClientUsername', user);
  setGiven(record, 'RequestProtocol', line.slice(space + 1, quote));
  setGiven(record, 'request_Referer', line.slice(refererStart, refererEnd));
  setGiven(record, 'request_User-Agent', line.slice(refererEnd + 3, tail.agentEnd));
  setGiven(record, 'RouterName', tail.router);
  setGiven(record, 'ServiceURL', tail.service);
  // The count, status and size are digits or "-" (the expressions above).
  if (tail.count !== '-') record.RequestCount = Number(tail.count);
  if (status !== '-') {
    record.OriginStatus = Number(status);
    if (record.OriginStatus !== 0) record.DownstreamStatus = record.OriginStatus;
  }
  if (size !== '-') {
    record.OriginContentSize = Number(size);
    if (record.DownstreamStatus !== undefined) record.DownstreamContentSize = record.OriginContentSize;
  }
  return record;
}
