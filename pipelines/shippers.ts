import { isJsonObject } from '../shared/json-object.js';
import type { Json } from './ecs.js';

/**
 * The events of shippers other than Filebeat, as their Kafka outputs write them with a JSON codec, each carrying one
 * line it read; the line is decoded as Filebeat's `message` is, and the shipper's fields become an envelope of
 * Filebeat's shape (its `@timestamp` the time to fall back on, `host`, `log.file.path`, `container`, `kubernetes`):
 * - Vector's log events (its log data model: `message`, `timestamp`, `host`, `source_type`) from the sources that read
 *   lines: `file` (`file`), `docker_logs` (`container_id`, `container_name`, `container_created_at`, `image`, `label`,
 *   `stream`), `kubernetes_logs` (`file`, `stream`, `kubernetes.pod_name`, `pod_namespace`, `pod_uid`, `pod_node_name`,
 *   `pod_labels`, `container_name`, `container_id`, `container_image` …), `stdin`, `socket`, `exec`;
 * - Fluent Bit's records (its Kafka output adds the time as `@timestamp`, epoch seconds by default or ISO 8601 text):
 *   the tail input's `log`, with the docker parser's `stream` and `time`, the cri parser's `message`, `stream`,
 *   `logtag` and `time`, the kubernetes filter's `kubernetes` (`pod_name`, `namespace_name`, `pod_id`, `host`,
 *   `labels`, `container_name`, `docker_id`, `container_image` …), and Docker's fluentd driver's `container_id`,
 *   `container_name` and `source`.
 * - Logstash's events through its Kafka output's json codec (`@timestamp`, `@version: "1"`, `message`, and what its
 *   inputs add: `host` as a name or ECS's object, `path` or `log.file.path`, `type`, `tags`, `port`, `event.original`);
 *   `type`, which names an input's logs, routes as Filebeat's `fields.log_type` does.
 * Only an event whose every field is one of these is taken for one: any other record is the application's own. What
 * says how the shipper read the line rather than what happened (Vector's `source_type`, `stream`, `offset`, `port`,
 * `container_created_at`, its exec source's `command` and `pid`; Fluent Bit's `stream`, `logtag`, `_p`, `source`;
 * Logstash's `@version`, `port`, `event.original`) is left out, as Filebeat's `stream` and `input` are.
 */

const VECTOR_LINE_SOURCES = new Set(['file', 'docker_logs', 'docker', 'kubernetes_logs', 'stdin', 'socket', 'exec', 'file_descriptor']);
const VECTOR_FIELDS = new Set(['message', 'timestamp', 'host', 'source_type', 'file', 'stream', 'container_id', 'container_name', 'container_created_at', 'image', 'label', 'kubernetes', 'port', 'command', 'pid', 'offset']);
const FLUENT_BIT_FIELDS = new Set(['@timestamp', 'date', 'log', 'message', 'time', 'stream', 'logtag', '_p', 'kubernetes', 'container_id', 'container_name', 'source']);
const LOGSTASH_FIELDS = new Set(['@timestamp', '@version', 'message', 'host', 'path', 'type', 'tags', 'port', 'log', 'event', 'ecs']);

export interface ShippedLine {
  envelope: Json;
  line: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const onlyFrom = (object: Json, fields: ReadonlySet<string>): boolean => Object.keys(object).every((key) => fields.has(key));

/** Copies the values that are there, by ECS path, into a nested object; undefined when none is. */
function nested(pairs: ReadonlyArray<readonly [string, unknown]>): Json | undefined {
  let result: Json | undefined;
  for (const [path, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    result ??= {};
    const parts = path.split('.');
    let node = result;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Json;
    node[parts.at(-1) as string] = value;
  }
  return result;
}

/**
 * Labels and annotations with their dots made underscores, as Filebeat's docker and kubernetes metadata write them
 * (`labels.dedot`): `app` beside `app.kubernetes.io/name` would otherwise be a value and an object at one path, and
 * Elasticsearch refuses the document.
 */
function dedotted(map: unknown): Json | undefined {
  if (!isJsonObject(map)) return undefined;
  const result: Json = {};
  for (const [key, value] of Object.entries(map)) result[key.replaceAll('.', '_')] = value;
  return result;
}

/** Vector's kubernetes_logs keys and Fluent Bit's kubernetes filter's, by their ECS (and Filebeat) paths. */
const KUBERNETES_PATHS: ReadonlyMap<string, string> = new Map([
  ['pod_name', 'pod.name'], ['pod_uid', 'pod.uid'], ['pod_id', 'pod.uid'], ['pod_ip', 'pod.ip'], ['pod_namespace', 'namespace'], ['namespace_name', 'namespace'],
  ['pod_node_name', 'node.name'], ['host', 'node.name'], ['pod_labels', 'labels'], ['labels', 'labels'], ['pod_annotations', 'annotations'], ['annotations', 'annotations'],
  ['namespace_labels', 'namespace_labels'], ['node_labels', 'node.labels'], ['container_name', 'container.name'],
]);
const CONTAINER_PATHS: ReadonlyMap<string, string> = new Map([['container_id', 'id'], ['docker_id', 'id'], ['container_image', 'image.name']]);

/**
 * Kubernetes metadata in ECS's (and Filebeat's) places: the pod, namespace, node, labels and container; the container's
 * id and image go to `container.*`. Any other key stays under `kubernetes` as written.
 */
function kubernetesOf(meta: unknown): { kubernetes: Json | undefined; container: Array<readonly [string, unknown]> } {
  if (!isJsonObject(meta)) return { kubernetes: undefined, container: [] };
  const pairs: Array<readonly [string, unknown]> = [];
  const container: Array<readonly [string, unknown]> = [];
  for (const [key, value] of Object.entries(meta)) {
    const path = KUBERNETES_PATHS.get(key);
    const containerPath = CONTAINER_PATHS.get(key);
    if (containerPath !== undefined) container.push([containerPath, value]);
    else if (path === undefined) pairs.push([key, value]);
    else pairs.push([path, path.endsWith('labels') || path === 'annotations' ? dedotted(value) ?? value : value]);
  }
  return { kubernetes: nested(pairs), container };
}

function envelopeOf(agent: string, time: unknown, host: unknown, file: unknown, container: Array<readonly [string, unknown]>, kubernetes: Json | undefined): Json {
  const envelope: Json = { agent: { type: agent } };
  if (time !== undefined) envelope['@timestamp'] = time;
  const hostname = text(host);
  if (hostname !== undefined) envelope.host = { name: hostname };
  const path = text(file);
  if (path !== undefined) envelope.log = { file: { path } };
  const containerFields = nested(container);
  if (containerFields !== undefined) envelope.container = containerFields;
  if (kubernetes !== undefined) envelope.kubernetes = kubernetes;
  return envelope;
}

/** Vector's log event from a source that reads lines. */
function vectorEvent(object: Json): ShippedLine | undefined {
  const line = text(object.message);
  if (line === undefined || typeof object.source_type !== 'string' || !VECTOR_LINE_SOURCES.has(object.source_type) || !onlyFrom(object, VECTOR_FIELDS)) return undefined;
  const { kubernetes, container } = kubernetesOf(object.kubernetes);
  const docker: Array<readonly [string, unknown]> = [['id', object.container_id], ['name', object.container_name], ['image.name', object.image], ['labels', dedotted(object.label)]];
  return { line, envelope: envelopeOf('vector', object.timestamp, object.host, object.file, [...docker, ...container], kubernetes) };
}

/** Fluent Bit's record as its Kafka output writes it: the line under `log` (or the cri parser's `message`). */
function fluentBitRecord(object: Json): ShippedLine | undefined {
  const time = object['@timestamp'] ?? object.date;
  const line = text(object.log) ?? text(object.message);
  const timed = typeof time === 'number' || (typeof time === 'string' && text(object.log) !== undefined);
  if (line === undefined || !timed || (object.log !== undefined && object.message !== undefined) || !onlyFrom(object, FLUENT_BIT_FIELDS)) return undefined;
  const { kubernetes, container } = kubernetesOf(object.kubernetes);
  const docker: Array<readonly [string, unknown]> = [['id', object.container_id], ['name', typeof object.container_name === 'string' ? object.container_name.replace(/^\//, '') : undefined]];
  // The record's own time, when a parser read it from the line (the docker and cri parsers' `time`), else Fluent Bit's.
  return { line, envelope: envelopeOf('fluent-bit', object.time ?? time, undefined, undefined, [...docker, ...container], kubernetes) };
}

/** Logstash's event: its line in `message`, with the host, file, input type and tags its inputs give. */
function logstashEvent(object: Json): ShippedLine | undefined {
  const line = text(object.message);
  if (line === undefined || object['@version'] !== '1' || typeof object['@timestamp'] !== 'string' || !onlyFrom(object, LOGSTASH_FIELDS)) return undefined;
  const file = isJsonObject(object.log) && isJsonObject(object.log.file) ? object.log.file.path : object.path;
  const envelope = envelopeOf('logstash', object['@timestamp'], isJsonObject(object.host) ? undefined : object.host, file, [], undefined);
  if (isJsonObject(object.host)) envelope.host = object.host;
  if (typeof object.type === 'string') envelope.fields = { log_type: object.type };
  if (Array.isArray(object.tags)) envelope.tags = object.tags;
  return { line, envelope };
}

/** The line another shipper's event carries, with its envelope; undefined for any other record. */
export function shippedLine(object: Json): ShippedLine | undefined {
  return vectorEvent(object) ?? fluentBitRecord(object) ?? logstashEvent(object);
}
