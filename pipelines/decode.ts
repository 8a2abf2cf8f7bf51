import { isUtf8 } from 'node:buffer';
import { isJsonObject, setOwn } from '../shared/json-object.js';
import type { Json } from './ecs.js';
import { renameRefusedFields } from './field-names.js';
import { FILEBEAT_METADATA } from './filebeat.js';
import { shippedLine } from './shippers.js';
import { RejectedError, type Decoded, type Input, type Limits } from './types.js';

/** Depth and number of leaf values of a parsed document, stopping once a limit is passed. */
function measure(value: unknown, limits: Limits): string | undefined {
  let fields = 0;
  const walk = (node: unknown, depth: number): string | undefined => {
    if (depth > limits.maxDepth) return `nested more than ${limits.maxDepth} levels deep`;
    if (Array.isArray(node)) {
      for (const item of node) {
        const problem = walk(item, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    if (typeof node === 'object' && node !== null) {
      for (const key in node) {
        const problem = walk((node as Json)[key], depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    fields += 1;
    return fields > limits.maxFields ? `more than ${limits.maxFields} fields` : undefined;
  };
  return walk(value, 0);
}

/**
 * Whether a text is too short to break a limit, so that the walk of its parsed value can be skipped (most
 * lines): every leaf value takes at least two characters (itself and a separator), every level of nesting a
 * "{" or "[".
 */
function withinLimitsByText(text: string, limits: Limits): boolean {
  if (text.length >= 2 * limits.maxFields) return false;
  let openings = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at >= 0; at = text.indexOf(bracket, at + 1)) {
      openings += 1;
      if (openings > limits.maxDepth) return false;
    }
  }
  return true;
}

function parseJson(text: string, what: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RejectedError('decode', `${what} is not valid JSON: ${(error as Error).message}`);
  }
  // Only text that starts with "{" is parsed, so what parses is an object.
  return parsed as Json;
}

/**
 * Fields of an ECS logger's own record (ecs-logging's `"log.level"`, or `log.level`, `log.logger`, `log.origin`
 * nested, as Python's and .NET's write them), which Filebeat does not write in an event of its own.
 */
function writtenByEcsLogger(object: Json): boolean {
  const log = object.log;
  return 'log.level' in object || (isJsonObject(log) && ('level' in log || 'logger' in log || 'origin' in log));
}

/**
 * Filebeat's own fields at the root of its event (and `log_type`, which deploy/filebeat.yml adds there), left out of a
 * record Filebeat decoded at the root: they are the envelope's. `host`, `log` and `event` stay in the record too, since
 * an application writes some of theirs (`log.level`, `host.hostname`), and whatever is Filebeat's in them is the same
 * value the envelope gives.
 */
const FILEBEAT_OWN = new Set<string>(['@timestamp', '@metadata', 'input', 'agent', 'ecs', 'fields', 'tags', 'stream', 'data_stream', 'docker', 'fileset', 'log_type', ...FILEBEAT_METADATA.filter((key) => key !== 'host')]);

/**
 * Whether Filebeat decoded the application's JSON at the root while its `message` is text: `json.keys_under_root` of
 * the log input, or the filestream `ndjson` parser without a target. Its message is then the application's, not the
 * line, and the application's fields are beside Filebeat's: told by a level (Filebeat writes none at the root).
 */
function decodedAtRoot(object: Json): boolean {
  return 'level' in object || 'levelname' in object || 'severity' in object || writtenByEcsLogger(object);
}

/** The record Filebeat decoded at the root: everything but Filebeat's own fields. */
function recordAtRoot(object: Json): Json {
  const record: Json = {};
  // setOwn: the record keeps a `__proto__` field for renameRefusedFields to rename.
  for (const key in object) if (!FILEBEAT_OWN.has(key)) setOwn(record, key, object[key]);
  return record;
}

/**
 * A Filebeat event: its own @timestamp and at least one of the fields Filebeat always adds. `agent`, `ecs` and `log`
 * are in an ECS logger's record too (Python's and .NET's): then only Filebeat's `@metadata`, `input` or `fields` tell.
 */
function isFilebeatEnvelope(object: Json): boolean {
  if (typeof object['@timestamp'] !== 'string') return false;
  if ('@metadata' in object || 'input' in object || 'fields' in object) return true;
  return !writtenByEcsLogger(object) && ('agent' in object || 'ecs' in object || isJsonObject(object.log));
}

/**
 * A message's record: the JSON object it holds, else its text (tagged when it looked like JSON but was not). The
 * message was one string to the checks of the line that carried it: its record is measured against the limits here.
 */
function messageRecord(line: string, tags: string[], limits: Limits): Json | string {
  if (!line.startsWith('{')) return line;
  let record: Json;
  try {
    record = parseJson(line, 'message');
  } catch {
    tags.push('json_message_invalid');
    return line;
  }
  const problem = withinLimitsByText(line, limits) ? undefined : measure(record, limits);
  if (problem) throw new RejectedError('decode', `message is ${problem}`);
  return record;
}

/** A line of Docker's json-file log driver: the container's line, its stream and when it was written. */
function isDockerJsonFile(object: Json): boolean {
  if (typeof object.log !== 'string' || (object.stream !== 'stdout' && object.stream !== 'stderr') || typeof object.time !== 'string') return false;
  for (const key in object) if (key !== 'log' && key !== 'stream' && key !== 'time' && key !== 'attrs') return false;
  return true;
}

/** A line of the CRI log format (containerd, CRI-O: Kubernetes' nodes): time, stream, P(artial) or F(ull), the line. */
const CRI_LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) (stdout|stderr) ([PF]) /;

/**
 * The container's own line inside a container runtime's log line (Docker's json-file, CRI), as Filebeat's container
 * input unwraps it, for what reaches Sluice without it (read by another shipper, or by Filebeat's log input): the line is
 * then decoded as any other, with the runtime's time as the fallback time. A CRI partial line (over 16 KB, split by the
 * runtime) is kept as text, tagged `partial_line`: its pieces cannot be joined here.
 */
function unwrapContainerLine(decoded: Decoded, limits: Limits): Decoded {
  let line: string;
  let time: string;
  if (typeof decoded.record === 'string') {
    const cri = CRI_LINE.exec(decoded.record);
    if (cri === null) return decoded;
    line = decoded.record.slice(cri[0].length);
    time = cri[1] as string;
    if (cri[3] === 'P') {
      decoded.tags.push('partial_line');
      return { ...decoded, envelope: decoded.envelope ?? { '@timestamp': time }, record: line };
    }
  } else {
    if (!isDockerJsonFile(decoded.record)) return decoded;
    line = (decoded.record.log as string).trimEnd();
    time = decoded.record.time as string;
  }
  const text = line.trim();
  if (text === '') throw new RejectedError('decode', 'empty message in a container runtime\'s log line');
  return { ...decoded, envelope: decoded.envelope ?? { '@timestamp': time }, record: messageRecord(text, decoded.tags, limits) };
}

/**
 * Decodes one input into its Filebeat envelope and log record. Invalid UTF-8 is replaced and tagged,
 * never a crash; a line over the size limit, too deep, with too many fields or broken JSON is rejected.
 */
export function decode(input: Input, limits: Limits): Decoded {
  const decoded = unwrapContainerLine(decodeLine(input, limits), limits);
  if (typeof decoded.record !== 'string' && renameRefusedFields(decoded.record) > 0) decoded.tags.push('field_names_renamed');
  return decoded;
}

/** The input's text, and its envelope and record as they are written (unwrapContainerLine looks inside). */
function decodeLine(input: Input, limits: Limits): Decoded {
  const tags: string[] = [];
  // A UTF-16 unit is at most three UTF-8 bytes: only a string that could be over the limit is measured.
  const bytes = typeof input.value !== 'string' ? input.value.length : input.value.length * 3 <= limits.maxBytes ? 0 : Buffer.byteLength(input.value);
  if (bytes > limits.maxBytes) throw new RejectedError('decode', `message is ${bytes} bytes, over the limit of ${limits.maxBytes}`);
  let text: string;
  if (typeof input.value === 'string') text = input.value;
  else {
    if (!isUtf8(input.value)) tags.push('invalid_utf8');
    text = input.value.toString('utf8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.trim();
  if (text === '') throw new RejectedError('decode', 'empty message');

  if (!text.startsWith('{')) return { envelope: undefined, record: text, tags, text };
  const object = parseJson(text, 'message');
  const problem = withinLimitsByText(text, limits) ? undefined : measure(object, limits);
  if (problem) throw new RejectedError('decode', `message is ${problem}`);
  if (!isFilebeatEnvelope(object)) {
    const shipped = shippedLine(object);
    if (shipped === undefined) return { envelope: undefined, record: object, tags, text };
    return { envelope: shipped.envelope, record: messageRecord(shipped.line.trim(), tags, limits), tags, text };
  }

  // Filebeat either ships the line as `message`, or has decoded its JSON already (under `json`, or at the root).
  const { message, json, ...envelope } = object;
  if (isJsonObject(json)) return { envelope, record: json, tags, text };
  // Decoded at the root: a record with no message, or one whose message is the application's text, not the line.
  if (typeof message !== 'string' || (!message.trimStart().startsWith('{') && decodedAtRoot(object))) return { envelope, record: recordAtRoot(object), tags, text };
  return { envelope, record: messageRecord(message.trim(), tags, limits), tags, text };
}
