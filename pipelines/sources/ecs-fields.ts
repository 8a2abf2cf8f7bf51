import { isIP } from 'node:net';
import { isJsonObject } from '../../shared/json-object.js';
import { latencyBucket } from '../../shared/latency-histogram.js';
import { get, objectAt, put, routeTemplate, type Json } from '../ecs.js';
import { UNREDACTED_ROOTS } from '../enrich/redact.js';
import { httpOutcome, keepRest, type Claim } from './common.js';
import { fits, mapping } from './mapped-types.js';

/**
 * Records that are ECS already, as Elastic's ecs-logging libraries write them (pino, winston, Python, Go, Java,
 * .NET): `log.level`, `process.pid`, `service.name` as dotted keys, `log: { origin: { "file.line": 7 } }` nested,
 * or both. Filebeat's `expand_keys` and Elasticsearch itself read a dotted key as the path it names, so the fields
 * of ECS's field sets go to their ECS place here too, instead of under the custom namespace.
 *
 * A value goes there only when Elasticsearch will take it (the type that ilm/ maps the field to, else any) and the
 * document has no other value there yet (the source's own fields, Filebeat's, the data stream's); otherwise it is
 * kept under the namespace as before, its path joined with "_". A whole document is never refused for one field.
 */

/** ECS 8.11's top-level field sets and base fields (the field sets only reused under others, as `geo`, are not). */
const ECS_ROOTS: ReadonlySet<string> = new Set([
  'agent', 'client', 'cloud', 'container', 'data_stream', 'destination', 'device', 'dll', 'dns', 'ecs', 'email', 'error', 'event', 'faas',
  'file', 'group', 'host', 'http', 'labels', 'log', 'network', 'observer', 'orchestrator', 'organization', 'package', 'process', 'registry',
  'related', 'rule', 'server', 'service', 'source', 'span', 'tags', 'threat', 'tls', 'trace', 'transaction', 'url', 'user', 'user_agent',
  'vulnerability',
]);

/** Whether a record's key names an ECS field (`process.pid`, `http`), so that placeEcs is worth asking. */
export function isEcsKey(key: string): boolean {
  const dot = key.indexOf('.');
  return ECS_ROOTS.has(dot < 0 ? key : key.slice(0, dot));
}

/** The level of an ECS logger's record: `"log.level"` (ecs-logging's spec), or nested as `log.level`. */
export function ecsLevel(record: Json): string | undefined {
  const level = record['log.level'] ?? (record.log as Json | undefined)?.level;
  return typeof level === 'string' && level !== '' ? level : undefined;
}


/** Whether a path crosses a field the templates map as a value (`url.original.x`): Elasticsearch refuses it. */
function crossesLeaf(path: string): boolean {
  const { types } = mapping();
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const type = types.get(path.slice(0, dot));
    if (type !== undefined && type !== 'object') return true;
  }
  return false;
}

/** The document's value at a path: `undefined` when free, `null` when a value lies on the way (taken). */
function occupant(document: Json, parts: readonly string[]): unknown {
  let node: unknown = document;
  for (const part of parts) {
    if (node === undefined) return undefined;
    if (!isJsonObject(node)) return null;
    node = node[part];
  }
  return node;
}

/**
 * The text a record may put in the objects redaction does not walk (`event`, `service`, `agent`, `rule`, …): names,
 * versions, identifiers and ECS's enumerations. Other text there (`event.original`, `event.reason`, `rule.description`)
 * stays under the namespace, where redaction masks what it holds.
 */
const TEXT_UNREDACTED: ReadonlySet<string> = new Set([
  'service.name', 'service.version', 'service.environment', 'service.node.name', 'service.node.role', 'service.type', 'service.id', 'service.state',
  'event.action', 'event.category', 'event.type', 'event.kind', 'event.outcome', 'event.module', 'event.provider', 'event.code', 'event.id',
  'event.severity', 'event.timezone', 'tags',
]);

/** Whether a value holds text that redaction would not see where it is going. */
function unredactedText(path: string, value: unknown): boolean {
  const dot = path.indexOf('.');
  if (!UNREDACTED_ROOTS.has(dot < 0 ? path : path.slice(0, dot)) || TEXT_UNREDACTED.has(path)) return false;
  return typeof value === 'string' || (Array.isArray(value) && value.some((item) => typeof item === 'string' || typeof item === 'object'));
}

let placements = 0;

/** Puts a value at a free path, creating the objects on the way (occupant() said none is in the way). */
function placeAt(document: Json, parts: readonly string[], value: unknown): void {
  placements += 1;
  let node = document;
  for (let i = 0; i < parts.length - 1; i += 1) {
    const part = parts[i] as string;
    node[part] ??= {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * Places one ECS key of a record (its value walked down when an object, dotted keys inside it too) and keeps what
 * cannot go to its ECS place under `namespace`. `levelRead`: the source took the level from `log.level` already.
 */
export function placeEcs(document: Json, key: string, value: unknown, namespace: string, levelRead: boolean): void {
  const kept = (path: string, rest: unknown) => {
    objectAt(document, namespace)[path.replaceAll('.', '_')] = rest;
  };
  const walk = (path: string, node: unknown): void => {
    if ((levelRead && path === 'log.level') || node === null || node === undefined || node === '') return;
    const parts = path.split('.');
    // A field set is an object: `"user": "bob"` or `"url": "http://…"` is an application's own field of that name.
    if (parts.includes('') || (parts.length === 1 && path !== 'tags' && !isJsonObject(node)) || crossesLeaf(path)) return kept(path, node);
    const type = mapping().types.get(path);
    if (isJsonObject(node) && Object.keys(node).length > 0 && (type === undefined || type === 'object')) {
      for (const inner in node) walk(`${path}.${inner}`, node[inner]);
      return;
    }
    const there = occupant(document, parts);
    if (there !== undefined && !(path === 'tags' && Array.isArray(there))) {
      // The same value again (as Filebeat's and the record's host name often are) is not kept twice.
      if (there !== node) kept(path, node);
      return;
    }
    if (!fits(path, node) || unredactedText(path, node)) return kept(path, node);
    if (path === 'tags') return mergeTags(document, node);
    placeAt(document, parts, node);
  };
  walk(key, value);
}

/** A record's tags join the document's (Filebeat's and Sluice's), each once. */
function mergeTags(document: Json, tags: unknown): void {
  const into = (document.tags ??= []) as unknown[];
  for (const tag of Array.isArray(tags) ? tags : [tags]) if (!into.includes(tag)) into.push(tag);
}

/** keepRest, then what ECS fields placed by `claim` give the document (deriveFromEcs), when the record had any. */
export function keepRestPlacingEcs(document: Json, record: Json, known: ReadonlySet<string>, claim: Claim): void {
  const before = placements;
  keepRest(document, record, known, 'rendiff', claim);
  if (placements !== before) deriveFromEcs(document);
}

/**
 * What a source's own fields give a document, from the same fields written by an ECS logger: the outcome
 * (`http.response.status_code`), the route (`url.path`) and the latency bucket (`event.duration`, ns) the SLOs count
 * by; and, as ECS asks (source and destination always, client and server when the direction is known), `source.*`
 * from `client.*`, which GeoIP, the network direction and the detectors read.
 */
function deriveFromEcs(document: Json): void {
  const status = get(document, 'http.response.status_code');
  if (typeof status === 'number' && get(document, 'event.outcome') === undefined) put(document, 'event.outcome', httpOutcome(status));
  const path = get(document, 'url.path');
  if (typeof path === 'string' && get(document, 'rendiff.route') === undefined) put(document, 'rendiff.route', routeTemplate(path));
  const duration = get(document, 'event.duration');
  if (typeof duration === 'number' && get(document, 'rendiff.latency_bucket') === undefined) put(document, 'rendiff.latency_bucket', latencyBucket(duration));
  const client = document.client;
  if (isJsonObject(client) && typeof client.ip === 'string' && isIP(client.ip) !== 0 && get(document, 'source.ip') === undefined) {
    put(document, 'source.ip', client.ip);
    if (Number.isInteger(client.port)) put(document, 'source.port', client.port);
  }
}
