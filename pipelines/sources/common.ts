import { z } from 'zod';
import { addTag, ECS_VERSION, get, objectAt, put, routeTemplate, urlFields, type Json } from '../ecs.js';
import { acceptedName, isRenamedFieldName } from '../field-names.js';
import { FILEBEAT_METADATA } from '../filebeat.js';
import { fitsUnder } from './mapped-types.js';
import { formatTimestamp, parseTimestamp } from '../timestamps.js';
import { RejectedError } from '../types.js';
import { acceptor } from './accept.js';
import { isJsonObject, setOwn } from '../../shared/json-object.js';

export interface NormaliseContext {
  namespace: string;
  /** Ingest time, epoch ms. */
  now: number;
  envelope: Json | undefined;
  tags: string[];
}

/**
 * zod's verdict as a rejection that names the field and what was wrong with it. A record the schema's
 * acceptor passes is returned as it is (zod would return a copy of it); any other goes through zod.
 */
export function validator<T>(schema: z.ZodType<T>): (record: unknown) => T {
  const accepts = acceptor(schema);
  return (record) => {
    if (accepts(record)) return record as T;
    const result = schema.safeParse(record);
    if (result.success) return result.data;
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    const field = issue.path.length === 0 ? 'the record' : `field ${issue.path.join('.')}`;
    throw new RejectedError('validate', `${field}: ${issue.message}`);
  };
}

/** The event time: the record's own, else Filebeat's; a record whose time cannot be read is rejected. */
export function eventTime(value: unknown, field: string, context: NormaliseContext): number {
  if (value !== undefined && value !== null && value !== '') {
    const parsed = parseTimestamp(value);
    if (parsed === undefined) throw new RejectedError('validate', `field ${field}: unrecognised date ${JSON.stringify(value)}`);
    return parsed;
  }
  const fromEnvelope = parseTimestamp(context.envelope?.['@timestamp']);
  if (fromEnvelope !== undefined) return fromEnvelope;
  throw new RejectedError('validate', `field ${field}: missing, and no Filebeat @timestamp to fall back on`);
}

const ANSI_COLOURS = /\x1b\[[0-9;]*m/g;
/** A line without the terminal colours a logger writes when its output is a terminal (zerolog's console, uvicorn's). */
export function withoutColours(line: string): string {
  return line.includes('\x1b') ? line.replace(ANSI_COLOURS, '') : line;
}

/** The context with the time to fall back on for a record without one: Filebeat's, else when it arrived. */
export function withReceivedTime(context: NormaliseContext): NormaliseContext {
  return context.envelope !== undefined ? context : { ...context, envelope: { '@timestamp': new Date(context.now).toISOString() } };
}

/** The time of a record that has none of its own: Filebeat's, else when it arrived. */
export function receivedTime(context: NormaliseContext): number {
  return eventTime(undefined, '@timestamp', withReceivedTime(context));
}

/** Events of one batch share their ingest time: formatted once per millisecond, not once per event. */
let ingested = { at: Number.NaN, text: '' };
function ingestedAt(now: number): string {
  if (ingested.at !== now) ingested = { at: now, text: new Date(now).toISOString() };
  return ingested.text;
}

/** The fields every document has: time, ECS version, event and data stream naming, Filebeat's metadata. */
/**
 * `service` is the name used when Filebeat's `fields.service` does not give one (the source's own,
 * such as "traefik"); `fields.service` always wins.
 */
export function baseDocument(dataset: string, timestamp: number, context: NormaliseContext, service?: string): Json {
  const document: Json = {
    '@timestamp': formatTimestamp(timestamp),
    ecs: { version: ECS_VERSION },
    event: { dataset, ingested: ingestedAt(context.now) },
    data_stream: { type: 'logs', dataset, namespace: context.namespace },
  };
  const envelope = context.envelope;
  if (envelope !== undefined) {
    const fields = (envelope.fields ?? {}) as Json;
    put(document, 'service.name', fields.service);
    put(document, 'log.file.path', ((envelope.log as Json | undefined)?.file as Json | undefined)?.path);
    put(document, 'log.offset', (envelope.log as Json | undefined)?.offset);
    // What Filebeat's add_host/docker/kubernetes/cloud_metadata processors wrote is ECS already: kept whole.
    for (const key of FILEBEAT_METADATA) if (isJsonObject(envelope[key])) document[key] = envelope[key];
    const host = document.host as Json | undefined;
    if (host !== undefined && host.name === undefined && host.hostname !== undefined) document.host = { ...host, name: host.hostname };
    const agent = envelope.agent as Json | undefined;
    if (agent !== undefined) document.agent = { type: agent.type, version: agent.version, name: agent.name, id: agent.id };
    for (const [key, value] of Object.entries(fields)) if (key !== 'service' && key !== 'log_type') put(document, `labels.${key}`, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  if ((document.service as Json | undefined)?.name === undefined) put(document, 'service.name', service);
  // Filebeat's own tags (its `tags` option, `beats_input_codec_*`), then the decoder's.
  const shipped = envelope?.tags;
  if (Array.isArray(shipped)) {
    const tags = [...new Set([...shipped.filter((tag): tag is string => typeof tag === 'string'), ...context.tags])];
    if (tags.length > 0) document.tags = tags;
  } else if (context.tags.length > 0) document.tags = [...context.tags];
  return document;
}

/**
 * A source's say over a field it maps only sometimes (by its value's type, say): true when it placed the value
 * in the document, so that keepRest does not keep it too.
 */
export type Claim = (document: Json, key: string, value: Json[string], record: Json) => boolean;

/**
 * Fields ECS lacks go under the custom namespace, never dropped (DESIGN.md). `claim` is asked only of the
 * fields present and not known, so a source's occasional fields cost nothing on the records without them.
 */
export function keepRest(document: Json, record: Json, known: ReadonlySet<string>, namespace = 'rendiff', claim?: Claim): void {
  let target: Json | undefined;
  for (const key in record) {
    const value = record[key];
    if (known.has(key) || value === null || value === undefined || value === '') continue;
    if (claim !== undefined && claim(document, key, value, record)) continue;
    // The namespace object only when there is something to keep; a dotted key stays one field, and a name
    // decode would rename in a JSON record (a logfmt pair's empty key, `__proto__`) is renamed as it would be.
    target ??= objectAt(document, namespace);
    let name = key.includes('.') ? key.replaceAll('.', '_') : key;
    if (isRenamedFieldName(name)) {
      name = acceptedName(name, () => false);
      addTag(document, 'field_names_renamed');
    }
    // Sluice's own fields in the namespace (`traefik.service_name`) are not the record's to fill: a key that lands on
    // one already set, or with a value it cannot hold, is kept beside it under a leading `_`, as decode renames
    // (field-names.ts; inline here, with no closure per kept field). Own fields only: `constructor` is a record's too.
    while (Object.hasOwn(target, name) || !fitsUnder(namespace, name, value)) name = `_${name}`;
    target[name] = value;
  }
}

/** ECS's event.outcome of an HTTP exchange: a failure from status 400 on. */
export function httpOutcome(status: number): 'success' | 'failure' {
  return status >= 400 ? 'failure' : 'success';
}

/** A log level at which an event without a status is a failure (`panic`: Go's loggers', FFmpeg's, above fatal). */
export function isFailureLevel(level: string | undefined): boolean {
  return level === 'error' || level === 'critical' || level === 'fatal' || level === 'panic';
}

/** What a request line and its answer give: method, URL and route, HTTP version, status and outcome. */
export function putExchange(document: Json, method: string, target: string, version: string, status: number): void {
  put(document, 'http.request.method', method);
  put(document, 'http.version', version);
  putRequestTarget(document, target);
  put(document, 'http.response.status_code', status);
  put(document, 'event.outcome', httpOutcome(status));
}

/** A request's target as ECS's url.original, path and query, with its route template (and a tag when it cannot be decoded). */
export function putRequestTarget(document: Json, target: string): void {
  const url = urlFields(target);
  put(document, 'url.original', url.original);
  put(document, 'url.path', url.path);
  put(document, 'url.query', url.query);
  put(document, 'url.extension', url.extension);
  put(document, 'rendiff.route', routeTemplate(url.path));
  if (!url.decodedOk) addTag(document, 'url_decode_failed');
}

/**
 * An identifier written as a string or a number (stored as a string by the normaliser). Plain schemas, no
 * zod transforms: a transform per field made the app schema's check 2.4 times dearer (1.6 µs against 0.66).
 */
export const idLike = z.union([z.string(), z.number()]);
export const level = z.string().min(1);

/** What is left of an object after the fields placed, under the namespace by its key; nothing when all were placed. */
export function keepLeft(document: Json, key: string, object: Json, placed: readonly string[]): void {
  const left: Json = {};
  for (const field in object) if (!placed.includes(field) && object[field] !== undefined) setOwn(left, field, object[field]);
  if (Object.keys(left).length > 0) objectAt(document, 'rendiff')[key] = left;
}

/** Where in the code a record was written: `log.origin.*`, when the file is text and no origin is placed yet. */
export function placeOrigin(document: Json, file: unknown, line: unknown, fn: unknown): boolean {
  if (typeof file !== 'string' || file === '' || get(document, 'log.origin.file.name') !== undefined) return false;
  put(document, 'log.origin.file.name', file);
  if (Number.isSafeInteger(line) && (line as number) >= 0) put(document, 'log.origin.file.line', line);
  if (typeof fn === 'string' && fn !== '') put(document, 'log.origin.function', fn);
  return true;
}

/** Puts a value where the document has none; false (kept by the caller) when taken or of another type. */
export function putFree(document: Json, path: string, value: unknown, fits: boolean): boolean {
  if (!fits || value === '' || get(document, path) !== undefined) return false;
  put(document, path, value);
  return true;
}
