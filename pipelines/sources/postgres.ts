import { isIP } from 'node:net';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { addTag, hostPort, nanoseconds, put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { RejectedError } from '../types.js';
import { baseDocument, eventTime, keepRest, validator, type NormaliseContext } from './common.js';
import { zoneOffset } from './postgres-zones.js';

/** PostgreSQL's `jsonlog` (log_destination = jsonlog, PostgreSQL 15+). */
export const postgresJsonRecord = z
  .object({
    // jsonlog always writes it; a Filebeat pipeline that moved it to @timestamp (`timestamp` processor, then
    // `drop_fields`) leaves Filebeat's time to fall back on, as for the app's and the worker's records.
    timestamp: z.string().optional(),
    user: z.string().optional(),
    dbname: z.string().optional(),
    pid: z.number().int().optional(),
    remote_host: z.string().optional(),
    remote_port: z.number().int().optional(),
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
const KNOWN = new Set(['timestamp', 'user', 'dbname', 'pid', 'remote_host', 'remote_port', 'session_id', 'line_num', 'error_severity', 'state_code', 'message', 'statement']);

/** PostgreSQL's message levels, and the lines that follow one (DETAIL, HINT, …), as the server writes them. */
const LEVELS = 'DEBUG[1-5]?|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT';
/** `%m` or `%t`: the time, then the zone as an abbreviation ("UTC", "CEST") or, for zones without one, an offset ("+04"). */
const TIME = '(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?)(?: ([A-Za-z]{1,5}|[+-]\\d{2}(?::?\\d{2})?))?';
/**
 * The stderr format with the default prefix `%m [%p] ` and what operators add after it (the quantifiers are
 * bounded so that a long line that is none of these is refused in linear time):
 * `[%p]:` (pgBadger's advice), `[%p-%l]`, `[%l-1] `, `%u@%d ` (Debian's `%q%u@%d `, `[unknown]@[unknown]` before
 * authentication) and `user=%u,db=%d,app=%a,client=%h `, in any of these combinations.
 */
const STDERR = new RegExp(`^${TIME} \\[(\\d+)(?:-(\\d+))?\\]:? (?:(.{0,512}?) )?(${LEVELS}):\\s+(.*)$`, 's');
/** Amazon RDS's fixed prefix `%t:%r:%u@%d:[%p]:` (`::@:` for a background process). */
const RDS = new RegExp(`^${TIME}:(.{0,300}?):([^:@\\s]{0,128})@([^:\\s]{0,128}):\\[(\\d+)\\]:(${LEVELS}):\\s+(.*)$`, 's');
/**
 * `%t ` or `%m ` alone, without `[%p]` (Filebeat's module tests have such a server): nothing but the two spaces
 * PostgreSQL always writes after the level says the line is PostgreSQL's, so they are required here.
 */
const BARE = new RegExp(`^${TIME} (${LEVELS}):  (.*)$`, 's');
/**
 * PgBouncer's log, what the pooler in front of PostgreSQL writes beside it, as PgBouncer 1.18 writes it:
 * `2026-12-07 12:14:58.317 UTC [5979] WARNING C-0x5600757a0800: app/postgres@127.0.0.1:43776 pooler error: …`, its level
 * without PostgreSQL's colon; a connection's message starts with its id (`C-` a client's, `S-` the pooler's own to the
 * server) and `database/user@host:port` (`(nodb)`, `(nouser)` before they are known).
 */
const PGBOUNCER = new RegExp(`^${TIME} \\[(\\d+)\\] (NOISE|DEBUG|LOG|WARNING|ERROR|FATAL) (.*)$`, 's');
const PGBOUNCER_CONNECTION = /^([CS])-0x[\da-f]+: ([^/\s]*)\/([^@\s]*)@((?:\[[\da-f:.]+\]|[^:\s]+):\d+) ([\s\S]*)$/;
const PGBOUNCER_LEVELS: Record<string, string> = { NOISE: 'debug', DEBUG: 'debug', LOG: 'info', WARNING: 'warning', ERROR: 'error', FATAL: 'critical' };
/**
 * How log_statement and log_min_duration_statement name what they log (postgres.c): `statement`, `fastpath function
 * call`, or `parse|bind|execute [fetch from] <name>`, the name up to the first ": " (a client's name may hold colons,
 * as psycopg's `py:0x7f…` does).
 */
const QUERY_STEP = '(statement|fastpath function call|(?:parse|bind|execute(?: fetch from)?) .*?)';
const DURATION = new RegExp(`^duration: (\\d+(?:\\.\\d+)?) ms(?:\\s+${QUERY_STEP}: ([\\s\\S]*))?$`);
const STATEMENT = new RegExp(`^${QUERY_STEP}: ([\\s\\S]*)$`);
/**
 * `log_error_verbosity = verbose` puts the SQLSTATE first: `ERROR:  42P01: relation "x" does not exist`. Its first two
 * characters are one of the classes of PostgreSQL's errcodes.txt: pgaudit's `AUDIT: …` has five capitals too.
 */
const SQLSTATE = /^((?:0[0-3]|0[89ABFLPZ]|2[0-8BDF]|3[489BDF]|4[024]|5[3-578]|72|F0|HV|P0|XX)[0-9A-Z]{3}):\s+/;
/** auto_explain's `duration: … ms  plan:` and the plan on the lines after it, in its text or JSON format. */
const PLAN = /^duration: (\d+(?:\.\d+)?) ms\s+plan:\s*\n([\s\S]*)$/;
/** pgaudit's `AUDIT: type,statement id,substatement id,class,command,object type,object name,statement,parameter` (CSV). */
const AUDIT = /^AUDIT: (SESSION|OBJECT),(\d+),(\d+),([A-Z_]+),([^,]*),([^,]*),((?:"(?:[^"]|"")*"|[^,]*)),([\s\S]*)$/;

export function looksLikePostgresStderr(line: string): boolean {
  return STDERR.test(line) || RDS.test(line) || BARE.test(line) || PGBOUNCER.test(line);
}

/** Whether a plain line is one of PostgreSQL's log formats: stderr with a known prefix, or csvlog (by its time). */
export function isPostgresText(line: string): boolean {
  return looksLikePostgresStderr(line) || CSV.test(line);
}

const SEVERITY: Record<string, string> = { LOG: 'info', INFO: 'info', NOTICE: 'notice', WARNING: 'warning', ERROR: 'error', FATAL: 'critical', PANIC: 'emergency', DETAIL: 'info', HINT: 'info', STATEMENT: 'info', QUERY: 'info', CONTEXT: 'info', LOCATION: 'info' };
const levelOf = (severity: string): string => SEVERITY[severity] ?? (severity.startsWith('DEBUG') ? 'debug' : severity.toLowerCase());

/**
 * The lines stderr writes after a message, each an event of its own there: the field csvlog's and jsonlog's record
 * of the message gives the same text (its statement is the query), so a query is found by the same field in all three.
 */
const FOLLOWING: Record<string, string> = {
  DETAIL: 'postgresql.log.detail',
  HINT: 'postgresql.log.hint',
  CONTEXT: 'postgresql.log.context',
  QUERY: 'postgresql.log.internal_query',
  STATEMENT: 'postgresql.log.query',
  LOCATION: 'postgresql.log.location',
};

/**
 * A `duration: … ms  statement: …` message (log_min_duration_statement): the query and its time; a `statement: …` or
 * `execute <name>: …` one (log_statement): the query.
 */
function applyMessage(document: Json, message: string): void {
  put(document, 'message', message);
  if (applyPlan(document, message) || applyAudit(document, message) || applyConnection(document, message)) return;
  const duration = DURATION.exec(message);
  if (duration !== null) {
    const ms = Number(duration[1]);
    put(document, 'event.duration', nanoseconds(ms * 1e6));
    put(document, 'postgresql.log.query_duration_ms', ms);
  }
  const step = duration ?? STATEMENT.exec(message);
  if (step === null || step[step.length - 2] === undefined) return;
  applyQueryStep(document, step[step.length - 2] as string, step[step.length - 1] as string);
}

/** auto_explain's plan: the statement's time, and its query from the plan's `Query Text`; the plan stays in the message. */
function applyPlan(document: Json, message: string): boolean {
  const plan = PLAN.exec(message);
  if (plan === null) return false;
  const ms = Number(plan[1]);
  put(document, 'event.duration', nanoseconds(ms * 1e6));
  put(document, 'postgresql.log.query_duration_ms', ms);
  put(document, 'postgresql.log.query_step', 'plan');
  const body = (plan[2] as string).trim();
  let query: unknown;
  if (body.startsWith('{')) {
    try {
      query = (JSON.parse(body) as Json)['Query Text'];
    } catch {
      query = undefined;
    }
  } else query = /^\s*Query Text: (.*)$/m.exec(body)?.[1];
  if (typeof query === 'string') put(document, 'postgresql.log.query', query.trim());
  return true;
}

/** pgaudit's line: what was audited, under `postgresql.log.audit`, its statement as the query. */
function applyAudit(document: Json, message: string): boolean {
  const audit = AUDIT.exec(message);
  if (audit === null) return false;
  const [, type, statementId, substatementId, auditClass, command, objectType, objectName, rest] = audit as unknown as string[];
  put(document, 'postgresql.log.audit', { type, statement_id: Number(statementId), substatement_id: Number(substatementId), class: auditClass, command, ...(objectType === '' ? {} : { object_type: objectType }), ...(objectName === '' ? {} : { object_name: unquoted(objectName as string) }) });
  // The statement, then the parameters (`<not logged>` unless pgaudit.log_parameter): CSV, quoted when it must be.
  const statement = /^("(?:[^"]|"")*"|[^,]*)(?:,|$)/.exec(rest as string)?.[1];
  if (statement !== undefined && statement !== '' && statement !== '<previously logged>') put(document, 'postgresql.log.query', unquoted(statement));
  put(document, 'event.category', ['database']);
  put(document, 'event.type', ['access']);
  put(document, 'event.action', (command as string).toLowerCase());
  return true;
}

const unquoted = (field: string): string => (field.startsWith('"') && field.endsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field);

/**
 * What log_connections, log_disconnections and a refused login write: `connection received: host=… port=…`,
 * `disconnection: session time: h:mm:ss.fff user=… database=… host=… port=…` (the session's length its duration),
 * `connection authorized: user=… database=…`, `<method> authentication failed for user "…"` and `no pg_hba.conf entry
 * for host "…", user "…", database "…"`, as ECS's network and authentication events (the user and the client where the
 * message names them).
 */
function applyConnection(document: Json, message: string): boolean {
  const received = /^connection received: host=(\S+)(?: port=(\d+))?/.exec(message);
  if (received !== null) {
    applyClient(document, received[1]);
    if (received[2] !== undefined) put(document, 'source.port', Number(received[2]));
    categorise(document, 'network', ['connection', 'start']);
    return true;
  }
  const ended = /^disconnection: session time: (\d+):(\d{2}):(\d{2}(?:\.\d+)?) user=(\S*) database=(\S*) host=(\S+)(?: port=(\d+))?/.exec(message);
  if (ended !== null) {
    const [, hours, minutes, seconds, user, database, host, port] = ended as unknown as string[];
    put(document, 'event.duration', nanoseconds((Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1e9));
    put(document, 'user.name', named(user));
    put(document, 'postgresql.log.database', named(database));
    applyClient(document, host);
    if (port !== undefined) put(document, 'source.port', Number(port));
    categorise(document, 'network', ['connection', 'end']);
    return true;
  }
  const authorized = /^connection authorized: user=(\S+)(?: database=(\S+))?/.exec(message);
  if (authorized !== null) {
    put(document, 'user.name', authorized[1]);
    put(document, 'postgresql.log.database', authorized[2]);
    categorise(document, 'authentication', ['start'], 'success');
    return true;
  }
  const failed = /^(?:\S+ authentication failed for user "((?:[^"]|"")*)"|no pg_hba\.conf entry for (?:replication connection from )?host "([^"]*)", user "((?:[^"]|"")*)")/.exec(message);
  if (failed === null) return false;
  put(document, 'user.name', (failed[1] ?? failed[3] as string).replaceAll('""', '"'));
  if (failed[2] !== undefined) applyClient(document, failed[2]);
  categorise(document, 'authentication', ['start'], 'failure');
  return true;
}

function categorise(document: Json, category: string, type: string[], outcome?: string): void {
  put(document, 'event.category', [category]);
  put(document, 'event.type', type);
  if (outcome !== undefined) put(document, 'event.outcome', outcome);
}

/** `execute S_1` is the step `execute` of the prepared statement `S_1`; `<unnamed>` names none. */
function applyQueryStep(document: Json, step: string, query: string): void {
  const named = /^(parse|bind|execute)(?: fetch from)? (.*)$/.exec(step);
  put(document, 'postgresql.log.query_step', named?.[1] ?? step);
  if (named !== null && named[2] !== '<unnamed>') put(document, 'postgresql.log.query_name', named[2]);
  put(document, 'postgresql.log.query', query.trim());
}

/** A value a prefix escape wrote, or undefined for its placeholders: empty, `[unknown]` (before authentication), `[local]`. */
const known = (value: string | undefined): string | undefined => (value === undefined || value === '' || value.startsWith('[') ? undefined : value);

/** `%u` or `%d`, written bare or, by some prefixes, in brackets; `[unknown]` is PostgreSQL's own placeholder. */
const named = (value: string | undefined): string | undefined => (value === '[unknown]' ? undefined : known(value?.replace(/^\[(.*)\]$/, '$1')));

/** `%h` or `%r`: the client's address, with its port in brackets for `%r` (`10.0.0.3(52834)`). */
function applyClient(document: Json, client: string | undefined): void {
  const match = client === undefined ? null : /^(.*?)(?:\((\d+)\))?$/.exec(client);
  const address = known(match?.[1]);
  if (address === undefined) return;
  put(document, 'source.address', address);
  if (isIP(address) !== 0) put(document, 'source.ip', address);
  if (match?.[2] !== undefined) put(document, 'source.port', Number(match[2]));
}

/** What a log_line_prefix put between the process id and the level: `[%l-1]`, `%u@%d`, `user=%u,db=%d,app=%a,client=%h`. */
function applyPrefix(document: Json, prefix: string | undefined): void {
  let rest = prefix ?? '';
  const lineNumber = /^\[(\d+)-\d+\]\s*/.exec(rest);
  if (lineNumber !== null) {
    put(document, 'postgresql.log.session_line_number', Number(lineNumber[1]));
    rest = rest.slice(lineNumber[0].length);
  }
  const userAt = /^(\[[^\]]*\]|[^\s@=]*)@(\[[^\]]*\]|[^\s=]*)$/.exec(rest);
  if (userAt !== null) {
    put(document, 'user.name', named(userAt[1]));
    put(document, 'postgresql.log.database', named(userAt[2]));
    return;
  }
  // `[user=%u,db=%d,app=%a] `: the pairs may come in brackets.
  if (rest.startsWith('[') && rest.endsWith(']')) rest = rest.slice(1, -1);
  for (const pair of rest.split(',')) {
    const equals = pair.indexOf('=');
    if (equals < 0) continue;
    const value = pair.slice(equals + 1).trim();
    const key = pair.slice(0, equals).trim();
    if (key === 'user') put(document, 'user.name', known(value));
    else if (key === 'db') put(document, 'postgresql.log.database', known(value));
    else if (key === 'app') put(document, 'postgresql.log.application_name', known(value));
    else if (key === 'client') applyClient(document, value);
  }
}

/**
 * The time `%m` writes, in each format. An abbreviation is read by postgres-zones.ts; one it does not know
 * leaves the time Filebeat read the line at (tagged), or, without Filebeat, refuses the line with what to change.
 */
function logTime(time: string, zone: string | undefined, context: NormaliseContext): { ms: number; timezone?: string; unknownZone?: boolean } {
  if (zone === undefined) return { ms: eventTime(time, 'timestamp', context) };
  if (!/^[A-Za-z]/.test(zone)) {
    const [, sign, hours, minutes = '00'] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) as RegExpExecArray;
    return { ms: eventTime(`${time}${zone}`, 'timestamp', context), timezone: `${sign}${hours}:${minutes}` };
  }
  const offset = zoneOffset(zone);
  if (offset !== undefined) return { ms: eventTime(time, 'timestamp', context) - offset.ms, timezone: offset.text };
  const shipped = parseTimestamp(context.envelope?.['@timestamp']);
  if (shipped === undefined) throw new RejectedError('validate', `field timestamp: unknown time zone abbreviation "${zone}" (set log_timezone to 'UTC', or ship the log with Filebeat, whose time is then used)`);
  return { ms: shipped, timezone: zone, unknownZone: true };
}

/** A document at the time `%m` wrote, with its zone. */
function timedDocument(time: string, zone: string | undefined, context: NormaliseContext, service = 'postgresql'): Json {
  const when = logTime(time, zone, context);
  const document = baseDocument('rendiff.postgres', when.ms, context, service);
  if (when.timezone !== undefined) put(document, 'event.timezone', when.timezone);
  if (when.unknownZone === true) addTag(document, 'timezone_unknown');
  return document;
}

/** ERROR, FATAL and PANIC are failures, with the message and the SQLSTATE as ECS's error fields. */
function applyError(document: Json, severity: string, message: string, code: string | undefined): void {
  if (severity !== 'ERROR' && severity !== 'FATAL' && severity !== 'PANIC') return;
  put(document, 'error.message', message);
  put(document, 'error.code', code);
  put(document, 'event.outcome', 'failure');
}

/** A line of the stderr format (any log_line_prefix above, or RDS's); undefined when it is neither. */
function normaliseStderr(line: string, context: NormaliseContext): Json | undefined {
  const stderr = STDERR.exec(line);
  const rds = stderr === null ? RDS.exec(line) : null;
  const groups = stderr ?? rds ?? BARE.exec(line);
  if (groups === null) return undefined;
  // The groups the formats share: the time and zone first, the level and the message last.
  const [time = '', zone, severity = 'LOG', body = ''] = [groups[1], groups[2], groups[groups.length - 2], groups[groups.length - 1]];
  const pid = stderr !== null ? stderr[3] : rds?.[6];
  const document = timedDocument(time, zone, context);
  if (pid !== undefined) put(document, 'process.pid', Number(pid));
  put(document, 'log.level', levelOf(severity));
  put(document, 'postgresql.log.severity', severity);
  if (stderr !== null) {
    if (stderr[4] !== undefined) put(document, 'postgresql.log.session_line_number', Number(stderr[4]));
    applyPrefix(document, stderr[5]);
  } else if (rds !== null) {
    applyClient(document, rds[3]);
    put(document, 'user.name', named(rds[4]));
    put(document, 'postgresql.log.database', named(rds[5]));
  }
  // stderr writes a tab after each line break of a message (elog.c's append_with_tabs); csvlog and jsonlog do not.
  let message = body.replaceAll('\n\t', '\n').trim();
  const code = SQLSTATE.exec(message);
  if (code !== null) {
    put(document, 'postgresql.log.sql_state_code', code[1]);
    message = message.slice(code[0].length);
  }
  const following = FOLLOWING[severity];
  if (following !== undefined) {
    put(document, 'message', message);
    put(document, following, message);
  } else applyMessage(document, message);
  applyError(document, severity, message, code?.[1]);
  return document;
}

/**
 * csvlog's columns in order, under jsonlog's names (PostgreSQL 12 writes the first 23; 13 adds backend_type, 14
 * leader_pid and query_id). `connection_from` (host:port) becomes remote_host and remote_port, as in jsonlog;
 * `location` stays one field (jsonlog splits it).
 */
const CSV_COLUMNS = ['timestamp', 'user', 'dbname', 'pid', 'connection_from', 'session_id', 'line_num', 'ps', 'session_start', 'vxid', 'txid', 'error_severity', 'state_code', 'message', 'detail', 'hint', 'internal_query', 'internal_position', 'context', 'statement', 'cursor_position', 'location', 'application_name', 'backend_type', 'leader_pid', 'query_id'] as const;
const CSV_NUMBERS = new Set(['pid', 'line_num', 'txid', 'internal_position', 'cursor_position', 'leader_pid', 'query_id']);
const CSV = new RegExp(`^${TIME},`);
const TIMESTAMP = new RegExp(`^${TIME}$`);

/** A csvlog line as the jsonlog record it would have been; undefined when the line is not csvlog. */
function csvRecord(line: string): Json | undefined {
  if (!CSV.test(line)) return undefined;
  let rows: string[][];
  try {
    rows = parseCsv(line.endsWith('\n') ? line.trimEnd() : line, { relax_column_count: true }) as string[][];
  } catch (error) {
    throw new RejectedError('validate', `csvlog line: ${(error as Error).message}`);
  }
  const columns = rows[0] ?? [];
  if (rows.length !== 1 || columns.length < 23 || columns.length > CSV_COLUMNS.length) throw new RejectedError('validate', `csvlog line with ${columns.length} columns in ${rows.length} rows: expected one row of 23 to ${CSV_COLUMNS.length}`);
  const record: Json = {};
  columns.forEach((value, index) => {
    const name = CSV_COLUMNS[index] as string;
    if (value === '') return;
    if (name === 'connection_from') {
      const from = /^(.*):(\d+)$/.exec(value);
      record.remote_host = from?.[1] ?? value;
      if (from !== null) record.remote_port = Number(from[2]);
      return;
    }
    // query_id is a 64-bit hash: kept as text when a number would lose digits.
    record[name] = CSV_NUMBERS.has(name) && Number.isSafeInteger(Number(value)) && /^-?\d+$/.test(value) ? Number(value) : value;
  });
  return record;
}

/** A connection's part of PgBouncer's message: who, and what its message says of the connection or the login. */
function applyPgbouncerConnection(document: Json, message: string): string {
  const connection = PGBOUNCER_CONNECTION.exec(message);
  if (connection === null) return message;
  const [, kind, database, user, address, rest] = connection as unknown as string[];
  const { ip: peer, port } = hostPort(address as string);
  const side = kind === 'C' ? 'source' : 'destination';
  put(document, 'pgbouncer.connection', kind === 'C' ? 'client' : 'server');
  put(document, `${side}.address`, peer);
  if (isIP(peer) !== 0) put(document, `${side}.ip`, peer);
  put(document, `${side}.port`, port);
  if (database !== '(nodb)') put(document, 'postgresql.log.database', database);
  if (user !== '(nouser)') put(document, 'user.name', user);
  const closing = /^closing because: (.*?)(?: \(age=(\d+)s\))?$/.exec(rest as string);
  if (closing !== null) {
    put(document, 'pgbouncer.close_reason', closing[1]);
    if (closing[2] !== undefined) put(document, 'event.duration', nanoseconds(Number(closing[2]) * 1e9));
    // The close that ends a refused login is that login's failure (one event per attempt, for the brute-force detector).
    if (/authentication failed|no such user/.test(closing[1] as string)) categorise(document, 'authentication', ['start'], 'failure');
    else categorise(document, 'network', ['connection', 'end']);
  } else if (/^login attempt: /.test(rest as string) || /^new connection to server/.test(rest as string)) categorise(document, 'network', ['connection', 'start']);
  else if (/^pooler error: /.test(rest as string)) put(document, 'error.message', (rest as string).slice('pooler error: '.length));
  return rest as string;
}

/** A line of PgBouncer's log; undefined when it is not one. */
function normalisePgbouncer(line: string, context: NormaliseContext): Json | undefined {
  const found = PGBOUNCER.exec(line);
  if (found === null) return undefined;
  const [, time = '', zone, pid, severity = 'LOG', message = ''] = found;
  // Its own service unless Filebeat names one: beside PostgreSQL's in the database's stream.
  const document = timedDocument(time, zone, context, 'pgbouncer');
  put(document, 'process.pid', Number(pid));
  put(document, 'log.level', PGBOUNCER_LEVELS[severity]);
  put(document, 'message', applyPgbouncerConnection(document, message));
  if (severity === 'ERROR' || severity === 'FATAL') put(document, 'event.outcome', 'failure');
  return document;
}

export function normalisePostgres(record: Json | string, context: NormaliseContext): Json {
  if (typeof record === 'string') {
    const document = normaliseStderr(record, context) ?? normalisePgbouncer(record, context);
    if (document !== undefined) return document;
    const csv = csvRecord(record);
    if (csv === undefined) throw new RejectedError('validate', 'not a PostgreSQL log line: expected the "%m [%p] " prefix, such as "2025-07-10 10:30:00.123 UTC [1234] LOG:  …", or csvlog');
    return normalisePostgres(csv, context);
  }
  const log = validatePostgres(record);
  const stamp = log.timestamp === undefined ? null : TIMESTAMP.exec(log.timestamp);
  const document = stamp === null ? baseDocument('rendiff.postgres', eventTime(log.timestamp, 'timestamp', context), context, 'postgresql') : timedDocument(stamp[1] as string, stamp[2], context);
  put(document, 'process.pid', log.pid);
  put(document, 'log.level', levelOf(log.error_severity));
  put(document, 'postgresql.log.severity', log.error_severity);
  put(document, 'user.name', log.user);
  put(document, 'postgresql.log.database', log.dbname);
  put(document, 'postgresql.log.session_id', log.session_id);
  put(document, 'postgresql.log.session_line_number', log.line_num);
  put(document, 'postgresql.log.sql_state_code', log.state_code);
  applyClient(document, log.remote_host);
  put(document, 'source.port', log.remote_port);
  applyMessage(document, log.message);
  if (log.statement !== undefined) put(document, 'postgresql.log.query', log.statement);
  applyError(document, log.error_severity, log.message, log.state_code);
  keepRest(document, log as Json, KNOWN, 'postgresql.log');
  return document;
}
