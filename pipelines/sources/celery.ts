import { isJsonObject } from '../../shared/json-object.js';
import { get, nanoseconds, put, type Json } from '../ecs.js';
import { baseDocument, eventTime, isFailureLevel, type NormaliseContext } from './common.js';
import { exceptionOf } from './logger-formats.js';
import { placeTraceback } from './python-logging.js';

/**
 * Celery's own text lines, as a worker writes them by default (celery/app/log.py):
 * `worker_log_format` `[%(asctime)s: %(levelname)s/%(processName)s] %(message)s`, and for loggers inside a
 * task `worker_task_log_format`, which puts `%(task_name)s[%(task_id)s]: ` before the message. The worker's
 * task events are Celery's messages of celery/app/trace.py (`Task name[id] received`, `succeeded in 1.5s: …`,
 * `raised unexpected: …`, `retry: …`, `ignored`, and a Reject's `reject requeue=False: …`), and the time limits of
 * celery/worker/request.py (`Hard time limit (10s) exceeded for name[id]`: the pool killed the task, and nothing
 * else logs that failure; a soft limit is a warning, the task goes on); any other line that starts with
 * `Task name[id]` is the application's own. Python's asctime is the worker's local time, read as UTC here (as
 * containers run).
 */
const LINE = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:,\d{1,6})?): (DEBUG|INFO|WARNING|ERROR|CRITICAL)\/([^\]\n]{1,128})\] ([\s\S]*)$/;
const TASK_EVENT = /^Task ([\w.:-]{1,256})\[([\w-]{1,64})\] (received|succeeded in (\d+(?:\.\d+)?)s(?:: ([\s\S]*))?|raised (?:unexpected|expected): ([\s\S]*)|INTERNAL ERROR: ([\s\S]*)|retry: ([\s\S]*)|ignored|reject requeue=(?:True|False): ([\s\S]*))$/;
const TASK_LOG = /^([\w.:-]{1,256})\[([\w-]{1,64})\]: ([\s\S]*)$/;
const TIME_LIMIT = /^(Soft|Hard) time limit \((\d+(?:\.\d+)?)s\) exceeded for ([\w.:-]{1,256})\[([\w-]{1,64})\]$/;
/** An exception as Celery logs it, by its repr: `RuntimeError('ffmpeg exited 1')`. */
const EXCEPTION = /^([A-Za-z_][\w.]*)\((.*)\)$/;

export function looksLikeCelery(line: string): boolean {
  return LINE.test(line);
}

/**
 * The exception's type and message from its repr (its first line: a traceback may follow), quotes taken off. Celery
 * 5.2's prefork pool logs the wrapper `ExceptionWithTraceback()`, which says nothing: the traceback tells the exception
 * then, the lines after it (Filebeat's multiline joins them) or a JSON record's `exc_info`.
 */
function applyException(document: Json, text: string): void {
  const exc = text.split('\n', 1)[0]?.trim() ?? '';
  if (exc === 'ExceptionWithTraceback()') {
    const newline = text.indexOf('\n');
    const traced = newline < 0 ? undefined : exceptionOf(text.slice(newline + 1));
    if (traced !== undefined) {
      put(document, 'error.type', traced.type);
      put(document, 'error.message', traced.message);
    }
    return;
  }
  const match = EXCEPTION.exec(exc);
  put(document, 'error.type', match?.[1]);
  put(document, 'error.message', match === null ? exc : (match[2] as string).replace(/^(['"])(.*)\1$/, '$2'));
}

/** What one of trace.py's messages says of its task: Celery's own event name, outcome, run time and error. */
function applyTaskEvent(document: Json, event: RegExpExecArray): void {
  const [, , , what = '', runtime, , raised, internal, retry, rejected] = event;
  const action = what === 'received' ? 'task-received' : runtime !== undefined ? 'task-succeeded' : raised !== undefined || internal !== undefined ? 'task-failed' : retry !== undefined ? 'task-retried' : rejected !== undefined ? 'task-rejected' : 'task-ignored';
  put(document, 'event.action', action);
  if (runtime !== undefined) {
    put(document, 'event.duration', nanoseconds(Number(runtime) * 1e9));
    put(document, 'event.outcome', 'success');
  }
  const exc = raised ?? internal ?? retry;
  if (exc !== undefined) applyException(document, exc);
  // A Reject's repr is `reject requeue=False: <reason>` (celery/exceptions.py): the reason is the message.
  if (rejected !== undefined) put(document, 'error.message', rejected.split('\n', 1)[0]);
  if (action === 'task-failed' || action === 'task-rejected') put(document, 'event.outcome', 'failure');
}

/** A time limit the worker enforced on a task: its name and id, and the exception Celery records for it. */
function applyTimeLimit(document: Json, body: string): void {
  const limit = TIME_LIMIT.exec(body);
  if (limit === null) return;
  const [, kind, , name, id] = limit;
  put(document, 'rendiff.worker.task.name', name);
  put(document, 'rendiff.worker.task.id', id);
  put(document, 'error.type', kind === 'Hard' ? 'TimeLimitExceeded' : 'SoftTimeLimitExceeded');
  put(document, 'error.message', body);
  if (kind === 'Hard') {
    put(document, 'event.action', 'task-failed');
    put(document, 'event.outcome', 'failure');
  }
}

/**
 * One of Celery's task messages as the message of a JSON record (a worker logging through a JSON formatter): the task's
 * name and id, Celery's event name, outcome, run time and error, as for the text line. False, placing nothing, for any
 * other message.
 */
export function placeCeleryMessage(document: Json, message: string): boolean {
  if (!message.startsWith('Task ') && !message.includes(' time limit (')) return false;
  const event = TASK_EVENT.exec(message);
  if (event === null) {
    if (!TIME_LIMIT.test(message)) return false;
    applyTimeLimit(document, message);
    return true;
  }
  put(document, 'rendiff.worker.task.name', event[1]);
  put(document, 'rendiff.worker.task.id', event[2]);
  applyTaskEvent(document, event);
  return true;
}

/**
 * A JSON record as the message of a Celery line, or undefined for another message. A worker that logs JSON through
 * the standard library (structlog's stdlib LoggerFactory, python-json-logger) writes it so inside a Celery worker, whose
 * `worker_hijack_root_logger` (on by default) puts Celery's handler and format on the root logger: the seed's worker
 * does (`[2026-12-07 10:15:00,123: INFO/ForkPoolWorker-1] {"job_id": …, "message": "Job started"}`).
 */
function embeddedRecord(text: string): Json | undefined {
  if (text.charCodeAt(0) !== 123 || !text.endsWith('}')) return undefined;
  try {
    const record: unknown = JSON.parse(text);
    return isJsonObject(record) ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Celery line as its worker document, or undefined when the line is not Celery's format. A JSON record as its
 * message is read by `readRecord` (the worker's JSON reader, passed in: it reads Celery's task messages from here), the
 * line's time being the one it falls back on, and Celery's level, process and task added where the record has none.
 */
export function normaliseCelery(line: string, context: NormaliseContext, readRecord: (record: Json, context: NormaliseContext) => Json): Json | undefined {
  const match = LINE.exec(line.trimEnd());
  if (match === null) return undefined;
  const [, time = '', level = '', processName, body = ''] = match;
  // `{…}`, or a task logger's `name[id]: {…}` (worker_task_log_format).
  const loggedIn = body.charCodeAt(0) !== 123 && body.includes(']: {') ? TASK_LOG.exec(body) : null;
  const record = embeddedRecord(loggedIn === null ? body : (loggedIn[3] as string));
  if (record !== undefined) {
    const lineTime = new Date(eventTime(time, 'asctime', context)).toISOString();
    const document = readRecord(record, { ...context, envelope: { ...context.envelope, '@timestamp': lineTime } });
    return withCeleryLine(document, level.toLowerCase(), processName, loggedIn);
  }
  const document = baseDocument('rendiff.worker', eventTime(time, 'asctime', context), context, 'rendiff-worker');
  put(document, 'log.level', level.toLowerCase());
  put(document, 'process.name', processName);
  const event = TASK_EVENT.exec(body);
  const taskLog = event === null ? TASK_LOG.exec(body) : null;
  const task = event ?? taskLog;
  // A traceback after the message (a task's failure) is the error's stack trace; the task event may name the error again.
  put(document, 'message', placeTraceback(document, taskLog?.[3] ?? body));
  if (task !== null) {
    put(document, 'rendiff.worker.task.name', task[1]);
    put(document, 'rendiff.worker.task.id', task[2]);
  }
  if (event !== null) applyTaskEvent(document, event);
  else if (task === null) applyTimeLimit(document, body);
  if (level === 'ERROR' || level === 'CRITICAL') put(document, 'event.outcome', 'failure');
  return document;
}

/** A JSON record's document with what the Celery line around it says: the level, the process, the task it was logged in. */
function withCeleryLine(document: Json, level: string, processName: string | undefined, task: RegExpExecArray | null): Json {
  if (get(document, 'log.level') === undefined) {
    put(document, 'log.level', level);
    if (isFailureLevel(level) && get(document, 'event.outcome') === undefined) put(document, 'event.outcome', 'failure');
  }
  if (get(document, 'process.name') === undefined) put(document, 'process.name', processName);
  if (task !== null && get(document, 'rendiff.worker.task.id') === undefined) {
    put(document, 'rendiff.worker.task.name', task[1]);
    put(document, 'rendiff.worker.task.id', task[2]);
  }
  return document;
}
