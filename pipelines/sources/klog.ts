import { put, type Json } from '../ecs.js';
import { calendarTime, MONTHS } from '../timestamps.js';

/**
 * A line of glog's format, which Kubernetes' components (klog), cAdvisor and other Go and C++ programs write:
 * `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`, L the severity (I info, W warning, E error, F fatal), the month and
 * day without a year, the time in microseconds, the process (or thread) id padded with spaces, and where in the code.
 * The time is the host's local time, read as UTC as every time without a zone; its year the latest that puts the line
 * no more than a day after it arrived.
 */
const KLOG = /^([IWEF])(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6}) +(\d{1,10}) ([^\s:\]]+):(\d{1,9})\] /;
const SEVERITIES: Readonly<Record<string, string>> = { I: 'info', W: 'warning', E: 'error', F: 'fatal' };

export interface KlogLine {
  ms: number;
  level: string;
  pid: number;
  file: string;
  line: number;
  message: string;
}

/** A glog line's parts, or undefined for a line that is not one (or whose date does not exist). */
export function parseKlogLine(text: string, now: number): KlogLine | undefined {
  const match = KLOG.exec(text);
  if (match === null) return undefined;
  const [, severity, month, day, hour, minute, second, micros, pid, file, line] = match as unknown as string[];
  const name = MONTHS[Number(month) - 1];
  const ms = name === undefined ? undefined : calendarTime({ month: name, day: day as string, hour: hour as string, minute: minute as string, second: second as string, fraction: micros }, now);
  if (ms === undefined) return undefined;
  return { ms, level: SEVERITIES[severity as string] as string, pid: Number(pid), file: file as string, line: Number(line), message: text.slice(match[0].length) };
}

/** A glog line's fields in their ECS places. */
export function putKlog(document: Json, line: KlogLine): void {
  put(document, 'message', line.message);
  put(document, 'log.level', line.level);
  put(document, 'process.pid', line.pid);
  put(document, 'log.origin.file.name', line.file);
  put(document, 'log.origin.file.line', line.line);
}
