import { isIP } from 'node:net';
import { isJsonObject } from '../../shared/json-object.js';
import { durationNs, get, hostPort, objectAt, put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { keepLeft, placeOrigin, putFree, putRequestTarget } from './common.js';
import { SYSLOG_SEVERITIES } from './syslog.js';

/**
 * The default JSON of more loggers, as their documentation and source write it, recognised by the fields only they
 * write, and each field taken to its ECS place (as Elastic's ecs-logging libraries place it) when it has the type
 * the logger writes and the document has no value there yet; anything else stays under `rendiff.*`:
 * - `python`: Python's logging through python-json-logger, whose records carry LogRecord's attribute names
 *   (`asctime`, `levelname`, `name`, `funcName`, `lineno`, `process`, `threadName`, `exc_info` …);
 * - `structlog`: structlog's CallsiteParameterAdder, whose names are not LogRecord's (`func_name`, `lineno`, `pathname`,
 *   `filename`, `thread`, `thread_name`, `process`, `process_name`; its message is `event`, read in json-loggers.ts);
 * - `logback`: logstash-logback-encoder's LogstashEncoder (`logger_name`, `thread_name`, `stack_trace`, `caller_*`);
 * - `log4j2`: log4j2's JsonLayout (`instant` or `timeMillis`, `loggerName`, `thread`, `threadId`, `thrown`);
 * - `clef`: Serilog's compact format, CLEF (`@t`, `@m` or `@mt`, `@l`, absent meaning Information, `@x`, `@i`);
 * - `serilog`: Serilog's JsonFormatter (`Timestamp`, `Level`, `MessageTemplate`, `RenderedMessage`, `Properties`);
 * - `dotnet`: Microsoft.Extensions.Logging's JSON console formatter (`LogLevel`, `Category`, `EventId`, `Message`);
 * - `tracing`: Rust's tracing-subscriber JSON format (`target`, `fields.message`, `filename`, `line_number`);
 * - `gcp`: Google Cloud's structured logging (`severity`, `logging.googleapis.com/…`, `httpRequest`);
 * - `gelf`: GELF 1.1, Graylog's format, as Docker's gelf driver and Logstash write it (`short_message`, `host`, `level`
 *   as a syslog severity, `timestamp` in epoch seconds, additional fields `_name`, Docker's `_container_*`).
 * Levels are kept as each logger names them, in lower case (`information`, `warning`), as for every other source.
 */
export type LoggerFormat = 'python' | 'structlog' | 'logback' | 'log4j2' | 'clef' | 'serilog' | 'dotnet' | 'tracing' | 'gcp' | 'gelf';

const GCP = 'logging.googleapis.com/';
let last: { record: Json | undefined; format: LoggerFormat | undefined } = { record: undefined, format: undefined };

/** The logger that wrote a record, by the fields only it writes; asked once per field, answered once per record. */
export function loggerFormat(record: Json): LoggerFormat | undefined {
  if (last.record === record) return last.format;
  last = { record, format: recognise(record) };
  return last.format;
}

function recognise(record: Json): LoggerFormat | undefined {
  if (typeof record.short_message === 'string' && typeof record.host === 'string' && typeof record.version === 'string') return 'gelf';
  if (typeof record.levelname === 'string') return 'python';
  if (typeof record['@t'] === 'string') return 'clef';
  if (typeof record.MessageTemplate === 'string' && typeof record.Level === 'string') return 'serilog';
  if (typeof record.LogLevel === 'string' && typeof record.Category === 'string') return 'dotnet';
  if (typeof record.logger_name === 'string' || (record['@version'] !== undefined && typeof record.level_value === 'number')) return 'logback';
  if (typeof record.loggerName === 'string' || isJsonObject(record.instant) || typeof record.loggerFqcn === 'string') return 'log4j2';
  if (typeof record.func_name === 'string' || typeof record.thread_name === 'string' || typeof record.process_name === 'string') return 'structlog';
  if (typeof record.target === 'string' && isJsonObject(record.fields) && record.level !== undefined) return 'tracing';
  if (typeof record.severity === 'string' && record.level === undefined) return 'gcp';
  return undefined;
}

/** The field a format keeps its time in, for the formats whose time the sources do not read already. */
function formatTimeField(record: Json): string | undefined {
  switch (loggerFormat(record)) {
    case 'clef':
      return '@t';
    case 'serilog':
    case 'dotnet':
      return 'Timestamp';
    case 'log4j2':
      return isJsonObject(record.instant) ? 'instant' : 'timeMillis';
    case 'python':
      // `asctime` (logging's "2026-11-22 10:00:00,123"), else `created` (epoch seconds).
      return record.asctime !== undefined ? 'asctime' : 'created';
    default:
      return undefined;
  }
}

/** The time that field gives, in epoch milliseconds; undefined when the record has none that reads as a time. */
export function formatTime(record: Json): number | undefined {
  const field = formatTimeField(record);
  if (field === undefined) return undefined;
  const value = record[field];
  // log4j2's instant: epoch seconds and the nanoseconds within them.
  if (!isJsonObject(value)) return parseTimestamp(value);
  return Number.isSafeInteger(value.epochSecond) ? parseTimestamp((value.epochSecond as number) * 1000 + Math.floor(Number(value.nanoOfSecond ?? 0) / 1e6)) : undefined;
}

/**
 * A format's level, as it names it (CLEF's absent level is Information, GELF's number is a syslog severity); the
 * sources ask it first, as a `level` of GELF is no pino number.
 */
export function formatLevel(record: Json): string | undefined {
  switch (loggerFormat(record)) {
    case 'gelf':
      return typeof record.level === 'number' ? SYSLOG_SEVERITIES[record.level] : undefined;
    case 'python':
      return record.levelname as string;
    case 'clef':
      return typeof record['@l'] === 'string' ? record['@l'] : 'Information';
    case 'serilog':
      return record.Level as string;
    case 'dotnet':
      return record.LogLevel as string;
    case 'gcp':
      return record.severity as string;
    default:
      return undefined;
  }
}

/** A format's message: its text, or a message template rendered over the record's properties. */
export function formatMessage(record: Json): string | undefined {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  switch (loggerFormat(record)) {
    case 'clef':
      return text(record['@m']) ?? (typeof record['@mt'] === 'string' ? renderTemplate(record['@mt'], record, record['@r']) : undefined);
    case 'serilog':
      return text(record.RenderedMessage) ?? renderTemplate(record.MessageTemplate as string, isJsonObject(record.Properties) ? record.Properties : {}, undefined);
    case 'dotnet':
      return text(record.Message);
    case 'tracing':
      return text((record.fields as Json).message);
    case 'gelf':
      return text(record.short_message);
    default:
      return undefined;
  }
}

/**
 * A message template (messagetemplates.org) rendered as Serilog renders it: `{Name}`, `{@Name}` and `{$Name}` by the
 * property's value (text in quotes, structures as JSON), a format specifier (`{N:x8}`) by its pre-rendered value in
 * `renderings` (CLEF's `@r`) in order; `{{` and `}}` are braces; a property the record lacks stays as written.
 */
export function renderTemplate(template: string, properties: Json, renderings: unknown): string {
  const rendered = Array.isArray(renderings) ? renderings : [];
  let formatted = 0;
  return template.replace(/\{\{|\}\}|\{([@$]?)([A-Za-z0-9_]+)(?:,-?\d+)?(?::([^}]*))?\}/g, (whole, _sigil: string | undefined, name: string | undefined, format: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    if (format !== undefined && format !== '') {
      const pre = rendered[formatted];
      formatted += 1;
      if (typeof pre === 'string') return pre;
    }
    // An own property only: `{constructor}` is a property the record may lack, not Object's.
    const value = Object.hasOwn(properties, name as string) ? properties[name as string] : undefined;
    if (value === undefined) return whole;
    if (typeof value === 'string') return format === 'l' ? value : JSON.stringify(value);
    return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  });
}

/**
 * A stack trace's exception: Python's on its last line ("RuntimeError: ffmpeg exited 1"), Java's, .NET's and Node's on
 * the first. Celery's prefork pool wraps a task's exception in billiard's ExceptionWithTraceback, whose text ends with
 * the task's own traceback between `"""` lines: its last line is the task's exception.
 */
export function exceptionOf(trace: string): { type: string; message?: string } | undefined {
  const lines = trace.trimEnd().split('\n');
  while (lines.length > 1 && lines[lines.length - 1]?.trim() === '"""') lines.pop();
  const line = (lines[0]?.startsWith('Traceback') ? lines[lines.length - 1] : lines[0])?.trim() ?? '';
  const match = /^([A-Za-z_$][\w$.`]*)(?:: (.*))?$/.exec(line);
  return match === null ? undefined : { type: match[1] as string, ...(match[2] === undefined ? {} : { message: match[2] }) };
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** A stack trace as text: `error.stack_trace`, with the exception's type and message read from it. */
export function placeTrace(document: Json, trace: unknown): boolean {
  if (!isText(trace) || get(document, 'error.stack_trace') !== undefined) return false;
  put(document, 'error.stack_trace', trace);
  const exception = exceptionOf(trace);
  putFree(document, 'error.type', exception?.type, exception !== undefined);
  putFree(document, 'error.message', exception?.message, exception?.message !== undefined);
  return true;
}

/** structlog's dict tracebacks (`dict_tracebacks`): the exception and its chain, each with its type, value and frames. */
export function isExceptionStack(value: unknown): value is Json[] {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => isJsonObject(entry) && isText(entry.exc_type) && Array.isArray(entry.frames));
}

/**
 * A dict traceback as `error.*`: the logged exception's type and value, and the chain as Python's traceback module
 * prints it, the innermost first. Each frame's `locals` (every local variable's repr: secrets, and megabytes) is left out.
 */
export function placeExceptionStack(document: Json, stack: readonly Json[]): boolean {
  const [logged] = stack;
  if (logged === undefined || get(document, 'error.stack_trace') !== undefined) return false;
  const parts: string[] = [];
  for (let i = stack.length - 1; i >= 0; i -= 1) {
    const entry = stack[i] as Json;
    const frames = (entry.frames as unknown[]).filter(isJsonObject);
    const lines = frames.length === 0 ? [] : ['Traceback (most recent call last):'];
    // structlog keeps no source line of a frame (its Frame's `line` is never filled), so none is printed under it.
    for (const frame of frames) lines.push(`  File "${String(frame.filename ?? '<unknown>')}", line ${String(frame.lineno ?? '?')}, in ${String(frame.name ?? '<unknown>')}`);
    lines.push(`${String(entry.exc_type)}${isText(entry.exc_value) ? `: ${entry.exc_value}` : ''}`);
    parts.push(lines.join('\n'));
    // Entry i came from entry i - 1 as its explicit cause (`raise … from`) or as the exception being handled.
    if (i > 0) parts.push(entry.is_cause === true ? '\nThe above exception was the direct cause of the following exception:\n' : '\nDuring handling of the above exception, another exception occurred:\n');
  }
  put(document, 'error.stack_trace', parts.join('\n'));
  putFree(document, 'error.type', logged.exc_type, true);
  putFree(document, 'error.message', logged.exc_value, isText(logged.exc_value));
  return true;
}

/** log4j2's `thrown`: `name`, `message`, and its stack trace as Java prints it (or its text with stacktraceAsString). */
function placeThrown(document: Json, thrown: unknown): boolean {
  if (!isJsonObject(thrown) || !isText(thrown.name) || get(document, 'error.type') !== undefined) return false;
  put(document, 'error.type', thrown.name);
  putFree(document, 'error.message', thrown.message ?? thrown.localizedMessage, isText(thrown.message ?? thrown.localizedMessage));
  const frames = thrown.extendedStackTrace ?? thrown.stackTrace;
  if (isText(frames)) put(document, 'error.stack_trace', frames);
  else if (Array.isArray(frames)) put(document, 'error.stack_trace', printedThrowable(thrown, '', '').join('\n'));
  return true;
}

/** A frame as Java's StackTraceElement prints it: line -2 is a native method's. */
function printedFrame(frame: Json): string {
  const line = frame.line;
  const where = line === -2 ? 'Native Method' : `${isText(frame.file) ? frame.file : 'Unknown Source'}${isText(frame.file) && Number.isSafeInteger(line) && (line as number) >= 0 ? `:${String(line)}` : ''}`;
  return `${String(frame.class ?? '')}.${String(frame.method ?? '')}(${where})`;
}

/**
 * A ThrowableProxy's lines as Throwable.printStackTrace writes them: its frames, each suppressed exception and its
 * cause after them, and `... n more` for the frames a cause shares with the exception it caused (log4j2 leaves them out).
 */
function printedThrowable(thrown: Json, caption: string, indent: string): string[] {
  const message = thrown.localizedMessage ?? thrown.message;
  const lines = [`${indent}${caption}${String(thrown.name ?? '')}${isText(message) ? `: ${message}` : ''}`];
  const frames = thrown.extendedStackTrace ?? thrown.stackTrace;
  if (Array.isArray(frames)) for (const frame of frames) if (isJsonObject(frame)) lines.push(`${indent}\tat ${printedFrame(frame)}`);
  const common = thrown.commonElementCount;
  if (caption !== '' && Number.isSafeInteger(common) && (common as number) > 0) lines.push(`${indent}\t... ${String(common)} more`);
  if (Array.isArray(thrown.suppressed)) for (const suppressed of thrown.suppressed) if (isJsonObject(suppressed)) lines.push(...printedThrowable(suppressed, 'Suppressed: ', `${indent}\t`));
  if (isJsonObject(thrown.cause)) lines.push(...printedThrowable(thrown.cause, 'Caused by: ', indent));
  return lines;
}

/** Where a Python event was logged: LogRecord's attribute names (python-json-logger), or structlog's CallsiteParameterAdder's. */
function claimPythonCallSite(document: Json, key: string, value: unknown, record: Json): boolean {
  switch (key) {
    case 'funcName':
    case 'func_name':
      return putFree(document, 'log.origin.function', value, isText(value));
    case 'lineno':
      return putFree(document, 'log.origin.file.line', value, Number.isSafeInteger(value));
    case 'pathname':
    case 'filename':
      return placeFileName(document, key, value, record);
    case 'process':
      return putFree(document, 'process.pid', value, Number.isSafeInteger(value));
    case 'processName':
    case 'process_name':
      // "n/a" when the process has no name to give (structlog's own loggers, multiprocessing not loaded).
      return value === 'n/a' || putFree(document, 'process.name', value, isText(value));
    case 'thread':
    case 'threadName':
    case 'thread_name':
      return placeThread(document, value);
    default:
      return false;
  }
}

/**
 * Python's `filename` as log.origin.file.name, as Elastic's ecs-logging-python places it; `pathname` only when there is
 * no `filename` (and otherwise kept beside it), whatever their order (structlog's CallsiteParameterAdder's varies).
 */
function placeFileName(document: Json, key: string, value: unknown, record: Json): boolean {
  if (key === 'pathname' && isText(record.filename)) return false;
  return putFree(document, 'log.origin.file.name', value, isText(value));
}

/** The thread, by name or number: tracing-subscriber writes "ThreadId(1)". */
function placeThread(document: Json, value: unknown): boolean {
  if (isText(value)) {
    const id = /^ThreadId\((\d+)\)$/.exec(value)?.[1];
    return id === undefined ? putFree(document, 'process.thread.name', value, true) : putFree(document, 'process.thread.id', Number(id), true);
  }
  return putFree(document, 'process.thread.id', value, Number.isSafeInteger(value));
}

/** log4j2's `source` (locationInfo): `class`, `method`, `file`, `line`. */
function placeJavaLocation(document: Json, location: unknown): boolean {
  if (!isJsonObject(location)) return false;
  const method = isText(location.method) && isText(location.class) ? `${location.class}.${location.method}` : location.method;
  return placeOrigin(document, location.file, location.line, method);
}

/** Google Cloud's `labels`: ECS's labels, text each. */
function placeLabels(document: Json, labels: unknown): boolean {
  if (!isJsonObject(labels) || Object.values(labels).some((label) => typeof label !== 'string') || get(document, 'labels') !== undefined) return false;
  put(document, 'labels', { ...labels });
  return true;
}

/** Google Cloud's `sourceLocation`: `file`, `line` (a number or its text), `function`. */
function placeSourceLocation(document: Json, location: unknown): boolean {
  return isJsonObject(location) && placeOrigin(document, location.file, Number(location.line), location.function);
}

/** Google Cloud's `httpRequest` (LogEntry's HttpRequest): what an access log gives, the rest kept. */
function placeHttpRequest(document: Json, request: unknown): boolean {
  if (!isJsonObject(request)) return false;
  const placed: string[] = [];
  if (putFree(document, 'http.request.method', isText(request.requestMethod) ? request.requestMethod.toUpperCase() : undefined, isText(request.requestMethod))) placed.push('requestMethod');
  if (isText(request.requestUrl) && get(document, 'url.original') === undefined) {
    putRequestTarget(document, request.requestUrl);
    placed.push('requestUrl');
  }
  if (putFree(document, 'http.response.status_code', request.status, Number.isInteger(request.status) && (request.status as number) >= 100 && (request.status as number) <= 599)) placed.push('status');
  if (putFree(document, 'user_agent.original', request.userAgent, isText(request.userAgent))) placed.push('userAgent');
  const ip = isText(request.remoteIp) ? hostPort(request.remoteIp).ip : undefined;
  if (putFree(document, 'source.ip', ip, ip !== undefined && isIP(ip) !== 0)) placed.push('remoteIp');
  const duration = durationNs(request.latency);
  if (putFree(document, 'event.duration', duration, duration !== undefined)) placed.push('latency');
  keepLeft(document, 'httpRequest', request, placed);
  return true;
}

/** Docker's gelf log driver's fields (daemon/logger/gelf), to ECS's container fields. */
const DOCKER_GELF: ReadonlyMap<string, string> = new Map([['container_id', 'container.id'], ['container_name', 'container.name'], ['image_name', 'container.image.name']]);

/** A GELF additional field, its underscore dropped: Docker's to `container.*`, any other kept under its name. */
function placeGelfField(document: Json, name: string, value: unknown): boolean {
  const target = DOCKER_GELF.get(name);
  if (target !== undefined) return putFree(document, target, value, isText(value));
  const namespace = objectAt(document, 'rendiff');
  if (Object.hasOwn(namespace, name)) return false;
  namespace[name] = value;
  return true;
}

/** tracing-subscriber's `fields`: its `message` is the record's; the other fields are kept. */
function placeTracingFields(document: Json, fields: Json): boolean {
  if (!isText(fields.message)) return false;
  keepLeft(document, 'fields', fields, ['message']);
  return true;
}

/** The fields each format writes that the sources read already (time, level, message) or place here. */
const CLAIMS: Readonly<Record<LoggerFormat, (document: Json, key: string, value: unknown, record: Json) => boolean>> = {
  python: (document, key, value, record) => {
    switch (key) {
      case 'levelname':
        return typeof value === 'string';
      case 'name':
        return putFree(document, 'log.logger', value, isText(value));
      case 'exc_info':
        return placeTrace(document, value);
      case 'color_message':
        // uvicorn's copy of the message with terminal colours, for its own console formatter: the message says it.
        return typeof value === 'string' && typeof record.message === 'string';
      default:
        return claimPythonCallSite(document, key, value, record);
    }
  },
  structlog: claimPythonCallSite,
  logback: (document, key, value) => {
    switch (key) {
      case 'logger_name':
        return putFree(document, 'log.logger', value, isText(value));
      case 'thread_name':
        return placeThread(document, value);
      case 'stack_trace':
        return placeTrace(document, value);
      case 'caller_method_name':
        return putFree(document, 'log.origin.function', value, isText(value));
      case 'caller_file_name':
        return putFree(document, 'log.origin.file.name', value, isText(value));
      case 'caller_line_number':
        return putFree(document, 'log.origin.file.line', value, Number.isSafeInteger(value));
      default:
        return false;
    }
  },
  log4j2: (document, key, value) => {
    switch (key) {
      case 'source':
        // With locationInfo: where in the code, not ECS's network source.
        return placeJavaLocation(document, value);
      case 'loggerName':
        return putFree(document, 'log.logger', value, isText(value));
      case 'thread':
      case 'threadId':
        return placeThread(document, value);
      case 'thrown':
        return placeThrown(document, value);
      default:
        return false;
    }
  },
  clef: (document, key, value, record) => {
    switch (key) {
      case '@l':
        return typeof value === 'string';
      case '@m':
        return isText(value);
      case '@mt':
        // Rendered into the message when there is no `@m`; the template itself is kept beside it.
        if (!isText(value) || isText(record['@m'])) return false;
        put(document, 'rendiff.message_template', value);
        return true;
      case '@x':
        return placeTrace(document, value);
      case '@i':
        return putFree(document, 'event.code', typeof value === 'number' ? String(value) : value, isText(value) || Number.isSafeInteger(value));
      case 'SourceContext':
        return putFree(document, 'log.logger', value, isText(value));
      default:
        return false;
    }
  },
  serilog: (document, key, value) => {
    switch (key) {
      case 'Level':
      case 'RenderedMessage':
        return typeof value === 'string';
      case 'MessageTemplate':
        put(document, 'rendiff.message_template', value);
        return true;
      case 'Exception':
        return placeTrace(document, value);
      case 'Properties':
        if (!isJsonObject(value) || !putFree(document, 'log.logger', value.SourceContext, isText(value.SourceContext))) return false;
        keepLeft(document, 'Properties', value, ['SourceContext']);
        return true;
      default:
        return false;
    }
  },
  dotnet: (document, key, value) => {
    switch (key) {
      case 'LogLevel':
      case 'Message':
        return typeof value === 'string';
      case 'Category':
        return putFree(document, 'log.logger', value, isText(value));
      case 'EventId':
        return putFree(document, 'event.code', String(value), Number.isSafeInteger(value) && value !== 0);
      case 'Exception':
        return placeTrace(document, value);
      default:
        return false;
    }
  },
  tracing: (document, key, value) => {
    switch (key) {
      case 'target':
        return putFree(document, 'log.logger', value, isText(value));
      case 'fields':
        return isJsonObject(value) && placeTracingFields(document, value);
      case 'filename':
        return putFree(document, 'log.origin.file.name', value, isText(value));
      case 'line_number':
        return putFree(document, 'log.origin.file.line', value, Number.isSafeInteger(value));
      case 'threadName':
      case 'threadId':
        return placeThread(document, value);
      default:
        return false;
    }
  },
  gelf: (document, key, value) => {
    switch (key) {
      case 'short_message':
        return typeof value === 'string';
      case 'host': {
        const placed = putFree(document, 'host.hostname', value, isText(value));
        if (placed) putFree(document, 'host.name', value, true);
        return placed;
      }
      case 'file':
        return putFree(document, 'log.origin.file.name', value, isText(value));
      case 'line':
        return putFree(document, 'log.origin.file.line', value, Number.isSafeInteger(value));
      default:
        return key.startsWith('_') && key.length > 1 && placeGelfField(document, key.slice(1), value);
    }
  },
  gcp: (document, key, value) => {
    switch (key) {
      case 'severity':
        return typeof value === 'string';
      case `${GCP}sourceLocation`:
        return placeSourceLocation(document, value);
      case `${GCP}trace`:
        // "projects/<project>/traces/<trace id>": the id is ECS's trace.id.
        return putFree(document, 'trace.id', isText(value) ? value.slice(value.lastIndexOf('/') + 1) : undefined, isText(value));
      case `${GCP}spanId`:
        return putFree(document, 'span.id', value, isText(value));
      case 'httpRequest':
        return placeHttpRequest(document, value);
      case `${GCP}labels`:
        return placeLabels(document, value);
      default:
        return false;
    }
  },
};

/**
 * Places one field of the record's logger (none when no format is recognised); its time field too, which the
 * source read through formatTime. False when it is not one of them or not of their type: keepRest keeps it.
 */
export function claimFormatField(document: Json, key: string, value: unknown, record: Json): boolean {
  const format = loggerFormat(record);
  if (format === undefined) return false;
  if (key === formatTimeField(record)) return formatTime(record) !== undefined;
  return CLAIMS[format](document, key, value, record);
}
