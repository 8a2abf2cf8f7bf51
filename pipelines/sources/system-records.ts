import type { Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { FACILITIES, fromPriority, parseBsdDate, structuredData, type SyslogLine } from './syslog.js';

/**
 * The JSON records the system's log daemons write when they ship to Kafka, recognised by the fields only they write,
 * read as the syslog lines they carry (syslog.ts: time, host, process, `log.syslog.*`, the severity as `log.level`,
 * sshd's and sudo's messages) and their own fields to ECS:
 * - journald's entries as `journalctl -o json` writes them (Filebeat's journald input's field names: `_HOSTNAME`
 *   `host.hostname`, `_MACHINE_ID` `host.id`, `PRIORITY` the severity, `SYSLOG_FACILITY` …; a value that is not
 *   printable text comes as its bytes, read as UTF-8); Docker's journald fields as `container.*`;
 * - syslog-ng's `$(format-json --scope rfc5424 …)`: `HOST`, `PROGRAM`, `PID`, `PRIORITY` and `FACILITY` by name,
 *   `ISODATE` or the BSD `DATE`, `_SDATA`;
 * - rsyslog's `%jsonmesg%` (`msg`, `hostname`, `syslogtag`, `timereported`, numeric `syslogfacility` and
 *   `syslogseverity`, `structured-data` as written) and the list template of rsyslog's Elasticsearch recipes
 *   (`sysloghost`, `programname`, `severity` and `facility` by name);
 * - Vector's syslog source (syslog_loose's fields: `appname`, `hostname`, `procid`, `msgid`, `facility` and `severity`
 *   by name, `timestamp`, `version`);
 * - Fluent Bit's syslog parsers (its parsers.conf: `pri`, `time` kept as written, a BSD time or an ISO one, `host`,
 *   `ident`, `pid`, `msgid`, `extradata`), the `@timestamp` its Kafka output adds first, and Fluentd's in_syslog
 *   (`host`, `ident`, `pid`).
 * Their other fields are kept under `rendiff.*`, as for any record.
 */

export interface SystemRecord {
  line: SyslogLine;
  /** The daemon's own fields with a place, by ECS path (those ECS lacks under `rendiff.`). */
  placed: ReadonlyArray<readonly [string, string]>;
  /** Fields read into the line or placed, not kept again. */
  known: ReadonlySet<string>;
  /** The record whose other fields are kept (journald's byte arrays as text). */
  rest: Json;
}

/** Severity names as syslog-ng and rsyslog write them (and the long forms), to their codes. */
const SEVERITY_CODES: Readonly<Record<string, number>> = {
  emerg: 0, panic: 0, emergency: 0, alert: 1, crit: 2, critical: 2, err: 3, error: 3, warning: 4, warn: 4, notice: 5, info: 6, informational: 6, debug: 7,
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' && value !== '-' ? value : undefined);

/** A code written as a number or as digits (journald, rsyslog), within its range. */
function code(value: unknown, max: number): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : undefined;
  return number !== undefined && Number.isInteger(number) && number <= max ? number : undefined;
}

const severityNamed = (value: unknown): number | undefined => (typeof value === 'string' ? SEVERITY_CODES[value.toLowerCase()] : undefined);
function facilityNamed(value: unknown): number | undefined {
  const at = typeof value === 'string' ? FACILITIES.indexOf(value.toLowerCase()) : -1;
  return at >= 0 ? at : undefined;
}

/** journalctl writes a value that is not printable UTF-8 text as an array of its bytes. */
const isBytes = (value: unknown): value is number[] => Array.isArray(value) && value.length > 0 && value.every((byte) => Number.isInteger(byte) && byte >= 0 && byte <= 255);
const journalText = (value: unknown): string | undefined => (isBytes(value) ? Buffer.from(value).toString('utf8') : typeof value === 'string' ? value : undefined);

/** journald's fields with an ECS place, as Filebeat's journald input places them (journalfield/default.go). */
const JOURNAL_ECS: Readonly<Record<string, string>> = {
  _MACHINE_ID: 'host.id', _EXE: 'process.executable', _CMDLINE: 'process.command_line', _UID: 'process.user.id', _GID: 'process.group.id',
  CONTAINER_ID_FULL: 'container.id', CONTAINER_NAME: 'container.name', IMAGE_NAME: 'container.image.name',
};

/** journald's fields ECS lacks, under `rendiff.` and Filebeat's names for them. */
const JOURNAL_CUSTOM: Readonly<Record<string, string>> = {
  _SYSTEMD_UNIT: 'systemd.unit', _SYSTEMD_USER_UNIT: 'systemd.user_unit', _SYSTEMD_SLICE: 'systemd.slice', _SYSTEMD_USER_SLICE: 'systemd.user_slice',
  _SYSTEMD_CGROUP: 'systemd.cgroup', _SYSTEMD_INVOCATION_ID: 'systemd.invocation_id', _SYSTEMD_OWNER_UID: 'systemd.owner_uid', _SYSTEMD_SESSION: 'systemd.session',
  _TRANSPORT: 'systemd.transport', _BOOT_ID: 'journald.host.boot_id', _COMM: 'journald.process.name', UNIT: 'journald.unit', MESSAGE_ID: 'journald.message_id',
  CODE_FILE: 'journald.code.file', CODE_FUNC: 'journald.code.func', CODE_LINE: 'journald.code.line', _AUDIT_LOGINUID: 'journald.audit.login_uid',
  _AUDIT_SESSION: 'journald.audit.session', COREDUMP_UNIT: 'journald.coredump.unit', COREDUMP_USER_UNIT: 'journald.coredump.user_unit', CONTAINER_TAG: 'container.log.tag',
};

/** The journal's cursor and clocks: where a reader stood, not what happened (Filebeat drops them too). */
const JOURNAL_POSITION = ['__CURSOR', '__MONOTONIC_TIMESTAMP', '__SEQNUM', '__SEQNUM_ID', '_SOURCE_MONOTONIC_TIMESTAMP'];

const isJournalEntry = (record: Json): boolean =>
  (typeof record.MESSAGE === 'string' || isBytes(record.MESSAGE)) && ['__REALTIME_TIMESTAMP', '__CURSOR', '_HOSTNAME', '_TRANSPORT', 'SYSLOG_IDENTIFIER', '_SYSTEMD_UNIT'].some((key) => key in record);

/** The entry's time: when journald stored it, in microseconds since the epoch (as Filebeat's @timestamp). */
function journalTime(record: Json): number | undefined {
  const micros = text(record.__REALTIME_TIMESTAMP) ?? text(record._SOURCE_REALTIME_TIMESTAMP);
  return micros !== undefined && /^\d{1,17}$/.test(micros) ? Math.floor(Number(micros) / 1000) : undefined;
}

function journalEntry(record: Json): SystemRecord {
  const line: SyslogLine = {
    ms: journalTime(record),
    hostname: text(record._HOSTNAME),
    appName: text(record.SYSLOG_IDENTIFIER) ?? text(record._COMM),
    procId: text(record._PID) ?? text(record.SYSLOG_PID),
    msgId: undefined,
    facility: code(record.SYSLOG_FACILITY, 23),
    severity: code(record.PRIORITY, 7),
    version: undefined,
    structuredData: undefined,
    message: journalText(record.MESSAGE) ?? '',
  };
  const read = ['MESSAGE', '__REALTIME_TIMESTAMP', '_SOURCE_REALTIME_TIMESTAMP', '_HOSTNAME', 'SYSLOG_IDENTIFIER', '_PID', 'SYSLOG_PID', 'SYSLOG_FACILITY', 'PRIORITY', ...JOURNAL_POSITION];
  const known = new Set(read);
  const placed: Array<readonly [string, string]> = [];
  for (const [field, to] of [...Object.entries(JOURNAL_ECS), ...Object.entries(JOURNAL_CUSTOM).map(([name, path]) => [name, `rendiff.${path}`] as const)]) {
    // A field journald holds more than once comes as a list: kept as it is, below.
    const value = text(journalText(record[field]));
    if (value === undefined) continue;
    placed.push([to, value]);
    known.add(field);
  }
  // The rest as text: journalctl's byte arrays (a core dump's auxiliary vector, say) would be indexed as numbers.
  const rest: Json = Object.fromEntries(Object.entries(record).map(([field, value]) => [field, isBytes(value) ? (journalText(value) as string) : value]));
  return { line, placed, known, rest };
}

const isSyslogNgRecord = (record: Json): boolean =>
  typeof (record.MESSAGE ?? record.MSG) === 'string' && (typeof record.PROGRAM === 'string' || typeof record.LEGACY_MSGHDR === 'string' || (typeof record.HOST === 'string' && typeof record.FACILITY === 'string'));

function syslogNgRecord(record: Json, now: () => number): SystemRecord {
  const date = text(record.DATE);
  const line: SyslogLine = {
    ms: parseTimestamp(text(record.ISODATE)) ?? (date === undefined ? undefined : parseBsdDate(date, now())),
    hostname: text(record.HOST),
    appName: text(record.PROGRAM),
    procId: text(record.PID),
    msgId: text(record.MSGID),
    facility: facilityNamed(record.FACILITY),
    severity: severityNamed(record.PRIORITY ?? record.LEVEL),
    version: undefined,
    structuredData: typeof record._SDATA === 'object' && record._SDATA !== null && !Array.isArray(record._SDATA) ? (record._SDATA as Json) : undefined,
    message: text(record.MESSAGE) ?? text(record.MSG) ?? '',
  };
  const read = ['MESSAGE', 'MSG', 'ISODATE', 'DATE', 'HOST', 'PROGRAM', 'PID', 'MSGID', 'FACILITY', 'PRIORITY', 'LEVEL', '_SDATA'];
  return { line, placed: [], known: new Set(read), rest: record };
}

const isRsyslogMessage = (record: Json): boolean => typeof record.msg === 'string' && typeof record.syslogtag === 'string' && ('timereported' in record || 'rawmsg' in record);
const isRsyslogTemplate = (record: Json): boolean => typeof record.sysloghost === 'string' && typeof record.programname === 'string';

function rsyslogMessage(record: Json): SystemRecord {
  const data = text(record['structured-data']);
  const line: SyslogLine = {
    ms: parseTimestamp(text(record.timereported)),
    hostname: text(record.hostname),
    appName: text(record.programname) ?? text(record['app-name']),
    procId: text(record.procid),
    msgId: text(record.msgid),
    facility: code(record.syslogfacility, 23),
    severity: code(record.syslogseverity, 7),
    version: record['protocol-version'] === '1' ? 1 : undefined,
    structuredData: data === undefined ? undefined : structuredData(data),
    // After a BSD tag rsyslog keeps the space that separates it from the text.
    message: (record.msg as string).trimStart(),
  };
  const read = ['msg', 'timereported', 'hostname', 'programname', 'app-name', 'procid', 'msgid', 'syslogfacility', 'syslogseverity', 'protocol-version', 'structured-data', 'pri'];
  return { line, placed: [], known: new Set(read), rest: record };
}

function rsyslogTemplate(record: Json): SystemRecord {
  const line: SyslogLine = {
    ms: parseTimestamp(record['@timestamp']),
    hostname: text(record.sysloghost),
    appName: text(record.programname),
    procId: text(record.procid),
    msgId: undefined,
    facility: facilityNamed(record.facility),
    severity: severityNamed(record.severity),
    version: undefined,
    structuredData: undefined,
    message: typeof record.message === 'string' ? record.message.trimStart() : '',
  };
  const read = ['@timestamp', 'message', 'sysloghost', 'programname', 'procid', 'facility', 'severity'];
  return { line, placed: [], known: new Set(read), rest: record };
}

const isVectorSyslog = (record: Json): boolean =>
  typeof record.message === 'string' && (record.source_type === 'syslog' || (typeof record.appname === 'string' && typeof record.hostname === 'string' && (typeof record.facility === 'string' || typeof record.severity === 'string')));

function vectorSyslog(record: Json): SystemRecord {
  const procId = typeof record.procid === 'number' ? String(record.procid) : text(record.procid);
  const line: SyslogLine = {
    ms: parseTimestamp(record.timestamp),
    hostname: text(record.hostname),
    appName: text(record.appname),
    procId,
    msgId: text(record.msgid),
    facility: facilityNamed(record.facility),
    severity: severityNamed(record.severity),
    version: typeof record.version === 'number' ? record.version : undefined,
    structuredData: undefined,
    message: record.message as string,
  };
  const read = ['message', 'timestamp', 'hostname', 'appname', 'procid', 'msgid', 'facility', 'severity', 'version'];
  return { line, placed: [], known: new Set(read), rest: record };
}

const isFluentSyslog = (record: Json): boolean =>
  typeof record.ident === 'string' && typeof record.message === 'string' && ['pri', 'host', 'hostname', 'pid'].some((key) => typeof record[key] === 'string');

/** Fluent Bit keeps the parsed `time` as written (Time_Keep On): a BSD time, or RFC 5424's; its Kafka output adds `@timestamp`. */
function fluentTime(record: Json, now: () => number): number | undefined {
  const stamped = record['@timestamp'];
  if (stamped !== undefined && stamped !== null) return parseTimestamp(stamped);
  const time = text(record.time);
  return time === undefined ? undefined : (parseTimestamp(time) ?? parseBsdDate(time, now()));
}

function fluentSyslog(record: Json, now: () => number): SystemRecord {
  const priority = code(record.pri, 191);
  const data = text(record.extradata);
  const line: SyslogLine = {
    ms: fluentTime(record, now),
    hostname: text(record.host) ?? text(record.hostname),
    appName: text(record.ident),
    procId: text(record.pid),
    msgId: text(record.msgid),
    ...fromPriority(priority),
    version: undefined,
    structuredData: data === undefined ? undefined : structuredData(data),
    message: record.message as string,
  };
  const read = ['message', '@timestamp', 'time', 'host', 'hostname', 'ident', 'pid', 'msgid', 'pri', 'extradata'];
  return { line, placed: [], known: new Set(read), rest: record };
}

/**
 * The record of a system log daemon, or undefined for any other record. `now`: when it arrived, for a BSD date's
 * year, asked only of a record with such a date.
 */
export function readSystemRecord(record: Json, now: () => number): SystemRecord | undefined {
  if (isJournalEntry(record)) return journalEntry(record);
  if (isSyslogNgRecord(record)) return syslogNgRecord(record, now);
  if (isRsyslogMessage(record)) return rsyslogMessage(record);
  if (isRsyslogTemplate(record)) return rsyslogTemplate(record);
  if (isVectorSyslog(record)) return vectorSyslog(record);
  if (isFluentSyslog(record)) return fluentSyslog(record, now);
  return undefined;
}
