import { z } from 'zod';
import { put, type Json } from '../ecs.js';
import { RejectedError } from '../types.js';
import { baseDocument, eventTime, keepRest, validator, type NormaliseContext } from './common.js';

/** PostgreSQL's `jsonlog` (log_destination = jsonlog, PostgreSQL 15+). */
export const postgresJsonRecord = z
  .object({
    timestamp: z.string(),
    user: z.string().optional(),
    dbname: z.string().optional(),
    pid: z.number().int().optional(),
    remote_host: z.string().optional(),
    session_id: z.string().optional(),
    line_num: z.number().int().optional(),
    error_severity: z.string(),
    state_code: z.string().optional(),
    message: z.string(),
    statement: z.string().optional(),
    detail: z.string().optional(),
    hint: z.string().optional(),
    application_name: z.string().optional(),
    backend_type: z.string().optional(),
  })
  .passthrough();

const validatePostgres = validator(postgresJsonRecord);
/** The fields mapped below; the rest (application_name, backend_type, detail, hint, …) are kept under postgresql.log. */
const KNOWN = new Set(['timestamp', 'user', 'dbname', 'pid', 'remote_host', 'session_id', 'line_num', 'error_severity', 'state_code', 'message', 'statement']);

/** The default stderr prefix `%m [%p] `: `2025-07-10 10:30:00.123 UTC [1234] LOG:  message`. */
const STDERR = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?(?: [A-Z]{2,5}|[+-]\d{2}(?::?\d{2})?)?) \[(\d+)\] (?:[^:]*?@[^:]*? )?([A-Z]+):\s+(.*)$/s;
const DURATION = /^duration: (\d+(?:\.\d+)?) ms(?:\s+(statement|execute [^:]*|parse [^:]*|bind [^:]*): ([\s\S]*))?$/;

export function looksLikePostgresStderr(line: string): boolean {
  return STDERR.test(line);
}

const SEVERITY: Record<string, string> = { LOG: 'info', INFO: 'info', NOTICE: 'notice', WARNING: 'warning', ERROR: 'error', FATAL: 'critical', PANIC: 'emergency', DEBUG: 'debug', DETAIL: 'info', HINT: 'info', STATEMENT: 'info' };

/** A `duration: … ms  statement: …` message: the query and its time (log_min_duration_statement). */
function applyMessage(document: Json, message: string): void {
  const duration = DURATION.exec(message);
  put(document, 'message', message);
  if (!duration) return;
  const ms = Number(duration[1]);
  put(document, 'event.duration', Math.round(ms * 1e6));
  put(document, 'postgresql.log.query_duration_ms', ms);
  put(document, 'postgresql.log.query_step', duration[2]?.split(' ')[0]);
  put(document, 'postgresql.log.query', duration[3]?.trim());
}

export function normalisePostgres(record: Json | string, context: NormaliseContext): Json {
  if (typeof record === 'string') {
    const match = STDERR.exec(record);
    if (!match) throw new RejectedError('validate', 'not a PostgreSQL log line: expected the "%m [%p] " prefix, such as "2025-07-10 10:30:00.123 UTC [1234] LOG:  …"');
    const [, time, pid, severity = 'LOG', message = ''] = match;
    const document = baseDocument('rendiff.postgres', eventTime(time, 'timestamp', context), context, 'postgresql');
    put(document, 'process.pid', Number(pid));
    put(document, 'log.level', SEVERITY[severity] ?? severity.toLowerCase());
    put(document, 'postgresql.log.severity', severity);
    applyMessage(document, message.trim());
    return document;
  }
  const log = validatePostgres(record);
  const document = baseDocument('rendiff.postgres', eventTime(log.timestamp, 'timestamp', context), context, 'postgresql');
  put(document, 'process.pid', log.pid);
  put(document, 'log.level', SEVERITY[log.error_severity] ?? log.error_severity.toLowerCase());
  put(document, 'postgresql.log.severity', log.error_severity);
  put(document, 'user.name', log.user);
  put(document, 'postgresql.log.database', log.dbname);
  put(document, 'postgresql.log.session_id', log.session_id);
  put(document, 'postgresql.log.session_line_number', log.line_num);
  put(document, 'postgresql.log.sql_state_code', log.state_code);
  put(document, 'source.address', log.remote_host);
  applyMessage(document, log.message);
  if (log.statement !== undefined) put(document, 'postgresql.log.query', log.statement);
  if (log.error_severity === 'ERROR' || log.error_severity === 'FATAL' || log.error_severity === 'PANIC') {
    put(document, 'error.message', log.message);
    put(document, 'error.code', log.state_code);
    put(document, 'event.outcome', 'failure');
  }
  keepRest(document, log as Json, KNOWN, 'postgresql.log');
  return document;
}
