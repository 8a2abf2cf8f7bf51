import { put, type Json } from '../ecs.js';
import { baseDocument, eventTime, keepRest, withoutColours, type Claim, type NormaliseContext } from './common.js';
import { claimLoggerField } from './json-loggers.js';
import { parseZerologConsole } from './go-console.js';
import { logfmtPairs } from './logfmt.js';

/**
 * Traefik's own log (not its access log), which shares the container's output and so the Traefik topic:
 * - Traefik 3 (zerolog, cmd/traefik/logger.go): `log.format=json` writes `level`, `time`, `message`, `error`,
 *   `caller` and context such as `providerName`; the default console format writes
 *   `2026-11-22T10:00:00Z ERR Provider error error="…" providerName=docker`, coloured when not written to a file;
 * - Traefik 2 (logrus): JSON with `level`, `msg`, `time`, or text `time="…" level=info msg="…"`.
 * Each line becomes a log event of the Traefik data stream: its time, level, message and error; Traefik's context
 * under `traefik.*` with the access log's names. Without this its JSON lines failed the access log's schema and
 * went to the dead letters, and its text lines were kept whole with the time they arrived.
 */

/** Names of Traefik's log context, as the access log's fields under `traefik.*` are named (a Map: looked up by a record's key). */
const CONTEXT_NAMES: ReadonlyMap<string, string> = new Map([
  ['providerName', 'provider_name'], ['entryPointName', 'entry_point'], ['routerName', 'router_name'], ['serviceName', 'service_name'],
  ['middlewareName', 'middleware_name'], ['middlewareType', 'middleware_type'],
]);
const KNOWN = new Set(['level', 'time', 'message']);

/** A JSON record of Traefik's own log: a level and a message, none of the access log's fields. */
export function isTraefikRuntimeRecord(record: Json): boolean {
  return typeof record.level === 'string' && (typeof record.message === 'string' || typeof record.msg === 'string') && !('RequestMethod' in record) && !('ClientAddr' in record) && !('DownstreamStatus' in record);
}

const claimRuntimeField: Claim = (document, key, value, record) => {
  const name = CONTEXT_NAMES.get(key);
  if (name === undefined) return claimLoggerField(document, key, value, record);
  if (typeof value !== 'string') return false;
  put(document, `traefik.${name}`, value);
  return true;
};

export function normaliseTraefikRuntime(record: Json, context: NormaliseContext): Json {
  const document = baseDocument('rendiff.traefik', eventTime(record.time, 'time', context), context, 'traefik');
  put(document, 'log.level', (record.level as string).toLowerCase());
  put(document, 'message', typeof record.message === 'string' ? record.message : undefined);
  keepRest(document, record, KNOWN, 'traefik', claimRuntimeField);
  return document;
}

const LOGRUS_HEAD = /^time="([^"]+)" level=([a-z]+) /;

/** A text line of Traefik's own log as its document, or undefined when it is not one. */
export function normaliseTraefikRuntimeText(line: string, context: NormaliseContext): Json | undefined {
  const plain = withoutColours(line);
  const logrus = LOGRUS_HEAD.exec(plain);
  if (logrus !== null) return normaliseTraefikRuntime({ time: logrus[1], level: logrus[2], ...logfmtPairs(plain, logrus[0].length) }, context);
  // Traefik 3's zerolog console (go-console.ts): the message and the context fields after it stay one text.
  const console = parseZerologConsole(plain);
  if (console === undefined) return undefined;
  const document = baseDocument('rendiff.traefik', eventTime(console.time, 'time', context), context, 'traefik');
  put(document, 'log.level', console.level);
  put(document, 'message', console.message);
  put(document, 'error.message', console.error);
  return document;
}
