import { put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { isFailureLevel } from './common.js';
import { placeTrace } from './logger-formats.js';

/**
 * Java services' text logs (log4j's and logback's pattern layouts) in the layouts their projects ship, as the services
 * around a log pipeline write them:
 * - Apache Kafka's `[%d] %p %m (%c)%n` (config/log4j.properties): `[2026-12-07 11:00:00,123] INFO [KafkaServer id=1]
 *   started (kafka.server.KafkaServer)`;
 * - ZooKeeper's `%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n` (conf/log4j.properties, logback.xml);
 * - log4j's and logback's usual `%d %-5p [%t] %c - %m%n` and `%d [%t] %-5p %c - %m%n`;
 * - Elasticsearch's and Logstash's plain logs, `[%d{ISO8601}][%-5p][%-25c{1.}] %m%n`;
 * - Spring Boot's default console, `%d  %5p %pid --- [%t] %-40.40logger{39} : %m%n`.
 * A message may be empty (the line then ends at the logger's ` -`, its last space trimmed). The time has no zone but
 * Spring Boot's: read as UTC, as every time without one. A stack trace that Filebeat's
 * multiline joined after the first line is the error (Java's exception is its first line).
 */
const LEVEL = '(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|SEVERE)';
const TIME = '(\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[,.]\\d{1,9})?)';
const ZONED_TIME = '(\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[,.]\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?)';
const LOGGER = '([A-Za-z_$][\\w$]*(?:\\.[\\w$]+)*)';

interface Layout {
  pattern: RegExp;
  /** The groups of time, level, message, and what else the layout has. */
  read(found: RegExpExecArray): { time: string; level: string; message: string; logger?: string; thread?: string; line?: string; pid?: string };
}

const LAYOUTS: readonly Layout[] = [
  {
    // Kafka's: the logger last, in brackets, after the message (which may hold brackets of its own); a class name, with
    // dots. Flask's `[%(asctime)s] %(levelname)s in %(module)s: %(message)s` starts the same way (python-logging.ts).
    pattern: new RegExp(`^\\[${TIME}\\] ${LEVEL} (?!in [\\w.]+: )(.*?) \\(([A-Za-z_$][\\w$]*(?:\\.[\\w$]+)+)\\)$`),
    read: ([, time, level, message, logger]) => ({ time: time as string, level: level as string, message: message as string, logger }),
  },
  {
    pattern: new RegExp(`^${TIME} \\[myid:\\d*\\] - ${LEVEL} +\\[(.*?):${LOGGER}@(\\d+)\\] -(?: (.*))?$`),
    read: ([, time, level, thread, logger, line, message]) => ({ time: time as string, level: level as string, message: message ?? '', logger, thread, line }),
  },
  {
    pattern: new RegExp(`^\\[${TIME}\\]\\[${LEVEL} *\\]\\[${LOGGER} *\\] ?(.*)$`),
    read: ([, time, level, logger, message]) => ({ time: time as string, level: level as string, message: message as string, logger }),
  },
  {
    // Spring Boot's: the pid, from 3.2 the application's name in brackets, the thread padded to 15, the logger (which
    // may hold brackets: `o.a.c.c.C.[Tomcat].[localhost].[/]`) padded to 40.
    pattern: new RegExp(`^${ZONED_TIME} +${LEVEL} (\\d+) --- (?:\\[[^\\]]*\\] )?\\[ *([^\\]]*?)\\] (\\S+?) *: (.*)$`),
    read: ([, time, level, pid, thread, logger, message]) => ({ time: time as string, level: level as string, message: message as string, logger, thread, pid }),
  },
  {
    pattern: new RegExp(`^${TIME} +${LEVEL} +\\[([^\\]]*)\\] ${LOGGER} -(?: (.*))?$`),
    read: ([, time, level, thread, logger, message]) => ({ time: time as string, level: level as string, message: message ?? '', logger, thread }),
  },
  {
    pattern: new RegExp(`^${TIME} \\[([^\\]]*)\\] ${LEVEL} +${LOGGER} -(?: (.*))?$`),
    read: ([, time, thread, level, logger, message]) => ({ time: time as string, level: level as string, message: message ?? '', logger, thread }),
  },
];

export interface JavaLine {
  ms: number;
  level: string;
  message: string;
  logger: string | undefined;
  thread: string | undefined;
  line: number | undefined;
  pid: number | undefined;
  /** What Filebeat's multiline joined after the first line: the throwable log4j and logback print after the message. */
  trace: string | undefined;
}

/** A line of one of those layouts, or undefined. */
export function parseJavaLine(text: string): JavaLine | undefined {
  const first = text.charCodeAt(0);
  // Each layout starts with its time, bracketed or not: a digit or `[` first.
  if (first !== 91 && (first < 48 || first > 57)) return undefined;
  // The layout is the first line's; the lines after it are a throwable's.
  const end = text.indexOf('\n');
  const head = end < 0 ? text : text.slice(0, end);
  for (const layout of LAYOUTS) {
    const found = layout.pattern.exec(head);
    if (found === null) continue;
    const read = layout.read(found);
    const ms = parseTimestamp(read.time.replace(',', '.'));
    if (ms === undefined) return undefined;
    const trace = end < 0 ? undefined : text.slice(end + 1);
    // Trailing blanks are trimmed as the line's are (a layout with the logger after the message keeps them otherwise).
    return { ms, level: read.level.toLowerCase(), message: read.message.trimEnd(), logger: read.logger, thread: read.thread?.trim() || undefined, line: read.line === undefined ? undefined : Number(read.line), pid: read.pid === undefined ? undefined : Number(read.pid), trace: trace?.trim() === '' ? undefined : trace };
  }
  return undefined;
}

export function putJavaLine(document: Json, line: JavaLine): void {
  put(document, 'log.level', line.level);
  put(document, 'log.logger', line.logger);
  put(document, 'process.pid', line.pid);
  put(document, 'process.thread.name', line.thread);
  put(document, 'log.origin.file.line', line.line);
  put(document, 'message', line.message);
  // Java's stack trace under the message: the exception on its first line, `\tat …` frames after it.
  placeTrace(document, line.trace);
  if (isFailureLevel(line.level)) put(document, 'event.outcome', 'failure');
}
