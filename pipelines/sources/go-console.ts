import { put, type Json } from '../ecs.js';
import { logfmtValue } from './logfmt.js';
import { parseTimestamp } from '../timestamps.js';
import { isFailureLevel } from './common.js';

/**
 * The console formats of Go's two structured loggers, what a Go service prints when nobody configured JSON:
 * - zap's console encoder (`zap.NewDevelopment()`, zapcore's ConsoleEncoder): tab-separated time, level, the logger's
 *   name when it has one, the caller, the message and the fields as JSON; from warnings on, the development logger
 *   writes the stack under the line (Filebeat's multiline joins it);
 * - zerolog's ConsoleWriter without colours: `2026-12-07T12:18:56Z ERR job failed error="ffmpeg exited 1" job_id=job-42`,
 *   the context fields after the message (a message may hold `=`: they stay one text with it).
 */
const ZAP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\t(DEBUG|INFO|WARN|ERROR|DPANIC|PANIC|FATAL)\t([^\n]*)(?:\n([\s\S]*))?$/;
const CALLER = /^([\w.@/-]+\.go):(\d+)$/;

/** zerolog's console levels. */
const ZEROLOG_LEVELS: Readonly<Record<string, string>> = { TRC: 'trace', DBG: 'debug', INF: 'info', WRN: 'warn', ERR: 'error', FTL: 'fatal', PNC: 'panic' };
const ZEROLOG = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (TRC|DBG|INF|WRN|ERR|FTL|PNC) (.*)$/s;
/** The ConsoleWriter's `error=` field: a bare word, or quoted with Go's escapes. */
const ZEROLOG_ERROR = / error=("(?:[^"\\]|\\.)*"|\S+)/;

export interface ConsoleLine {
  time: string;
  level: string;
  message: string;
  logger: string | undefined;
  file: string | undefined;
  line: number | undefined;
  /** zap's fields (its JSON after the message). */
  fields: Json | undefined;
  error: string | undefined;
  stack: string | undefined;
}

/** A zerolog console line: its time, level, the message with its context fields, and the `error` field's value. */
export function parseZerologConsole(text: string): ConsoleLine | undefined {
  const found = ZEROLOG.exec(text);
  if (found === null) return undefined;
  const error = ZEROLOG_ERROR.exec(found[3] as string);
  return { time: found[1] as string, level: ZEROLOG_LEVELS[found[2] as string] as string, message: found[3] as string, logger: undefined, file: undefined, line: undefined, fields: undefined, error: error === null ? undefined : logfmtValue(error[1] as string, 0).value, stack: undefined };
}

/** A zap console line, the stack under it when it has one. */
export function parseZapConsole(text: string): ConsoleLine | undefined {
  const found = ZAP.exec(text);
  if (found === null) return undefined;
  const parts = (found[3] as string).split('\t');
  let fields: Json | undefined;
  const last = parts.at(-1) as string;
  if (parts.length > 1 && last.startsWith('{') && last.endsWith('}')) {
    try {
      fields = JSON.parse(last) as Json;
      parts.pop();
    } catch {
      fields = undefined;
    }
  }
  // Before the message: the logger's name (when named) and the caller (when added), in that order.
  const caller = parts.findIndex((part, index) => index < parts.length - 1 && CALLER.test(part));
  const named = caller === 1 || (caller < 0 && parts.length > 1) ? parts[0] : undefined;
  const message = parts.slice(caller >= 0 ? caller + 1 : named === undefined ? 0 : 1).join('\t');
  const origin = caller >= 0 ? CALLER.exec(parts[caller] as string) : null;
  const error = fields?.error;
  return { time: found[1] as string, level: (found[2] as string).toLowerCase(), message, logger: named, file: origin?.[1], line: origin === null ? undefined : Number(origin[2]), fields, error: typeof error === 'string' ? error : undefined, stack: found[4] };
}

/** Either console format's line, with the time it gives (undefined when it is neither). */
export function parseGoConsole(text: string): (ConsoleLine & { ms: number }) | undefined {
  const line = parseZapConsole(text) ?? parseZerologConsole(text);
  const ms = line === undefined ? undefined : parseTimestamp(line.time);
  return line === undefined || ms === undefined ? undefined : { ...line, ms };
}

export function putGoConsole(document: Json, line: ConsoleLine): void {
  put(document, 'log.level', line.level);
  put(document, 'log.logger', line.logger);
  put(document, 'log.origin.file.name', line.file);
  put(document, 'log.origin.file.line', line.line);
  put(document, 'message', line.message);
  put(document, 'error.message', line.error);
  put(document, 'error.stack_trace', line.stack);
  if (line.fields !== undefined) {
    for (const [key, value] of Object.entries(line.fields)) if (key !== 'error') put(document, `rendiff.${key.replaceAll('.', '_')}`, value);
  }
  if (isFailureLevel(line.level)) put(document, 'event.outcome', 'failure');
}
