import { setOwn } from '../../shared/json-object.js';
import type { Json } from '../ecs.js';

/**
 * logfmt, as Go's loggers write it without a TTY: logrus's text formatter (`time="…" level=info msg="…"`), go-kit's
 * log (`ts=… caller=main.go:42 level=info msg="…"`, Prometheus, Loki, Alertmanager), Grafana's (`t=… lvl=info`) and
 * Heroku's router. Values are bare up to the next space or quoted with Go's strconv escapes; a bare key is a flag.
 */

/** A quoted logfmt value (Go's strconv quoting), or a bare one up to the next space, from `at`; and where it ends. */
export function logfmtValue(line: string, at: number): { value: string; end: number } {
  if (line[at] !== '"') {
    const space = line.indexOf(' ', at);
    const end = space < 0 ? line.length : space;
    return { value: line.slice(at, end), end };
  }
  let value = '';
  let i = at + 1;
  for (; i < line.length && line[i] !== '"'; i += 1) {
    if (line[i] === '\\' && i + 1 < line.length) {
      i += 1;
      value += line[i] === 'n' ? '\n' : line[i] === 't' ? '\t' : line[i];
    } else value += line[i];
  }
  return { value, end: i + 1 };
}

/** The `key=value` pairs of a line from `from`, in order; what is not a pair is skipped. */
export function logfmtPairs(line: string, from: number): Json {
  const pairs: Json = {};
  let at = from;
  while (at < line.length) {
    const equals = line.indexOf('=', at);
    if (equals < 0) break;
    const key = line.slice(at, equals);
    const { value, end } = logfmtValue(line, equals + 1);
    setOwn(pairs, key, value);
    at = end + 1;
  }
  return pairs;
}

const KEY = /[^\s="]+/y;
/** The keys that make a line a log record and not prose with an `=` in it: a time, a level or a message. */
const RECORD_KEYS = ['msg', 'message', 'level', 'lvl', 'ts', 'time', 't'];

/**
 * A whole line of logfmt as a record, or undefined when any part of it is not a pair (or a bare key) or it has none
 * of a log record's keys. Grafana's `t` and `lvl` are the time and level others write.
 */
export function parseLogfmt(line: string): Json | undefined {
  const record: Json = {};
  let at = 0;
  let pairs = 0;
  while (at < line.length) {
    if (line[at] === ' ') {
      at += 1;
      continue;
    }
    KEY.lastIndex = at;
    const key = KEY.exec(line)?.[0];
    if (key === undefined) return undefined;
    at += key.length;
    if (line[at] !== '=') {
      if (at < line.length && line[at] !== ' ') return undefined;
      setOwn(record, key, true);
      continue;
    }
    const { value, end } = logfmtValue(line, at + 1);
    // A quote left open ran past the line's end: not logfmt.
    if (end > line.length) return undefined;
    setOwn(record, key, value);
    pairs += 1;
    at = end;
    if (at < line.length && line[at] !== ' ') return undefined;
  }
  if (pairs < 2 || !RECORD_KEYS.some((name) => typeof record[name] === 'string')) return undefined;
  for (const [alias, name] of [['lvl', 'level'], ['t', 'time']] as const) {
    if (record[name] !== undefined || typeof record[alias] !== 'string') continue;
    record[name] = record[alias];
    delete record[alias];
  }
  return record;
}

