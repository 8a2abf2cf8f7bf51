import { put, type Json } from '../ecs.js';
import { calendarTime, parseTimestamp } from '../timestamps.js';

/**
 * Redis's own log lines (server.c's serverLogRaw, and Valkey's, which kept its legacy format), the lines Filebeat's
 * redis module reads:
 * - `1:M 07 Dec 2026 06:00:00.123 * Ready to accept connections tcp`: the pid, the role (M master, S replica, C the
 *   child that writes the RDB or AOF, X sentinel), the time (its year since Redis 5; Valkey can write it as ISO 8601 or
 *   epoch milliseconds), the level (`.` debug, `-` verbose, `*` notice, `#` warning) and the message;
 * - `[2932] 31 May 04:32:08.119 * …` (Redis 2) and `30 May 10:03:19 - …` (Redis 1), with no role;
 * - `5092:signal-handler (1496141844) Received SIGINT scheduling shutdown...`, a signal handler's line, its time in
 *   epoch seconds.
 * The time is the server's local time, read as UTC as every time without a zone; without its year, the latest year that
 * puts it no more than a day after the line arrived.
 */
const LEGACY = /^(?:(\d{1,10}):([MSCX]) |\[(\d{1,10})\] )?(?:(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?:(\d{4}) )?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(?:Z|[+-]\d{2}:?\d{2})?)|(\d{13})) ([.*#-]) /;
const SIGNAL_HANDLER = /^(\d{1,10}):signal-handler \((\d{1,12})\) /;
/** Filebeat's redis module's names for the role's letter and the level's character. */
const ROLES: Readonly<Record<string, string>> = { M: 'master', S: 'slave', C: 'child', X: 'sentinel' };
const LEVELS: Readonly<Record<string, string>> = { '.': 'debug', '-': 'verbose', '*': 'notice', '#': 'warning' };

export interface RedisLine {
  ms: number;
  pid: number | undefined;
  role: string | undefined;
  level: string | undefined;
  message: string;
}

/** A Redis log line's parts, or undefined for a line that is not one (or whose time does not exist). */
export function parseRedisLine(line: string, now: number): RedisLine | undefined {
  const signal = SIGNAL_HANDLER.exec(line);
  if (signal !== null) {
    const ms = parseTimestamp(Number(signal[2]));
    return ms === undefined ? undefined : { ms, pid: Number(signal[1]), role: undefined, level: undefined, message: line.slice(signal[0].length) };
  }
  const match = LEGACY.exec(line);
  if (match === null) return undefined;
  const [, pid, role, bracketed, day, month, year, hour, minute, second, fraction, iso, epochMs, level] = match;
  const ms = day === undefined ? parseTimestamp(iso ?? Number(epochMs)) : calendarTime({ year, month: month as string, day, hour: hour as string, minute: minute as string, second: second as string, fraction }, now);
  if (ms === undefined) return undefined;
  const processId = pid ?? bracketed;
  return { ms, pid: processId === undefined ? undefined : Number(processId), role: role === undefined ? undefined : ROLES[role], level: LEVELS[level as string], message: line.slice(match[0].length) };
}

/** Valkey's `log-format logfmt` roles, by Filebeat's names for Redis's letters. */
const VALKEY_ROLES: ReadonlyMap<string, string> = new Map([['primary', 'master'], ['replica', 'slave'], ['RDB/AOF', 'child'], ['sentinel', 'sentinel']]);
const VALKEY_KEYS = ['pid', 'role', 'timestamp', 'level', 'message'];

/**
 * Valkey's `log-format logfmt` line, as the generic pipeline reads logfmt: `pid=1 role=primary timestamp="…"
 * level=notice message="…"` (server.c's serverLogRaw), its time in any of `log-timestamp-format`'s three forms. Undefined
 * for any other record.
 */
export function valkeyRecord(record: Json): RedisLine | undefined {
  const keys = Object.keys(record);
  if (keys.length !== VALKEY_KEYS.length || !VALKEY_KEYS.every((key) => typeof record[key] === 'string')) return undefined;
  const role = VALKEY_ROLES.get(record.role as string);
  const ms = parseTimestamp(record.timestamp);
  if (role === undefined || ms === undefined || !/^\d{1,10}$/.test(record.pid as string)) return undefined;
  return { ms, pid: Number(record.pid), role, level: record.level as string, message: record.message as string };
}

/** A Redis line's fields, as Filebeat's redis module places them (`redis.log.role` its own field there too). */
export function putRedis(document: Json, line: RedisLine): void {
  put(document, 'message', line.message);
  put(document, 'log.level', line.level);
  put(document, 'process.pid', line.pid);
  put(document, 'redis.log.role', line.role);
  put(document, 'service.type', 'redis');
  put(document, 'event.kind', 'event');
  put(document, 'event.category', ['database']);
  put(document, 'event.type', ['info']);
}
