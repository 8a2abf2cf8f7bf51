import { isUtf8 } from 'node:buffer';
import { isJsonObject } from '../shared/json-object.js';
import type { Json } from './ecs.js';
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
 * A Filebeat event: its own @timestamp and at least one of the fields Filebeat always adds. `agent`, `ecs` and `log`
 * are in an ECS logger's record too (Python's and .NET's): then only Filebeat's `@metadata`, `input` or `fields` tell.
 */
function isFilebeatEnvelope(object: Json): boolean {
  if (typeof object['@timestamp'] !== 'string') return false;
  if ('@metadata' in object || 'input' in object || 'fields' in object) return true;
  return !writtenByEcsLogger(object) && ('agent' in object || 'ecs' in object || isJsonObject(object.log));
}

/**
 * Decodes one input into its Filebeat envelope and log record. Invalid UTF-8 is replaced and tagged,
 * never a crash; a line over the size limit, too deep, with too many fields or broken JSON is rejected.
 */
export function decode(input: Input, limits: Limits): Decoded {
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
  if (!isFilebeatEnvelope(object)) return { envelope: undefined, record: object, tags, text };

  // Filebeat either ships the line as `message`, or has decoded its JSON already (under `json`, or at the root).
  const { message, json, ...envelope } = object;
  if (isJsonObject(json)) return { envelope, record: json, tags, text };
  // Decoded at the root: a record with no message, or an ECS logger's (the ndjson parser as Elastic's ECS logging
  // guides set it up, whose message is the application's text, not the line).
  if (typeof message !== 'string' || (!message.trimStart().startsWith('{') && writtenByEcsLogger(object))) {
    const decodedAtRoot: Json = { ...object };
    delete decodedAtRoot['@timestamp'];
    return { envelope, record: decodedAtRoot, tags, text };
  }
  const line = message.trim();
  if (line.startsWith('{')) {
    try {
      return { envelope, record: parseJson(line, 'message'), tags, text };
    } catch {
      tags.push('json_message_invalid');
    }
  }
  return { envelope, record: line, tags, text };
}
