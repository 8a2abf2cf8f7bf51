import { put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { baseDocument, isFailureLevel, receivedTime, type NormaliseContext } from './common.js';
import { placeTrace } from './logger-formats.js';

/**
 * The text Python programs write with the standard `logging` module's usual formats, or Loguru's default, when nobody
 * configured JSON: what a FastAPI or Celery service's own modules log beside uvicorn's and Celery's lines.
 * - `%(levelname)s:%(name)s:%(message)s`, logging.BASIC_FORMAT (basicConfig's default): `ERROR:app.jobs:job failed`;
 * - `%(asctime)s - %(name)s - %(levelname)s - %(message)s` (the logging HOWTO's) and `%(asctime)s - %(levelname)s -
 *   %(message)s`;
 * - `%(asctime)s [%(levelname)s] %(name)s: %(message)s` and `%(asctime)s %(levelname)s %(message)s` (the logger, when
 *   not marked by brackets or a colon, stays in the message: nothing tells it from a first word);
 * - `%(asctime)s:%(levelname)s:%(name)s:%(message)s`;
 * - Flask's documented `[%(asctime)s] %(levelname)s in %(module)s: %(message)s`;
 * - Loguru's default, `2026-12-07 09:27:32.123 | ERROR    | app.jobs:run:42 - job failed`.
 * asctime (`2026-12-07 09:27:32,123`) has no zone: read as UTC, as every time without one. A traceback logged with the
 * message (logger.exception, an uncaught error) follows it on the next lines, which Filebeat's multiline joins.
 */
const LEVEL = 'DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL';
const ASCTIME = '(\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[,.]\\d{1,6})?)';
const LOGGER = '([A-Za-z_][\\w.-]{0,200})';
const FORMATS: ReadonlyArray<{ pattern: RegExp; groups: ReadonlyArray<'time' | 'level' | 'logger' | 'function' | 'line' | 'message'> }> = [
  { pattern: new RegExp(`^(${LEVEL}):${LOGGER}:(.*)$`, 's'), groups: ['level', 'logger', 'message'] },
  { pattern: new RegExp(`^${ASCTIME} - ${LOGGER} - (${LEVEL}) - (.*)$`, 's'), groups: ['time', 'logger', 'level', 'message'] },
  { pattern: new RegExp(`^${ASCTIME} - (${LEVEL}) - (.*)$`, 's'), groups: ['time', 'level', 'message'] },
  { pattern: new RegExp(`^${ASCTIME} \\[(${LEVEL})\\] ${LOGGER}: (.*)$`, 's'), groups: ['time', 'level', 'logger', 'message'] },
  { pattern: new RegExp(`^${ASCTIME} \\[(${LEVEL})\\] (.*)$`, 's'), groups: ['time', 'level', 'message'] },
  { pattern: new RegExp(`^${ASCTIME}:(${LEVEL}):${LOGGER}:(.*)$`, 's'), groups: ['time', 'level', 'logger', 'message'] },
  { pattern: new RegExp(`^\\[${ASCTIME}\\] (${LEVEL}) in ${LOGGER}: (.*)$`, 's'), groups: ['time', 'level', 'logger', 'message'] },
  { pattern: new RegExp(`^${ASCTIME} \\| (TRACE|DEBUG|INFO|SUCCESS|WARNING|ERROR|CRITICAL) {0,8}\\| ${LOGGER}:([\\w<>.-]{1,200}):(\\d{1,9}) - (.*)$`, 's'), groups: ['time', 'level', 'logger', 'function', 'line', 'message'] },
  { pattern: new RegExp(`^${ASCTIME} (${LEVEL}) (.*)$`, 's'), groups: ['time', 'level', 'message'] },
];

export interface PythonLine {
  ms: number | undefined;
  level: string;
  logger: string | undefined;
  function: string | undefined;
  line: number | undefined;
  message: string;
}

/** A line in one of Python's usual logging formats, or undefined. */
export function parsePythonLine(text: string): PythonLine | undefined {
  for (const { pattern, groups } of FORMATS) {
    const match = pattern.exec(text);
    if (match === null) continue;
    const field = (name: (typeof groups)[number]): string | undefined => {
      const index = groups.indexOf(name);
      return index < 0 ? undefined : match[index + 1];
    };
    const time = field('time');
    const ms = time === undefined ? undefined : parseTimestamp(time);
    if (time !== undefined && ms === undefined) continue;
    const line = field('line');
    return { ms, level: levelOf(field('level') as string), logger: field('logger'), function: field('function'), line: line === undefined ? undefined : Number(line), message: field('message') as string };
  }
  return undefined;
}

function levelOf(name: string): string {
  if (name === 'WARN') return 'warning';
  if (name === 'SUCCESS') return 'info';
  return name.toLowerCase();
}

const TRACEBACK = '\nTraceback (most recent call last):';

/**
 * A message followed by the traceback Python's logging writes after it (`logger.exception`, an error a server logs
 * with exc_info): the message alone, and the traceback as `error.stack_trace` with the exception's type and message
 * (its last line; of a chain, the exception raised last). Gives the message without the traceback.
 */
export function placeTraceback(document: Json, message: string): string {
  const at = message.indexOf(TRACEBACK);
  if (at < 0) return message;
  placeTrace(document, message.slice(at + 1));
  return message.slice(0, at);
}

export function putPythonLine(document: Json, line: PythonLine): void {
  put(document, 'log.level', line.level);
  put(document, 'log.logger', line.logger);
  put(document, 'log.origin.function', line.function);
  put(document, 'log.origin.file.line', line.line);
  put(document, 'message', placeTraceback(document, line.message));
  if (isFailureLevel(line.level)) put(document, 'event.outcome', 'failure');
}

/** A Python logging line on a Python service's topic (the API's, the worker's) as its document, or undefined. */
export function normalisePythonLine(text: string, context: NormaliseContext, dataset: string, service: string): Json | undefined {
  const line = parsePythonLine(text);
  if (line === undefined) return undefined;
  const document = baseDocument(dataset, line.ms ?? receivedTime(context), context, service);
  putPythonLine(document, line);
  return document;
}
