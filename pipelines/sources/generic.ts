import { get, put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { baseDocument, eventTime, isFailureLevel, keepRest, receivedTime, withReceivedTime, type Claim, type NormaliseContext } from './common.js';
import { ecsLevel, keepRestPlacingEcs } from './ecs-fields.js';
import { claimLoggerOrEcsField, levelName } from './json-loggers.js';
import { formatLevel, formatMessage, formatTime } from './logger-formats.js';
import { parseLogfmt } from './logfmt.js';
import { normaliseFfmpeg } from './ffmpeg.js';
import { parseKlogLine, putKlog } from './klog.js';
import { isCaddyAccessRecord, normaliseCaddyRecord } from './caddy.js';
import { nginxJsonRecord } from './nginx-json.js';
import { parseGoConsole, putGoConsole } from './go-console.js';
import { parseJavaLine, putJavaLine } from './java-logging.js';
import { parsePythonLine, putPythonLine } from './python-logging.js';
import { parseRedisLine, putRedis, valkeyRecord } from './redis.js';
import { parseSyslog, putSyslog } from './syslog.js';
import { readSystemRecord, type SystemRecord } from './system-records.js';
import { normaliseWebServerRecord } from './traefik.js';

const TIME_FIELDS = ['@timestamp', 'timestamp', 'time', 'ts'] as const;
const NONE_KNOWN: ReadonlySet<string> = new Set();

/** The field that gives the record's time, and the one that gives its message (text only). */
const timeFieldOf = (record: Json) => TIME_FIELDS.find((field) => record[field] !== undefined && record[field] !== null);
const messageFieldOf = (record: Json) => (record.message !== undefined && record.message !== null ? 'message' : 'msg');

/**
 * An ECS logger's fields, and pino's and bunyan's, to their ECS place as in the app pipeline; `log.level` is read
 * already when it gave the level.
 */
const claimKnownLoggers: Claim = (document, key, value, record) => {
  // What was read above is not kept twice; a level, message or time of another kind, or a second time, is kept.
  if (key === 'level') return typeof value === 'string' || typeof value === 'number';
  if (key === 'message' || key === 'msg') return messageFieldOf(record) === key && typeof value === 'string';
  if ((TIME_FIELDS as readonly string[]).includes(key)) return timeFieldOf(record) === key;
  return claimLoggerOrEcsField(document, key, value, record, record.level === undefined);
};

/** Go's log package: `2009/11/10 23:00:00[.123123] [file.go:23: ]message` (LstdFlags, Lmicroseconds, Lshortfile). */
const GO_LOG = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?) (?:([\w.-]+\.go):(\d{1,9}): )?(.*)$/s;

/** A plain line of a known format: its time when it gives one, and the fields it puts in the document. */
interface PlainLine {
  ms: number | undefined;
  place(document: Json): void;
}

/** A line of Go's standard logger: its time (local, unzoned: read as UTC, as every time without a zone) and the rest. */
function readGoLogLine(line: string): PlainLine | undefined {
  const match = GO_LOG.exec(line);
  const ms = match === null ? undefined : parseTimestamp(match[1]);
  if (match === null || ms === undefined) return undefined;
  return {
    ms,
    place: (document) => {
      put(document, 'message', match[4] ?? '');
      put(document, 'log.origin.file.name', match[2]);
      put(document, 'log.origin.file.line', match[3] === undefined ? undefined : Number(match[3]));
    },
  };
}

/** The first plain-line format the generic pipeline reads that the line is: Java's log4j and logback layouts, zap's and zerolog's consoles, syslog, Redis's, glog's, Python's logging, Go's log. */
function readPlainLine(line: string, received: number): PlainLine | undefined {
  // Java's layouts first: Spring Boot's `time  LEVEL pid --- [thread] logger : message` is also a time and a message
  // to rsyslog's file format and to Python's.
  const java = parseJavaLine(line);
  if (java !== undefined) return { ms: java.ms, place: (document) => putJavaLine(document, java) };
  // Go's console formats too: zerolog's `time LVL message` is also a time, a host and a message to rsyslog's.
  const go = parseGoConsole(line);
  if (go !== undefined) return { ms: go.ms, place: (document) => putGoConsole(document, go) };
  const syslog = parseSyslog(line, received);
  if (syslog !== undefined) return { ms: syslog.ms, place: (document) => putSyslog(document, syslog) };
  const redis = parseRedisLine(line, received);
  if (redis !== undefined) return { ms: redis.ms, place: (document) => putRedis(document, redis) };
  const klog = parseKlogLine(line, received);
  if (klog !== undefined) return { ms: klog.ms, place: (document) => putKlog(document, klog) };
  const python = parsePythonLine(line);
  if (python !== undefined) return { ms: python.ms, place: (document) => putPythonLine(document, python) };
  return readGoLogLine(line);
}

/** The level: text, pino's and bunyan's numbers, an ECS logger's `log.level`, or another logger's own (logger-formats.ts). */
function levelOf(record: Json): string | undefined {
  const own = formatLevel(record);
  if (own !== undefined) return own;
  if (typeof record.level === 'number') return levelName(record.level);
  return typeof record.level === 'string' ? record.level : ecsLevel(record);
}

/**
 * Anything no source pipeline recognises. FFmpeg's lines and progress reports are read as FFmpeg writes them (ffmpeg.ts), a
 * logfmt line as the record it writes (logfmt.ts), a syslog line as
 * syslog (syslog.ts), a Redis server's line as Redis's (redis.ts), a glog line as klog writes it (klog.ts), a line of
 * Python's logging in a usual format by its level and logger (python-logging.ts), a line of Go's standard logger by
 * its time; another plain line is kept whole as `message`. A system log daemon's JSON record (journald, syslog-ng,
 * rsyslog, Vector, Fluent Bit) is read as the syslog it carries (system-records.ts), nginx's JSON access record as its
 * access line (nginx-json.ts), Caddy's as its access document (caddy.ts); another JSON record keeps its message and time if it has them, an ECS logger's fields
 * in their ECS place, and everything else under `rendiff.*`.
 */
export function normaliseGeneric(record: Json | string, context: NormaliseContext, dataset = 'sluice.generic'): Json {
  if (typeof record === 'string') {
    // Before logfmt: FFmpeg's progress report is `key=value` pairs too, and its `time` is a position in the media.
    const ffmpeg = normaliseFfmpeg(record, context, dataset, undefined, false);
    if (ffmpeg !== undefined) return ffmpeg;
    const pairs = parseLogfmt(record);
    if (pairs !== undefined) {
      const document = normaliseGeneric(pairs, context, dataset);
      // A record without a message (go-kit's `level=info build_context="…"`) shows its line, as Logstash's kv filter leaves it.
      if (document.message === undefined) put(document, 'message', record);
      return document;
    }
    const received = receivedTime(context);
    const known = readPlainLine(record, received);
    const document = baseDocument(dataset, known?.ms ?? received, context);
    if (known !== undefined) known.place(document);
    else put(document, 'message', record);
    return document;
  }
  const system = readSystemRecord(record, () => receivedTime(context));
  if (system !== undefined) return systemDocument(system, context, dataset);
  const access = nginxJsonRecord(record);
  if (access !== undefined) return normaliseWebServerRecord(access, withReceivedTime(context), dataset);
  if (isCaddyAccessRecord(record)) return normaliseCaddyRecord(record, withReceivedTime(context), dataset);
  const valkey = valkeyRecord(record);
  if (valkey !== undefined) {
    const document = baseDocument(dataset, valkey.ms, context);
    putRedis(document, valkey);
    return document;
  }
  const timeField = timeFieldOf(record);
  const time = timeField === undefined ? formatTime(record) : record[timeField];
  const document = baseDocument(dataset, eventTime(time, '@timestamp', withReceivedTime(context)), context);
  const message = record[messageFieldOf(record)];
  put(document, 'message', typeof message === 'string' ? message : formatMessage(record));
  const level = levelOf(record)?.toLowerCase();
  put(document, 'log.level', level);
  keepRestPlacingEcs(document, record, NONE_KNOWN, claimKnownLoggers);
  // As on the other sources: an event logged at a failure level is a failure, unless the record gave its own outcome.
  if (isFailureLevel(level) && get(document, 'event.outcome') === undefined) put(document, 'event.outcome', 'failure');
  return document;
}

function systemDocument(system: SystemRecord, context: NormaliseContext, dataset: string): Json {
  const document = baseDocument(dataset, system.line.ms ?? receivedTime(context), context);
  putSyslog(document, system.line);
  for (const [path, value] of system.placed) put(document, path, value);
  keepRest(document, system.rest, system.known);
  return document;
}
