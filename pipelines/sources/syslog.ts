import { isIP } from 'node:net';
import { put, type Json } from '../ecs.js';
import { calendarTime, parseTimestamp } from '../timestamps.js';

/**
 * Syslog lines, as a host ships them to Kafka (rsyslog's omkafka, syslog-ng, Vector) or Filebeat reads them from
 * /var/log: RFC 5424 (`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`), RFC 3164's BSD format
 * (`<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`, the PRI absent in files) and the files rsyslog writes with an ISO
 * time. To ECS: the time, `host.hostname`, `process.name` and `process.pid`, `log.syslog.*` (priority, facility and
 * severity, codes and names; the severity is `log.level` too), `message`. A BSD time has no year and no zone: the
 * year is the latest that puts the line no more than a day after its arrival, the zone UTC. A line of an ISO time
 * and text alone (no host and tag) keeps its time and the text after it.
 *
 * The messages of sshd and sudo are read as Filebeat's system module reads them (grok-auth-messages.yml,
 * common.yml): an SSH login accepted or failed is an ECS authentication event with its outcome, user and source
 * address, which the brute-force detector counts when its indices include these documents.
 */

export interface SyslogLine {
  ms: number | undefined;
  hostname: string | undefined;
  appName: string | undefined;
  procId: string | undefined;
  msgId: string | undefined;
  /** Codes; a PRI gives both, a journal entry may have its severity alone. */
  facility: number | undefined;
  severity: number | undefined;
  version: number | undefined;
  structuredData: Json | undefined;
  message: string;
}

const PRI = /^<(\d{1,3})>/;
const RFC5424 = /^([1-9]\d?) (\S+) (\S+) (\S+) (\S+) (\S+) (.*)$/s;
const BSD_TIME = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) /;
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) /;
/** HOSTNAME, then TAG (with `[PID]`) and a colon; a line without a tag ("--- last message repeated 1 time ---") is all message. */
const HOST_TAG = /^(\S+) ([\w./@-]{1,48})(?:\[([^\]\s]{1,32})\])?: ?(.*)$/s;
export const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
/** RFC 5424's severities by their code (GELF's `level` too). */
export const SYSLOG_SEVERITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'];
const LEVEL_WORDS = /^(trace|debug|info|information|notice|warn|warning|error|err|crit|critical|fatal|alert|emerg|emergency)$/i;
const HOST_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** A host name as syslog writes it (lower case), or an address; never a level word. */
const looksLikeHost = (word: string): boolean => (HOST_NAME.test(word) && !LEVEL_WORDS.test(word)) || isIP(word) !== 0;

/** A syslog line's parts, or undefined for a line that is not syslog. `now`: when it arrived, for a BSD time's year. */
export function parseSyslog(line: string, now: number): SyslogLine | undefined {
  const pri = PRI.exec(line);
  const priority = pri === null ? undefined : Number(pri[1]);
  if (priority !== undefined && priority > 191) return undefined;
  const rest = pri === null ? line : line.slice(pri[0].length);
  if (pri !== null) {
    const modern = RFC5424.exec(rest);
    if (modern !== null) return rfc5424(modern, priority);
  }
  const bsd = BSD_TIME.exec(rest);
  const iso = bsd === null ? ISO_TIME.exec(rest) : null;
  if (bsd === null && iso === null) return undefined;
  const ms = bsd === null ? parseTimestamp(iso?.[1]) : bsdTime(bsd, now);
  const after = rest.slice(((bsd ?? iso) as RegExpExecArray)[0].length);
  const found = HOST_TAG.exec(after);
  // An ISO time without a PRI is also how applications start their lines: "2026-11-22T10:00:00Z INFO main: started" or
  // "… Server started: port 8080" is no host and tag (rsyslog writes host names in lower case). Its time and text are
  // kept. A BSD time ("Dec 13 11:35:28 Johns-MacBook-Pro kernel[0]: …") is syslog's own and takes any host.
  const tagged = iso !== null && pri === null && found !== null && !looksLikeHost(found[1] as string) ? null : found;
  const base = { ms, ...fromPriority(priority), version: undefined, msgId: undefined, structuredData: undefined };
  if (tagged === null) return { ...base, hostname: undefined, appName: undefined, procId: undefined, message: after };
  return { ...base, hostname: tagged[1], appName: tagged[2], procId: tagged[3], message: tagged[4] ?? '' };
}

/** A PRI's facility and severity codes (PRI = facility × 8 + severity). */
export function fromPriority(priority: number | undefined): { facility: number | undefined; severity: number | undefined } {
  return priority === undefined ? { facility: undefined, severity: undefined } : { facility: priority >> 3, severity: priority & 7 };
}

function rfc5424(match: RegExpExecArray, priority: number | undefined): SyslogLine {
  const nil = (value: string | undefined) => (value === undefined || value === '-' ? undefined : value);
  const [, version, time, hostname, appName, procId, msgId, tail = ''] = match;
  const sdEnd = tail.startsWith('-') ? 1 : structuredDataEnd(tail);
  const message = tail.slice(sdEnd).replace(/^ /, '');
  return {
    ms: nil(time) === undefined ? undefined : parseTimestamp(time),
    hostname: nil(hostname), appName: nil(appName), procId: nil(procId), msgId: nil(msgId), ...fromPriority(priority), version: Number(version),
    structuredData: tail.startsWith('[') ? structuredData(tail.slice(0, sdEnd)) : undefined,
    // The BOM RFC 5424 puts before a UTF-8 message.
    message: message.replace(/^\uFEFF/, ''),
  };
}

/** Where STRUCTURED-DATA ends: its elements, `[…]` each, `]` inside a quoted value escaped or not counting. */
function structuredDataEnd(text: string): number {
  let at = 0;
  while (text[at] === '[') {
    let quoted = false;
    at += 1;
    for (; at < text.length; at += 1) {
      const char = text[at];
      if (char === '\\' && quoted) at += 1;
      else if (char === '"') quoted = !quoted;
      else if (char === ']' && !quoted) break;
    }
    at += 1;
  }
  return Math.min(at, text.length);
}

/** RFC 5424's STRUCTURED-DATA: `[id name="value" …]…`, values with `\"`, `\\` and `\]` escaped. */
export function structuredData(text: string): Json | undefined {
  const elements: Json = {};
  for (const element of text.matchAll(/\[([^\s\]=]+)((?:\s+[^\s=\]]+="(?:[^"\\]|\\.)*")*)\s*\]/g)) {
    const params: Json = {};
    for (const param of (element[2] ?? '').matchAll(/([^\s=\]]+)="((?:[^"\\]|\\.)*)"/g)) params[param[1] as string] = (param[2] as string).replace(/\\(["\\\]])/g, '$1');
    elements[element[1] as string] = params;
  }
  return Object.keys(elements).length > 0 ? elements : undefined;
}

/** A BSD time written alone (`Dec  6 09:41:02`, syslog-ng's DATE), read as in a line. */
export function parseBsdDate(text: string, now: number): number | undefined {
  const match = BSD_TIME.exec(`${text} `);
  return match !== null && match[0].length === text.length + 1 ? bsdTime(match, now) : undefined;
}

/** A BSD time in UTC, in the latest year that puts it no more than a day after `now` (calendarTime). */
function bsdTime(match: RegExpExecArray, now: number): number | undefined {
  const [, month, day, hour, minute, second] = match as unknown as [string, string, string, string, string, string];
  return calendarTime({ month, day, hour, minute, second }, now);
}

/** The syslog fields of a document, and what sshd and sudo say in them. */
export function putSyslog(document: Json, line: SyslogLine): void {
  put(document, 'message', line.message);
  put(document, 'host.hostname', line.hostname);
  if (line.hostname !== undefined && (document.host as Json | undefined)?.name === undefined) put(document, 'host.name', line.hostname);
  put(document, 'process.name', line.appName);
  if (line.procId !== undefined && /^\d{1,9}$/.test(line.procId)) put(document, 'process.pid', Number(line.procId));
  put(document, 'log.syslog.appname', line.appName);
  put(document, 'log.syslog.procid', line.procId);
  put(document, 'log.syslog.msgid', line.msgId);
  put(document, 'log.syslog.version', line.version === undefined ? undefined : String(line.version));
  put(document, 'log.syslog.structured_data', line.structuredData);
  const { facility, severity } = line;
  if (facility !== undefined && severity !== undefined) put(document, 'log.syslog.priority', facility * 8 + severity);
  if (facility !== undefined) {
    put(document, 'log.syslog.facility.code', facility);
    put(document, 'log.syslog.facility.name', FACILITIES[facility]);
  }
  if (severity !== undefined) {
    put(document, 'log.syslog.severity.code', severity);
    put(document, 'log.syslog.severity.name', SYSLOG_SEVERITIES[severity]);
    put(document, 'log.level', SYSLOG_SEVERITIES[severity]);
  }
  if (line.appName === 'sshd') putSshEvent(document, line.message);
  else if (line.appName === 'sudo') putSudo(document, line.message);
}

const SSH_LOGIN = /^(Accepted|Failed) (\S+) for (?:invalid user )?(.*?) from (\S+) port (\d+) ssh2(?:: (.+))?$/;
const SSH_INVALID_USER = /^(Invalid) user (.*?) from (\S+)(?: port (\d+))?$/;
const SSH_NO_IDENTIFICATION = /^Did not receive identification string from (\S+)/;

/** sshd's login lines: Accepted a success, Failed and Invalid failures, as Filebeat's system module categorises them. */
function putSshEvent(document: Json, message: string): void {
  const login = SSH_LOGIN.exec(message);
  const invalid = login === null ? SSH_INVALID_USER.exec(message) : null;
  if (login === null && invalid === null) {
    const dropped = SSH_NO_IDENTIFICATION.exec(message)?.[1];
    if (dropped !== undefined && isIP(dropped) !== 0) put(document, 'source.ip', dropped);
    return;
  }
  const [event, method, user, address, port, signature] = login !== null ? login.slice(1) : [invalid?.[1], undefined, invalid?.[2], invalid?.[3], invalid?.[4], undefined];
  const accepted = event === 'Accepted';
  put(document, 'event.action', 'ssh_login');
  put(document, 'event.category', accepted ? ['authentication', 'session'] : ['authentication']);
  put(document, 'event.type', ['info']);
  put(document, 'event.outcome', accepted ? 'success' : 'failure');
  put(document, 'user.name', user);
  if (address !== undefined && isIP(address) !== 0) put(document, 'source.ip', address);
  else put(document, 'source.domain', address);
  if (port !== undefined) put(document, 'source.port', Number(port));
  put(document, 'rendiff.ssh.event', event);
  put(document, 'rendiff.ssh.method', method);
  put(document, 'rendiff.ssh.signature', signature);
}

const SUDO = /^\s*(\S+) :(?: (.*?) ;)? TTY=(.*?) ; PWD=(.*?) ; USER=(.*?) ; COMMAND=(.*)$/;

/** sudo's command lines: who ran what as whom, and its refusal ("user NOT in sudoers"). */
function putSudo(document: Json, message: string): void {
  const sudo = SUDO.exec(message);
  if (sudo === null) return;
  const [, user, error, tty, pwd, as, command] = sudo;
  put(document, 'user.name', user);
  put(document, 'user.effective.name', as);
  put(document, 'rendiff.sudo.error', error);
  put(document, 'rendiff.sudo.tty', tty);
  put(document, 'process.working_directory', pwd);
  put(document, 'rendiff.sudo.command', command);
  if (error !== undefined) put(document, 'event.outcome', 'failure');
}
