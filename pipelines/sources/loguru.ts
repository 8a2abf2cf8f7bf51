import { isJsonObject } from '../../shared/json-object.js';
import type { Json } from '../ecs.js';

/**
 * Loguru's JSON (`logger.add(sink, serialize=True)`), as its Handler._serialize_record writes it: the formatted line
 * as `text`, and under `record` the LogRecord-like fields, each an object where Python's logging has a flat value
 * (`level: {name, no, icon}`, `time: {repr, timestamp}`, `file: {name, path}`, `process` and `thread` as `{id, name}`,
 * `exception: {type, value, traceback}` or null, `elapsed: {repr, seconds}`) and the context bound with
 * `logger.bind()` or `contextualize()` under `extra`.
 */
const TRACEBACK = 'Traceback (most recent call last):';

/** Loguru's serialised record: its two keys and the fields every record has, of the types loguru writes. */
function isLoguruRecord(object: Json): object is { text: string; record: Json } {
  const { text, record } = object;
  if (typeof text !== 'string' || !isJsonObject(record) || Object.keys(object).length !== 2) return false;
  return typeof record.message === 'string' && isJsonObject(record.level) && typeof record.level.name === 'string' && isJsonObject(record.time) && typeof record.time.timestamp === 'number';
}

/**
 * The exception's traceback as the text holds it (loguru appends it below the formatted message), else the
 * exception's own line as Python's traceback module ends one ("ValueError: bad"); undefined without an exception.
 */
function exceptionText(text: string, record: Json): string | undefined {
  const exception = record.exception;
  if (!isJsonObject(exception) || typeof exception.type !== 'string') return undefined;
  const message = record.message as string;
  const after = text.indexOf(message);
  const start = text.indexOf(TRACEBACK, after < 0 ? 0 : after + message.length);
  if (start >= 0) return text.slice(start).trimEnd();
  return typeof exception.value === 'string' && exception.value !== '' ? `${exception.type}: ${exception.value}` : exception.type;
}

const field = (value: unknown, key: string): unknown => (isJsonObject(value) ? value[key] : undefined);

/**
 * A loguru record as the record python-json-logger writes for the same event (LogRecord's attribute names, which the
 * sources read as Python's logging: logger-formats.ts), with the bound context beside them as the formatter's extra
 * fields are; a context key that is one of those names stays under `extra`. The formatted `text` is not kept: the
 * record holds all it says, its traceback becoming `exc_info`. Anything else is returned as it is.
 */
export function unwrapLoguru(object: Json): Json {
  if (!isLoguruRecord(object)) return object;
  const { text, record } = object;
  const own: Json = {
    message: record.message,
    levelname: (record.level as Json).name,
    created: (record.time as Json).timestamp,
    name: record.name,
    funcName: record.function,
    lineno: record.line,
    pathname: field(record.file, 'path') ?? field(record.file, 'name'),
    process: field(record.process, 'id'),
    processName: field(record.process, 'name'),
    thread: field(record.thread, 'id'),
    threadName: field(record.thread, 'name'),
    exc_info: exceptionText(text, record),
    elapsed: field(record.elapsed, 'seconds'),
  };
  // The record's own fields first: where a bound key says the same (a `logger`), the record's is the one placed.
  const flat: Json = {};
  for (const [key, value] of Object.entries(own)) if (value !== undefined && value !== null) flat[key] = value;
  const clashing: Json = {};
  if (isJsonObject(record.extra)) for (const [key, value] of Object.entries(record.extra)) (Object.hasOwn(own, key) || key === 'extra' ? clashing : flat)[key] = value;
  if (Object.keys(clashing).length > 0) flat.extra = clashing;
  return flat;
}
